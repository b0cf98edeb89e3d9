-- Components of the street composite (METRICS.md C20, §2.3): one row per source_system, month, street and
-- component metric (dim_metric rows with a composite_weight): the metric's monthly value, its score (value x 100
-- when higher is better, (1 - value) x 100 when lower is better, clipped to 0..100; NULL when the value is NULL)
-- and its weight. Streets '(unknown)' / '(all)' are not ranked.
with registry as (
    select metric_id, direction, composite_weight
    from {{ ref('dim_metric') }}
    where composite_weight is not null
),

street_months as (
    select distinct v.source_system, v.period_start as period_month, v.street
    from {{ ref('fct_metric_values') }} as v
    inner join registry as r on r.metric_id = v.metric_id
    where v.period_grain = 'month'
      and v.street not in ('{{ var("unknown_label") }}', '(all)')
)

select
    sm.source_system,
    sm.period_month,
    sm.street,
    r.metric_id,
    r.direction,
    cast(r.composite_weight as {{ city_safety.type_double() }}) as composite_weight,
    v.numerator,
    v.denominator,
    v.value,
    cast(case
        when v.value is null then null
        when r.direction = 'lower_better' then greatest(0.0, least(100.0, (1 - v.value) * 100))
        else greatest(0.0, least(100.0, v.value * 100))
    end as {{ city_safety.type_double() }}) as score
from street_months as sm
cross join registry as r
left join {{ ref('fct_metric_values') }} as v
    on v.metric_id = r.metric_id and v.source_system = sm.source_system
   and v.period_start = sm.period_month and v.street = sm.street and v.period_grain = 'month'
