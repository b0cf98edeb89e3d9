{#
  As-of support (var `as_of`, a TIMESTAMPTZ text with an explicit offset, e.g. '2024-03-10 00:00:00+08:00').

  as_of_value(): the validated text or none. Raises a compiler error naming the var when the text has no
  offset or is not a timestamp (an offset-less value would depend on the session zone).
  as_of_literal(): SQL literal of the cut-off instant, or none.
  recorded_by_as_of(col): "col <= <as_of>" when the var is set, else "1 = 1".
#}
{% macro as_of_value() -%}
  {%- set raw = var('as_of', none) -%}
  {%- if raw is none or (raw is string and raw | trim == '') -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set text = raw | string | trim -%}
  {%- set pattern = '^\\d{4}-\\d{2}-\\d{2}[ T]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?(Z|[+-]\\d{2}(:?\\d{2})?)$' -%}
  {%- if not modules.re.match(pattern, text) -%}
    {{ exceptions.raise_compiler_error(
        "var as_of = '" ~ text ~ "' is not an ISO timestamp with an offset "
        ~ "(expected e.g. '2024-03-10 00:00:00+08:00' or '2024-03-09T16:00:00Z')") }}
  {%- endif -%}
  {{ return(text) }}
{%- endmacro %}

{% macro as_of_literal() -%}
  {%- set text = city_safety.as_of_value() -%}
  {%- if text is none -%}{{ return(none) }}{%- endif -%}
  {{ return("cast('" ~ text ~ "' as " ~ city_safety.type_timestamptz() ~ ")") }}
{%- endmacro %}

{% macro recorded_by_as_of(col) -%}
  {%- set lit = city_safety.as_of_literal() -%}
  {%- if lit is none -%}1 = 1{%- else -%}{{ col }} <= {{ lit }}{%- endif -%}
{%- endmacro %}
