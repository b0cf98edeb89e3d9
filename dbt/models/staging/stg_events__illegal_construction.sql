-- Imagery spots and illegal constructions (METRICS.md §4.5, I3-I5): imagery_change_detected (aggregate
-- imagery_spot, due_at = 核查期限, amount = area), imagery_spot_verified (category = result new_illegal |
-- legal | pre_existing), illegal_construction_found (category = found source patrol | imagery | complaint,
-- amount = area), illegal_construction_stopped, illegal_construction_demolished (amount = demolished area).
select
    event_id,
    event_type,
    aggregate_type,
    source_system,
    timezone,
    aggregate_id,
    occurred_at,
    recorded_at,
    date_local,
    street,
    grid_id,
    category,
    due_at,
    amount,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type in ('imagery_spot', 'illegal_construction')
