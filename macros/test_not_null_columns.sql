{#- Generic test: none of `column_names` is null in any row of the model; each failing
    row names such a column, with its count of nulls. One scan of the model checks them
    all, where a not_null test per column scans it once each: five scans of the
    samples' landing table, a million rows each at 1e6 samples, before any model that
    reads it may start (dbt builds a table's readers after its tests). -#}
{% test not_null_columns(model, column_names) %}
    {%- if column_names is string or column_names | length == 0 -%}
        {{ exceptions.raise_compiler_error("not_null_columns: column_names must be a non-empty list of column names") }}
    {%- endif -%}
    with

    counts as (

        select
            {%- for column in column_names %}
            count(*) - count({{ column }}) as null_count_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }}

    ),

    final as (

        {{ budgetcurves.columns_with_counts(column_names, 'null_count') }}

    )

    select * from final
{% endtest %}

{#- The rows of a test's failures from its one-row CTE `counts`: for each of
    `column_names` whose count, the column `<count_name>_<its position, from 1>` of
    `counts`, is above 0, the column's name and that count (as `count_name`). -#}
{% macro columns_with_counts(column_names, count_name) -%}
    {%- for column in column_names %}
        select
            '{{ column }}' as column_name,
            {{ count_name }}_{{ loop.index }} as {{ count_name }}
        from counts
        where {{ count_name }}_{{ loop.index }} > 0
        {{ 'union all' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
