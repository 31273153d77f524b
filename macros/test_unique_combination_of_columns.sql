{#- Generic test: no two rows share the same values of `combination_of_columns`
    (the primary key of a model whose grain is several columns). Carried here
    because dbt hub packages cannot be installed on these machines. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("unique_combination_of_columns: combination_of_columns must be a non-empty list of column names") }}
    {%- endif -%}
    select
        {{ combination_of_columns | join(', ') }},
        count(*) as row_count
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
    having count(*) > 1
{% endtest %}

{#- Generic test: every value of `column_name` lies in [min_value, max_value] (nulls pass). -#}
{% test between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
