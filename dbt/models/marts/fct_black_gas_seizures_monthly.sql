-- METRICS.md G9 黑气点查处数 / 暂扣钢瓶数: black-gas-point seizures (黑气点, unlicensed LPG refilling or selling)
-- per source_system, local month, street and clue source (patrol | tip | referral | hotline), with the
-- cylinders seized full and empty.
select
    source_system,
    cast({{ dbt.date_trunc('month', 'date_local') }} as date) as period_month,
    {{ city_safety.unknown_if_null('street') }} as street,
    {{ city_safety.unknown_if_null('category') }} as clue_source,
    cast(count(distinct case_id) as {{ dbt.type_bigint() }}) as seizures,
    cast(coalesce(sum(cylinders_full), 0) as {{ dbt.type_bigint() }}) as cylinders_full,
    cast(coalesce(sum(cylinders_empty), 0) as {{ dbt.type_bigint() }}) as cylinders_empty,
    cast(coalesce(sum(cylinders_full), 0) + coalesce(sum(cylinders_empty), 0) as {{ dbt.type_bigint() }}) as cylinders_seized
from {{ ref('stg_events__enforcement') }}
where event_type = 'black_gas_point_seized'
group by 1, 2, 3, 4
