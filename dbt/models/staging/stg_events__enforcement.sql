-- Enforcement (综合执法, METRICS.md §4.7, E1-E4, G9, G10): enforcement_case_opened (category = domain,
-- due_at = 办案期限), penalty_imposed (amount = fine), penalty_paid (amount = paid), enforcement_case_closed,
-- and black_gas_point_seized (aggregate black_gas_point; payload cylinders_full / cylinders_empty).
select
    event_id,
    event_type,
    aggregate_type,
    source_system,
    timezone,
    aggregate_id as case_id,
    occurred_at,
    recorded_at,
    date_local,
    street,
    category,
    subject_type as origin,
    subject_id as origin_ref,
    due_at,
    amount,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'cylinders_full'), dbt.type_bigint()) }} as cylinders_full,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'cylinders_empty'), dbt.type_bigint()) }} as cylinders_empty,
    lower(trim({{ city_safety.json_text('payload', 'close_reason') }})) as close_reason,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type in ('enforcement_case', 'black_gas_point')
