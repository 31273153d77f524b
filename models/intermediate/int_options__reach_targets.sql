{#- The targets of budget_to_reach (var `reach_targets`), one row each in the order
    the var lists them; bound from the call's arguments on the compiled path
    (int_options). -#}

with

final as (

    {% for target in reach_targets() -%}
    select
        cast({{ sql_string(target.kind) }} as {{ dbt.type_string() }}) as target_kind,
        cast({{ target.value }} as {{ type_double() }}) as target_fraction
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

)

select * from final
