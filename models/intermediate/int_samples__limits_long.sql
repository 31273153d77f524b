{#- One row per sample x limit with a value: the long form every curve is built from.
    A sample missing a limit's value is left out of that limit only. -#}

with

scored as (

    select * from {{ ref('int_samples__scored') }}

),

unpivoted as (

    {% for limit_name in budget_limits() -%}
    select
        eval_id,
        sample_id,
        epoch,
        coalesce(task_id, eval_id) as task_id,
        model,
        log,
        'all' as facet_name,
        'all' as facet_value,
        '{{ limit_name }}' as limit_name,
        cast({{ limit_name }} as {{ type_double() }}) as limit_value,
        score
    from scored
    where {{ limit_name }} is not null
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

task_sizes as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        task_id,
        count(*) as task_sample_count
    from unpivoted
    group by limit_name, facet_name, facet_value, model, task_id

),

model_task_counts as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        count(*) as task_count
    from task_sizes
    group by limit_name, facet_name, facet_value, model

),

final as (

    select
        unpivoted.eval_id,
        unpivoted.sample_id,
        unpivoted.epoch,
        unpivoted.task_id,
        unpivoted.model,
        unpivoted.log,
        unpivoted.facet_name,
        unpivoted.facet_value,
        unpivoted.limit_name,
        unpivoted.limit_value,
        unpivoted.score,
        -- other_termination_rate is a mean over the model's tasks of each task's
        -- share of failed samples below the limit: each failed sample weighs
        -- 1 / (tasks x samples in its task)
        case
            when unpivoted.score = 0
                then cast(1 as {{ type_double() }})
                    / (model_task_counts.task_count * task_sizes.task_sample_count)
            else 0.0
        end as other_termination_weight
    from unpivoted
    inner join task_sizes
        on
            unpivoted.limit_name = task_sizes.limit_name
            and unpivoted.facet_name = task_sizes.facet_name
            and unpivoted.facet_value = task_sizes.facet_value
            and unpivoted.model = task_sizes.model
            and unpivoted.task_id = task_sizes.task_id
    inner join model_task_counts
        on
            unpivoted.limit_name = model_task_counts.limit_name
            and unpivoted.facet_name = model_task_counts.facet_name
            and unpivoted.facet_value = model_task_counts.facet_value
            and unpivoted.model = model_task_counts.model

)

select * from final
