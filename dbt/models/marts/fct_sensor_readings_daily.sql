-- Daily sensor summary per source_system, local date, device, sensor type and unit: one GROUP BY over
-- stg_events__sensor_readings (built for ~10M readings). Flagged readings (quality <> 'ok') are counted but
-- never averaged. A reading (system, device, type, instant, value_index) that two active loads both hold
-- (overlapping exports, a corrected export under a new name) counts once, with the latest load's value; only
-- the readings of loads whose spans overlap another active load of their system are ranked for that.
{{ config(**city_safety.incremental_config('sensor')) }}
{{ city_safety.incremental_depends_on('sensor') }}
with readings as (
    select r.source_system, r.date_local, r.device_id, r.sensor_type, r.unit, r.quality, r.value,
           r.measured_at, r.value_index, r.recorded_at, r.load_id
    from {{ ref('stg_events__sensor_readings') }} as r
    where {{ city_safety.incremental_filter('sensor', 'r') }}
),

overlapping_loads as (
    select distinct a.load_id
    from {{ ref('stg_events__active_loads') }} as a
    inner join {{ ref('stg_events__active_loads') }} as b
        on b.source_system = a.source_system
       and b.load_id <> a.load_id
       and a.readings_from <= b.readings_to
       and b.readings_from <= a.readings_to
),

kept as (
    select source_system, date_local, device_id, sensor_type, unit, quality, value
    from readings
    where load_id not in (select load_id from overlapping_loads)
    union all
    select source_system, date_local, device_id, sensor_type, unit, quality, value
    from (
        select readings.*,
               row_number() over (
                   partition by source_system, device_id, sensor_type, measured_at, value_index
                   order by recorded_at desc, load_id desc) as copy_rank
        from readings
        where load_id in (select load_id from overlapping_loads)
    ) as ranked
    where copy_rank = 1
)

select
    source_system,
    date_local,
    device_id,
    sensor_type,
    {{ city_safety.unknown_if_null('unit') }} as unit,
    cast(count(*) as {{ dbt.type_bigint() }}) as readings,
    cast(sum(case when quality <> 'ok' then 1 else 0 end) as {{ dbt.type_bigint() }}) as readings_flagged,
    {{ city_safety.exact_sum("case when quality = 'ok' then value end") }}
        / nullif(count(case when quality = 'ok' then value end), 0) as avg_value,
    min(case when quality = 'ok' then value end) as min_value,
    max(case when quality = 'ok' then value end) as max_value
from kept
group by 1, 2, 3, 4, 5
