{#- Generic test, on a model: no NaN or infinite value in any of its floating-point
    columns; each failing row names such a column, with the count. An
    infinite score (or a loader that let one through) makes a curve NaN while every
    other test passes. `x - x` is 0 for a finite x and NaN otherwise, and NaN differs
    from 0 on every engine (DuckDB and PostgreSQL order NaN above all numbers).
    One scan of the model counts every column's such values: a union of one scan per
    column read a CTE that PostgreSQL materializes (every row, every column), eight
    times over for scores_by_limit_exact's 539,561 rows at 1e6 samples. -#}
{% test is_finite(model) %}
    {%- set floats = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model) -%}
            {%- if column.is_float() or column.is_numeric() -%}{%- do floats.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    with

    {% if floats -%}
    counts as (

        select
            {%- for column in floats %}
            count(case when ({{ column }} - {{ column }}) <> 0 then 1 end)
                as value_count_{{ loop.index }}{{ ',' if not loop.last }}
            {%- endfor %}
        from {{ model }}

    ),

    {% endif -%}
    final as (

        {%- if floats %}
        {{ budgetcurves.columns_with_counts(floats, 'value_count') }}
        {%- else %}
        select
            'none' as column_name,
            0 as value_count
        from {{ model }}
        where 1 = 0
        {%- endif %}

    )

    select * from final
{% endtest %}
