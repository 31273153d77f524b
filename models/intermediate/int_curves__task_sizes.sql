{#- One row per (limit, facet, model, task) with a sample: the task's size in the
    curve and the weight of each of its failed samples in other_termination_rate.
    A table of a few hundred rows, written once and read by int_samples__limits_long:
    held there as a join of two grouped CTEs of the long rows, PostgreSQL estimated
    the join of every long row with its task's size on five columns at 1 row (none
    of them has statistics), and planned the breakpoints' grouping on that guess
    (docs/performance.md, issue 23). Analyzed, this table's size is known. -#}

with

limits as (

    select * from {{ ref('int_samples__limits') }}

),

task_sizes as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        task_id,
        count(*) as task_sample_count
    from limits
    group by limit_name, facet_name, facet_value, model, task_id

),

final as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        task_id,
        task_sample_count,
        count(*) over curve_tasks as task_count,
        -- other_termination_rate is a mean over the model's tasks of each task's
        -- share of failed samples below the limit: each failed sample weighs
        -- 1 / (tasks x samples in its task)
        cast(1 as {{ type_double() }}) / (count(*) over curve_tasks * task_sample_count)
            as failed_sample_weight
    from task_sizes
    window curve_tasks as (partition by limit_name, facet_name, facet_value, model)

)

select * from final
