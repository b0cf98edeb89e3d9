-- One row per registered gas user and month (METRICS.md G1-G4), for months from the source system's first
-- gas event to its last one, once the unit is registered by month end:
--   inspected_in_month  >= 1 inspection_performed with local date in the month (two inspections count once)
--   inspected_ytd       >= 1 inspection from Jan 1 of that year to month end
--   board_posted / alarm_ok  checklist of the latest inspection up to month end (alarm_ok = installed AND functional)
with users as (
    select * from {{ ref('int_gas_users_registered') }}
),

inspections as (
    select * from {{ ref('stg_events__inspections') }}
),

digits as (
    select 0 as d union all select 1 union all select 2 union all select 3 union all select 4
    union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
),

month_offsets as (
    select units.d + 10 * tens.d + 100 * hundreds.d as n
    from digits as units
    cross join digits as tens
    cross join digits as hundreds
),

gas_dates as (
    select source_system, registered_date_local as d from users
    union all
    select source_system, inspected_date_local as d from inspections
),

bounds as (
    select
        source_system,
        min(d) as first_date,
        max(d) as last_date
    from gas_dates
    group by source_system
),

months as (
    select
        b.source_system,
        cast({{ dbt.dateadd('month', 'o.n', dbt.date_trunc('month', 'b.first_date')) }} as date) as period_month
    from bounds as b
    cross join month_offsets as o
    where o.n <= (extract(year from b.last_date) - extract(year from b.first_date)) * 12
                 + extract(month from b.last_date) - extract(month from b.first_date)
),

unit_months as (
    select
        u.source_system,
        u.gas_user_id,
        u.subject_type,
        u.street,
        m.period_month,
        cast({{ dbt.last_day('m.period_month', 'month') }} as date) as month_end,
        cast({{ dbt.date_trunc('year', 'm.period_month') }} as date) as year_start
    from users as u
    inner join months as m
        on m.source_system = u.source_system
    where u.registered_date_local <= cast({{ dbt.last_day('m.period_month', 'month') }} as date)
),

joined as (
    select
        um.source_system,
        um.gas_user_id,
        um.period_month,
        um.year_start,
        i.inspection_id,
        i.inspected_at,
        i.inspected_date_local,
        i.info_board_posted,
        i.alarm_installed,
        i.alarm_functional,
        row_number() over (
            partition by um.source_system, um.gas_user_id, um.period_month
            order by i.inspected_at desc, i.inspection_id desc
        ) as recency_rank
    from unit_months as um
    inner join inspections as i
        on i.source_system = um.source_system
       and i.gas_user_id = um.gas_user_id
       and i.inspected_date_local <= um.month_end
),

counts as (
    select
        source_system,
        gas_user_id,
        period_month,
        max(case when inspected_date_local >= period_month then 1 else 0 end) as inspected_in_month,
        max(case when inspected_date_local >= year_start then 1 else 0 end) as inspected_ytd
    from joined
    group by source_system, gas_user_id, period_month
)

select
    um.source_system,
    um.gas_user_id,
    um.subject_type,
    um.street,
    um.period_month,
    um.month_end,
    coalesce(c.inspected_in_month, 0) as inspected_in_month,
    coalesce(c.inspected_ytd, 0) as inspected_ytd,
    latest.inspection_id as latest_inspection_id,
    latest.inspected_at as latest_inspected_at,
    coalesce(latest.info_board_posted, false) as board_posted,
    coalesce(latest.alarm_installed and latest.alarm_functional, false) as alarm_ok
from unit_months as um
left join counts as c
    on c.source_system = um.source_system and c.gas_user_id = um.gas_user_id and c.period_month = um.period_month
left join joined as latest
    on latest.source_system = um.source_system and latest.gas_user_id = um.gas_user_id
   and latest.period_month = um.period_month and latest.recency_rank = 1
