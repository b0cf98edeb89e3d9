-- Sensor alarms (METRICS.md G12, §4.4): sensor_alarm_raised (subject_type = sensor type, subject_id = device),
-- alarm_acknowledged, alarm_cleared (payload clear_reason fixed | false_alarm | device_fault).
select
    event_id,
    event_type,
    source_system,
    timezone,
    aggregate_id as alarm_id,
    occurred_at,
    recorded_at,
    street,
    subject_type as sensor_type,
    subject_id as device_id,
    lower(trim({{ city_safety.json_text('payload', 'clear_reason') }})) as clear_reason,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type = 'alarm'
