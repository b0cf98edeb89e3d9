-- Confined-space work unit ledger (有限空间作业单位台账, METRICS.md S1): every unit registered by the cut-off
-- plus every unit seen working without being registered (is_registered false), with its workers trained and
-- its operations.
with events as (
    select * from {{ ref('stg_events__confined_space') }}
),

registered as (
    select
        *,
        row_number() over (partition by source_system, aggregate_id order by occurred_at desc, event_id desc) as latest_rank,
        min(occurred_at) over (partition by source_system, aggregate_id) as first_registered_at
    from events
    where event_type = 'confined_space_unit_registered'
),

work as (
    select
        source_system,
        unit_id,
        max(unit_name) as unit_name,
        max(street) as street,
        count(distinct aggregate_id) as operations,
        max(occurred_at) as last_operation_at
    from events
    where event_type = 'confined_space_work_started'
    group by source_system, unit_id
),

trained as (
    select source_system, unit_id, count(distinct aggregate_id) as workers_trained
    from events
    where event_type = 'worker_trained'
    group by source_system, unit_id
),

units as (
    select source_system, aggregate_id as unit_id from registered where latest_rank = 1
    union
    select source_system, unit_id from work
)

select
    u.source_system,
    u.unit_id,
    coalesce(r.unit_name, w.unit_name) as unit_name,
    r.category as unit_type,
    {{ city_safety.unknown_if_null('coalesce(r.street, w.street)') }} as street,
    r.first_registered_at as registered_at,
    r.aggregate_id is not null as is_registered,
    r.worker_count,
    r.ledger_status,
    cast(coalesce(t.workers_trained, 0) as {{ dbt.type_bigint() }}) as workers_trained,
    cast(coalesce(w.operations, 0) as {{ dbt.type_bigint() }}) as operations,
    w.last_operation_at
from units as u
left join registered as r
    on r.source_system = u.source_system and r.aggregate_id = u.unit_id and r.latest_rank = 1
left join work as w
    on w.source_system = u.source_system and w.unit_id = u.unit_id
left join trained as t
    on t.source_system = u.source_system and t.unit_id = u.unit_id
