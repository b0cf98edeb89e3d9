-- Confined-space operation ledger (有限空间作业项目台账, METRICS.md S1-S5): one row per operation
-- (confined_space_work aggregate) that has started, with its compliance checks as known at the cut-off:
--   is_unit_registered     the working unit is in the unit ledger by the start (S1)
--   is_permitted           a permit approved at or before the start (S2 作业审批)
--   workers / workers_trained  workers on the operation; those with a training valid on the start date (S3)
--   is_ventilated_tested   ventilated, and a gas test logged at or before the start with O2 19.5-23.5 % (S4
--                          "先通风、再检测、后作业"; H2S/CO/LEL logged)
--   is_guarded             a named guardian present (S5)
with events as (
    select * from {{ ref('stg_events__confined_space') }}
),

started_ranked as (
    select
        *,
        row_number() over (partition by source_system, aggregate_id order by occurred_at, event_id) as start_rank
    from events
    where event_type = 'confined_space_work_started'
),

steps as (
    select
        source_system,
        aggregate_id as work_id,
        min(case when event_type = 'confined_space_work_permitted' then occurred_at end) as permitted_at,
        min(case when event_type = 'confined_space_work_completed' then occurred_at end) as completed_at
    from events
    where aggregate_type = 'confined_space_work'
    group by source_system, aggregate_id
),

units as (
    select source_system, aggregate_id as unit_id, min(occurred_at) as registered_at
    from events
    where event_type = 'confined_space_unit_registered'
    group by source_system, aggregate_id
),

training as (
    select source_system, aggregate_id as worker_id, date_local as trained_date, training_valid_until
    from events
    where event_type = 'worker_trained'
),

started as (
    select
        s.source_system,
        s.aggregate_id as work_id,
        s.unit_id,
        s.timezone,
        {{ city_safety.unknown_if_null('s.street') }} as street,
        {{ city_safety.unknown_if_null('s.category') }} as space_type,
        s.location_id,
        s.occurred_at as started_at,
        s.date_local as started_date_local,
        s.ventilated,
        s.gas_tested_at,
        s.o2_pct,
        s.h2s_ppm,
        s.co_ppm,
        s.lel_pct,
        s.guardian_id,
        s.guardian_present,
        s.workers_json
    from started_ranked as s
    where s.start_rank = 1
),

crew as (
    select
        st.source_system,
        st.work_id,
        w.worker_id
    from started as st
    -- payload workers: a JSON list of worker ids, or ids separated by ; , 、
    {{ city_safety.cross_join_unnest(city_safety.worker_ids('st.workers_json'), 'w', 'worker_id') }}
),

crew_training as (
    select
        c.source_system,
        c.work_id,
        count(distinct c.worker_id) as workers,
        count(distinct case when t.worker_id is not null then c.worker_id end) as workers_trained
    from crew as c
    inner join started as st
        on st.source_system = c.source_system and st.work_id = c.work_id
    left join training as t
        on t.source_system = c.source_system and t.worker_id = c.worker_id
       and t.trained_date <= st.started_date_local
       and (t.training_valid_until is null or t.training_valid_until >= st.started_date_local)
    group by c.source_system, c.work_id
)

select
    st.source_system,
    st.work_id,
    st.unit_id,
    st.street,
    st.space_type,
    st.location_id,
    st.started_date_local as date_local,
    st.started_at,
    sp.completed_at,
    sp.permitted_at,
    coalesce(u.registered_at <= st.started_at, false) as is_unit_registered,
    coalesce(sp.permitted_at <= st.started_at, false) as is_permitted,
    cast(coalesce(ct.workers, 0) as {{ dbt.type_bigint() }}) as workers,
    cast(coalesce(ct.workers_trained, 0) as {{ dbt.type_bigint() }}) as workers_trained,
    coalesce(
        st.ventilated
        and st.gas_tested_at <= st.started_at
        and st.o2_pct between 19.5 and 23.5
        and st.h2s_ppm is not null and st.co_ppm is not null and st.lel_pct is not null,
        false
    ) as is_ventilated_tested,
    coalesce(st.guardian_present and st.guardian_id is not null, false) as is_guarded,
    st.o2_pct,
    st.h2s_ppm,
    st.co_ppm,
    st.lel_pct
from started as st
left join steps as sp
    on sp.source_system = st.source_system and sp.work_id = st.work_id
left join units as u
    on u.source_system = st.source_system and u.unit_id = st.unit_id
left join crew_training as ct
    on ct.source_system = st.source_system and ct.work_id = st.work_id
