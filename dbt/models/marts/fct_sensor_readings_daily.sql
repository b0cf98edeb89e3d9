-- Daily sensor summary per source_system, local date, device, sensor type and unit: one straight
-- GROUP BY over stg_events__sensor_readings (built for ~10M readings). Flagged readings (quality <> 'ok')
-- are counted but never averaged.
{{ config(**city_safety.incremental_config('sensor')) }}
{{ city_safety.incremental_depends_on('sensor') }}
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
from {{ ref('stg_events__sensor_readings') }} as r
where {{ city_safety.incremental_filter('sensor', 'r') }}
group by 1, 2, 3, 4, 5
