-- METRICS.md H2 网络渠道响应时长, H4 响应率, H9 重复投诉: one row per source_system, local date of receipt,
-- channel, category and street.
--   complaints_contacted / contact_minutes_total  first_contact_made known by the cut-off, minutes from receipt
--   complaints_contacted_in_limit  first contact within the channel's response_limit_minutes (seed
--     complaint_time_limits: network channels 3 min, 12345 24 h [M])
--   repeat_complaints  same source, category and address as another complaint received in the preceding
--     var repeat_complaint_window_days days (重复投诉; complaints without an address never count)
with complaints as (
    select *
    from {{ ref('int_complaints_folded') }}
    where received_at is not null
),

repeats as (
    -- complaints with an earlier one (same source, category and address) in the preceding window
    select distinct c.source_system, c.complaint_id
    from complaints as c
    inner join complaints as p
        on p.source_system = c.source_system
       and p.category = c.category
       and p.address = c.address
       and p.complaint_id <> c.complaint_id
       and (p.received_at < c.received_at or (p.received_at = c.received_at and p.complaint_id < c.complaint_id))
       and p.received_at >= {{ dbt.dateadd('day', -1 * var('repeat_complaint_window_days'), 'c.received_at') }}
),

flagged as (
    select
        c.*,
        case when c.first_contact_at is not null
             then {{ dbt.datediff('c.received_at', 'c.first_contact_at', 'second') }} / cast(60 as {{ city_safety.type_double() }}) end as contact_minutes,
        r.complaint_id is not null as is_repeat
    from complaints as c
    left join repeats as r
        on r.source_system = c.source_system and r.complaint_id = c.complaint_id
)

select
    source_system,
    received_date_local as date_local,
    {{ city_safety.unknown_if_null('channel') }} as channel,
    {{ city_safety.unknown_if_null('category') }} as category,
    {{ city_safety.unknown_if_null('street') }} as street,
    cast(count(*) as {{ dbt.type_bigint() }}) as complaints_received,
    cast(count(first_contact_at) as {{ dbt.type_bigint() }}) as complaints_contacted,
    cast(sum(case when contact_minutes <= response_limit_minutes then 1 else 0 end) as {{ dbt.type_bigint() }}) as complaints_contacted_in_limit,
    {{ city_safety.ratio('sum(case when contact_minutes <= response_limit_minutes then 1 else 0 end)', 'count(*)') }} as response_rate,
    coalesce({{ city_safety.exact_sum('contact_minutes') }}, 0) as contact_minutes_total,
    cast({{ city_safety.exact_sum('contact_minutes') }} / nullif(count(first_contact_at), 0) as {{ city_safety.type_double() }}) as avg_contact_minutes,
    cast(sum(case when is_repeat then 1 else 0 end) as {{ dbt.type_bigint() }}) as repeat_complaints,
    {{ city_safety.ratio('sum(case when is_repeat then 1 else 0 end)', 'count(*)') }} as repeat_rate
from flagged
group by 1, 2, 3, 4, 5
