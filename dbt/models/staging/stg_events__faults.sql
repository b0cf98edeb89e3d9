-- Facility fault lifecycle events (aggregate_type fault): fault_reported, crew_arrived, fault_repaired,
-- fault_cancelled, extension_approved (payload new_due_at: ISO text with offset). Projection shared with
-- the restatement / incremental folds (macro fault_events_from).
{{ city_safety.fault_events_from(ref('stg_events__active')) }}
