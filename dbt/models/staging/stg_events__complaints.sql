-- Complaint lifecycle events (aggregate_type complaint): complaint_received, complaint_closed (payload
-- close_reason), return_visit_done (payload satisfaction) and any other complaint event.
select
    event_id,
    event_type,
    source_system,
    timezone,
    aggregate_id as complaint_id,
    occurred_at,
    recorded_at,
    channel,
    category,
    street,
    due_at,
    lower(trim({{ city_safety.json_text('payload', 'close_reason') }})) as close_reason,
    {{ city_safety.json_text('payload', 'satisfaction') }} as satisfaction,
    load_id,
    source_file,
    source_line
from {{ ref('stg_events__active') }}
where aggregate_type = 'complaint'
