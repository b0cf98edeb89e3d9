{#
  Folds of case lifecycles, shared by the current projection (int_faults_folded, int_complaints_folded),
  the restatement mart (one fold per load cut-off) and the incremental facts (the fold as of the previous
  build). One definition, so every consumer computes due_at / on-time exactly alike (METRICS.md §2).

  fault_events_from(rel, keys=[]) / complaint_events_from(rel, keys=[]):
      staging projection (columns of stg_events__faults / stg_events__complaints, plus `keys`) of a relation
      with the columns of events.events (e.g. active_events_at(...)); joins seed source_systems for the zone.
  fold_faults(events, keys=[]) / fold_complaints(events, keys=[]):
      one row per (keys..., source_system, fault_id | complaint_id), see int_faults_folded.sql /
      int_complaints_folded.sql for the rules. `events` is a relation/CTE name with the staging columns.
  key_cols(keys, alias=none): "k1, k2, " (prefix list, empty for no keys); key_join(keys, a, b): "and a.k = b.k ...".
#}
{% macro key_cols(keys, alias=none) -%}
  {%- for k in keys %}{{ alias ~ '.' if alias else '' }}{{ k }}, {% endfor -%}
{%- endmacro %}

{% macro key_join(keys, a, b) -%}
  {%- for k in keys %} and {{ a }}.{{ k }} = {{ b }}.{{ k }}{% endfor -%}
{%- endmacro %}

{% macro _zone(alias) -%}
coalesce({{ alias }}.timezone, '{{ var("default_timezone") }}')
{%- endmacro %}

{% macro fault_events_from(rel, keys=[]) -%}
select
    {{ city_safety.key_cols(keys, 'e') }}
    e.event_id,
    e.event_type,
    e.source_system,
    {{ city_safety._zone('s') }} as timezone,
    e.aggregate_id as fault_id,
    e.occurred_at,
    e.recorded_at,
    e.street,
    e.subject_type as facility_type,
    e.subject_id as asset_id,
    e.category,
    e.due_at,
    {{ dbt.safe_cast(city_safety.json_text('e.payload', 'new_due_at'), city_safety.type_timestamptz()) }} as new_due_at,
    e.load_id,
    e.source_file,
    e.source_line
from {{ rel }} as e
left join {{ ref('source_systems') }} as s
    on s.source_system = e.source_system
where e.aggregate_type = 'fault'
{%- endmacro %}

{% macro complaint_events_from(rel, keys=[]) -%}
select
    {{ city_safety.key_cols(keys, 'e') }}
    e.event_id,
    e.event_type,
    e.source_system,
    {{ city_safety._zone('s') }} as timezone,
    e.aggregate_id as complaint_id,
    e.occurred_at,
    e.recorded_at,
    e.channel,
    e.category,
    e.street,
    e.due_at,
    lower(trim({{ city_safety.json_text('e.payload', 'close_reason') }})) as close_reason,
    {{ city_safety.json_text('e.payload', 'satisfaction') }} as satisfaction,
    {{ city_safety.json_text('e.payload', 'address') }} as address,
    e.load_id,
    e.source_file,
    e.source_line
from {{ rel }} as e
left join {{ ref('source_systems') }} as s
    on s.source_system = e.source_system
where e.aggregate_type = 'complaint'
{%- endmacro %}

{% macro fold_faults(events, keys=[]) -%}
{%- set kc = city_safety.key_cols(keys) -%}
with fault_ids as (
    select distinct {{ kc }}source_system, fault_id, timezone
    from {{ events }}
),

reported_ranked as (
    select
        {{ kc }}source_system,
        fault_id,
        occurred_at as reported_at,
        street,
        facility_type,
        asset_id,
        category,
        due_at as due_at_reported,
        row_number() over (
            partition by {{ kc }}source_system, fault_id order by occurred_at, event_id
        ) as report_rank
    from {{ events }}
    where event_type = 'fault_reported'
),

extensions_ranked as (
    select
        {{ kc }}source_system,
        fault_id,
        new_due_at,
        row_number() over (
            partition by {{ kc }}source_system, fault_id order by occurred_at desc, event_id desc
        ) as extension_rank
    from {{ events }}
    where event_type = 'extension_approved'
      and new_due_at is not null
),

extension_summary as (
    select
        {{ kc }}source_system,
        fault_id,
        max(case when extension_rank = 1 then new_due_at end) as new_due_at,
        count(*) as extensions_approved
    from extensions_ranked
    group by {{ kc }}source_system, fault_id
),

milestones as (
    select
        {{ kc }}source_system,
        fault_id,
        min(case when event_type = 'crew_arrived' then occurred_at end) as crew_arrived_at,
        min(case when event_type = 'fault_repaired' then occurred_at end) as repaired_at,
        min(case when event_type = 'fault_cancelled' then occurred_at end) as cancelled_at
    from {{ events }}
    group by {{ kc }}source_system, fault_id
),

folded as (
    select
        {{ city_safety.key_cols(keys, 'f') }}
        f.source_system,
        f.fault_id,
        f.timezone,
        r.street,
        r.facility_type,
        r.asset_id,
        r.category,
        r.reported_at,
        coalesce(
            r.due_at_reported,
            {{ dbt.dateadd('hour', 'coalesce(lim.limit_hours, ' ~ var('fault_default_limit_hours') ~ ')', 'r.reported_at') }}
        ) as due_at_original,
        x.new_due_at,
        coalesce(x.extensions_approved, 0) as extensions_approved,
        m.crew_arrived_at,
        m.repaired_at,
        m.cancelled_at
    from fault_ids as f
    left join reported_ranked as r
        on r.source_system = f.source_system and r.fault_id = f.fault_id and r.report_rank = 1
           {{- city_safety.key_join(keys, 'r', 'f') }}
    left join extension_summary as x
        on x.source_system = f.source_system and x.fault_id = f.fault_id
           {{- city_safety.key_join(keys, 'x', 'f') }}
    left join milestones as m
        on m.source_system = f.source_system and m.fault_id = f.fault_id
           {{- city_safety.key_join(keys, 'm', 'f') }}
    left join {{ ref('fault_time_limits') }} as lim
        on lim.facility_type = r.facility_type
),

with_due as (
    select
        *,
        case when reported_at is null then null else coalesce(new_due_at, due_at_original) end as due_at
    from folded
)

select
    {{ kc }}source_system,
    fault_id,
    timezone,
    street,
    facility_type,
    asset_id,
    category,
    reported_at,
    due_at_original,
    due_at,
    extensions_approved,
    crew_arrived_at,
    repaired_at,
    cancelled_at,
    cancelled_at is not null as is_cancelled,
    {{ city_safety.local_date('reported_at', 'timezone') }} as reported_date_local,
    {{ city_safety.local_date('due_at', 'timezone') }} as due_date_local,
    {{ city_safety.local_date('repaired_at', 'timezone') }} as repaired_date_local
from with_due
{%- endmacro %}

{% macro fold_complaints(events, keys=[]) -%}
{%- set kc = city_safety.key_cols(keys) -%}
{%- set void_list -%}
  {%- for r in var('complaint_void_close_reasons') %}'{{ r }}'{{ ", " if not loop.last }}{% endfor -%}
{%- endset -%}
with complaint_ids as (
    select distinct {{ kc }}source_system, complaint_id, timezone
    from {{ events }}
),

received_ranked as (
    select
        {{ kc }}source_system,
        complaint_id,
        occurred_at as received_at,
        channel,
        category,
        street,
        address,
        due_at as due_at_received,
        row_number() over (
            partition by {{ kc }}source_system, complaint_id order by occurred_at, event_id
        ) as receipt_rank
    from {{ events }}
    where event_type = 'complaint_received'
),

closes as (
    select
        {{ kc }}source_system,
        complaint_id,
        min(case when coalesce(close_reason, '') not in ({{ void_list }}) then occurred_at end) as closed_at,
        max(case when close_reason in ({{ void_list }}) then 1 else 0 end) as has_void_close,
        count(*) as close_events
    from {{ events }}
    where event_type = 'complaint_closed'
    group by {{ kc }}source_system, complaint_id
),

followups as (
    select
        {{ kc }}source_system,
        complaint_id,
        min(case when event_type = 'first_contact_made' then occurred_at end) as first_contact_at,
        min(case when event_type = 'complaint_reopened' then occurred_at end) as reopened_at
    from {{ events }}
    where event_type in ('first_contact_made', 'complaint_reopened')
    group by {{ kc }}source_system, complaint_id
),

close_reasons_ranked as (
    select
        {{ kc }}source_system,
        complaint_id,
        close_reason,
        row_number() over (
            partition by {{ kc }}source_system, complaint_id order by occurred_at desc, event_id desc
        ) as close_rank
    from {{ events }}
    where event_type = 'complaint_closed'
),

visits_ranked as (
    select
        {{ kc }}source_system,
        complaint_id,
        occurred_at as return_visit_at,
        satisfaction,
        row_number() over (
            partition by {{ kc }}source_system, complaint_id order by occurred_at desc, event_id desc
        ) as visit_rank
    from {{ events }}
    where event_type = 'return_visit_done'
),

limits as (
    select source_system, channel, limit_value, limit_unit, response_limit_minutes
    from {{ ref('complaint_time_limits') }}
),

base as (
    select
        {{ city_safety.key_cols(keys, 'c') }}
        c.source_system,
        c.complaint_id,
        c.timezone,
        r.channel,
        r.category,
        r.street,
        r.address,
        r.received_at,
        r.due_at_received,
        coalesce(le.limit_value, ld.limit_value, {{ var('complaint_default_limit_hours') }}) as limit_value,
        coalesce(le.response_limit_minutes, ld.response_limit_minutes, {{ var('complaint_default_response_minutes') }}) as response_limit_minutes,
        case when le.limit_value is not null then le.limit_unit
             when ld.limit_value is not null then ld.limit_unit
             else 'hours' end as limit_unit,
        cl.closed_at,
        cr.close_reason as last_close_reason,
        coalesce(cl.close_events, 0) as close_events,
        coalesce(cl.has_void_close, 0) = 1 and cl.closed_at is null as is_void_closed,
        v.return_visit_at,
        v.satisfaction,
        fu.first_contact_at,
        fu.reopened_at
    from complaint_ids as c
    left join received_ranked as r
        on r.source_system = c.source_system and r.complaint_id = c.complaint_id and r.receipt_rank = 1
           {{- city_safety.key_join(keys, 'r', 'c') }}
    left join closes as cl
        on cl.source_system = c.source_system and cl.complaint_id = c.complaint_id
           {{- city_safety.key_join(keys, 'cl', 'c') }}
    left join close_reasons_ranked as cr
        on cr.source_system = c.source_system and cr.complaint_id = c.complaint_id and cr.close_rank = 1
           {{- city_safety.key_join(keys, 'cr', 'c') }}
    left join visits_ranked as v
        on v.source_system = c.source_system and v.complaint_id = c.complaint_id and v.visit_rank = 1
           {{- city_safety.key_join(keys, 'v', 'c') }}
    left join followups as fu
        on fu.source_system = c.source_system and fu.complaint_id = c.complaint_id
           {{- city_safety.key_join(keys, 'fu', 'c') }}
    left join limits as le
        on le.source_system = c.source_system and le.channel = r.channel and le.channel <> '*'
    left join limits as ld
        on ld.source_system = c.source_system and ld.channel = '*'
),

with_due as (
    select
        b.*,
        case
            when b.received_at is null then null
            when b.due_at_received is not null then b.due_at_received
            when b.limit_unit = 'working_days' then {{ city_safety.working_days_deadline('b.received_at', 'b.limit_value', 'b.timezone', 'wd') }}
            else {{ dbt.dateadd('hour', 'b.limit_value', 'b.received_at') }}
        end as due_at
    from base as b
    {{ city_safety.working_days_joins('b.received_at', 'b.limit_value', 'b.timezone', 'wd') }}
)

select
    {{ kc }}source_system,
    complaint_id,
    timezone,
    channel,
    category,
    street,
    received_at,
    due_at,
    closed_at,
    last_close_reason,
    close_events,
    is_void_closed,
    return_visit_at,
    satisfaction,
    address,
    first_contact_at,
    reopened_at,
    response_limit_minutes,
    {{ city_safety.local_date('received_at', 'timezone') }} as received_date_local,
    {{ city_safety.local_date('due_at', 'timezone') }} as due_date_local,
    {{ city_safety.local_date('closed_at', 'timezone') }} as closed_date_local
from with_due
{%- endmacro %}
