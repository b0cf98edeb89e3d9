-- METRICS.md H12 有奖举报查实率 / 奖励金额: one row per source_system, local month of receipt, street, channel
-- and category: tips received, checked (tip_verified known by the cut-off) and verified true (cohort), and
-- rewards paid for those tips (count and yuan, paid by the cut-off).
with events as (
    select * from {{ ref('stg_events__tips') }}
),

received_ranked as (
    select *, row_number() over (partition by source_system, tip_id order by occurred_at, event_id) as receipt_rank
    from events
    where event_type = 'tip_received'
),

outcome as (
    select
        source_system,
        tip_id,
        max(case when event_type = 'tip_verified' then 1 else 0 end) as is_checked,
        max(case when event_type = 'tip_verified' and verified then 1 else 0 end) as is_verified,
        max(case when event_type = 'reward_paid' then 1 else 0 end) as is_rewarded,
        {{ city_safety.exact_sum("case when event_type = 'reward_paid' then amount end") }} as reward_amount
    from events
    group by source_system, tip_id
)

select
    r.source_system,
    cast({{ dbt.date_trunc('month', 'r.date_local') }} as date) as period_month,
    {{ city_safety.unknown_if_null('r.street') }} as street,
    {{ city_safety.unknown_if_null('r.channel') }} as channel,
    {{ city_safety.unknown_if_null('r.category') }} as category,
    cast(count(*) as {{ dbt.type_bigint() }}) as tips_received,
    cast(sum(coalesce(o.is_checked, 0)) as {{ dbt.type_bigint() }}) as tips_checked,
    cast(sum(coalesce(o.is_verified, 0)) as {{ dbt.type_bigint() }}) as tips_verified,
    {{ city_safety.ratio('sum(coalesce(o.is_verified, 0))', 'count(*)') }} as verification_rate,
    cast(sum(coalesce(o.is_rewarded, 0)) as {{ dbt.type_bigint() }}) as rewards_paid,
    coalesce({{ city_safety.exact_sum('o.reward_amount') }}, 0) as reward_amount
from received_ranked as r
left join outcome as o
    on o.source_system = r.source_system and o.tip_id = r.tip_id
where r.receipt_rank = 1
group by 1, 2, 3, 4, 5
