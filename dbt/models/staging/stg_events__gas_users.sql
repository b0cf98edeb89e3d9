-- Gas-user registry events (asset_registered with aggregate_type gas_user): restaurants using gas and LPG
-- supply stations (subject_type restaurant | lpg_station). occurred_at is the registration/opening date.
select
    event_id,
    source_system,
    timezone,
    aggregate_id as gas_user_id,
    subject_type,
    street,
    occurred_at as registered_at,
    date_local as registered_date_local,
    {{ city_safety.json_text('payload', 'name') }} as name,
    {{ city_safety.json_text('payload', 'address') }} as address,
    load_id,
    source_file,
    source_line
from {{ ref('stg_events__active') }}
where event_type = 'asset_registered'
  and aggregate_type = 'gas_user'
