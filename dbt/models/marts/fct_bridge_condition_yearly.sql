-- METRICS.md B1 BCI, B2 BCI 等级 A-E, B4 一桥一档完整率, B5 定期检测完成率, B6 经常性检查执行率: one row per
-- source_system, year (DATE, Jan 1) and street, for the years with bridge work (assessments, file reviews, patrols).
--   bridges_registered     bridges registered by year end (应检测数 / 台账数)
--   bridges_file_complete  latest file review up to year end says the file is complete (B4)
--   bridges_periodic_inspected  >= 1 常规定期检测 (periodic_regular) in the year (B5)
--   bridges_assessed / bci_total / bridges_grade_a..e  latest assessment with a BCI up to year end (B1, B2)
--   patrols_done / patrols_required  routine patrol check-ins (distinct bridge-days) in the year versus the
--     days required by 养护等级 (Ⅰ等 every day, Ⅱ等 every 3 days, Ⅲ等 every 7 days [M]) over the days the bridge
--     was registered in the year up to the cut-off date (B6)
with events as (
    select * from {{ ref('stg_events__bridges') }}
),

cutoff as (
    select cutoff_at from {{ ref('int_build_cutoff') }}
),

bridges as (
    select
        source_system,
        bridge_id,
        min(timezone) as timezone,
        min(date_local) as registered_date,
        max(street) as street,
        max(maintenance_grade) as maintenance_grade
    from events
    where event_type = 'asset_registered'
    group by source_system, bridge_id
),

years as (
    -- years with bridge work (assessments, file reviews, patrols); registration years alone are not reported
    select distinct
        b.source_system,
        cast({{ dbt.date_trunc('year', 'e.date_local') }} as date) as period_year
    from events as e
    inner join bridges as b
        on b.source_system = e.source_system and b.bridge_id = e.bridge_id
    where e.event_type <> 'asset_registered'
),

bridge_years as (
    select
        b.*,
        y.period_year,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'y.period_year')) }} as date) as year_end
    from bridges as b
    inner join years as y
        on y.source_system = b.source_system
       and b.registered_date <= cast({{ dbt.dateadd('day', -1, dbt.dateadd('year', 1, 'y.period_year')) }} as date)
),

file_status as (
    select
        by_.source_system, by_.bridge_id, by_.period_year,
        max_by(e.file_complete, e.occurred_at) as file_complete
    from bridge_years as by_
    inner join events as e
        on e.source_system = by_.source_system and e.bridge_id = by_.bridge_id
       and e.event_type = 'bridge_file_reviewed' and e.date_local <= by_.year_end
    group by 1, 2, 3
),

condition as (
    select
        by_.source_system, by_.bridge_id, by_.period_year,
        max_by(e.bci, e.occurred_at) as bci
    from bridge_years as by_
    inner join events as e
        on e.source_system = by_.source_system and e.bridge_id = by_.bridge_id
       and e.event_type = 'bridge_condition_assessed' and e.bci is not null and e.date_local <= by_.year_end
    group by 1, 2, 3
),

periodic as (
    select distinct source_system, bridge_id, cast({{ dbt.date_trunc('year', 'date_local') }} as date) as period_year
    from events
    where event_type = 'bridge_condition_assessed' and assessment_kind = 'periodic_regular'
),

patrol_days as (
    select source_system, bridge_id, cast({{ dbt.date_trunc('year', 'date_local') }} as date) as period_year,
           count(distinct date_local) as patrol_days
    from events
    where event_type = 'patrol_checkin'
    group by 1, 2, 3
),

per_bridge as (
    select
        by_.source_system,
        by_.period_year,
        {{ city_safety.unknown_if_null('by_.street') }} as street,
        by_.bridge_id,
        coalesce(f.file_complete, false) as file_complete,
        p.bridge_id is not null as periodic_inspected,
        c.bci,
        coalesce(pd.patrol_days, 0) as patrols_done,
        -- days in scope: from max(registration, Jan 1) to min(year end, local cut-off date)
        greatest(0, {{ dbt.datediff(
            'greatest(by_.registered_date, by_.period_year)',
            'least(by_.year_end, ' ~ city_safety.local_date('cut.cutoff_at', 'by_.timezone') ~ ')', 'day') }} + 1) as days_in_scope,
        case
            when by_.maintenance_grade like 'Ⅰ%' or by_.maintenance_grade like 'I等%' then 1
            when by_.maintenance_grade like 'Ⅱ%' or by_.maintenance_grade like 'II等%' then 3
            when by_.maintenance_grade like 'Ⅲ%' or by_.maintenance_grade like 'III等%' then 7
        end as patrol_cycle_days
    from bridge_years as by_
    cross join cutoff as cut
    left join file_status as f
        on f.source_system = by_.source_system and f.bridge_id = by_.bridge_id and f.period_year = by_.period_year
    left join condition as c
        on c.source_system = by_.source_system and c.bridge_id = by_.bridge_id and c.period_year = by_.period_year
    left join periodic as p
        on p.source_system = by_.source_system and p.bridge_id = by_.bridge_id and p.period_year = by_.period_year
    left join patrol_days as pd
        on pd.source_system = by_.source_system and pd.bridge_id = by_.bridge_id and pd.period_year = by_.period_year
),

yearly as (
    select
        source_system,
        period_year,
        street,
        cast(count(*) as {{ dbt.type_bigint() }}) as bridges_registered,
        cast(sum(case when file_complete then 1 else 0 end) as {{ dbt.type_bigint() }}) as bridges_file_complete,
        cast(sum(case when periodic_inspected then 1 else 0 end) as {{ dbt.type_bigint() }}) as bridges_periodic_inspected,
        cast(count(bci) as {{ dbt.type_bigint() }}) as bridges_assessed,
        {{ city_safety.exact_sum('bci') }} as bci_total,
        {%- for g in ['A', 'B', 'C', 'D', 'E'] %}
        cast(sum(case when {{ city_safety.bci_grade('bci') }} = '{{ g }}' then 1 else 0 end) as {{ dbt.type_bigint() }}) as bridges_grade_{{ g | lower }},
        {%- endfor %}
        cast(sum(case when patrol_cycle_days is null then 0 else least(patrols_done, ceil(days_in_scope / patrol_cycle_days)) end) as {{ dbt.type_bigint() }}) as patrols_done,
        cast(sum(case when patrol_cycle_days is null then 0 else ceil(days_in_scope / patrol_cycle_days) end) as {{ dbt.type_bigint() }}) as patrols_required
    from per_bridge
    group by 1, 2, 3
)

select
    source_system,
    period_year,
    street,
    bridges_registered,
    bridges_file_complete,
    {{ city_safety.ratio('bridges_file_complete', 'bridges_registered') }} as file_completeness_rate,
    bridges_periodic_inspected,
    {{ city_safety.ratio('bridges_periodic_inspected', 'bridges_registered') }} as periodic_inspection_rate,
    bridges_assessed,
    bci_total,
    {{ city_safety.ratio('bci_total', 'bridges_assessed') }} as avg_bci,
    bridges_grade_a,
    bridges_grade_b,
    bridges_grade_c,
    bridges_grade_d,
    bridges_grade_e,
    cast(bridges_grade_a + bridges_grade_b as {{ dbt.type_bigint() }}) as bridges_grade_ab,
    {{ city_safety.ratio('bridges_grade_a + bridges_grade_b', 'bridges_assessed') }} as grade_ab_rate,
    patrols_done,
    patrols_required,
    {{ city_safety.ratio('patrols_done', 'patrols_required') }} as patrol_compliance_rate
from yearly
