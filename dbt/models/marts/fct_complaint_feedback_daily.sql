-- METRICS.md H6 回访率, H7 满意率, H9 重启率 (reopen rate): one row per source_system, local date of the (valid)
-- closure, channel, category and street, for complaints closed by the cut-off (duplicate/void closes are not
-- closures). return_visits = closed complaints with a return_visit_done; visits_rated = visits with a
-- satisfaction answer (有效回访数); visits_satisfied = 满意 + 基本满意; complaints_reopened = closed complaints
-- with a complaint_reopened event.
with closed as (
    select *
    from {{ ref('int_complaints_folded') }}
    where received_at is not null
      and closed_at is not null
)

select
    source_system,
    closed_date_local as date_local,
    {{ city_safety.unknown_if_null('channel') }} as channel,
    {{ city_safety.unknown_if_null('category') }} as category,
    {{ city_safety.unknown_if_null('street') }} as street,
    cast(count(*) as {{ dbt.type_bigint() }}) as complaints_closed,
    cast(count(return_visit_at) as {{ dbt.type_bigint() }}) as return_visits,
    {{ city_safety.ratio('count(return_visit_at)', 'count(*)') }} as return_visit_rate,
    cast(sum(case when trim(satisfaction) in ('满意', '基本满意', '不满意') then 1 else 0 end) as {{ dbt.type_bigint() }}) as visits_rated,
    cast(sum(case when trim(satisfaction) in ('满意', '基本满意') then 1 else 0 end) as {{ dbt.type_bigint() }}) as visits_satisfied,
    {{ city_safety.ratio("sum(case when trim(satisfaction) in ('满意', '基本满意') then 1 else 0 end)",
                         "sum(case when trim(satisfaction) in ('满意', '基本满意', '不满意') then 1 else 0 end)") }} as satisfaction_rate,
    cast(count(reopened_at) as {{ dbt.type_bigint() }}) as complaints_reopened,
    {{ city_safety.ratio('count(reopened_at)', 'count(*)') }} as reopen_rate
from closed
group by 1, 2, 3, 4, 5
