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

{#
  bci_grade(bci): BCI 桥梁状况指数 -> grade A-E (METRICS.md B2, CJJ 99 for Ⅱ-Ⅴ类 bridges):
  A 完好 >= 90, B 良好 80-<90, C 合格 66-<80, D 不合格 50-<66, E 危险 < 50; NULL when bci is NULL.
  composite_grade(score): 综合指标值 -> 评价等级 (METRICS.md §2.4): A 90-100, B 75-<90, C 60-<75, D 40-<60, E < 40.
#}
{% macro bci_grade(bci) -%}
case when {{ bci }} is null then null
     when {{ bci }} >= 90 then 'A' when {{ bci }} >= 80 then 'B' when {{ bci }} >= 66 then 'C'
     when {{ bci }} >= 50 then 'D' else 'E' end
{%- endmacro %}

{% macro composite_grade(score) -%}
case when {{ score }} is null then null
     when {{ score }} >= 90 then 'A' when {{ score }} >= 75 then 'B' when {{ score }} >= 60 then 'C'
     when {{ score }} >= 40 then 'D' else 'E' end
{%- endmacro %}

{#
  exact_sum(expr, scale=6): SUM of a non-integer measure that does not depend on row order. A float sum
  changes in its last bits with the order rows reach a parallel aggregate, so replays and rebuilds would
  not hash identically (ARCHITECTURE.md, Replay). Summing as DECIMAL(38, scale) is exact; the result is a
  double again. Scale 6 keeps micro-units (m², CNY, minutes, BCI points).
#}
{% macro exact_sum(expr, scale=6) -%}
  cast(sum(cast({{ expr }} as decimal(38, {{ scale }}))) as {{ city_safety.type_double() }})
{%- endmacro %}
