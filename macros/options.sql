{#- The options that are values (steps, scale, ci_level, scorer, score_key, statuses,
    limits, se_method, ci_method, estimator, paired_differences, reach_targets) reach
    the models as data: one row of int_options and the lists int_options__statuses,
    int_options__limits and int_options__reach_targets, built from the vars on the dbt path
    and bound from the call's arguments on the compiled path (budgetcurves._options),
    so the compiled SQL of every other model is the same whatever their values. On the
    dbt path and in a unit test an option is its checked value, a literal, as before
    (options_are_literals). -#}

{% macro is_unit_test() -%}
    {{ return(model is mapping and model.get('resource_type') == 'unit_test') }}
{%- endmacro %}

{#- Whether the options are written into the SQL as literals: on the dbt path (so a
    `dbt build --select part --vars ...` uses the vars it is given, whatever
    int_options holds from an earlier build) and in unit tests. Only the compiled
    path's own compile (budgetcurves._compiled, BUDGETCURVES_OPTIONS_AS_DATA=1) reads
    them from the options relations, which its plan fills from each call. -#}
{% macro options_are_literals() -%}
    {{ return(budgetcurves.is_unit_test() or env_var('BUDGETCURVES_OPTIONS_AS_DATA', '') != '1') }}
{%- endmacro %}

{#- The value option `name` (a column of int_options) as SQL: a scalar subquery of
    the options row, or in a unit test its checked value `value` as a literal. -#}
{% macro option_sql(name, value) -%}
    {%- if budgetcurves.options_are_literals() -%}
        {%- if value is none -%}null
        {%- elif value is boolean -%}{{ 'true' if value else 'false' }}
        {%- elif value is string -%}{{ budgetcurves.sql_string(value) }}
        {%- else -%}{{ value }}
        {%- endif -%}
    {%- else -%}
        (select {{ name }} from {{ ref('int_options') }})
    {%- endif -%}
{%- endmacro %}

{#- The condition that limit `limit_name` is one the curves are built for. -#}
{% macro limit_is_chosen_sql(limit_name) -%}
    {%- if budgetcurves.options_are_literals() -%}
        {{ 'true' if limit_name in chosen_budget_limits() else 'false' }}
    {%- else -%}
        exists (select 1 from {{ ref('int_options__limits') }} where limit_name = {{ budgetcurves.sql_string(limit_name) }})
    {%- endif -%}
{%- endmacro %}

{#- The condition that the option `name` (a column of int_options naming a method,
    whose checked value is `value`) is `method`: the options row's value compared, or
    in a unit test and on the dbt path the literal's, which the engine folds to true or
    false. A model computes each method's branch where its condition holds (the rows of
    the other method's are filtered out before any work), so every branch is in the
    SQL and only the chosen one costs. -#}
{% macro option_is_sql(name, value, method) -%}
    ({{ budgetcurves.option_sql(name, value) }} = {{ budgetcurves.sql_string(method) }})
{%- endmacro %}
