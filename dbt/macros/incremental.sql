{#
  Incremental facts by load (ARCHITECTURE.md: a nightly load of one day costs time proportional to that day).

  A fact configured with city_safety.incremental_config(kind) is built fully the first time, with
  --full-refresh, and whenever var as_of is set (a past cut-off is always a full, non-incremental build). On
  later builds it (1) deletes the partitions affected since its watermark - the cut-off it was last built at,
  kept in <schema>_intermediate.incremental_watermarks - and (2) inserts those partitions recomputed from the
  current projections; the post-hook then stores the new cut-off. Affected partitions (macro affected_partitions):
    - aggregates with events in loads committed after the watermark, or in loads superseded (or superseding)
      after it (late data, corrected re-exports; the "lookback" is therefore exact, not a fixed window);
    - for their old state: the same aggregates folded as of the watermark (macro fold_faults / fold_complaints
      over active_events_at), so a day a fault moved away from (an extension) is recomputed too;
    - fault days whose 超期未处置 status flips because the cut-off moved (due_at between the two cut-offs);
    - sensor readings / lineage (fct_event_lineage, and stg_events__active, which re-ranks only those event ids):
      the days / event ids of the rows in those loads;
    - folds (int_faults_folded, int_complaints_folded: one row per case, folded from that case's events only):
      the cases with events in those loads (macro changed_aggregates), re-folded from all their events.
  A full refresh and any sequence of incremental builds give identical tables (tests/dbt test).

  incremental_config(kind): config() arguments for a fact of `kind` (fault | complaint_due | complaint_received
      | sensor | lineage | fault_fold | complaint_fold).
  affected_partitions(kind): SQL selecting the affected keys (source_system, date_local), (event_id) or, for the
      folds, (source_system, aggregate_id).
  incremental_filter(kind, alias): "1 = 1" on full builds, else an EXISTS filter keeping the affected keys (for
      sensor readings also a measured_at range around the affected days, evaluated before the local date).
#}
{% macro watermark_relation() -%}
{{ target.schema }}_intermediate.incremental_watermarks
{%- endmacro %}

{% macro incremental_config(kind) -%}
  {{ return(adapter.dispatch('incremental_config', 'city_safety')(kind)) }}
{%- endmacro %}

{#- Spark (Parquet tables, no DELETE): the same SQL, rebuilt as a table on every run. Incremental on Spark needs
    Delta or Iceberg (incremental_strategy insert_overwrite / merge), see docs/scaling.md. -#}
{% macro spark__incremental_config(kind) -%}
  {{ return({'materialized': 'table'}) }}
{%- endmacro %}

{% macro default__incremental_config(kind) -%}
  {%- set key = 'event_id' if kind == 'lineage' else 'date_local' -%}
  {{ return({
      'materialized': 'incremental',
      'incremental_strategy': 'append',
      'full_refresh': true if city_safety.as_of_value() is not none else none,
      'pre_hook': ["{{ city_safety.incremental_delete('" ~ kind ~ "') }}"],
      'post_hook': [
          "delete from " ~ city_safety.watermark_relation() ~ " where model_name = '{{ this.identifier }}'",
          "insert into " ~ city_safety.watermark_relation() ~ " select '{{ this.identifier }}', cutoff_at from {{ ref('int_build_cutoff') }}"
      ]
  }) }}
{%- endmacro %}

{% macro incremental_run() -%}
  {#- is_incremental(), false inside unit tests (they mock a full build; `this` does not exist there). -#}
  {{ return(not (model is defined and model.resource_type == 'unit_test') and is_incremental()) }}
{%- endmacro %}

{% macro create_watermark_table() -%}
  {{ return(adapter.dispatch('create_watermark_table', 'city_safety')()) }}
{%- endmacro %}

{#- Spark: the facts are full tables (spark__incremental_config), no watermark to keep. -#}
{% macro spark__create_watermark_table() -%}
{%- endmacro %}

{% macro default__create_watermark_table() -%}
{#- on-run-start (dbt_project.yml): once per invocation, before any model (concurrent CREATEs would conflict). -#}
create schema if not exists {{ target.schema }}_intermediate;
create table if not exists {{ city_safety.watermark_relation() }} (model_name varchar, cutoff_at timestamp with time zone)
{%- endmacro %}

{% macro previous_watermark() -%}
coalesce(
    (select max(cutoff_at) from {{ city_safety.watermark_relation() }} where model_name = '{{ this.identifier }}'),
    cast('-infinity' as {{ city_safety.type_timestamptz() }})
)
{%- endmacro %}

{% macro _key_match(kind, alias) -%}
  {%- if kind == 'lineage' -%}
a.event_id = {{ alias }}.event_id
  {%- elif kind in ['fault_fold', 'complaint_fold'] -%}
a.source_system = {{ alias }}.source_system and a.aggregate_id = {{ alias }}.{{ kind.split('_')[0] }}_id
  {%- else -%}
a.source_system = {{ alias }}.source_system and a.date_local = {{ alias }}.date_local
  {%- endif -%}
{%- endmacro %}

{% macro incremental_delete(kind) -%}
  {%- if city_safety.incremental_run() -%}
delete from {{ this }} as t
where exists (select 1 from ({{ city_safety.affected_partitions(kind) }}) as a where {{ city_safety._key_match(kind, 't') }})
  {%- else -%}
select 1
  {%- endif -%}
{%- endmacro %}

{% macro incremental_filter(kind, alias) -%}
  {%- if city_safety.incremental_run() -%}
exists (select 1 from ({{ city_safety.affected_partitions(kind) }}) as a where {{ city_safety._key_match(kind, alias) }})
    {%- if kind == 'sensor' %}
    -- a plain range on measured_at first (one day of margin covers any zone offset), so the local date is
    -- computed for the readings near the affected days, not for the whole history
    and {{ alias }}.measured_at >= (select {{ dbt.dateadd('day', -1, 'cast(min(date_local) as ' ~ city_safety.type_timestamptz() ~ ')') }} from ({{ city_safety.affected_partitions(kind) }}) as a)
    and {{ alias }}.measured_at < (select {{ dbt.dateadd('day', 2, 'cast(max(date_local) as ' ~ city_safety.type_timestamptz() ~ ')') }} from ({{ city_safety.affected_partitions(kind) }}) as a)
    {%- endif %}
  {%- else -%}
1 = 1
  {%- endif -%}
{%- endmacro %}

{% macro _changed_loads_sql() -%}
    select l.load_id
    from {{ source('events', 'file_ledger') }} as l
    where l.status = 'loaded' and l.recorded_at > (select cutoff_at from since)
    union
    select s.load_id from {{ source('events', 'load_supersessions') }} as s
    where s.superseded_at > (select cutoff_at from since)
    union
    select s.superseded_by from {{ source('events', 'load_supersessions') }} as s
    where s.superseded_at > (select cutoff_at from since)
{%- endmacro %}

{% macro affected_partitions(kind) -%}
with since as (
    select {{ city_safety.previous_watermark() }} as cutoff_at
)
{%- if kind == 'sensor' %},
changed_loads as ({{ city_safety._changed_loads_sql() }})
select distinct
    l.source_system,
    {{ city_safety.local_date('r.measured_at', "coalesce(z.timezone, '" ~ var('default_timezone') ~ "')") }} as date_local
from {{ source('events', 'sensor_readings') }} as r
inner join {{ source('events', 'file_ledger') }} as l
    on l.load_id = r.load_id
left join {{ ref('source_systems') }} as z
    on z.source_system = l.source_system
where r.load_id in (select load_id from changed_loads)
{%- elif kind == 'lineage' %},
changed_loads as ({{ city_safety._changed_loads_sql() }})
select distinct e.event_id
from {{ source('events', 'events') }} as e
where e.load_id in (select load_id from changed_loads)
{%- elif kind in ['fault_fold', 'complaint_fold'] %}
select ch.source_system, ch.aggregate_id
from ({{ city_safety.changed_aggregates('(select cutoff_at from since)', [kind.split('_')[0]]) }}) as ch
{%- else %}
{%- set agg = 'fault' if kind == 'fault' else 'complaint' %},
cut as (
    select cutoff_at from {{ ref('int_build_cutoff') }}
),
changed as (
    {{ city_safety.changed_aggregates('(select cutoff_at from since)', [agg]) }}
),
changed_events as (
    select e.*
    from {{ source('events', 'events') }} as e
    inner join changed as ch
        on ch.source_system = e.source_system and ch.aggregate_type = e.aggregate_type and ch.aggregate_id = e.aggregate_id
),
old_events as (
    {{ city_safety.active_events_at('since', '1 = 1', 'changed_events') }}
),
{%- if agg == 'fault' %}
old_staged as ({{ city_safety.fault_events_from('old_events', ['cutoff_at']) }}),
old_folded as ({{ city_safety.fold_faults('old_staged', ['cutoff_at']) }}),
new_folded as (
    select f.* from {{ ref('int_faults_folded') }} as f
    where exists (select 1 from changed as ch where ch.source_system = f.source_system and ch.aggregate_id = f.fault_id)
)
select source_system, due_date_local as date_local from new_folded
union select source_system, reported_date_local from new_folded
union select source_system, due_date_local from old_folded
union select source_system, reported_date_local from old_folded
union
-- 超期未处置 flips for open faults whose deadline passed between the two cut-offs
select f.source_system, f.due_date_local
from {{ ref('int_faults_folded') }} as f
cross join since
cross join cut
where f.due_at >= since.cutoff_at and f.due_at < cut.cutoff_at
{%- else %}
old_staged as ({{ city_safety.complaint_events_from('old_events', ['cutoff_at']) }}),
old_folded as ({{ city_safety.fold_complaints('old_staged', ['cutoff_at']) }}),
new_folded as (
    select c.* from {{ ref('int_complaints_folded') }} as c
    where exists (select 1 from changed as ch where ch.source_system = c.source_system and ch.aggregate_id = c.complaint_id)
)
{%- set col = 'due_date_local' if kind == 'complaint_due' else 'received_date_local' %}
select source_system, {{ col }} as date_local from new_folded
union select source_system, {{ col }} from old_folded
{%- endif %}
{%- endif %}
{%- endmacro %}

{% macro incremental_depends_on(kind) -%}
{#- Registers, at parse time, every node affected_partitions(kind) reads (it only renders on incremental runs).
    Skipped inside unit tests, which mock only the model's direct inputs. -#}
{%- if model is defined and model.resource_type == 'unit_test' %}{{ return('') }}{% endif -%}
-- depends_on: {{ ref('int_build_cutoff') }}, {{ ref('source_systems') }}, {{ source('events', 'events') }},
--   {{ source('events', 'file_ledger') }}, {{ source('events', 'load_supersessions') }}
{%- if kind == 'sensor' %}, {{ source('events', 'sensor_readings') }}{% endif %}
{%- if kind == 'fault' %}, {{ ref('int_faults_folded') }}, {{ ref('fault_time_limits') }}{% endif %}
{%- if kind in ['complaint_due', 'complaint_received'] %}, {{ ref('int_complaints_folded') }}, {{ ref('complaint_time_limits') }}, {{ ref('dim_calendar') }}{% endif %}
{%- endmacro %}
