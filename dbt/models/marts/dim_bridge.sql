-- The bridge inventory (桥梁台账, "one bridge one file" 一桥一档; METRICS.md B1-B5), one row per registered
-- bridge as of the cut-off: registry data (latest asset_registered), the latest file review (资料卡 complete?),
-- the latest condition assessment that has a BCI (its kind, BCI and grade by METRICS.md B2 bands), and the
-- latest 常规定期检测 (periodic_regular) date.
with events as (
    select * from {{ ref('stg_events__bridges') }}
),

registered as (
    select
        *,
        row_number() over (partition by source_system, bridge_id order by occurred_at desc, event_id desc) as latest_rank,
        min(occurred_at) over (partition by source_system, bridge_id) as first_registered_at
    from events
    where event_type = 'asset_registered'
),

reviews as (
    select
        *,
        row_number() over (partition by source_system, bridge_id order by occurred_at desc, event_id desc) as latest_rank
    from events
    where event_type = 'bridge_file_reviewed'
),

assessments as (
    select
        *,
        row_number() over (partition by source_system, bridge_id order by occurred_at desc, event_id desc) as latest_rank
    from events
    where event_type = 'bridge_condition_assessed'
      and bci is not null
),

periodic as (
    select source_system, bridge_id, max(occurred_at) as last_periodic_regular_at
    from events
    where event_type = 'bridge_condition_assessed'
      and assessment_kind = 'periodic_regular'
    group by source_system, bridge_id
)

select
    r.source_system,
    r.bridge_id,
    r.name,
    {{ city_safety.unknown_if_null('r.street') }} as street,
    r.maintenance_class,
    r.maintenance_grade,
    r.first_registered_at as registered_at,
    v.occurred_at as file_reviewed_at,
    coalesce(v.file_complete, false) as file_complete,
    v.missing_items,
    a.occurred_at as latest_assessed_at,
    a.assessment_kind as latest_assessment_kind,
    a.bci as latest_bci,
    {{ city_safety.bci_grade('a.bci') }} as latest_grade,
    p.last_periodic_regular_at
from registered as r
left join reviews as v
    on v.source_system = r.source_system and v.bridge_id = r.bridge_id and v.latest_rank = 1
left join assessments as a
    on a.source_system = r.source_system and a.bridge_id = r.bridge_id and a.latest_rank = 1
left join periodic as p
    on p.source_system = r.source_system and p.bridge_id = r.bridge_id
where r.latest_rank = 1
