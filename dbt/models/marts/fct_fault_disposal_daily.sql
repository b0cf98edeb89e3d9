-- METRICS.md F1 设施故障日处置率 (C9/C10 应处置数 pattern), one row per source_system, local due date,
-- street and facility type. A row also exists for a day on which faults were only reported (faults_due = 0,
-- disposal_rate NULL), so "nothing due" is visible and never shown as 0 %.
{{ config(**city_safety.incremental_config('fault')) }}
{{ city_safety.incremental_depends_on('fault') }}
with faults as (
    select *
    from {{ ref('int_faults_folded') }}
    where not is_cancelled
      and reported_at is not null
),

cutoff as (
    select cutoff_at from {{ ref('int_build_cutoff') }}
),

by_due_day as (
    select
        f.source_system,
        f.due_date_local as date_local,
        {{ city_safety.unknown_if_null('f.street') }} as street,
        {{ city_safety.unknown_if_null('f.facility_type') }} as facility_type,
        1 as is_due,
        case when f.repaired_at is not null and f.repaired_at <= f.due_at then 1 else 0 end as is_on_time,
        case when f.repaired_at is not null then 1 else 0 end as is_disposed,
        case when f.repaired_at is null and f.due_at < c.cutoff_at then 1 else 0 end as is_overdue_open,
        0 as is_reported
    from faults as f
    cross join cutoff as c
),

by_report_day as (
    select
        source_system,
        reported_date_local as date_local,
        {{ city_safety.unknown_if_null('street') }} as street,
        {{ city_safety.unknown_if_null('facility_type') }} as facility_type,
        0 as is_due,
        0 as is_on_time,
        0 as is_disposed,
        0 as is_overdue_open,
        1 as is_reported
    from faults
),

unioned as (
    select * from by_due_day
    union all
    select * from by_report_day
),

daily as (
    select
        source_system,
        date_local,
        street,
        facility_type,
        cast(sum(is_due) as {{ dbt.type_bigint() }}) as faults_due,
        cast(sum(is_on_time) as {{ dbt.type_bigint() }}) as faults_disposed_on_time,
        cast(sum(is_disposed) as {{ dbt.type_bigint() }}) as faults_disposed,
        cast(sum(is_overdue_open) as {{ dbt.type_bigint() }}) as faults_overdue_open,
        cast(sum(is_reported) as {{ dbt.type_bigint() }}) as faults_reported
    from unioned as u
    where {{ city_safety.incremental_filter('fault', 'u') }}
    group by source_system, date_local, street, facility_type
)

select
    d.source_system,
    d.date_local,
    d.street,
    d.facility_type,
    d.faults_due,
    d.faults_disposed_on_time,
    d.faults_disposed,
    d.faults_overdue_open,
    d.faults_reported,
    {{ city_safety.ratio('d.faults_disposed_on_time', 'd.faults_due') }} as disposal_rate,
    cast((select target from {{ ref('dim_metric') }} where metric_id = 'F1') as {{ city_safety.type_double() }}) as target_rate
from daily as d
