-- Events of active loads as known at the cut-off, one row per event_id (the copy from the latest load by
-- recorded_at wins), with the source system's zone and the local date of occurred_at.
-- A table, incremental by load (macros/incremental.sql, kind lineage): a build re-ranks only the event ids of
-- loads committed or superseded since the last build, instead of every staging view, fold and data test
-- re-running the de-duplication window over the whole event store. On Spark a plain table (spark__incremental_config).
{{ config(**city_safety.incremental_config('lineage')) }}
{{ city_safety.incremental_depends_on('lineage') }}
with candidates as (
    select
        e.event_id,
        e.event_type,
        e.aggregate_type,
        e.aggregate_id,
        e.occurred_at,
        e.recorded_at,
        e.source,
        e.source_system,
        e.load_id,
        e.source_file,
        e.source_line,
        e.street,
        e.grid_id,
        e.channel,
        e.category,
        e.subject_type,
        e.subject_id,
        e.due_at,
        e.amount,
        e.lon,
        e.lat,
        e.payload,
        row_number() over (
            partition by e.event_id
            order by e.recorded_at desc, e.load_id desc, e.source_line desc
        ) as copy_rank
    from {{ source('events', 'events') }} as e
    inner join {{ ref('stg_events__active_loads') }} as l
        on l.load_id = e.load_id
    where {{ city_safety.recorded_by_as_of('e.recorded_at') }}
      -- the window is per event_id, so keeping only the affected ids before it changes no surviving row
      and {{ city_safety.incremental_filter('lineage', 'e') }}
)

select
    c.event_id,
    c.event_type,
    c.aggregate_type,
    c.aggregate_id,
    c.occurred_at,
    c.recorded_at,
    c.source,
    c.source_system,
    c.load_id,
    c.source_file,
    c.source_line,
    c.street,
    c.grid_id,
    c.channel,
    c.category,
    c.subject_type,
    c.subject_id,
    c.due_at,
    c.amount,
    c.lon,
    c.lat,
    c.payload,
    coalesce(s.timezone, '{{ var("default_timezone") }}') as timezone,
    s.source_system is not null as source_system_known,
    {{ city_safety.local_date('c.occurred_at', "coalesce(s.timezone, '" ~ var('default_timezone') ~ "')") }} as date_local
from candidates as c
left join {{ ref('source_systems') }} as s
    on s.source_system = c.source_system
where c.copy_rank = 1
