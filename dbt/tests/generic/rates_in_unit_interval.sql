{# rates_in_unit_interval(columns): each rate column is NULL or within [0, 1] (one test per model; macros/row_checks.sql). #}
{% test rates_in_unit_interval(model, columns) %}
{%- set checks = [] -%}
{%- for c in columns %}{% do checks.append([c ~ ' outside [0, 1]', c ~ ' < 0 or ' ~ c ~ ' > 1']) %}{% endfor -%}
{{ city_safety.failing_rows_by_check(model, checks) }}
{% endtest %}
