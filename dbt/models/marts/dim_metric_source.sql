-- 指标适用性 Metric applicability: one row per metric_id and source_system (every source with an active event as of
-- the cut-off). A metric whose registry entry declares `requires` (an event type, or event_type.payload_key) is
-- reported for a source only when the source has recorded that evidence; otherwise the source cannot report the
-- metric (LA 311 records no first contact, so H4 响应率 is unknown for it, not 0 %). fct_metric_values gives such
-- metrics NULL and the dashboards say "not reported by this source".
-- depends_on: {{ ref('int_source_evidence') }}
{%- set metrics = city_safety.metric_registry() %}
{%- if metrics | length == 0 %}
select
    cast(null as {{ dbt.type_string() }}) as metric_id,
    cast(null as {{ dbt.type_string() }}) as source_system,
    cast(null as {{ dbt.type_string() }}) as requires,
    cast(null as boolean) as reported,
    cast(null as {{ dbt.type_bigint() }}) as evidence_events
where 1 = 0
{%- else %}
with registry as (
    select cast(metric_id as {{ dbt.type_string() }}) as metric_id, cast(requires as {{ dbt.type_string() }}) as requires
    from (
        values
    {%- for m in metrics %}
        ({{ city_safety.sql_text(m['id']) }}, {{ city_safety.sql_text(m.get('requires')) }}){{ "," if not loop.last }}
    {%- endfor %}
    ) as r (metric_id, requires)
),

sources as (
    select distinct source_system
    from {{ ref('int_source_evidence') }}
)

select
    r.metric_id,
    s.source_system,
    r.requires,
    (r.requires is null or e.events is not null) as reported,
    case when r.requires is not null then coalesce(e.events, 0) end as evidence_events
from registry as r
cross join sources as s
left join {{ ref('int_source_evidence') }} as e
    on e.source_system = s.source_system
   and e.evidence = r.requires
{%- endif %}
