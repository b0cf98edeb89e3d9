-- One row per fault (source_system, fault_id), folded from its events (METRICS.md F1, §2 conventions):
--   reported_at  first fault_reported; street / facility_type / asset / category from that event
--   due_at       fault_reported.due_at, else reported_at + fault_time_limits.limit_hours (default var
--                fault_default_limit_hours), moved by the latest extension_approved.new_due_at
--   repaired_at  first fault_repaired; crew_arrived_at first crew_arrived; cancelled_at first fault_cancelled
-- Faults with events but no fault_reported keep reported_at NULL (visible, excluded from the facts).
-- The fold itself is macro fold_faults (macros/folds.sql), shared with the restatement and incremental models.
-- Incremental by load (macros/incremental.sql, kind fault_fold): a build re-folds only the faults
-- with events in loads committed or superseded since the last build.
{{ config(**city_safety.incremental_config('fault_fold')) }}
{{ city_safety.incremental_depends_on('fault_fold') }}
with fault_events as (
    select * from {{ ref('stg_events__faults') }} as e
    where {{ city_safety.incremental_filter('fault_fold', 'e') }}
)

select * from ({{ city_safety.fold_faults('fault_events') }}) as folded
