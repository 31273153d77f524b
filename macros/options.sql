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

{#- Whether a model that the options leave empty (`is_filled` false: its rows are
    filtered out by a literal `false`) is built from its contract's empty select
    (empty_contract_select) instead of its SQL: on Spark, on the dbt path, where the
    analyzer and optimizer spent 5 to 12 s a build on the full SQL of
    paired_differences_by_limit and scores_by_limit_cumulative_incidence before
    finding no row (docs/performance.md, issue 23). Elsewhere the engine folds the
    `false` in milliseconds and the model keeps its SQL; on the compiled path and in
    unit tests the option is not the var's literal. -#}
{% macro built_empty(is_filled) -%}
    {{ return(adapter.dispatch('built_empty', 'budgetcurves')(is_filled)) }}
{%- endmacro %}
{% macro default__built_empty(is_filled) %}{{ return(false) }}{% endmacro %}
{#- never at parse (execute false): dbt reads the model's refs from the SQL it renders
    then, and the empty select has none (its unit tests would run before the models
    their fixtures are typed from) -#}
{% macro spark__built_empty(is_filled) -%}
    {{ return(execute and not is_filled and budgetcurves.options_are_literals() and not budgetcurves.is_unit_test()) }}
{%- endmacro %}

{#- No row, with the columns and data types of the model's contract, in its order
    (dbt's own typed select of a contract, filtered): what a contracted model the
    options leave empty builds (built_empty). dbt's enforced contract still checks
    this select against the YAML. -#}
{% macro empty_contract_select() -%}
    {%- if not (model is mapping and model.get('columns')) -%}
        {{ exceptions.raise_compiler_error("empty_contract_select: model " ~ model.name ~ " needs a contract with its columns") }}
    {%- endif -%}
    select * from (
        {{ dbt.get_empty_schema_sql(model.columns) }}
    ) as no_rows
    where 1 = 0
{%- endmacro %}
