-- METRICS.md I1 巡查打卡率 (illegal-construction patrols): one row per source_system, local date of the shift's
-- planned start, street, grid, grid level (district | street | community) and shift (day | night).
-- checkins_planned = planned check-in points of the shifts (payload planned_checkpoints); checkins_done =
-- distinct checkpoints checked in during those shifts, capped per shift at its plan (a point checked twice
-- counts once; an unplanned extra point cannot lift the rate above 100 %).
with events as (
    select * from {{ ref('stg_events__patrols') }}
),

shifts_ranked as (
    select
        *,
        row_number() over (partition by source_system, shift_id order by occurred_at, event_id) as plan_rank
    from events
    where event_type = 'patrol_shift_planned'
),

checkins as (
    select source_system, shift_id, count(distinct subject_id) as points_checked
    from events
    where event_type = 'patrol_checkin'
    group by source_system, shift_id
),

shifts as (
    select
        s.source_system,
        s.date_local,
        {{ city_safety.unknown_if_null('s.street') }} as street,
        {{ city_safety.unknown_if_null('s.grid_id') }} as grid_id,
        {{ city_safety.unknown_if_null('s.grid_level') }} as grid_level,
        {{ city_safety.unknown_if_null('s.shift') }} as shift,
        cast(coalesce(s.amount, 0) as {{ dbt.type_bigint() }}) as planned,
        least(coalesce(c.points_checked, 0), cast(coalesce(s.amount, 0) as {{ dbt.type_bigint() }})) as done
    from shifts_ranked as s
    left join checkins as c
        on c.source_system = s.source_system and c.shift_id = s.shift_id
    where s.plan_rank = 1
)

select
    source_system,
    date_local,
    street,
    grid_id,
    grid_level,
    shift,
    cast(count(*) as {{ dbt.type_bigint() }}) as shifts_planned,
    cast(sum(planned) as {{ dbt.type_bigint() }}) as checkins_planned,
    cast(sum(done) as {{ dbt.type_bigint() }}) as checkins_done,
    {{ city_safety.ratio('sum(done)', 'sum(planned)') }} as checkin_rate
from shifts
group by 1, 2, 3, 4, 5, 6
