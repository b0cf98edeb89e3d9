-- One row per complaint (source_system, complaint_id), folded from its events (METRICS.md C16/C17/H5):
--   received_at  first complaint_received; channel / category / street from that event
--   due_at       complaint_received.due_at, else from seed complaint_time_limits for (source_system, channel),
--                then (source_system, '*'), then var complaint_default_limit_hours (hours): limit_unit 'hours'
--                adds clock hours, 'working_days' gives 23:59:59 local of the N-th official working day after
--                the receipt date (seed dim_calendar, 调休 included; macros working_days_joins / working_days_deadline)
--   closed_at    first complaint_closed whose close_reason is not void/duplicate (var complaint_void_close_reasons)
--   is_void_closed  some close was void/duplicate and no valid close exists (counted in 应结案数 only)
-- The fold itself is macro fold_complaints (macros/folds.sql), shared with the restatement and incremental models.
{{ city_safety.fold_complaints(ref('stg_events__complaints')) }}
