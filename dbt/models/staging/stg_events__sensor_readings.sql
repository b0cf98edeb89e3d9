-- Sensor readings of active loads as known at the cut-off, with the local date of measured_at.
-- Deliberately no window/dedupe here: fct_sensor_readings_daily must stay one straight GROUP BY over
-- ~10M rows. The ingest writes each reading once per file and a corrected file supersedes its load.
-- reading_id is derived here, not stored (pipelines/eventstore/schema.sql): a view column, so it costs
-- nothing unless a query selects it. source_system, source_file and recorded_at are the load's (ledger) values:
-- the store does not repeat these per-load constants on every reading; active loads are already cut at as_of.
select
    md5(concat_ws('|', l.source_system, r.device_id, r.sensor_type, cast({{ city_safety.epoch_us('r.measured_at') }} as {{ dbt.type_string() }}),
                  cast(r.value_index as {{ dbt.type_string() }}))) as reading_id,
    r.device_id,
    r.sensor_type,
    r.measured_at,
    r.value,
    r.unit,
    r.quality,
    l.source_system,
    r.load_id,
    l.path as source_file,
    r.source_line,
    r.value_index,
    l.recorded_at,
    {{ city_safety.local_date('r.measured_at', "coalesce(s.timezone, '" ~ var('default_timezone') ~ "')") }} as date_local
from {{ source('events', 'sensor_readings') }} as r
inner join {{ ref('stg_events__active_loads') }} as l
    on l.load_id = r.load_id
left join {{ ref('source_systems') }} as s
    on s.source_system = l.source_system
