{# type_timestamptz(): name of the instant type (DuckDB/Postgres TIMESTAMPTZ, Spark TIMESTAMP). #}
{% macro type_timestamptz() -%}
  {{ return(adapter.dispatch('type_timestamptz', 'city_safety')()) }}
{%- endmacro %}
{% macro default__type_timestamptz() -%}timestamp with time zone{%- endmacro %}
{% macro spark__type_timestamptz() -%}timestamp{%- endmacro %}

{# type_double(): 8-byte float (dbt.type_float() is a 4-byte REAL on DuckDB). #}
{% macro type_double() -%}
  {{ return(adapter.dispatch('type_double', 'city_safety')()) }}
{%- endmacro %}
{% macro default__type_double() -%}double{%- endmacro %}
{% macro postgres__type_double() -%}double precision{%- endmacro %}

{#
  ratio(num, den): num / den as a double in 0..1, NULL when den is 0 or NULL (a rate with nothing due is
  "no data", never 0 %). Used by every *_rate column of the marts.
#}
{% macro ratio(num, den) -%}
  case when coalesce({{ den }}, 0) = 0 then null
       else cast({{ num }} as {{ city_safety.type_double() }}) / cast({{ den }} as {{ city_safety.type_double() }}) end
{%- endmacro %}

{# unknown_if_null(col): null-safe grain key (FAILURE_CLASSES.md #6); label from var unknown_label. #}
{% macro unknown_if_null(col) -%}
  coalesce({{ col }}, '{{ var("unknown_label") }}')
{%- endmacro %}
