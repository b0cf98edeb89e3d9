{#
  json_text(col, key): the value at top-level `key` of JSON column `col` as text (NULL when absent).
  json_bool(col, key): that value as BOOLEAN: true/1/yes/y/是 -> true, false/0/no/n/否 -> false, other -> NULL.
#}
{% macro json_text(col, key) -%}
  {{ return(adapter.dispatch('json_text', 'city_safety')(col, key)) }}
{%- endmacro %}
{% macro default__json_text(col, key) -%}
  json_extract_string({{ col }}, '$.{{ key }}')
{%- endmacro %}
{% macro spark__json_text(col, key) -%}
  get_json_object({{ col }}, '$.{{ key }}')
{%- endmacro %}
{% macro trino__json_text(col, key) -%}
  json_extract_scalar({{ col }}, '$.{{ key }}')
{%- endmacro %}

{% macro json_bool(col, key) -%}
  case lower(trim({{ city_safety.json_text(col, key) }}))
    when 'true' then true when '1' then true when 'yes' then true when 'y' then true when '是' then true
    when 'false' then false when '0' then false when 'no' then false when 'n' then false when '否' then false
  end
{%- endmacro %}
