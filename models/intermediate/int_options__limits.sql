{#- The limits the curves are built for (var `limits`, default every limit), one row
    each; bound from the call's arguments on the compiled path (int_options). -#}

with

final as (

    {% for limit_name in chosen_budget_limits() -%}
    select cast({{ sql_string(limit_name) }} as {{ dbt.type_string() }}) as limit_name
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

)

select * from final
