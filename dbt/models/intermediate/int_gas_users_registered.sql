-- One row per registered gas user (restaurant | lpg_station): first registration instant and local date;
-- street / subject_type / name from the latest registration event (a re-registration corrects them).
with registrations as (
    select
        *,
        row_number() over (
            partition by source_system, gas_user_id order by registered_at desc, event_id desc
        ) as latest_rank,
        min(registered_at) over (partition by source_system, gas_user_id) as first_registered_at
    from {{ ref('stg_events__gas_users') }}
)

select
    source_system,
    gas_user_id,
    timezone,
    subject_type,
    street,
    name,
    address,
    first_registered_at as registered_at,
    {{ city_safety.local_date('first_registered_at', 'timezone') }} as registered_date_local
from registrations
where latest_rank = 1
