-- Restatements (口径回溯): which past daily headline numbers changed because of late or corrected data, by how
-- much, and which loads caused it. For each of the latest var restatement_cutoffs load cut-offs (the distinct
-- commit instants of loads, <= var as_of when set) the headline metrics F1 (faults_disposed_on_time /
-- faults_due), C16 (complaints_closed / complaints_due), C17 (complaints_closed_on_time / complaints_due) and C1
-- (complaints_received) are recomputed per source_system and local day exactly as the marts would have shown
-- them at that cut-off, and compared with the latest build. Only days on or before the cut-off's local date
-- (numbers that were already reportable) and only changed numbers are kept.
-- Cheap by construction: only aggregates touched by a load committed (or superseded) after the earliest of those
-- cut-offs are folded per cut-off (int_restatement_events; macros fold_faults, fold_complaints); every other
-- aggregate contributes the same at every cut-off, so value_then = latest - changed_latest + changed_then.
with cutoffs as (
    {{ city_safety.restatement_cutoffs() }}
),

bounds as (
    select min(cutoff_at) as first_cutoff_at, max(cutoff_at) as latest_cutoff_at from cutoffs
),

events_at as (
    select * from {{ ref('int_restatement_events') }}
    where cutoff_at in (select cutoff_at from cutoffs)
),

fault_events as (
    {{ city_safety.fault_events_from('events_at', ['cutoff_at']) }}
),

complaint_events as (
    {{ city_safety.complaint_events_from('events_at', ['cutoff_at']) }}
),

faults_at as (
    {{ city_safety.fold_faults('fault_events', ['cutoff_at']) }}
),

complaints_at as (
    {{ city_safety.fold_complaints('complaint_events', ['cutoff_at']) }}
),

-- per cut-off, per changed aggregate: its contribution to each metric's numerator / denominator on a local day
-- (each fold is referenced once: Spark inlines every CTE reference, so a fold named three times is planned three times)
contributions as (
    select cutoff_at, source_system, 'fault' as aggregate_type, fault_id as aggregate_id, 'F1' as metric_id,
           due_date_local as date_local,
           case when repaired_at is not null and repaired_at <= due_at then 1 else 0 end as numerator, 1 as denominator
    from faults_at
    where not is_cancelled and reported_at is not null
    union all
    select c.cutoff_at, c.source_system, 'complaint', c.complaint_id, m.metric_id,
           case when m.metric_id = 'C1' then c.received_date_local else c.due_date_local end,
           case when m.metric_id = 'C1' then 1
                when m.metric_id = 'C16' and c.closed_at is not null then 1
                when m.metric_id = 'C17' and c.closed_at is not null and c.closed_at <= c.due_at then 1
                else 0 end,
           case when m.metric_id = 'C1' then null else 1 end
    from complaints_at as c
    cross join (select 'C16' as metric_id union all select 'C17' union all select 'C1') as m
    where c.received_at is not null
),

changed_totals as (
    select cutoff_at, source_system, metric_id, date_local,
           sum(numerator) as numerator, sum(denominator) as denominator
    from contributions
    group by 1, 2, 3, 4
),

latest_totals as (
    select source_system, 'F1' as metric_id, date_local,
           sum(faults_disposed_on_time) as numerator, sum(faults_due) as denominator
    from {{ ref('fct_fault_disposal_daily') }}
    group by 1, 2, 3
    union all
    select source_system, 'C16', date_local, sum(complaints_closed), sum(complaints_due)
    from {{ ref('fct_complaint_closure_daily') }}
    group by 1, 2, 3
    union all
    select source_system, 'C17', date_local, sum(complaints_closed_on_time), sum(complaints_due)
    from {{ ref('fct_complaint_closure_daily') }}
    group by 1, 2, 3
    union all
    select source_system, 'C1', date_local, sum(complaints_received), null
    from {{ ref('fct_complaints_received_daily') }}
    group by 1, 2, 3
),

-- every cut-off x every (source_system, metric, day) that changed at some cut-off, with the changed aggregates'
-- totals at that cut-off (then) and at the latest one: one pass over changed_totals instead of three joins to it
keyed as (
    select
        c.cutoff_at, t.source_system, t.metric_id, t.date_local,
        sum(case when t.cutoff_at = c.cutoff_at then t.numerator end) as then_numerator,
        sum(case when t.cutoff_at = c.cutoff_at then t.denominator end) as then_denominator,
        sum(case when t.cutoff_at = b.latest_cutoff_at then t.numerator end) as latest_numerator,
        sum(case when t.cutoff_at = b.latest_cutoff_at then t.denominator end) as latest_denominator
    from changed_totals as t
    cross join cutoffs as c
    cross join bounds as b
    group by 1, 2, 3, 4
),

compared as (
    select
        k.source_system,
        k.metric_id,
        k.date_local,
        k.cutoff_at,
        coalesce(l.numerator, 0) - coalesce(k.latest_numerator, 0) + coalesce(k.then_numerator, 0) as numerator_then,
        case when k.metric_id = 'C1' then null
             else coalesce(l.denominator, 0) - coalesce(k.latest_denominator, 0) + coalesce(k.then_denominator, 0) end as denominator_then,
        coalesce(l.numerator, 0) as numerator_latest,
        case when k.metric_id = 'C1' then null else coalesce(l.denominator, 0) end as denominator_latest
    from keyed as k
    cross join bounds as b
    left join latest_totals as l
        on l.source_system = k.source_system and l.metric_id = k.metric_id and l.date_local = k.date_local
    left join {{ ref('source_systems') }} as z
        on z.source_system = k.source_system
    where k.cutoff_at < b.latest_cutoff_at
      and k.date_local <= {{ city_safety.local_date('k.cutoff_at', "coalesce(z.timezone, '" ~ var('default_timezone') ~ "')") }}
),

restated as (
    select *
    from compared
    where numerator_then <> numerator_latest
       or coalesce(denominator_then, -1) <> coalesce(denominator_latest, -1)
),

causes as (
    -- loads committed (or superseding) after the cut-off that carry events of an aggregate counted on that day
    -- in either version
    select
        r.source_system, r.metric_id, r.date_local, r.cutoff_at,
        {{ city_safety.sorted_distinct_list('e.load_id', ',') }} as caused_by_loads
    from restated as r
    cross join bounds as b
    inner join contributions as ctb
        on ctb.source_system = r.source_system and ctb.metric_id = r.metric_id and ctb.date_local = r.date_local
       and ctb.cutoff_at in (r.cutoff_at, b.latest_cutoff_at)
    inner join {{ source('events', 'events') }} as e
        on e.source_system = ctb.source_system and e.aggregate_type = ctb.aggregate_type and e.aggregate_id = ctb.aggregate_id
    inner join {{ source('events', 'file_ledger') }} as l
        on l.load_id = e.load_id
    -- superseding after the cut-off = its last supersession of another load is (joins, no correlated subquery)
    left join (
        select superseded_by, max(superseded_at) as superseded_at
        from {{ source('events', 'load_supersessions') }}
        group by superseded_by
    ) as sup
        on sup.superseded_by = l.load_id
    where l.status = 'loaded'
      and (l.recorded_at > r.cutoff_at or sup.superseded_at > r.cutoff_at)
      and l.recorded_at <= b.latest_cutoff_at
    group by 1, 2, 3, 4
)

select
    r.source_system,
    r.metric_id,
    r.date_local,
    r.cutoff_at,
    b.latest_cutoff_at,
    cast(r.numerator_then as {{ dbt.type_bigint() }}) as numerator_then,
    cast(r.denominator_then as {{ dbt.type_bigint() }}) as denominator_then,
    case when r.metric_id = 'C1' then cast(r.numerator_then as {{ city_safety.type_double() }})
         else {{ city_safety.ratio('r.numerator_then', 'r.denominator_then') }} end as value_then,
    cast(r.numerator_latest as {{ dbt.type_bigint() }}) as numerator_latest,
    cast(r.denominator_latest as {{ dbt.type_bigint() }}) as denominator_latest,
    case when r.metric_id = 'C1' then cast(r.numerator_latest as {{ city_safety.type_double() }})
         else {{ city_safety.ratio('r.numerator_latest', 'r.denominator_latest') }} end as value_latest,
    case when r.metric_id = 'C1' then cast(r.numerator_latest - r.numerator_then as {{ city_safety.type_double() }})
         else {{ city_safety.ratio('r.numerator_latest', 'r.denominator_latest') }}
              - {{ city_safety.ratio('r.numerator_then', 'r.denominator_then') }} end as value_delta,
    c.caused_by_loads
from restated as r
cross join bounds as b
left join causes as c
    on c.source_system = r.source_system and c.metric_id = r.metric_id
   and c.date_local = r.date_local and c.cutoff_at = r.cutoff_at
