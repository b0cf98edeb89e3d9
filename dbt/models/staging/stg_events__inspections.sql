-- Gas-safety inspections (inspection_performed): one row per inspection with the checklist booleans from
-- the payload (METRICS.md §4.3) and the local inspection date.
select
    event_id,
    source_system,
    timezone,
    aggregate_id as inspection_id,
    subject_type,
    subject_id as gas_user_id,
    street,
    occurred_at as inspected_at,
    date_local as inspected_date_local,
    amount as score,
    {{ city_safety.json_bool('payload', 'info_board_posted') }} as info_board_posted,
    {{ city_safety.json_bool('payload', 'alarm_installed') }} as alarm_installed,
    {{ city_safety.json_bool('payload', 'alarm_functional') }} as alarm_functional,
    {{ city_safety.json_text('payload', 'result') }} as result,
    load_id,
    source_file,
    source_line
from {{ ref('stg_events__active') }}
where event_type = 'inspection_performed'
