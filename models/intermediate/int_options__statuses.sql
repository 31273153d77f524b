{#- The log statuses whose samples enter the marts (var `statuses`), one row each;
    bound from the call's arguments on the compiled path (int_options). -#}
{%- do statuses_list_sql() -%}
{%- set statuses = project_var('statuses') -%}
{%- if statuses is string -%}{%- set statuses = [statuses] -%}{%- endif %}

with

final as (

    {% for status in statuses -%}
    select cast({{ sql_string(status) }} as {{ dbt.type_string() }}) as status
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

)

select * from final
