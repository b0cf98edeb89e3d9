-- One row per complaint (source_system, complaint_id), folded from its events (METRICS.md C16/C17/H5):
--   received_at  first complaint_received; channel / category / street from that event
--   due_at       complaint_received.due_at, else from seed complaint_time_limits for (source_system, channel),
--                then (source_system, '*'), then var complaint_default_limit_hours (hours): limit_unit 'hours'
--                adds clock hours, 'working_days' gives 23:59:59 local of the N-th official working day after
--                the receipt date (seed dim_calendar, 调休 included; macros working_days_joins / working_days_deadline)
--   closed_at    first complaint_closed whose close_reason is not void/duplicate (var complaint_void_close_reasons)
--   is_void_closed  some close was void/duplicate and no valid close exists (counted in 应结案数 only)
-- The fold itself is macro fold_complaints (macros/folds.sql), shared with the restatement and incremental models.
-- Incremental by load (macros/incremental.sql, kind complaint_fold): a build re-folds only the complaints
-- with events in loads committed or superseded since the last build.
{{ config(**city_safety.incremental_config('complaint_fold')) }}
{{ city_safety.incremental_depends_on('complaint_fold') }}
with complaint_events as (
    select * from {{ ref('stg_events__complaints') }} as e
    where {{ city_safety.incremental_filter('complaint_fold', 'e') }}
)

select * from ({{ city_safety.fold_complaints('complaint_events') }}) as folded
