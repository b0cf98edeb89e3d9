{#
  local_date(ts, tz): the calendar date of instant `ts` (TIMESTAMPTZ) on the wall clock of zone `tz`
  (IANA name, a column or a quoted literal). Independent of the session TimeZone, so builds under TZ=UTC
  and TZ=Asia/Shanghai agree (FAILURE_CLASSES.md #14). Returns DATE.
#}
{% macro local_date(ts, tz) -%}
  {{ return(adapter.dispatch('local_date', 'city_safety')(ts, tz)) }}
{%- endmacro %}

{% macro default__local_date(ts, tz) -%}
  cast(timezone({{ tz }}, {{ ts }}) as date)
{%- endmacro %}

{% macro spark__local_date(ts, tz) -%}
  to_date(from_utc_timestamp({{ ts }}, {{ tz }}))
{%- endmacro %}

{% macro trino__local_date(ts, tz) -%}
  cast(at_timezone({{ ts }}, {{ tz }}) as date)
{%- endmacro %}
