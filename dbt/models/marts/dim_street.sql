-- Streets (街道) per source system: every street seen in registries and events (active, as of the cut-off).
select distinct
    source_system,
    street
from {{ ref('stg_events__active') }}
where street is not null
