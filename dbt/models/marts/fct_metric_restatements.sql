-- Restatements (口径回溯): which past daily headline numbers changed because of late or corrected data, by how
-- much, and which loads caused it. For each of the latest var restatement_cutoffs load cut-offs (the distinct
-- commit instants of loads, <= var as_of when set) the headline metrics F1 (faults_disposed_on_time /
-- faults_due), C16 (complaints_closed / complaints_due), C17 (complaints_closed_on_time / complaints_due) and C1
-- (complaints_received) are recomputed per source_system and local day exactly as the marts would have shown
-- them at that cut-off, and compared with the latest build. Only days on or before the cut-off's local date
-- (numbers that were already reportable) and only changed numbers are kept.
-- Cheap by construction: at a cut-off c only aggregates touched by a load committed (or superseded) after c
-- can differ from the latest build, so only those are folded at c (int_restatement_contributions), and
-- value_then = latest - changed_latest + changed_then, with changed_latest read from the current folds
-- (int_faults_folded, int_complaints_folded = the fold at the latest cut-off). The work follows the loads
-- after each cut-off, not the history: an aggregate untouched since a cut-off is folded at none.
with cutoffs as (
    {{ city_safety.restatement_cutoffs() }}
),

bounds as (
    select min(cutoff_at) as first_cutoff_at, max(cutoff_at) as latest_cutoff_at from cutoffs
),

-- (the cut-offs of this build: the input table may have been built with another var restatement_cutoffs)
contributions as (
    select t.*
    from {{ ref('int_restatement_contributions') }} as t
    where t.last_changed_at is not null or t.cutoff_at in (select cutoff_at from cutoffs)
),

changed_totals as (
    select cutoff_at, source_system, metric_id, date_local,
           sum(numerator) as numerator, sum(denominator) as denominator
    from contributions
    where last_changed_at is null
    group by 1, 2, 3, 4
),

-- per earlier cut-off c: the latest build's contributions of the aggregates changed after c
changed_latest_totals as (
    select c.cutoff_at, t.source_system, t.metric_id, t.date_local,
           sum(t.numerator) as numerator, sum(t.denominator) as denominator
    from contributions as t
    inner join cutoffs as c
        on t.last_changed_at > c.cutoff_at
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

keys as (
    select cutoff_at, source_system, metric_id, date_local from changed_totals
    union
    select cutoff_at, source_system, metric_id, date_local from changed_latest_totals
),

compared as (
    select
        k.source_system,
        k.metric_id,
        k.date_local,
        k.cutoff_at,
        coalesce(l.numerator, 0) - coalesce(cl.numerator, 0) + coalesce(ct.numerator, 0) as numerator_then,
        case when k.metric_id = 'C1' then null
             else coalesce(l.denominator, 0) - coalesce(cl.denominator, 0) + coalesce(ct.denominator, 0) end as denominator_then,
        coalesce(l.numerator, 0) as numerator_latest,
        case when k.metric_id = 'C1' then null else coalesce(l.denominator, 0) end as denominator_latest
    from keys as k
    cross join bounds as b
    left join changed_totals as ct
        on ct.cutoff_at = k.cutoff_at and ct.source_system = k.source_system
       and ct.metric_id = k.metric_id and ct.date_local = k.date_local
    left join changed_latest_totals as cl
        on cl.cutoff_at = k.cutoff_at and cl.source_system = k.source_system
       and cl.metric_id = k.metric_id and cl.date_local = k.date_local
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
       and ((ctb.cutoff_at = r.cutoff_at and ctb.last_changed_at is null)
            or (ctb.last_changed_at > r.cutoff_at))
    inner join {{ source('events', 'events') }} as e
        on e.source_system = ctb.source_system and e.aggregate_type = ctb.aggregate_type and e.aggregate_id = ctb.aggregate_id
    inner join {{ source('events', 'file_ledger') }} as l
        on l.load_id = e.load_id
    -- superseding after the cut-off = its last supersession of another load is (joins, no correlated subquery:
    -- Spark plans this model several times faster)
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
