-- METRICS.md S1 台账覆盖率, S2 作业审批率, S3 作业前培训率, S4 通风检测合规率, S5 监护到位率: one row per
-- source_system, local month of the start and street, summed from the operation ledger fct_confined_space_work.
-- S1 counts distinct units working in the month and those registered in the unit ledger by the start.
with work as (
    select * from {{ ref('fct_confined_space_work') }}
),

monthly as (
    select
        source_system,
        cast({{ dbt.date_trunc('month', 'date_local') }} as date) as period_month,
        street,
        cast(count(*) as {{ dbt.type_bigint() }}) as operations,
        cast(count(distinct unit_id) as {{ dbt.type_bigint() }}) as units_working,
        cast(count(distinct case when is_unit_registered then unit_id end) as {{ dbt.type_bigint() }}) as units_working_registered,
        cast(sum(case when is_permitted then 1 else 0 end) as {{ dbt.type_bigint() }}) as operations_permitted,
        cast(sum(workers) as {{ dbt.type_bigint() }}) as workers_on_operations,
        cast(sum(workers_trained) as {{ dbt.type_bigint() }}) as workers_trained,
        cast(sum(case when is_ventilated_tested then 1 else 0 end) as {{ dbt.type_bigint() }}) as operations_ventilated_tested,
        cast(sum(case when is_guarded then 1 else 0 end) as {{ dbt.type_bigint() }}) as operations_guarded
    from work
    group by 1, 2, 3
)

select
    source_system,
    period_month,
    street,
    operations,
    units_working,
    units_working_registered,
    {{ city_safety.ratio('units_working_registered', 'units_working') }} as ledger_coverage_rate,
    operations_permitted,
    {{ city_safety.ratio('operations_permitted', 'operations') }} as permit_rate,
    workers_on_operations,
    workers_trained,
    {{ city_safety.ratio('workers_trained', 'workers_on_operations') }} as training_rate,
    operations_ventilated_tested,
    {{ city_safety.ratio('operations_ventilated_tested', 'operations') }} as ventilation_test_rate,
    operations_guarded,
    {{ city_safety.ratio('operations_guarded', 'operations') }} as guardian_rate
from monthly
