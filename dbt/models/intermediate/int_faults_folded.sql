-- One row per fault (source_system, fault_id), folded from its events (METRICS.md F1, §2 conventions):
--   reported_at  first fault_reported; street / facility_type / asset / category from that event
--   due_at       fault_reported.due_at, else reported_at + fault_time_limits.limit_hours (default var
--                fault_default_limit_hours), moved by the latest extension_approved.new_due_at
--   repaired_at  first fault_repaired; crew_arrived_at first crew_arrived; cancelled_at first fault_cancelled
-- Faults with events but no fault_reported keep reported_at NULL (visible, excluded from the facts).
with events as (
    select * from {{ ref('stg_events__faults') }}
),

faults as (
    select distinct source_system, fault_id, timezone
    from events
),

reported_ranked as (
    select
        source_system,
        fault_id,
        occurred_at as reported_at,
        street,
        facility_type,
        asset_id,
        category,
        due_at as due_at_reported,
        row_number() over (
            partition by source_system, fault_id order by occurred_at, event_id
        ) as report_rank
    from events
    where event_type = 'fault_reported'
),

reported as (
    select * from reported_ranked where report_rank = 1
),

extensions_ranked as (
    select
        source_system,
        fault_id,
        new_due_at,
        row_number() over (
            partition by source_system, fault_id order by occurred_at desc, event_id desc
        ) as extension_rank
    from events
    where event_type = 'extension_approved'
      and new_due_at is not null
),

extensions as (
    select source_system, fault_id, new_due_at, extension_rank
    from extensions_ranked
    where extension_rank = 1
),

extension_counts as (
    select source_system, fault_id, count(*) as extensions_approved
    from extensions_ranked
    group by source_system, fault_id
),

milestones as (
    select
        source_system,
        fault_id,
        min(case when event_type = 'crew_arrived' then occurred_at end) as crew_arrived_at,
        min(case when event_type = 'fault_repaired' then occurred_at end) as repaired_at,
        min(case when event_type = 'fault_cancelled' then occurred_at end) as cancelled_at
    from events
    group by source_system, fault_id
),

limits as (
    select facility_type, limit_hours from {{ ref('fault_time_limits') }}
),

folded as (
    select
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
        coalesce(xc.extensions_approved, 0) as extensions_approved,
        m.crew_arrived_at,
        m.repaired_at,
        m.cancelled_at
    from faults as f
    left join reported as r
        on r.source_system = f.source_system and r.fault_id = f.fault_id
    left join extensions as x
        on x.source_system = f.source_system and x.fault_id = f.fault_id
    left join extension_counts as xc
        on xc.source_system = f.source_system and xc.fault_id = f.fault_id
    left join milestones as m
        on m.source_system = f.source_system and m.fault_id = f.fault_id
    left join limits as lim
        on lim.facility_type = r.facility_type
)

select
    source_system,
    fault_id,
    timezone,
    street,
    facility_type,
    asset_id,
    category,
    reported_at,
    due_at_original,
    case when reported_at is null then null else coalesce(new_due_at, due_at_original) end as due_at,
    extensions_approved,
    crew_arrived_at,
    repaired_at,
    cancelled_at,
    cancelled_at is not null as is_cancelled,
    {{ city_safety.local_date('reported_at', 'timezone') }} as reported_date_local,
    {{ city_safety.local_date('case when reported_at is null then null else coalesce(new_due_at, due_at_original) end', 'timezone') }} as due_date_local,
    {{ city_safety.local_date('repaired_at', 'timezone') }} as repaired_date_local
from folded
