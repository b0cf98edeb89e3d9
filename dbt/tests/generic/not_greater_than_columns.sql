{#
  not_greater_than_columns(pairs): for each [numerator, denominator] pair, numerator <= denominator on every row
  where both are set (one test per model; macros/row_checks.sql).
#}
{% test not_greater_than_columns(model, pairs) %}
{%- set checks = [] -%}
{%- for p in pairs %}{% do checks.append([p[0] ~ ' > ' ~ p[1], p[0] ~ ' > ' ~ p[1]]) %}{% endfor -%}
{{ city_safety.failing_rows_by_check(model, checks) }}
{% endtest %}
