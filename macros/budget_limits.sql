{#- The limits the curves are built for: each a numeric column of int_samples__scored. -#}
{% macro budget_limits() -%}
    {{ return(['total_tokens', 'total_time', 'working_time']) }}
{%- endmacro %}

{#- `var('statuses')` checked and rendered as a SQL list of string literals. -#}
{% macro statuses_sql() -%}
    {%- set statuses = var('statuses') -%}
    {%- if statuses is string -%}{%- set statuses = [statuses] -%}{%- endif -%}
    {%- if statuses is not iterable or statuses | length == 0 -%}
        {{ exceptions.raise_compiler_error("var 'statuses' must be a non-empty list of log statuses, got " ~ statuses) }}
    {%- endif -%}
    {%- for status in statuses -%}
        {{ dbt.string_literal(status) }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}
