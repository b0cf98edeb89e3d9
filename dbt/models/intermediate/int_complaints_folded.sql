-- One row per complaint (source_system, complaint_id), folded from its events (METRICS.md C16/C17/H5):
--   received_at  first complaint_received; channel / category / street from that event
--   due_at       complaint_received.due_at, else received_at + complaint_time_limits hours for
--                (source_system, channel), then (source_system, '*'), then var complaint_default_limit_hours
--   closed_at    first complaint_closed whose close_reason is not void/duplicate (var complaint_void_close_reasons)
--   is_void_closed  some close was void/duplicate and no valid close exists (counted in 应结案数 only)
with events as (
    select * from {{ ref('stg_events__complaints') }}
),

complaints as (
    select distinct source_system, complaint_id, timezone
    from events
),

received_ranked as (
    select
        source_system,
        complaint_id,
        occurred_at as received_at,
        channel,
        category,
        street,
        due_at as due_at_received,
        row_number() over (
            partition by source_system, complaint_id order by occurred_at, event_id
        ) as receipt_rank
    from events
    where event_type = 'complaint_received'
),

received as (
    select * from received_ranked where receipt_rank = 1
),

closes as (
    select
        source_system,
        complaint_id,
        min(case when coalesce(close_reason, '') not in (
                {%- for r in var('complaint_void_close_reasons') %}'{{ r }}'{{ ", " if not loop.last }}{% endfor -%}
            ) then occurred_at end) as closed_at,
        max(case when close_reason in (
                {%- for r in var('complaint_void_close_reasons') %}'{{ r }}'{{ ", " if not loop.last }}{% endfor -%}
            ) then 1 else 0 end) as has_void_close,
        count(*) as close_events
    from events
    where event_type = 'complaint_closed'
    group by source_system, complaint_id
),

close_reasons_ranked as (
    select
        source_system,
        complaint_id,
        close_reason,
        row_number() over (
            partition by source_system, complaint_id order by occurred_at desc, event_id desc
        ) as close_rank
    from events
    where event_type = 'complaint_closed'
),

visits_ranked as (
    select
        source_system,
        complaint_id,
        occurred_at as return_visit_at,
        satisfaction,
        row_number() over (
            partition by source_system, complaint_id order by occurred_at desc, event_id desc
        ) as visit_rank
    from events
    where event_type = 'return_visit_done'
),

limits_exact as (
    select source_system, channel, limit_hours
    from {{ ref('complaint_time_limits') }}
    where channel <> '*'
),

limits_default as (
    select source_system, limit_hours
    from {{ ref('complaint_time_limits') }}
    where channel = '*'
),

folded as (
    select
        c.source_system,
        c.complaint_id,
        c.timezone,
        r.channel,
        r.category,
        r.street,
        r.received_at,
        coalesce(
            r.due_at_received,
            {{ dbt.dateadd(
                'hour',
                'coalesce(le.limit_hours, ld.limit_hours, ' ~ var('complaint_default_limit_hours') ~ ')',
                'r.received_at') }}
        ) as due_at,
        cl.closed_at,
        cr.close_reason as last_close_reason,
        coalesce(cl.close_events, 0) as close_events,
        coalesce(cl.has_void_close, 0) = 1 and cl.closed_at is null as is_void_closed,
        v.return_visit_at,
        v.satisfaction
    from complaints as c
    left join received as r
        on r.source_system = c.source_system and r.complaint_id = c.complaint_id
    left join closes as cl
        on cl.source_system = c.source_system and cl.complaint_id = c.complaint_id
    left join close_reasons_ranked as cr
        on cr.source_system = c.source_system and cr.complaint_id = c.complaint_id and cr.close_rank = 1
    left join visits_ranked as v
        on v.source_system = c.source_system and v.complaint_id = c.complaint_id and v.visit_rank = 1
    left join limits_exact as le
        on le.source_system = c.source_system and le.channel = r.channel
    left join limits_default as ld
        on ld.source_system = c.source_system
)

select
    source_system,
    complaint_id,
    timezone,
    channel,
    category,
    street,
    received_at,
    case when received_at is null then null else due_at end as due_at,
    closed_at,
    last_close_reason,
    close_events,
    is_void_closed,
    return_visit_at,
    satisfaction,
    {{ city_safety.local_date('received_at', 'timezone') }} as received_date_local,
    {{ city_safety.local_date('case when received_at is null then null else due_at end', 'timezone') }} as due_date_local,
    {{ city_safety.local_date('closed_at', 'timezone') }} as closed_date_local
from folded
