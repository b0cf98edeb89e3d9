{# not_null_columns(columns): no NULL in any of `columns` (one test per model; macros/row_checks.sql). #}
{% test not_null_columns(model, columns) %}
{%- set checks = [] -%}
{%- for c in columns %}{% do checks.append([c ~ ' is null', c ~ ' is null']) %}{% endfor -%}
{{ city_safety.failing_rows_by_check(model, checks) }}
{% endtest %}
