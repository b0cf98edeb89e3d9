-- The instant the projections are "as of": var as_of when set, else the commit time of the latest
-- active load (deterministic: rebuilding from the same event store gives the same cut-off, unlike now()).
-- Used for "deadline passed" (超期) tests.
{%- set as_of = city_safety.as_of_literal() %}
select
{%- if as_of is none %}
    max(recorded_at) as cutoff_at
from {{ ref('stg_events__active_loads') }}
{%- else %}
    {{ as_of }} as cutoff_at
{%- endif %}
