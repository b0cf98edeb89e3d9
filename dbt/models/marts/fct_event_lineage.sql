-- Drill-down: every active event (as of the cut-off) with its local date and lineage to file, line and load.
{{ config(**city_safety.incremental_config('lineage')) }}
{{ city_safety.incremental_depends_on('lineage') }}
select
    event_id,
    event_type,
    source_system,
    aggregate_type,
    aggregate_id,
    occurred_at,
    date_local,
    street,
    category,
    channel,
    subject_type,
    source,
    source_file,
    source_line,
    load_id
from {{ ref('stg_events__active') }} as e
where {{ city_safety.incremental_filter('lineage', 'e') }}
