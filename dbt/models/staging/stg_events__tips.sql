-- Rewarded tips (有奖举报, METRICS.md H12): tip_received, tip_verified (payload verified true | false),
-- reward_paid (amount = reward in yuan).
select
    event_id,
    event_type,
    source_system,
    timezone,
    aggregate_id as tip_id,
    occurred_at,
    recorded_at,
    date_local,
    street,
    channel,
    category,
    amount,
    {{ city_safety.json_bool('payload', 'verified') }} as verified,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type = 'tip'
