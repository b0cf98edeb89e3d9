{#
  Event-store primitives shared by the as-of projections, the restatement mart and the incremental facts.
  They apply exactly the rules of stg_events__active_loads / stg_events__active, but for any number of
  cut-offs at once (ARCHITECTURE.md: as-of, supersede; METRICS.md §4.1 envelope).

  active_events_at(cutoffs, where='1 = 1', events=none):
      SQL of a relation with one row per (cutoff_at, event_id): every column of events.events plus cutoff_at,
      for events of loads that are 'loaded', committed at or before cutoff_at and not superseded at or before
      it; copies de-duplicated by event_id keeping the latest load (recorded_at, load_id, source_line desc).
      `cutoffs` is a relation/CTE name with a TIMESTAMPTZ column cutoff_at; `where` filters events.events
      (alias e) before the window, e.g. "e.aggregate_type = 'fault'"; it may also test c.cutoff_at when it keeps
      or drops whole aggregates. `events` (default events.events) is a relation name with at least its columns,
      e.g. a CTE of the events of a few aggregates, so the cut-off join only sees those.

  changed_aggregates(since, aggregate_types):
      SQL of distinct (source_system, aggregate_type, aggregate_id) whose events could differ between the
      cut-off `since` (SQL expression, TIMESTAMPTZ) and now: events of loads committed after `since`, and
      events of loads superseded (or superseding) after `since`. `aggregate_types` is a list of names.
      Adds column last_changed_at (TIMESTAMPTZ): the latest such commit / supersession instant, so the
      aggregate's events at any cut-off c >= `since` differ from now only when last_changed_at > c.

  load_cutoffs():
      SQL of the distinct commit instants (cutoff_at) of 'loaded' loads, limited by var as_of when set.

  restatement_cutoffs():
      SQL of the latest var restatement_cutoffs of those instants (cutoff_at), the cut-offs fct_metric_restatements
      recomputes its numbers at.
#}
{% macro active_events_at(cutoffs, where='1 = 1', events=none) -%}
select cutoff_at, {{ city_safety.event_columns() }}
from (
    select
        c.cutoff_at,
        {{ city_safety.event_columns('e') }},
        row_number() over (
            partition by c.cutoff_at, e.event_id
            order by e.recorded_at desc, e.load_id desc, e.source_line desc
        ) as copy_rank
    from {{ events or source('events', 'events') }} as e
    inner join {{ source('events', 'file_ledger') }} as l
        on l.load_id = e.load_id
       and l.status = 'loaded'
    inner join {{ cutoffs }} as c
        on l.recorded_at <= c.cutoff_at
       and e.recorded_at <= c.cutoff_at
    -- superseded at or before the cut-off = its first supersession is (a join, not a correlated NOT EXISTS:
    -- Spark plans this model several times faster)
    left join (
        select load_id, min(superseded_at) as superseded_at
        from {{ source('events', 'load_supersessions') }}
        group by load_id
    ) as s
        on s.load_id = l.load_id
    where ({{ where }})
      and (s.superseded_at is null or s.superseded_at > c.cutoff_at)
) as ranked
where copy_rank = 1
{%- endmacro %}

{% macro changed_aggregates(since, aggregate_types) -%}
select e.source_system, e.aggregate_type, e.aggregate_id, max(ch.changed_at) as last_changed_at
from {{ source('events', 'events') }} as e
inner join (
    select l.load_id, l.recorded_at as changed_at
    from {{ source('events', 'file_ledger') }} as l
    where l.status = 'loaded' and l.recorded_at > {{ since }} and {{ city_safety.recorded_by_as_of('l.recorded_at') }}
    union all
    select s.load_id, s.superseded_at from {{ source('events', 'load_supersessions') }} as s
    where s.superseded_at > {{ since }} and {{ city_safety.recorded_by_as_of('s.superseded_at') }}
    union all
    select s.superseded_by, s.superseded_at from {{ source('events', 'load_supersessions') }} as s
    where s.superseded_at > {{ since }} and {{ city_safety.recorded_by_as_of('s.superseded_at') }}
) as ch
    on ch.load_id = e.load_id
where e.aggregate_type in ({% for t in aggregate_types %}'{{ t }}'{{ ", " if not loop.last }}{% endfor %})
group by e.source_system, e.aggregate_type, e.aggregate_id
{%- endmacro %}

{% macro load_cutoffs() -%}
select distinct recorded_at as cutoff_at
from {{ source('events', 'file_ledger') }}
where status = 'loaded'
  and {{ city_safety.recorded_by_as_of('recorded_at') }}
{%- endmacro %}

{% macro restatement_cutoffs() -%}
select cutoff_at
from ({{ city_safety.load_cutoffs() }}) as c
order by cutoff_at desc
limit {{ var('restatement_cutoffs') | int }}
{%- endmacro %}
