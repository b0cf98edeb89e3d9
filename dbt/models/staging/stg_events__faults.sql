-- Facility fault lifecycle events (aggregate_type fault): fault_reported, crew_arrived, fault_repaired,
-- fault_cancelled, extension_approved (payload new_due_at: ISO text with offset).
select
    event_id,
    event_type,
    source_system,
    timezone,
    aggregate_id as fault_id,
    occurred_at,
    recorded_at,
    street,
    subject_type as facility_type,
    subject_id as asset_id,
    category,
    due_at,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'new_due_at'), city_safety.type_timestamptz()) }} as new_due_at,
    load_id,
    source_file,
    source_line
from {{ ref('stg_events__active') }}
where aggregate_type = 'fault'
