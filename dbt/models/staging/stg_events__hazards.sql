-- Gas-safety hazard lifecycle (aggregate_type hazard, id = inspection id; METRICS.md §4.3, G5-G8):
-- hazard_found (payload severity, rectify_deadline as a date), rectification_notice_issued (due_at = deadline),
-- hazard_rectified, hazard_rectification_verified (payload result pass | fail).
select
    event_id,
    event_type,
    source_system,
    timezone,
    aggregate_id as hazard_id,
    occurred_at,
    recorded_at,
    date_local,
    street,
    subject_type,
    subject_id as gas_user_id,
    category,
    due_at,
    lower(trim({{ city_safety.json_text('payload', 'severity') }})) as severity,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'rectify_deadline'), 'date') }} as rectify_deadline_date,
    lower(trim({{ city_safety.json_text('payload', 'result') }})) as result,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type = 'hazard'
