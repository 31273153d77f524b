{#- Generic test, on a model: no NaN or infinite value in any of its floating-point
    columns; each failing row names such a column, with the count. An
    infinite score (or a loader that let one through) makes a curve NaN while every
    other test passes. `x - x` is 0 for a finite x and NaN otherwise, and NaN differs
    from 0 on every engine (DuckDB and PostgreSQL order NaN above all numbers). -#}
{% test is_finite(model) %}
    {%- set floats = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(model) -%}
            {%- if column.is_float() or column.is_numeric() -%}{%- do floats.append(column.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    with

    checked as (

        select * from {{ model }}

    ),

    final as (

        {%- for column in floats %}
        select
            '{{ column }}' as column_name,
            count(*) as value_count
        from checked
        where ({{ column }} - {{ column }}) <> 0
        having count(*) > 0
        {{ 'union all' if not loop.last }}
        {%- else %}
        select
            'none' as column_name,
            0 as value_count
        from checked
        where 1 = 0
        {%- endfor %}

    )

    select * from final
{% endtest %}
