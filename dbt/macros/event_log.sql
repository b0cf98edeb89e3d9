{#
  The Parquet event log (pipelines/eventlog, docs/scaling.md) as the `events` source on Spark.

  event_log_tables(): {table: {'columns': [(name, spark type)], 'partition_by': [...]}} - the columns of
      pipelines/eventstore/schema.sql in table order (TIMESTAMPTZ -> timestamp, JSON -> string), plus the Hive
      partition columns last (source, event_date = UTC date of occurred_at / measured_at). tests/spark checks
      this list against the event store.
  register_event_log(): on-run-start. On Spark: (re)creates database `event_log` with one external Parquet table
      per log table over <CSW_EVENT_LOG>/<table> (explicit schema, so a table with no file yet is simply empty;
      partitions are discovered from the folders at query time, spark.sql.hive.manageFilesourcePartitions=false;
      dropping an external table never deletes its files), and database `events` - the dbt sources - with one
      table per log table copied from it (var spark_compact_event_log, default true: the log's many small files
      are read once per run, later scans read a few large files) or, with the var false, a view over it. On
      other engines: nothing (the sources are the DuckDB event store itself).
  event_columns(alias=none): "a.col1, a.col2, ..." - every column of events.events in store order (portable
      replacement for `e.*`, which on Spark would also carry the partition columns).
#}
{% macro event_log_tables() -%}
  {%- set events_cols = [
      ('event_id', 'string'), ('event_type', 'string'), ('aggregate_type', 'string'), ('aggregate_id', 'string'),
      ('occurred_at', 'timestamp'), ('recorded_at', 'timestamp'), ('source_system', 'string'), ('load_id', 'string'),
      ('source_file', 'string'), ('source_line', 'bigint'), ('street', 'string'), ('grid_id', 'string'),
      ('channel', 'string'), ('category', 'string'), ('subject_type', 'string'), ('subject_id', 'string'),
      ('due_at', 'timestamp'), ('amount', 'double'), ('lon', 'double'), ('lat', 'double'), ('payload', 'string'),
      ('source', 'string'), ('event_date', 'date')] -%}
  {{ return({
      'file_ledger': {'partition_by': [], 'columns': [
          ('load_id', 'string'), ('sha256', 'string'), ('path', 'string'), ('source', 'string'),
          ('source_kind', 'string'), ('contract_sha256', 'string'), ('size_bytes', 'bigint'), ('encoding', 'string'),
          ('rows_in_file', 'bigint'), ('rows_loaded', 'bigint'), ('rows_rejected', 'bigint'),
          ('events_written', 'bigint'), ('readings_written', 'bigint'), ('status', 'string'), ('error', 'string'),
          ('warnings', 'array<string>'), ('started_at', 'timestamp'), ('recorded_at', 'timestamp'),
          ('source_system', 'string'), ('readings_from', 'timestamp'), ('readings_to', 'timestamp')]},
      'load_supersessions': {'partition_by': [], 'columns': [
          ('load_id', 'string'), ('superseded_by', 'string'), ('superseded_at', 'timestamp')]},
      'load_retractions': {'partition_by': [], 'columns': [
          ('retraction_id', 'string'), ('load_id', 'string'), ('reason', 'string'), ('retracted_by', 'string'),
          ('retracted_at', 'timestamp')]},
      'rejected_rows': {'partition_by': ['source'], 'columns': [
          ('load_id', 'string'), ('source_file', 'string'), ('source_line', 'bigint'),
          ('raw_text', 'string'), ('reason', 'string'), ('reason_code', 'string'), ('source', 'string')]},
      'events': {'partition_by': ['source', 'event_date'], 'columns': events_cols},
      'sensor_readings': {'partition_by': ['source', 'event_date'], 'columns': [
          ('device_id', 'string'), ('sensor_type', 'string'), ('measured_at', 'timestamp'),
          ('value', 'double'), ('unit', 'string'), ('quality', 'string'), ('raw_value', 'string'),
          ('load_id', 'string'), ('source_line', 'bigint'), ('value_index', 'int'), ('source', 'string'), ('event_date', 'date')]},
  }) }}
{%- endmacro %}

{% macro register_event_log() -%}
  {{ return(adapter.dispatch('register_event_log', 'city_safety')()) }}
{%- endmacro %}

{% macro default__register_event_log() -%}
{%- endmacro %}

{% macro spark__register_event_log() -%}
  {%- if execute -%}
    {%- set root = env_var('CSW_EVENT_LOG', '') | trim -%}
    {%- if root == '' -%}
      {{ exceptions.raise_compiler_error("target spark reads the Parquet event log: set CSW_EVENT_LOG to its root "
                                         "(the folder with _manifest.json, e.g. <warehouse>/eventlog or s3a://bucket/eventlog)") }}
    {%- endif -%}
    {%- set root = root.rstrip('/') -%}
    {%- set compact = var('spark_compact_event_log', true) -%}
    {%- do run_query('create database if not exists event_log') -%}
    {%- do run_query('create database if not exists events') -%}
    {%- for name, t in city_safety.event_log_tables().items() -%}
      {%- do run_query('drop table if exists event_log.' ~ name) -%}
      {%- set ddl -%}
create table event_log.{{ name }} (
  {%- for c, typ in t['columns'] %}
  {{ c }} {{ typ }}{{ "," if not loop.last }}
  {%- endfor %}
)
using parquet
{%- if t['partition_by'] %}
partitioned by ({{ t['partition_by'] | join(', ') }})
{%- endif %}
location '{{ root }}/{{ name }}'
      {%- endset -%}
      {%- do run_query(ddl) -%}
      {%- set existing = adapter.get_relation(database=none, schema='events', identifier=name) -%}
      {%- if existing is not none -%}
        {%- do run_query(('drop view ' if existing.type == 'view' else 'drop table ') ~ 'events.' ~ name) -%}
      {%- endif -%}
      {%- if compact -%}
        {%- do run_query('create table events.' ~ name ~ ' using parquet as select * from event_log.' ~ name) -%}
      {%- else -%}
        {%- do run_query('create view events.' ~ name ~ ' as select * from event_log.' ~ name) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endif -%}
{%- endmacro %}

{% macro event_columns(alias=none) -%}
  {%- set cols = city_safety.event_log_tables()['events']['columns'] | map(attribute=0)
                 | reject('in', ['event_date', 'source']) | list -%}
  {#- schema.sql order: `source` sits between recorded_at and source_system -#}
  {%- set ordered = cols[:6] + ['source'] + cols[6:] -%}
  {%- for c in ordered %}{{ alias ~ '.' if alias else '' }}{{ c }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}
