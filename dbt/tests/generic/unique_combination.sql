{#
  unique_combination(columns): no two rows share the same values of `columns` (the grain of a fact).
  Keys are null-safe in the marts, so a NULL in a key column also fails via the not_null tests.
#}
{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}, count(*) as rows_with_key
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
