{#
  Row checks of a whole model in one test and one scan (generic tests not_null_columns, rates_in_unit_interval,
  not_greater_than_columns in tests/generic): every dbt test is a node with its own fixed cost in `dbt build` and
  an asset check with its own events in Dagster, so a model's checks of one kind form one test.

  failing_rows_by_check(model, checks): SQL returning one row (failing_check, failing_rows) per check with at least
      one failing row, i.e. nothing when all pass. `checks` is a list of [label, condition]: the label names the
      column(s) (shown by the refresh's failure summary, pipelines/defs/failures.py), the condition is true on a
      failing row (NULL counts as passing).
#}
{% macro failing_rows_by_check(model, checks) -%}
with counts as (
    select
    {%- for check in checks %}
        sum(case when {{ check[1] }} then 1 else 0 end) as n{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{% for check in checks -%}
select '{{ check[0] }}' as failing_check, n{{ loop.index }} as failing_rows from counts where n{{ loop.index }} > 0
{{ "union all" if not loop.last }}
{% endfor -%}
{%- endmacro %}
