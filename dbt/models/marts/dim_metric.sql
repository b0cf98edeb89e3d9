-- Metric registry (指标字典), one row per METRICS.md metric id, generated from the `meta.metrics` list of the
-- fct models' YAML (the only place a metric is defined; macro metric_registry). Dashboards take tooltips
-- from it; analysts find a metric's model, value/numerator/denominator columns, date column and filter here
-- and its monthly values by street in fct_metric_values_monthly.
{%- set metrics = city_safety.metric_registry() %}
{%- set cols = ['metric_id', 'name_zh', 'name_en', 'definition_zh', 'definition_en', 'formula', 'target', 'unit',
                'direction', 'source', 'model', 'rate_column', 'numerator_column', 'denominator_column',
                'date_column', 'filter', 'composite_weight'] %}
{%- if metrics | length == 0 %}
select
{%- for c in cols %}
    {% if c in ['target', 'composite_weight'] %}cast(null as {{ city_safety.type_double() }}){% else %}cast(null as {{ dbt.type_string() }}){% endif %} as {{ c }}{{ "," if not loop.last }}
{%- endfor %}
where 1 = 0
{%- else %}
select
    cast(metric_id as {{ dbt.type_string() }}) as metric_id,
    cast(name_zh as {{ dbt.type_string() }}) as name_zh,
    cast(name_en as {{ dbt.type_string() }}) as name_en,
    cast(definition_zh as {{ dbt.type_string() }}) as definition_zh,
    cast(definition_en as {{ dbt.type_string() }}) as definition_en,
    cast(formula as {{ dbt.type_string() }}) as formula,
    cast(target as {{ city_safety.type_double() }}) as target,
    cast(unit as {{ dbt.type_string() }}) as unit,
    cast(direction as {{ dbt.type_string() }}) as direction,
    cast(source as {{ dbt.type_string() }}) as source,
    cast(model as {{ dbt.type_string() }}) as model,
    cast(rate_column as {{ dbt.type_string() }}) as rate_column,
    cast(numerator_column as {{ dbt.type_string() }}) as numerator_column,
    cast(denominator_column as {{ dbt.type_string() }}) as denominator_column,
    cast(date_column as {{ dbt.type_string() }}) as date_column,
    cast(filter as {{ dbt.type_string() }}) as filter,
    cast(composite_weight as {{ city_safety.type_double() }}) as composite_weight
from (
    values
{%- for m in metrics %}
    ({{ city_safety.sql_text(m['id']) }}, {{ city_safety.sql_text(m['name_zh']) }}, {{ city_safety.sql_text(m['name_en']) }},
     {{ city_safety.sql_text(m['definition_zh']) }}, {{ city_safety.sql_text(m['definition_en']) }},
     {{ city_safety.sql_text(m['formula']) }}, {{ 'null' if m.get('target') is none else m['target'] | float }},
     {{ city_safety.sql_text(m['unit']) }}, {{ city_safety.sql_text(m.get('direction', 'higher_better' if m['unit'] == 'ratio' else 'none')) }},
     {{ city_safety.sql_text(m['source']) }}, {{ city_safety.sql_text(m['model']) }},
     {{ city_safety.sql_text(m.get('rate_column')) }}, {{ city_safety.sql_text(m.get('numerator_column')) }},
     {{ city_safety.sql_text(m.get('denominator_column')) }}, {{ city_safety.sql_text(m.get('date_column')) }},
     {{ city_safety.sql_text(m.get('filter')) }}, {{ 'null' if m.get('composite_weight') is none else m['composite_weight'] | float }})
     {{- "," if not loop.last }}
{%- endfor %}
) as registry (metric_id, name_zh, name_en, definition_zh, definition_en, formula, target, unit, direction, source,
               model, rate_column, numerator_column, denominator_column, date_column, filter, composite_weight)
{%- endif %}
