{#
  Deadline of "N working days" (N 个工作日) counted from instant `ts` on China's official calendar (seed
  dim_calendar, holidays and 调休 make-up workdays included): 23:59:59 local time (zone `tz`) of the N-th working
  day strictly after the local date of `ts` (a receipt on a holiday or weekend therefore starts counting on the
  next working day). NULL when `ts` or `n` is NULL; for dates outside the seed's range (2014-2030) falls back to
  ts + N calendar days. METRICS.md §2.2 (time limits in working days). Written as two left joins (portable: no
  correlated subquery), used as a pair:

  working_days_joins(ts, n, tz, prefix): FROM-clause suffix joining dim_calendar as <prefix>_start (local date of
      ts) and <prefix>_target (the N-th working day after it); at most one row each (date_day and the
      workday_seq of a working day are unique).
  working_days_deadline(ts, n, tz, prefix): the deadline (TIMESTAMPTZ) from those joins.
#}
{% macro working_days_joins(ts, n, tz, prefix) -%}
left join {{ ref('dim_calendar') }} as {{ prefix }}_start
    on {{ prefix }}_start.date_day = {{ city_safety.local_date(ts, tz) }}
left join {{ ref('dim_calendar') }} as {{ prefix }}_target
    on {{ prefix }}_target.workday_seq = {{ prefix }}_start.workday_seq + {{ n }}
   and {{ prefix }}_target.is_workday
{%- endmacro %}

{% macro working_days_deadline(ts, n, tz, prefix) -%}
coalesce(
    {{ city_safety.end_of_local_day(prefix ~ '_target.date_day', tz) }},
    {{ dbt.dateadd('day', n, ts) }}
)
{%- endmacro %}
