-- METRICS.md G1/G2 检查覆盖率, G3 可燃气体报警装置安装率, G4 燃气安全使用信息牌张贴率: one row per
-- source_system, month, street (of the registered unit) and subject_type. Denominator = units registered
-- at month end; numerators count registered units only, so every rate stays within 0..1.
with status as (
    select * from {{ ref('int_gas_user_monthly_status') }}
),

monthly as (
    select
        source_system,
        period_month,
        {{ city_safety.unknown_if_null('street') }} as street,
        {{ city_safety.unknown_if_null('subject_type') }} as subject_type,
        cast(count(*) as {{ dbt.type_bigint() }}) as units_registered,
        cast(sum(inspected_in_month) as {{ dbt.type_bigint() }}) as units_inspected,
        cast(sum(inspected_ytd) as {{ dbt.type_bigint() }}) as units_inspected_ytd,
        cast(sum(case when board_posted then 1 else 0 end) as {{ dbt.type_bigint() }}) as units_with_board,
        cast(sum(case when alarm_ok then 1 else 0 end) as {{ dbt.type_bigint() }}) as units_with_alarm
    from status
    group by 1, 2, 3, 4
)

select
    m.source_system,
    m.period_month,
    m.street,
    m.subject_type,
    m.units_registered,
    m.units_inspected,
    {{ city_safety.ratio('m.units_inspected', 'm.units_registered') }} as coverage_rate,
    m.units_inspected_ytd,
    {{ city_safety.ratio('m.units_inspected_ytd', 'm.units_registered') }} as coverage_rate_ytd,
    m.units_with_board,
    {{ city_safety.ratio('m.units_with_board', 'm.units_registered') }} as info_board_rate,
    m.units_with_alarm,
    {{ city_safety.ratio('m.units_with_alarm', 'm.units_registered') }} as leak_alarm_rate,
    cast((select target from {{ ref('dim_metric') }} where metric_id = 'G2') as {{ city_safety.type_double() }}) as target_rate
from monthly as m
