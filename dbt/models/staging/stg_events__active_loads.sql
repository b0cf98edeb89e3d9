-- Loads whose events count for projections: status 'loaded', committed by the as_of cut-off (when set),
-- and not superseded by a corrected re-export at or before the cut-off (ARCHITECTURE.md: as-of, supersede).
with ledger as (
    select load_id, source, source_kind, path, recorded_at, source_system, readings_from, readings_to
    from {{ source('events', 'file_ledger') }}
    where status = 'loaded'
      and {{ city_safety.recorded_by_as_of('recorded_at') }}
),

superseded as (
    select distinct load_id
    from {{ source('events', 'load_supersessions') }}
    where {{ city_safety.recorded_by_as_of('superseded_at') }}
)

select
    ledger.load_id,
    ledger.source,
    ledger.source_kind,
    ledger.path,
    ledger.recorded_at,
    ledger.source_system,
    ledger.readings_from,
    ledger.readings_to
from ledger
left join superseded on superseded.load_id = ledger.load_id
where superseded.load_id is null
