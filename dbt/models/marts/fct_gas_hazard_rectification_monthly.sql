-- METRICS.md G5 隐患发现数, G6 隐患整改率 (flow and cohort), G7 按期整改率, G8 闭环率: one row per source_system,
-- month, street, subject_type (restaurant | lpg_station) and severity (general | major). Each hazard
-- (aggregate hazard) is folded from its events, then counted in the month of the anchor each column names:
--   found month     hazards_found, hazards_found_rectified (cohort: a passing re-inspection by the cut-off),
--                   hazards_closed_loop (notice -> rectified -> re-inspection passed, by the cut-off)
--   deadline month  hazards_due, hazards_rectified_on_time (first passing re-inspection <= deadline),
--                   hazards_overdue_open (no pass yet, deadline before the cut-off)
--   pass month      hazards_verified (flow numerator: first passing re-inspection in the month)
-- deadline = the rectification notice's due_at, else 23:59:59 local of hazard_found's rectify_deadline date.
with events as (
    select * from {{ ref('stg_events__hazards') }}
),

cutoff as (
    select cutoff_at from {{ ref('int_build_cutoff') }}
),

found_ranked as (
    select
        *,
        row_number() over (partition by source_system, hazard_id order by occurred_at, event_id) as found_rank
    from events
    where event_type = 'hazard_found'
),

lifecycle as (
    select
        source_system,
        hazard_id,
        max(case when event_type = 'rectification_notice_issued' then due_at end) as notice_due_at,
        min(case when event_type = 'rectification_notice_issued' then occurred_at end) as notice_at,
        min(case when event_type = 'hazard_rectified' then occurred_at end) as rectified_at,
        min(case when event_type = 'hazard_rectification_verified' and result = 'pass' then occurred_at end) as passed_at,
        max(severity) as lifecycle_severity
    from events
    group by source_system, hazard_id
),

hazards as (
    select
        f.source_system,
        f.hazard_id,
        f.timezone,
        {{ city_safety.unknown_if_null('f.street') }} as street,
        {{ city_safety.unknown_if_null('f.subject_type') }} as subject_type,
        {{ city_safety.unknown_if_null('coalesce(f.severity, l.lifecycle_severity)') }} as severity,
        f.occurred_at as found_at,
        f.date_local as found_date_local,
        coalesce(
            l.notice_due_at,
            {{ city_safety.end_of_local_day('f.rectify_deadline_date', 'f.timezone') }}
        ) as deadline_at,
        l.notice_at,
        l.rectified_at,
        l.passed_at
    from found_ranked as f
    left join lifecycle as l
        on l.source_system = f.source_system and l.hazard_id = f.hazard_id
    where f.found_rank = 1
),

anchored as (
    select
        source_system,
        cast({{ dbt.date_trunc('month', 'found_date_local') }} as date) as period_month,
        street, subject_type, severity,
        1 as is_found,
        case when passed_at is not null then 1 else 0 end as is_found_rectified,
        case when notice_at is not null and rectified_at is not null and passed_at is not null then 1 else 0 end as is_closed_loop,
        0 as is_due, 0 as is_on_time, 0 as is_overdue_open, 0 as is_verified
    from hazards
    union all
    select
        h.source_system,
        cast({{ dbt.date_trunc('month', city_safety.local_date('h.deadline_at', 'h.timezone')) }} as date),
        h.street, h.subject_type, h.severity,
        0, 0, 0,
        1,
        case when h.passed_at is not null and h.passed_at <= h.deadline_at then 1 else 0 end,
        case when h.passed_at is null and h.deadline_at < c.cutoff_at then 1 else 0 end,
        0
    from hazards as h
    cross join cutoff as c
    where h.deadline_at is not null
    union all
    select
        source_system,
        cast({{ dbt.date_trunc('month', city_safety.local_date('passed_at', 'timezone')) }} as date),
        street, subject_type, severity,
        0, 0, 0, 0, 0, 0,
        1
    from hazards
    where passed_at is not null
),

monthly as (
    select
        source_system,
        period_month,
        street,
        subject_type,
        severity,
        cast(sum(is_found) as {{ dbt.type_bigint() }}) as hazards_found,
        cast(sum(is_verified) as {{ dbt.type_bigint() }}) as hazards_verified,
        cast(sum(is_found_rectified) as {{ dbt.type_bigint() }}) as hazards_found_rectified,
        cast(sum(is_closed_loop) as {{ dbt.type_bigint() }}) as hazards_closed_loop,
        cast(sum(is_due) as {{ dbt.type_bigint() }}) as hazards_due,
        cast(sum(is_on_time) as {{ dbt.type_bigint() }}) as hazards_rectified_on_time,
        cast(sum(is_overdue_open) as {{ dbt.type_bigint() }}) as hazards_overdue_open
    from anchored
    group by 1, 2, 3, 4, 5
)

select
    source_system,
    period_month,
    street,
    subject_type,
    severity,
    hazards_found,
    hazards_verified,
    {{ city_safety.ratio('hazards_verified', 'hazards_found') }} as rectification_rate_flow,
    hazards_found_rectified,
    {{ city_safety.ratio('hazards_found_rectified', 'hazards_found') }} as rectification_rate_cohort,
    hazards_closed_loop,
    {{ city_safety.ratio('hazards_closed_loop', 'hazards_found') }} as closed_loop_rate,
    hazards_due,
    hazards_rectified_on_time,
    {{ city_safety.ratio('hazards_rectified_on_time', 'hazards_due') }} as on_time_rectification_rate,
    hazards_overdue_open,
    cast((select target from {{ ref('dim_metric') }} where metric_id = 'G6') as {{ city_safety.type_double() }}) as target_rate
from monthly
