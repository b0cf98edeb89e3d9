-- Every registered metric by name (指标取数): one row per metric_id, source_system, period (month, or year for
-- metrics whose meta says period_grain: year) and street, generated from the metric registry (meta.metrics of
-- the fct models' YAML; dim_metric lists the same). numerator / denominator are the sums of the metric's
-- columns over the period (with the metric's filter); value = numerator / denominator for ratios and averages,
-- numerator for counts and amounts. Models without a street column report street '(all)'. A metric the source
-- cannot report (dim_metric_source.reported = false: the evidence it `requires` was never recorded by that source)
-- has NULL numerator and value, not 0 %, and reported = false.
{%- set fcts = ['fct_fault_disposal_daily', 'fct_fault_response_daily', 'fct_gas_inspection_coverage',
                'fct_gas_hazard_rectification_monthly', 'fct_black_gas_seizures_monthly', 'fct_enforcement_monthly',
                'fct_complaint_closure_daily', 'fct_complaints_received_daily', 'fct_complaint_service_daily',
                'fct_complaint_feedback_daily', 'fct_tips_monthly', 'fct_bridge_condition_yearly',
                'fct_confined_space_compliance_monthly', 'fct_patrol_checkin_daily', 'fct_illegal_construction_monthly',
                'fct_sensor_alarms_daily', 'fct_sensor_devices_daily'] %}
-- depends_on: {{ ref('dim_metric_source') }}, {% for f in fcts %}{{ ref(f) }}{{ ", " if not loop.last }}{% endfor %}
{%- set metrics = city_safety.metric_registry() | selectattr('numerator_column') | list %}
{%- if metrics | length == 0 %}
select
    cast(null as {{ dbt.type_string() }}) as metric_id, cast(null as {{ dbt.type_string() }}) as source_system, cast(null as {{ dbt.type_string() }}) as period_grain,
    cast(null as date) as period_start, cast(null as {{ dbt.type_string() }}) as street,
    cast(null as {{ city_safety.type_double() }}) as numerator, cast(null as {{ city_safety.type_double() }}) as denominator,
    cast(null as {{ city_safety.type_double() }}) as value,
    cast(null as boolean) as reported
where 1 = 0
{%- else %}
with metric_rows as (
{%- for m in metrics %}
{%- if m['model'] not in fcts %}
  {{ exceptions.raise_compiler_error("metric " ~ m['id'] ~ ": model " ~ m['model'] ~ " is missing from fct_metric_values.sql's depends_on list") }}
{%- endif %}
{%- set grain = m.get('period_grain', 'month') %}
{%- set street = m.get('street_column', 'street') %}
select
    '{{ m["id"] }}' as metric_id,
    source_system,
    '{{ grain }}' as period_grain,
    cast({{ dbt.date_trunc(grain, m['date_column']) }} as date) as period_start,
    {% if street %}{{ street }}{% else %}'(all)'{% endif %} as street,
    {{ city_safety.exact_sum(m['numerator_column']) }} as numerator,
    {% if m.get('denominator_column') %}{{ city_safety.exact_sum(m['denominator_column']) }}{% else %}cast(null as {{ city_safety.type_double() }}){% endif %} as denominator,
    {% if m.get('denominator_column') %}{{ city_safety.ratio(city_safety.exact_sum(m['numerator_column']), city_safety.exact_sum(m['denominator_column'])) }}{% else %}{{ city_safety.exact_sum(m['numerator_column']) }}{% endif %} as value
from {{ ref(m['model']) }}
where {{ m.get('filter') or '1 = 1' }}
group by 1, 2, 3, 4, 5
{% if not loop.last %}union all{% endif %}
{%- endfor %}
)

select
    v.metric_id,
    v.source_system,
    v.period_grain,
    v.period_start,
    v.street,
    case when coalesce(a.reported, true) then v.numerator end as numerator,
    v.denominator,
    case when coalesce(a.reported, true) then v.value end as value,
    coalesce(a.reported, true) as reported
from metric_rows as v
left join {{ ref('dim_metric_source') }} as a
    on a.metric_id = v.metric_id
   and a.source_system = v.source_system
{%- endif %}
