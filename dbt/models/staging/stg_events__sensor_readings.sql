-- Sensor readings of active loads as known at the cut-off, with the local date of measured_at.
-- Deliberately no window/dedupe here: fct_sensor_readings_daily must stay one straight GROUP BY over
-- ~10M rows. The ingest writes each reading_id once per file and a corrected file supersedes its load.
select
    r.reading_id,
    r.device_id,
    r.sensor_type,
    r.measured_at,
    r.value,
    r.unit,
    r.quality,
    r.source_system,
    r.load_id,
    r.source_file,
    r.source_line,
    r.recorded_at,
    {{ city_safety.local_date('r.measured_at', "coalesce(s.timezone, '" ~ var('default_timezone') ~ "')") }} as date_local
from {{ source('events', 'sensor_readings') }} as r
inner join {{ ref('stg_events__active_loads') }} as l
    on l.load_id = r.load_id
left join {{ ref('source_systems') }} as s
    on s.source_system = r.source_system
where {{ city_safety.recorded_by_as_of('r.recorded_at') }}
