-- The events fct_metric_restatements folds: for each of the latest var restatement_cutoffs load cut-offs
-- (macro restatement_cutoffs), the events of every fault and complaint touched by a load committed (or superseded,
-- or superseding) after the earliest of them, as active at that cut-off (macros changed_aggregates,
-- active_events_at): one row per (cutoff_at, event_id). Its own table because the folds read it ten times: an
-- engine that inlines every CTE reference (Spark) would otherwise plan and run the window ten times.
with cutoffs as (
    {{ city_safety.restatement_cutoffs() }}
),

changed as (
    {{ city_safety.changed_aggregates('(select min(cutoff_at) from cutoffs)', ['fault', 'complaint']) }}
)

{{ city_safety.active_events_at('cutoffs', "e.aggregate_type in ('fault', 'complaint') and exists (select 1 from changed as ch where ch.source_system = e.source_system and ch.aggregate_type = e.aggregate_type and ch.aggregate_id = e.aggregate_id)") }}
