-- Complaint lifecycle events (aggregate_type complaint): complaint_received, complaint_closed (payload
-- close_reason), return_visit_done (payload satisfaction) and any other complaint event. Projection shared
-- with the restatement / incremental folds (macro complaint_events_from).
{{ city_safety.complaint_events_from(ref('stg_events__active')) }}
