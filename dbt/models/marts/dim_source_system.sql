-- Source systems with their IANA zone and display names (seed source_systems), published so dashboards
-- derive local dates and labels from the same table the projections use.
select
    source_system,
    timezone as time_zone,
    name_zh,
    name_en
from {{ ref('source_systems') }}
