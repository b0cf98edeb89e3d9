-- Confined-space work (有限空间作业, METRICS.md §4.6, S1-S5): confined_space_unit_registered (unit ledger),
-- worker_trained (aggregate worker; subject_id = unit; payload valid_until), confined_space_work_permitted /
-- _started (payload ventilated, gas_tested_at, o2_pct, h2s_ppm, co_ppm, lel_pct, guardian_present, workers as
-- a JSON list of worker ids) / _completed (aggregate confined_space_work, subject_id = unit).
select
    event_id,
    event_type,
    aggregate_type,
    source_system,
    timezone,
    aggregate_id,
    subject_id as unit_id,
    occurred_at,
    recorded_at,
    date_local,
    street,
    category,
    {{ city_safety.json_text('payload', 'name') }} as unit_name,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'worker_count'), dbt.type_bigint()) }} as worker_count,
    {{ city_safety.json_text('payload', 'ledger_status') }} as ledger_status,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'valid_until'), 'date') }} as training_valid_until,
    {{ city_safety.json_text('payload', 'permit_no') }} as permit_no,
    {{ city_safety.json_text('payload', 'location_id') }} as location_id,
    {{ city_safety.json_bool('payload', 'ventilated') }} as ventilated,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'gas_tested_at'), city_safety.type_timestamptz()) }} as gas_tested_at,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'o2_pct'), city_safety.type_double()) }} as o2_pct,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'h2s_ppm'), city_safety.type_double()) }} as h2s_ppm,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'co_ppm'), city_safety.type_double()) }} as co_ppm,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'lel_pct'), city_safety.type_double()) }} as lel_pct,
    {{ city_safety.json_text('payload', 'guardian_id') }} as guardian_id,
    {{ city_safety.json_bool('payload', 'guardian_present') }} as guardian_present,
    {{ city_safety.json_text('payload', 'workers') }} as workers_json,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type in ('confined_space_unit', 'worker', 'confined_space_work')
