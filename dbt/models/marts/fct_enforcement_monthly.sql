-- METRICS.md E1 立案数/结案数/结案率, E2 按期办结率, E3 罚没金额, E4 罚款收缴率, G10 燃气执法立案数: one row per
-- source_system, local month, street and domain (gas | construction ...). Each enforcement case is folded,
-- then counted in the month of the anchor its column names:
--   opened month    cases_opened (立案数), cases_opened_closed (of those, closed by the cut-off)
--   decision month  decisions, decisions_on_time (penalty_imposed <= 办案期限 = the case's due_at, else 立案 +
--                   var enforcement_decision_limit_days days), fines_imposed_amount (yuan),
--                   fines_collected_amount (paid by the cut-off on those decisions)
--   closed month    cases_closed (结案数, flow);  paid month  fines_paid_amount (flow)
with events as (
    select * from {{ ref('stg_events__enforcement') }}
    where aggregate_type = 'enforcement_case'
),

opened_ranked as (
    select
        *,
        row_number() over (partition by source_system, case_id order by occurred_at, event_id) as open_rank
    from events
    where event_type = 'enforcement_case_opened'
),

steps as (
    select
        source_system,
        case_id,
        min(case when event_type = 'penalty_imposed' then occurred_at end) as decided_at,
        {{ city_safety.exact_sum("case when event_type = 'penalty_imposed' then amount end") }} as fine_amount,
        min(case when event_type = 'penalty_paid' then occurred_at end) as paid_at,
        {{ city_safety.exact_sum("case when event_type = 'penalty_paid' then amount end") }} as paid_amount,
        min(case when event_type = 'enforcement_case_closed' then occurred_at end) as closed_at
    from events
    group by source_system, case_id
),

cases as (
    select
        o.source_system,
        o.case_id,
        o.timezone,
        {{ city_safety.unknown_if_null('o.street') }} as street,
        {{ city_safety.unknown_if_null('o.category') }} as domain,
        o.occurred_at as opened_at,
        o.date_local as opened_date_local,
        coalesce(o.due_at, {{ dbt.dateadd('day', var('enforcement_decision_limit_days'), 'o.occurred_at') }}) as decision_due_at,
        s.decided_at,
        s.fine_amount,
        s.paid_at,
        s.paid_amount,
        s.closed_at
    from opened_ranked as o
    left join steps as s
        on s.source_system = o.source_system and s.case_id = o.case_id
    where o.open_rank = 1
),

anchored as (
    select source_system, opened_date_local as d, street, domain,
           1 as is_opened, case when closed_at is not null then 1 else 0 end as is_opened_closed,
           0 as is_decided, 0 as is_on_time, 0.0 as fine, 0.0 as collected, 0 as is_closed, 0.0 as paid
    from cases
    union all
    select source_system, {{ city_safety.local_date('decided_at', 'timezone') }}, street, domain,
           0, 0, 1, case when decided_at <= decision_due_at then 1 else 0 end,
           coalesce(fine_amount, 0), coalesce(paid_amount, 0), 0, 0.0
    from cases where decided_at is not null
    union all
    select source_system, {{ city_safety.local_date('closed_at', 'timezone') }}, street, domain,
           0, 0, 0, 0, 0.0, 0.0, 1, 0.0
    from cases where closed_at is not null
    union all
    select source_system, {{ city_safety.local_date('paid_at', 'timezone') }}, street, domain,
           0, 0, 0, 0, 0.0, 0.0, 0, coalesce(paid_amount, 0)
    from cases where paid_at is not null
),

monthly as (
    select
        source_system,
        cast({{ dbt.date_trunc('month', 'd') }} as date) as period_month,
        street,
        domain,
        cast(sum(is_opened) as {{ dbt.type_bigint() }}) as cases_opened,
        cast(sum(is_opened_closed) as {{ dbt.type_bigint() }}) as cases_opened_closed,
        cast(sum(is_closed) as {{ dbt.type_bigint() }}) as cases_closed,
        cast(sum(is_decided) as {{ dbt.type_bigint() }}) as decisions,
        cast(sum(is_on_time) as {{ dbt.type_bigint() }}) as decisions_on_time,
        {{ city_safety.exact_sum('fine') }} as fines_imposed_amount,
        {{ city_safety.exact_sum('collected') }} as fines_collected_amount,
        {{ city_safety.exact_sum('paid') }} as fines_paid_amount
    from anchored
    group by 1, 2, 3, 4
)

select
    source_system,
    period_month,
    street,
    domain,
    cases_opened,
    cases_opened_closed,
    {{ city_safety.ratio('cases_opened_closed', 'cases_opened') }} as closure_rate,
    cases_closed,
    decisions,
    decisions_on_time,
    {{ city_safety.ratio('decisions_on_time', 'decisions') }} as on_time_decision_rate,
    fines_imposed_amount,
    fines_collected_amount,
    {{ city_safety.ratio('fines_collected_amount', 'fines_imposed_amount') }} as collection_rate,
    fines_paid_amount
from monthly
