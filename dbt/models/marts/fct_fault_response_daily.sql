-- METRICS.md F2 抢修到场时长 / 修复时长: per source_system, local date of the report, street and facility type:
-- faults reported (not cancelled), those with a crew arrival and the summed minutes from report to arrival,
-- those repaired and the summed hours from report to repair (as known at the cut-off). Averages are
-- sum / count, so any roll-up stays exact (sum(arrival_minutes_total) / sum(faults_arrived)).
with faults as (
    select *
    from {{ ref('int_faults_folded') }}
    where not is_cancelled
      and reported_at is not null
)

select
    source_system,
    reported_date_local as date_local,
    {{ city_safety.unknown_if_null('street') }} as street,
    {{ city_safety.unknown_if_null('facility_type') }} as facility_type,
    cast(count(*) as {{ dbt.type_bigint() }}) as faults_reported,
    cast(count(crew_arrived_at) as {{ dbt.type_bigint() }}) as faults_arrived,
    cast(coalesce(sum({{ dbt.datediff('reported_at', 'crew_arrived_at', 'second') }}), 0) / cast(60 as {{ city_safety.type_double() }}) as {{ city_safety.type_double() }}) as arrival_minutes_total,
    cast(sum({{ dbt.datediff('reported_at', 'crew_arrived_at', 'second') }}) / cast(60 as {{ city_safety.type_double() }}) / nullif(count(crew_arrived_at), 0) as {{ city_safety.type_double() }}) as avg_arrival_minutes,
    cast(count(repaired_at) as {{ dbt.type_bigint() }}) as faults_repaired,
    cast(coalesce(sum({{ dbt.datediff('reported_at', 'repaired_at', 'second') }}), 0) / cast(3600 as {{ city_safety.type_double() }}) as {{ city_safety.type_double() }}) as repair_hours_total,
    cast(sum({{ dbt.datediff('reported_at', 'repaired_at', 'second') }}) / cast(3600 as {{ city_safety.type_double() }}) / nullif(count(repaired_at), 0) as {{ city_safety.type_double() }}) as avg_repair_hours
from faults
group by 1, 2, 3, 4
