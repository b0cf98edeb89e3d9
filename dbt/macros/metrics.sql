{#
  Metric registry (METRICS.md ids). The single source of truth is the `meta.metrics` list in each fct model's
  YAML (config.meta.metrics); dim_metric and the long mart fct_metric_values_monthly are generated from it.

  metric_registry(): list of dicts, one per metric, sorted by metric_id, each with the meta keys plus
      `model` (the fct model name). Empty while dbt parses (the graph is not filled yet).
      Raises a compiler error when a metric id is declared twice or a required key is missing.
  sql_text(value): a SQL string literal of `value` (quotes doubled; Spark: backslash escapes) or null.
#}
{% macro metric_registry() -%}
  {%- set found = [] -%}
  {%- if execute -%}
    {%- set required = ['id', 'name_zh', 'name_en', 'definition_zh', 'definition_en', 'formula', 'unit', 'source'] -%}
    {%- set seen = {} -%}
    {%- for node in (graph.get('nodes') or {}).values() | sort(attribute='unique_id') -%}
      {%- if node.resource_type == 'model' -%}
        {%- for m in (node.config.meta or {}).get('metrics', []) -%}
          {%- for key in required -%}
            {%- if m.get(key) is none -%}
              {{ exceptions.raise_compiler_error("metric " ~ m.get('id') ~ " in " ~ node.name ~ ".yml lacks meta key '" ~ key ~ "'") }}
            {%- endif -%}
          {%- endfor -%}
          {%- if m['id'] in seen -%}
            {{ exceptions.raise_compiler_error("metric id " ~ m['id'] ~ " declared in " ~ seen[m['id']] ~ " and " ~ node.name) }}
          {%- endif -%}
          {%- do seen.update({m['id']: node.name}) -%}
          {%- set row = {} -%}
          {%- do row.update(m) -%}
          {%- do row.update({'model': node.name}) -%}
          {%- do found.append(row) -%}
        {%- endfor -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
  {{ return(found | sort(attribute='id')) }}
{%- endmacro %}

{% macro sql_text(value) -%}
  {{ return(adapter.dispatch('sql_text', 'city_safety')(value)) }}
{%- endmacro %}

{% macro default__sql_text(value) -%}
  {%- if value is none -%}null{%- else -%}'{{ (value | string).replace("'", "''") }}'{%- endif -%}
{%- endmacro %}
