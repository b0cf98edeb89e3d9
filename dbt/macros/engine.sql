{#
  Small adapter-dispatched macros for the SQL that differs between DuckDB (default__) and Spark (spark__).
  Models call these (or dbt's cross-database macros), never engine-specific functions directly.

  local_to_instant(local_ts, tz): the instant (TIMESTAMPTZ; Spark TIMESTAMP in the UTC session zone) of wall-clock
      time `local_ts` (TIMESTAMP without zone) in IANA zone `tz`.
  end_of_local_day(d, tz): 23:59:59 local time of DATE `d` in zone `tz`, as an instant (deadlines "by the end of day").
  sorted_distinct_list(col, sep): aggregate - the distinct non-null values of `col` sorted, joined by `sep`.
  worker_ids(col): ARRAY of text from a text column holding either a JSON list (["a","b"]) or ids separated by
      ; , 、 (with optional spaces); an empty array for NULL.
  cross_join_unnest(array_expr, alias, column): FROM-clause suffix giving one row per array element as
      alias.column (no row for an empty or NULL array).
  epoch_us(ts): microseconds since 1970-01-01 00:00:00 UTC of instant `ts` (BIGINT).

  Overrides of dbt's Spark cross-database macros (dispatch search order in dbt_project.yml: city_safety, dbt), so
  Spark matches DuckDB exactly and keeps microseconds (dbt-spark's versions go through whole unix seconds):
  spark__dateadd(datepart, interval, ts): timestampadd (day arithmetic in the UTC session zone = DuckDB in a
      zone without DST, e.g. Asia/Shanghai).
  spark__datediff(first, second, datepart): second/minute/hour = boundaries crossed (as DuckDB date_diff);
      day = datediff of DATE arguments.
#}
{% macro local_to_instant(local_ts, tz) -%}
  {{ return(adapter.dispatch('local_to_instant', 'city_safety')(local_ts, tz)) }}
{%- endmacro %}
{% macro default__local_to_instant(local_ts, tz) -%}
timezone({{ tz }}, {{ local_ts }})
{%- endmacro %}
{% macro spark__local_to_instant(local_ts, tz) -%}
to_utc_timestamp({{ local_ts }}, {{ tz }})
{%- endmacro %}

{% macro end_of_local_day(d, tz) -%}
  {{ return(adapter.dispatch('end_of_local_day', 'city_safety')(d, tz)) }}
{%- endmacro %}
{% macro default__end_of_local_day(d, tz) -%}
{{ city_safety.local_to_instant("cast(" ~ d ~ " as timestamp) + interval '23 hours 59 minutes 59 seconds'", tz) }}
{%- endmacro %}
{% macro spark__end_of_local_day(d, tz) -%}
{{ city_safety.local_to_instant("timestampadd(SECOND, 86399, cast(" ~ d ~ " as timestamp))", tz) }}
{%- endmacro %}

{% macro sorted_distinct_list(col, sep) -%}
  {{ return(adapter.dispatch('sorted_distinct_list', 'city_safety')(col, sep)) }}
{%- endmacro %}
{% macro default__sorted_distinct_list(col, sep) -%}
string_agg(distinct {{ col }}, '{{ sep }}' order by {{ col }})
{%- endmacro %}
{% macro spark__sorted_distinct_list(col, sep) -%}
case when count({{ col }}) > 0 then array_join(array_sort(collect_set({{ col }})), '{{ sep }}') end
{%- endmacro %}

{% macro worker_ids(col) -%}
  {{ return(adapter.dispatch('worker_ids', 'city_safety')(col)) }}
{%- endmacro %}
{% macro default__worker_ids(col) -%}
case
    when {{ col }} is null then cast([] as varchar[])
    when json_valid({{ col }}) and json_type({{ col }}) = 'ARRAY' then json_extract_string({{ col }}, '$[*]')
    else string_split_regex({{ col }}, '\s*[;,、]\s*')
end
{%- endmacro %}
{% macro spark__worker_ids(col) -%}
case
    when {{ col }} is null then cast(array() as array<string>)
    when ltrim({{ col }}) like '[%' and from_json({{ col }}, 'array<string>') is not null then from_json({{ col }}, 'array<string>')
    else split({{ col }}, '\\s*[;,、]\\s*')
end
{%- endmacro %}

{% macro cross_join_unnest(array_expr, alias, column) -%}
  {{ return(adapter.dispatch('cross_join_unnest', 'city_safety')(array_expr, alias, column)) }}
{%- endmacro %}
{% macro default__cross_join_unnest(array_expr, alias, column) -%}
cross join unnest({{ array_expr }}) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__cross_join_unnest(array_expr, alias, column) -%}
lateral view explode({{ array_expr }}) {{ alias }} as {{ column }}
{%- endmacro %}

{% macro epoch_us(ts) -%}
  {{ return(adapter.dispatch('epoch_us', 'city_safety')(ts)) }}
{%- endmacro %}
{% macro default__epoch_us(ts) -%}
epoch_us({{ ts }})
{%- endmacro %}
{% macro spark__epoch_us(ts) -%}
unix_micros({{ ts }})
{%- endmacro %}

{% macro spark__dateadd(datepart, interval, from_date_or_timestamp) -%}
  {%- set units = {'year': 'YEAR', 'quarter': 'QUARTER', 'month': 'MONTH', 'week': 'WEEK', 'day': 'DAY',
                   'hour': 'HOUR', 'minute': 'MINUTE', 'second': 'SECOND'} -%}
  {%- if datepart not in units -%}
    {{ exceptions.raise_compiler_error("dateadd: datepart '" ~ datepart ~ "' is not supported on Spark by city_safety") }}
  {%- endif -%}
timestampadd({{ units[datepart] }}, cast({{ interval }} as bigint), {{ from_date_or_timestamp }})
{%- endmacro %}

{% macro spark__datediff(first_date, second_date, datepart) -%}
  {%- set seconds = {'second': 1, 'minute': 60, 'hour': 3600} -%}
  {%- if datepart in seconds -%}
    {%- if seconds[datepart] == 1 -%}
(unix_seconds({{ second_date }}) - unix_seconds({{ first_date }}))
    {%- else -%}
(floor(unix_seconds({{ second_date }}) / {{ seconds[datepart] }}) - floor(unix_seconds({{ first_date }}) / {{ seconds[datepart] }}))
    {%- endif -%}
  {%- elif datepart == 'day' -%}
datediff({{ second_date }}, {{ first_date }})
  {%- else -%}
    {{ exceptions.raise_compiler_error("datediff: datepart '" ~ datepart ~ "' is not supported on Spark by city_safety") }}
  {%- endif -%}
{%- endmacro %}

{# sql_text on Spark: Spark string literals escape with backslashes ('' would be two adjacent literals). #}
{% macro spark__sql_text(value) -%}
  {%- if value is none -%}null{%- else -%}'{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'{%- endif -%}
{%- endmacro %}

{#
  spark__load_csv_rows: seeds on Spark as literal INSERTs. dbt-spark's version sends bindings that the `session`
  method pastes in unescaped, so a value with an apostrophe (dim_calendar: "New Year's Day") breaks the statement.
  Values are rendered with spark__sql_text; types from the seed's column_types (else agate's inference).
#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
insert into {{ this.render() }} values
      {%- for row in chunk %}
    ({%- for col_name in agate_table.column_names -%}
        {%- set type = column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) -%}
        {%- set value = row[loop.index0] -%}
        {%- if value is none -%}{%- set lit = 'null' -%}
        {%- elif value is sameas true or value is sameas false -%}{%- set lit = (value | string | lower) -%}
        {%- elif value is number -%}{%- set lit = (value | string) -%}
        {%- else -%}{%- set lit = city_safety.spark__sql_text(value | string) -%}
        {%- endif -%}
        cast({{ lit }} as {{ type }}){{ "," if not loop.last }}
    {%- endfor -%}){{ "," if not loop.last }}
      {%- endfor %}
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0]) }}
{% endmacro %}
