{#- One row per sample x limit x facet with a value: the samples of every curve, as
    int_samples__scored holds them, one limit at a time. A sample missing a limit's
    value is left out of that limit only. Each sample is in the facet `all` and in one
    value of every faceting of var `facet`. A view: int_samples__limits_long (the
    curves' weights and clusters) and budget_headroom read it where they need it;
    materialized it would write samples x limits x facets rows. -#}
{{ config(materialized='view') }}
{%- set facet_list = facets() -%}

with

scored as {{ cte_not_materialized() }} (

    select * from {{ ref('int_samples__scored') }}

),

unpivoted as (

    {% for limit_name in budget_limits() -%}
    {%- set outer = loop -%}
    {%- for facet in [none] + facet_list -%}
    select
        eval_id,
        sample_id,
        epoch,
        coalesce(task_id, eval_id) as task_id,
        -- a question: one sample id of one task, however many epochs and evals ask it
        coalesce(task_name, task_id, eval_id) as question_task,
        model,
        log,
        {{ facet_name_and_value_sql(facet) }},
        '{{ limit_name }}' as limit_name,
        cast({{ limit_name }} as {{ type_double() }}) as limit_value,
        cast({{ eval_budget_sql(limit_name) }} as {{ type_double() }}) as eval_budget,
        {% if sample_limit_type(limit_name) -%}
        coalesce(sample_limit_type = '{{ sample_limit_type(limit_name) }}', false)
        {%- else -%}
        false
        {%- endif %} as is_stopped_by_eval_budget,
        score
    from scored
    where {{ limit_name }} is not null and {{ limit_is_chosen_sql(limit_name) }}
    {% if not (loop.last and outer.last) %}union all
    {% endif -%}
    {%- endfor %}
    {%- endfor %}

)

select * from unpivoted
