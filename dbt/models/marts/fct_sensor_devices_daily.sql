-- Devices offline (设备离线, METRICS.md §4.4 device_offline): one row per source_system, local date and sensor
-- type, from fct_sensor_readings_daily (cheap: already aggregated). A device is known on a day from the day
-- of its first reading up to the last day its source system has readings at all; it is offline on a known day
-- without any reading (devices_offline = devices_known - devices_reporting).
with device_days as (
    select distinct source_system, date_local, device_id, sensor_type
    from {{ ref('fct_sensor_readings_daily') }}
),

devices as (
    select source_system, device_id, sensor_type, min(date_local) as first_day
    from device_days
    group by 1, 2, 3
),

source_days as (
    select distinct source_system, sensor_type, date_local
    from device_days
),

known as (
    select d.source_system, s.date_local, d.sensor_type, d.device_id
    from devices as d
    inner join source_days as s
        on s.source_system = d.source_system and s.sensor_type = d.sensor_type and s.date_local >= d.first_day
)

select
    k.source_system,
    k.date_local,
    k.sensor_type,
    cast(count(*) as {{ dbt.type_bigint() }}) as devices_known,
    cast(count(dd.device_id) as {{ dbt.type_bigint() }}) as devices_reporting,
    cast(count(*) - count(dd.device_id) as {{ dbt.type_bigint() }}) as devices_offline,
    {{ city_safety.ratio('count(*) - count(dd.device_id)', 'count(*)') }} as offline_rate
from known as k
left join device_days as dd
    on dd.source_system = k.source_system and dd.date_local = k.date_local
   and dd.sensor_type = k.sensor_type and dd.device_id = k.device_id
group by 1, 2, 3
