-- Illegal-construction patrols (违法建设巡查, METRICS.md §4.5, I1): patrol_shift_planned (aggregate
-- patrol_shift; grid_id, subject_type = grid level, category = shift day | night, amount = planned check-ins)
-- and patrol_checkin of those shifts (subject_id = checkpoint). Bridge patrols are in stg_events__bridges.
select
    event_id,
    event_type,
    source_system,
    timezone,
    aggregate_id as shift_id,
    occurred_at,
    recorded_at,
    date_local,
    street,
    grid_id,
    case when event_type = 'patrol_shift_planned' then subject_type end as grid_level,
    category as shift,
    subject_id,
    amount,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type = 'patrol_shift'
