{#
  working_days_deadline(ts, n, tz): deadline of "N working days" (N 个工作日) counted from instant `ts`
  on China's official calendar (seed dim_calendar, holidays and 调休 make-up workdays included): 23:59:59
  local time (zone `tz`) of the N-th working day strictly after the local date of `ts` (a receipt on a
  holiday or weekend therefore starts counting on the next working day). Returns TIMESTAMPTZ; NULL when
  `ts` or `n` is NULL; for dates outside the seed's range (2014-2030) falls back to ts + N calendar days.
  METRICS.md §2.2 (time limits in working days).
#}
{% macro working_days_deadline(ts, n, tz) -%}
coalesce(
    (
        select timezone({{ tz }}, cast(target_day.date_day as timestamp) + interval '23 hours 59 minutes 59 seconds')
        from {{ ref('dim_calendar') }} as start_day
        inner join {{ ref('dim_calendar') }} as target_day
            on target_day.workday_seq = start_day.workday_seq + {{ n }}
           and target_day.is_workday
        where start_day.date_day = {{ city_safety.local_date(ts, tz) }}
    ),
    {{ dbt.dateadd('day', n, ts) }}
)
{%- endmacro %}
