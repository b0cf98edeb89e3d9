-- Input of fct_metric_restatements (口径回溯), one table so that it is computed once: per load cut-off c among the
-- latest var restatement_cutoffs and per aggregate (fault, complaint) changed after c, its contribution to each
-- headline metric's numerator / denominator on a local day, at c (last_changed_at NULL) and, once per changed
-- aggregate, in the latest build (cutoff_at = the latest cut-off, last_changed_at = when it last changed).
-- Only aggregates touched by a load committed (or superseded) after a cut-off can differ at it (macros
-- changed_aggregates, active_events_at, fold_faults, fold_complaints), so the work follows the loads after each
-- cut-off, not the history. A table (the intermediate layer's default), not CTEs of the mart: Spark inlines a CTE at
-- every reference, and the mart reads these rows three times.
with cutoffs as (
    {{ city_safety.restatement_cutoffs() }}
),

bounds as (
    select min(cutoff_at) as first_cutoff_at, max(cutoff_at) as latest_cutoff_at from cutoffs
),

changed as (
    {{ city_safety.changed_aggregates('(select first_cutoff_at from bounds)', ['fault', 'complaint']) }}
),

changed_events as (
    select e.*, ch.last_changed_at
    from {{ source('events', 'events') }} as e
    inner join changed as ch
        on ch.source_system = e.source_system and ch.aggregate_type = e.aggregate_type and ch.aggregate_id = e.aggregate_id
),

-- at each cut-off, the events of the aggregates changed after it
events_at as (
    {{ city_safety.active_events_at('cutoffs', 'e.last_changed_at > c.cutoff_at', 'changed_events') }}
),

fault_events as (
    {{ city_safety.fault_events_from('events_at', ['cutoff_at']) }}
),

complaint_events as (
    {{ city_safety.complaint_events_from('events_at', ['cutoff_at']) }}
),

faults_at as (
    {{ city_safety.fold_faults('fault_events', ['cutoff_at']) }}
),

complaints_at as (
    {{ city_safety.fold_complaints('complaint_events', ['cutoff_at']) }}
),

-- the folds at each cut-off c (last_changed_at NULL) and, for the changed aggregates, at the latest cut-off
faults_both as (
    select cutoff_at, cast(null as {{ city_safety.type_timestamptz() }}) as last_changed_at, source_system, fault_id,
           is_cancelled, reported_at, repaired_at, due_at, due_date_local
    from faults_at
    union all
    select b.latest_cutoff_at, ch.last_changed_at, f.source_system, f.fault_id,
           f.is_cancelled, f.reported_at, f.repaired_at, f.due_at, f.due_date_local
    from {{ ref('int_faults_folded') }} as f
    cross join bounds as b
    inner join changed as ch
        on ch.source_system = f.source_system and ch.aggregate_type = 'fault' and ch.aggregate_id = f.fault_id
),

complaints_both as (
    select cutoff_at, cast(null as {{ city_safety.type_timestamptz() }}) as last_changed_at, source_system, complaint_id,
           received_at, closed_at, due_at, due_date_local, received_date_local
    from complaints_at
    union all
    select b.latest_cutoff_at, ch.last_changed_at, c.source_system, c.complaint_id,
           c.received_at, c.closed_at, c.due_at, c.due_date_local, c.received_date_local
    from {{ ref('int_complaints_folded') }} as c
    cross join bounds as b
    inner join changed as ch
        on ch.source_system = c.source_system and ch.aggregate_type = 'complaint' and ch.aggregate_id = c.complaint_id
),

-- per (cut-off, changed aggregate): its contribution to each metric's numerator / denominator on a local day
contributions as (
    select cutoff_at, last_changed_at, source_system, 'fault' as aggregate_type, fault_id as aggregate_id, 'F1' as metric_id,
           due_date_local as date_local,
           case when repaired_at is not null and repaired_at <= due_at then 1 else 0 end as numerator, 1 as denominator
    from faults_both
    where not is_cancelled and reported_at is not null
    union all
    select cutoff_at, last_changed_at, source_system, 'complaint', complaint_id, 'C16', due_date_local,
           case when closed_at is not null then 1 else 0 end, 1
    from complaints_both where received_at is not null
    union all
    select cutoff_at, last_changed_at, source_system, 'complaint', complaint_id, 'C17', due_date_local,
           case when closed_at is not null and closed_at <= due_at then 1 else 0 end, 1
    from complaints_both where received_at is not null
    union all
    select cutoff_at, last_changed_at, source_system, 'complaint', complaint_id, 'C1', received_date_local, 1, null
    from complaints_both where received_at is not null
)

select cutoff_at, last_changed_at, source_system, aggregate_type, aggregate_id, metric_id, date_local,
       numerator, denominator
from contributions
