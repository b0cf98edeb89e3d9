{#
  Data tests limited to what this build touched (a nightly load of one day costs time proportional to that day).

  A data test configured with `where: "__touched__"` (dbt_project.yml sets it for every test of the staging
  layer and the event-store sources; fct_event_lineage sets it in its YAML) examines only the rows of loads
  committed or superseded after env var CSW_DBT_TESTED_THROUGH (TIMESTAMPTZ text): the instant up to which the
  last successful, fully tested build had seen the ledger. The refresh sets it (pipelines/defs/dbt.py,
  pipelines/defs/build_state.py: only when that build used the same dbt code); unset, on --full-refresh and with
  var as_of every test examines the whole relation. Rows of older loads were tested by that earlier build and a
  new load cannot change them (the staging relations are per-event projections of the event store).

  A `unique` test keeps its whole-table meaning for the keys that changed: it examines every row whose key
  appears among the touched rows, so a new copy colliding with an old one is still caught. A `relationships`
  test always examines every row (an orphan's load is, by definition, in no touched load).

  get_where_subquery(relation): dbt's hook for the `where` config (docs: resource-configs/where, "custom
      logic"), replacing the __touched__ placeholder with touched_condition(relation).
  touched_condition(relation): SQL condition on the tested relation ("1 = 1" for a full scope).
  tested_through_literal(): SQL literal of CSW_DBT_TESTED_THROUGH, or none for a full scope.
#}
{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where', '') -%}
  {%- if where -%}
    {%- if '__touched__' in where -%}
      {%- set where = where | replace('__touched__', city_safety.touched_condition(relation)) -%}
    {%- endif -%}
    {%- set filtered -%}
      (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- endset -%}
    {%- do return(filtered) -%}
  {%- else -%}
    {%- do return(relation) -%}
  {%- endif -%}
{%- endmacro %}

{% macro tested_through_literal() -%}
  {%- set text = env_var('CSW_DBT_TESTED_THROUGH', '') | trim -%}
  {%- if text == '' or flags.FULL_REFRESH or city_safety.as_of_value() is not none -%}
    {{ return(none) }}
  {%- endif -%}
  {{ return("cast('" ~ text ~ "' as " ~ city_safety.type_timestamptz() ~ ")") }}
{%- endmacro %}

{% macro touched_condition(relation) -%}
  {%- set since = city_safety.tested_through_literal() -%}
  {%- if since is none -%}{{ return('1 = 1') }}{%- endif -%}
  {%- set ledger = graph.sources['source.city_safety.events.file_ledger'].relation_name -%}
  {%- set supersessions = graph.sources['source.city_safety.events.load_supersessions'].relation_name -%}
  {%- set rows -%}
load_id in (
    select load_id from {{ ledger }} where recorded_at > {{ since }}
    union all select load_id from {{ supersessions }} where superseded_at > {{ since }}
    union all select superseded_by from {{ supersessions }} where superseded_at > {{ since }}
)
  {%- endset -%}
  {%- set meta = model.test_metadata if model is defined and model.test_metadata is defined else none -%}
  {%- if meta and meta.name == 'relationships' -%}
    {#- an orphan (a row whose load is missing from the ledger) belongs to no touched load: check every row -#}
    {{ return('1 = 1') }}
  {%- endif -%}
  {%- if meta and meta.name == 'unique' -%}
    {%- set key = meta.kwargs.column_name -%}
    {{ return(key ~ ' in (select ' ~ key ~ ' from ' ~ relation ~ ' where ' ~ rows ~ ')') }}
  {%- endif -%}
  {{ return(rows) }}
{%- endmacro %}
