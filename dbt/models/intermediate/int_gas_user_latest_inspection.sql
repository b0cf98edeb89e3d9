-- One row per inspected gas user: its latest inspection as of the cut-off (drill-down for G3/G4), the
-- number of inspections, and whether the unit is in the registry.
with ranked as (
    select
        *,
        row_number() over (
            partition by source_system, gas_user_id order by inspected_at desc, inspection_id desc
        ) as recency_rank,
        count(*) over (partition by source_system, gas_user_id) as inspections
    from {{ ref('stg_events__inspections') }}
)

select
    r.source_system,
    r.gas_user_id,
    r.subject_type,
    coalesce(u.street, r.street) as street,
    r.inspection_id as latest_inspection_id,
    r.inspected_at as latest_inspected_at,
    r.inspected_date_local as latest_inspected_date_local,
    r.score,
    r.info_board_posted,
    r.alarm_installed,
    r.alarm_functional,
    coalesce(r.alarm_installed and r.alarm_functional, false) as alarm_ok,
    r.result,
    r.inspections,
    u.gas_user_id is not null as is_registered
from ranked as r
left join {{ ref('int_gas_users_registered') }} as u
    on u.source_system = r.source_system and u.gas_user_id = r.gas_user_id
where r.recency_rank = 1
