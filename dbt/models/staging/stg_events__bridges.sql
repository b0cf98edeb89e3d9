-- Bridge events (aggregate_type bridge; METRICS.md §4.4, B1-B5): asset_registered (payload name,
-- maintenance_class 养护类别, maintenance_grade 养护等级), bridge_condition_assessed (category = kind
-- routine | periodic_regular | periodic_structural | special, payload bci / grade), bridge_file_reviewed
-- (payload file_complete and the 资料卡 items), plus the routine bridge patrol check-ins (patrol_checkin with
-- subject_type bridge, B6) with bridge_id = subject_id.
select
    event_id,
    event_type,
    source_system,
    timezone,
    case when aggregate_type = 'bridge' then aggregate_id else subject_id end as bridge_id,
    occurred_at,
    recorded_at,
    date_local,
    street,
    category as assessment_kind,
    {{ city_safety.json_text('payload', 'name') }} as name,
    {{ city_safety.json_text('payload', 'maintenance_class') }} as maintenance_class,
    {{ city_safety.json_text('payload', 'maintenance_grade') }} as maintenance_grade,
    {{ dbt.safe_cast(city_safety.json_text('payload', 'bci'), city_safety.type_double()) }} as bci,
    upper(trim({{ city_safety.json_text('payload', 'grade') }})) as grade_reported,
    {{ city_safety.json_bool('payload', 'file_complete') }} as file_complete,
    {{ city_safety.json_text('payload', 'missing_items') }} as missing_items,
    load_id
from {{ ref('stg_events__active') }}
where aggregate_type = 'bridge'
   or (event_type = 'patrol_checkin' and subject_type = 'bridge')
