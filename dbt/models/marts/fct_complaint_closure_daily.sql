-- METRICS.md C16 结案率, C17 按期结案率, H5 办结率: one row per source_system, local due date, channel,
-- category and street. 应结案数 = complaints due that day; closes with a void/duplicate reason never count
-- as 结案 (they stay in the denominator).
{{ config(**city_safety.incremental_config('complaint_due')) }}
{{ city_safety.incremental_depends_on('complaint_due') }}
with complaints as (
    select *
    from {{ ref('int_complaints_folded') }}
    where received_at is not null
),

daily as (
    select
        source_system,
        due_date_local as date_local,
        {{ city_safety.unknown_if_null('channel') }} as channel,
        {{ city_safety.unknown_if_null('category') }} as category,
        {{ city_safety.unknown_if_null('street') }} as street,
        cast(count(*) as {{ dbt.type_bigint() }}) as complaints_due,
        cast(sum(case when closed_at is not null then 1 else 0 end) as {{ dbt.type_bigint() }}) as complaints_closed,
        cast(sum(case when closed_at is not null and closed_at <= due_at then 1 else 0 end) as {{ dbt.type_bigint() }}) as complaints_closed_on_time
    from complaints
    group by 1, 2, 3, 4, 5
)

select
    d.source_system,
    d.date_local,
    d.channel,
    d.category,
    d.street,
    d.complaints_due,
    d.complaints_closed,
    d.complaints_closed_on_time,
    {{ city_safety.ratio('d.complaints_closed', 'd.complaints_due') }} as closure_rate,
    {{ city_safety.ratio('d.complaints_closed_on_time', 'd.complaints_due') }} as on_time_closure_rate,
    cast((select target from {{ ref('dim_metric') }} where metric_id = 'C16') as {{ city_safety.type_double() }}) as target_rate
from daily as d
where {{ city_safety.incremental_filter('complaint_due', 'd') }}
