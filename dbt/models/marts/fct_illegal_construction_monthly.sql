-- METRICS.md I3 卫片/航拍图斑核查率, I4 新增违建及时发现率, I5 新增违建处置(拆除)率: one row per source_system,
-- local month and street:
--   issue month  imagery_spots_issued, imagery_spots_verified (cohort: verified by the cut-off),
--                imagery_spots_verified_on_time (verified <= 核查期限), imagery_spots_new_illegal
--   found month  violations_found, violations_found_by_patrol (found by patrol, I4),
--                violations_removed (cohort: demolished by the cut-off, I5), area_found_m2, area_removed_m2
with events as (
    select * from {{ ref('stg_events__illegal_construction') }}
),

spots_ranked as (
    select *, row_number() over (partition by source_system, aggregate_id order by occurred_at, event_id) as issue_rank
    from events
    where event_type = 'imagery_change_detected'
),

spot_checks as (
    select
        source_system,
        aggregate_id,
        min(occurred_at) as verified_at,
        max(case when category = 'new_illegal' then 1 else 0 end) as is_new_illegal
    from events
    where event_type = 'imagery_spot_verified'
    group by source_system, aggregate_id
),

found_ranked as (
    select *, row_number() over (partition by source_system, aggregate_id order by occurred_at, event_id) as found_rank
    from events
    where event_type = 'illegal_construction_found'
),

removals as (
    select source_system, aggregate_id, min(occurred_at) as demolished_at, {{ city_safety.exact_sum('amount') }} as area_removed_m2
    from events
    where event_type = 'illegal_construction_demolished'
    group by source_system, aggregate_id
),

anchored as (
    select
        s.source_system,
        s.date_local as d,
        {{ city_safety.unknown_if_null('s.street') }} as street,
        1 as spot_issued,
        case when c.verified_at is not null then 1 else 0 end as spot_verified,
        case when c.verified_at is not null and (s.due_at is null or c.verified_at <= s.due_at) then 1 else 0 end as spot_on_time,
        coalesce(c.is_new_illegal, 0) as spot_new_illegal,
        0 as found, 0 as found_by_patrol, 0 as removed, 0.0 as area_found, 0.0 as area_removed
    from spots_ranked as s
    left join spot_checks as c
        on c.source_system = s.source_system and c.aggregate_id = s.aggregate_id
    where s.issue_rank = 1
    union all
    select
        f.source_system,
        f.date_local,
        {{ city_safety.unknown_if_null('f.street') }},
        0, 0, 0, 0,
        1,
        case when f.category = 'patrol' then 1 else 0 end,
        case when r.demolished_at is not null then 1 else 0 end,
        coalesce(f.amount, 0),
        coalesce(r.area_removed_m2, 0)
    from found_ranked as f
    left join removals as r
        on r.source_system = f.source_system and r.aggregate_id = f.aggregate_id
    where f.found_rank = 1
),

monthly as (
    select
        source_system,
        cast({{ dbt.date_trunc('month', 'd') }} as date) as period_month,
        street,
        cast(sum(spot_issued) as {{ dbt.type_bigint() }}) as imagery_spots_issued,
        cast(sum(spot_verified) as {{ dbt.type_bigint() }}) as imagery_spots_verified,
        cast(sum(spot_on_time) as {{ dbt.type_bigint() }}) as imagery_spots_verified_on_time,
        cast(sum(spot_new_illegal) as {{ dbt.type_bigint() }}) as imagery_spots_new_illegal,
        cast(sum(found) as {{ dbt.type_bigint() }}) as violations_found,
        cast(sum(found_by_patrol) as {{ dbt.type_bigint() }}) as violations_found_by_patrol,
        cast(sum(removed) as {{ dbt.type_bigint() }}) as violations_removed,
        {{ city_safety.exact_sum('area_found') }} as area_found_m2,
        {{ city_safety.exact_sum('area_removed') }} as area_removed_m2
    from anchored
    group by 1, 2, 3
)

select
    source_system,
    period_month,
    street,
    imagery_spots_issued,
    imagery_spots_verified,
    {{ city_safety.ratio('imagery_spots_verified', 'imagery_spots_issued') }} as spot_verification_rate,
    imagery_spots_verified_on_time,
    imagery_spots_new_illegal,
    violations_found,
    violations_found_by_patrol,
    {{ city_safety.ratio('violations_found_by_patrol', 'violations_found') }} as early_detection_rate,
    violations_removed,
    {{ city_safety.ratio('violations_removed', 'violations_found') }} as removal_rate,
    area_found_m2,
    area_removed_m2
from monthly
