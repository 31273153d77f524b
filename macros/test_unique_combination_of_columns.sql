{#- Generic test: no two rows share the same values of `combination_of_columns`
    (the primary key of a model whose grain is several columns). Carried here
    because dbt hub packages cannot be installed on these machines. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if combination_of_columns is string or combination_of_columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("unique_combination_of_columns: combination_of_columns must be a non-empty list of column names") }}
    {%- endif -%}
    {{ adapter.dispatch('repeated_combinations', 'budgetcurves')(model, combination_of_columns | join(', ')) }}
{% endtest %}

{#- The combinations of `columns` (a comma-separated list) that more than one row of
    `model` holds, with their row counts. -#}
{% macro default__repeated_combinations(model, columns) -%}
    select
        {{ columns }},
        count(*) as row_count
    from {{ model }}
    group by {{ columns }}
    having count(*) > 1
{%- endmacro %}

{#- DuckDB: a 64-bit hash of each row's combination is grouped first, a hash table of
    8-byte keys rather than of the strings (1e8 samples' keys did not fit DuckDB's
    memory limit, two such tests at once); only the rows whose hash repeats, none
    or few, are then grouped by their columns, so a hash collision is no false alarm. -#}
{% macro duckdb__repeated_combinations(model, columns) -%}
    with

    repeated_hashes as (

        select hash({{ columns }}) as row_hash
        from {{ model }}
        group by hash({{ columns }})
        having count(*) > 1

    )

    select
        {{ columns }},
        count(*) as row_count
    from {{ model }}
    where hash({{ columns }}) in (select row_hash from repeated_hashes)
    group by {{ columns }}
    having count(*) > 1
{%- endmacro %}

{#- Generic test: every value of `column_name` lies in [min_value, max_value] (nulls pass). -#}
{% test between(model, column_name, min_value, max_value) %}
    select {{ column_name }}
    from {{ model }}
    where {{ column_name }} < {{ min_value }} or {{ column_name }} > {{ max_value }}
{% endtest %}
