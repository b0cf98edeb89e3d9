-- Metric catalogue for dashboard tooltips (seed metric_definitions; METRICS.md ids). 指标字典。
select
    metric_id,
    name_zh,
    name_en,
    definition_zh,
    definition_en,
    formula,
    cast(target as {{ city_safety.type_double() }}) as target,
    unit,
    source,
    model,
    rate_column,
    numerator_column,
    denominator_column
from {{ ref('metric_definitions') }}
