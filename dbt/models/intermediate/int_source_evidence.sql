-- What each source system records (数据源记录的事项), as known at the cut-off: one row per source_system and
-- evidence key. A key is an event type (first_contact_made), or `<event_type>.<payload key>` for a payload field
-- some metric `requires` (inspection_performed.alarm_installed), present when at least one such event carries a
-- non-null value. dim_metric_source decides from it which metrics a source can report.
{%- set fields = city_safety.required_payload_fields() %}
with active as (
    select source_system, event_type, payload
    from {{ ref('stg_events__active') }}
)

select
    source_system,
    event_type as evidence,
    cast(count(*) as {{ dbt.type_bigint() }}) as events
from active
group by 1, 2
{%- for field in fields %}
{%- set event_type, key = field.split('.', 1) %}

union all

select
    source_system,
    '{{ field }}' as evidence,
    cast(count(*) as {{ dbt.type_bigint() }}) as events
from active
where event_type = '{{ event_type }}'
  and {{ city_safety.json_text('payload', key) }} is not null
group by 1
{%- endfor %}
