{#
  Metric registry (METRICS.md ids). The single source of truth is the `meta.metrics` list in each fct model's
  YAML (config.meta.metrics); dim_metric and the long mart fct_metric_values_monthly are generated from it.

  metric_registry(): list of dicts, one per metric, sorted by metric_id, each with the meta keys plus
      `model` (the fct model name). Empty while dbt parses (the graph is not filled yet).
      Raises a compiler error when a metric id is declared twice or a required key is missing.
  sql_text(value): a SQL string literal of `value` (quotes doubled; Spark: backslash escapes) or null.
  required_payload_fields(): sorted distinct `requires` values of the registry that name a payload field
      (`<event_type>.<payload key>`, e.g. inspection_performed.alarm_installed); plain event types are left out.

  A metric's optional meta key `requires` names the evidence a source system must have recorded for the metric
  to be reportable from it: an event type (first_contact_made) or an event type's payload field
  (inspection_performed.alarm_installed). A source that never recorded it reports NULL, not 0 % (dim_metric_source).
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

{% macro required_payload_fields() -%}
  {%- set fields = [] -%}
  {%- for m in city_safety.metric_registry() -%}
    {%- if m.get('requires') and '.' in m['requires'] and m['requires'] not in fields -%}
      {%- do fields.append(m['requires']) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ return(fields | sort) }}
{%- endmacro %}
