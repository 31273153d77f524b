{#- The options that are values, as one row the models read (macros/options.sql):
    here from the vars, checked; on the compiled path (budgetcurves._compiled) this
    relation is bound from the call's arguments instead, so the SQL of every model
    that reads it is the same whatever the values. -#}
{%- set scorer = optional_string_var('scorer') -%}
{%- set score_key = optional_string_var('score_key') -%}

with

final as (

    select
        cast({{ grid_steps() }} as integer) as steps,
        cast({{ sql_string(grid_scale()) }} as {{ dbt.type_string() }}) as scale,
        cast({{ ci_level_value() }} as {{ type_double() }}) as ci_level,
        cast({{ sql_string(scorer) if scorer is not none else 'null' }} as {{ dbt.type_string() }}) as scorer,
        cast({{ sql_string(score_key) if score_key is not none else 'null' }} as {{ dbt.type_string() }}) as score_key,
        cast({{ sql_string(se_method()) }} as {{ dbt.type_string() }}) as se_method,
        cast({{ sql_string(ci_method()) }} as {{ dbt.type_string() }}) as ci_method,
        cast({{ sql_string(estimator()) }} as {{ dbt.type_string() }}) as estimator,
        {{ 'true' if paired_differences() else 'false' }} as paired_differences

)

select * from final
