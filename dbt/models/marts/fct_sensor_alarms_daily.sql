-- METRICS.md G12 报警处置时长 / 误报率: one row per source_system, local date the alarm was raised, street and
-- sensor type: alarms raised, acknowledged, cleared and still open at the cut-off, false alarms (cleared with
-- reason false_alarm) and summed minutes raised -> acknowledged / raised -> cleared (averages = sum / count).
with events as (
    select * from {{ ref('stg_events__alarms') }}
),

cutoff as (
    select cutoff_at from {{ ref('int_build_cutoff') }}
),

raised_ranked as (
    select *, row_number() over (partition by source_system, alarm_id order by occurred_at, event_id) as raise_rank
    from events
    where event_type = 'sensor_alarm_raised'
),

steps as (
    select
        source_system,
        alarm_id,
        min(case when event_type = 'alarm_acknowledged' then occurred_at end) as acknowledged_at,
        min(case when event_type = 'alarm_cleared' then occurred_at end) as cleared_at,
        max(case when event_type = 'alarm_cleared' and clear_reason = 'false_alarm' then 1 else 0 end) as is_false
    from events
    group by source_system, alarm_id
),

alarms as (
    select
        r.source_system,
        {{ city_safety.local_date('r.occurred_at', 'r.timezone') }} as date_local,
        {{ city_safety.unknown_if_null('r.street') }} as street,
        {{ city_safety.unknown_if_null('r.sensor_type') }} as sensor_type,
        r.occurred_at as raised_at,
        s.acknowledged_at,
        s.cleared_at,
        coalesce(s.is_false, 0) as is_false
    from raised_ranked as r
    left join steps as s
        on s.source_system = r.source_system and s.alarm_id = r.alarm_id
    where r.raise_rank = 1
)

select
    a.source_system,
    a.date_local,
    a.street,
    a.sensor_type,
    cast(count(*) as {{ dbt.type_bigint() }}) as alarms_raised,
    cast(count(a.acknowledged_at) as {{ dbt.type_bigint() }}) as alarms_acknowledged,
    cast(count(a.cleared_at) as {{ dbt.type_bigint() }}) as alarms_cleared,
    cast(sum(case when a.cleared_at is null and a.raised_at <= c.cutoff_at then 1 else 0 end) as {{ dbt.type_bigint() }}) as alarms_open,
    cast(sum(a.is_false) as {{ dbt.type_bigint() }}) as alarms_false,
    {{ city_safety.ratio('sum(a.is_false)', 'count(*)') }} as false_alarm_rate,
    cast(coalesce(sum({{ dbt.datediff('a.raised_at', 'a.acknowledged_at', 'second') }}), 0) / cast(60 as {{ city_safety.type_double() }}) as {{ city_safety.type_double() }}) as ack_minutes_total,
    cast(sum({{ dbt.datediff('a.raised_at', 'a.acknowledged_at', 'second') }}) / cast(60 as {{ city_safety.type_double() }}) / nullif(count(a.acknowledged_at), 0) as {{ city_safety.type_double() }}) as avg_ack_minutes,
    cast(coalesce(sum({{ dbt.datediff('a.raised_at', 'a.cleared_at', 'second') }}), 0) / cast(60 as {{ city_safety.type_double() }}) as {{ city_safety.type_double() }}) as clear_minutes_total,
    cast(sum({{ dbt.datediff('a.raised_at', 'a.cleared_at', 'second') }}) / cast(60 as {{ city_safety.type_double() }}) / nullif(count(a.cleared_at), 0) as {{ city_safety.type_double() }}) as avg_clear_minutes
from alarms as a
cross join cutoff as c
group by 1, 2, 3, 4
