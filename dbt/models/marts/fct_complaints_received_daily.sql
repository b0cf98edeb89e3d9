-- METRICS.md C1 上报数 / H11 诉求量: complaints received per source_system, local date of receipt,
-- channel, category and street.
{{ config(**city_safety.incremental_config('complaint_received')) }}
{{ city_safety.incremental_depends_on('complaint_received') }}
with daily as (
select
    source_system,
    received_date_local as date_local,
    {{ city_safety.unknown_if_null('channel') }} as channel,
    {{ city_safety.unknown_if_null('category') }} as category,
    {{ city_safety.unknown_if_null('street') }} as street,
    cast(count(*) as {{ dbt.type_bigint() }}) as complaints_received
from {{ ref('int_complaints_folded') }}
where received_at is not null
group by 1, 2, 3, 4, 5
)

select * from daily as d
where {{ city_safety.incremental_filter('complaint_received', 'd') }}
