-- METRICS.md C20 综合指标值 & 评价等级 per street and month (GB/T 30428.4 style, conventions §2.3-2.4): every
-- metric whose meta carries a composite_weight is a component; its monthly street value (fct_metric_values)
-- scores value x 100 when higher is better, (1 - value) x 100 when lower is better (clipped to 0..100). The
-- composite is the weighted mean over the components that have a value that month (a NULL component - nothing
-- due - is left out and the remaining weights are re-normalised; weight_covered says how much weight had
-- data; below var composite_min_weight_covered the score and grade are NULL, not a misleading E). Grade: A 90-100, B 75-<90, C 60-<75, D 40-<60, E < 40. One row per source_system, month, street with at
-- least one component; components in fct_street_composite_components.
with components as (
    select * from {{ ref('fct_street_composite_components') }}
),

weights as (
    select {{ city_safety.exact_sum('composite_weight') }} as weight_total
    from {{ ref('dim_metric') }}
    where composite_weight is not null
),

scored as (
    select
        source_system,
        period_month,
        street,
        cast(count(*) as {{ dbt.type_bigint() }}) as components_available,
        {{ city_safety.exact_sum('composite_weight') }} as weight_available,
        {{ city_safety.exact_sum('score * composite_weight') }} as weighted_score_sum
    from components
    where score is not null
    group by 1, 2, 3
)

select
    s.source_system,
    s.period_month,
    s.street,
    s.components_available,
    cast((select count(*) from {{ ref('dim_metric') }} where composite_weight is not null) as {{ dbt.type_bigint() }}) as components_total,
    cast(s.weight_available / w.weight_total as {{ city_safety.type_double() }}) as weight_covered,
    case when s.weight_available / w.weight_total >= {{ var('composite_min_weight_covered') }}
         then cast(s.weighted_score_sum / s.weight_available as {{ city_safety.type_double() }}) end as composite_score,
    case when s.weight_available / w.weight_total >= {{ var('composite_min_weight_covered') }}
         then {{ city_safety.composite_grade('s.weighted_score_sum / s.weight_available') }} end as grade
from scored as s
cross join weights as w
