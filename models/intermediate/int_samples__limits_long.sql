{#- One row per sample x limit x facet with a value: the long form every curve is built
    from. A sample missing a limit's value is left out of that limit only. Each sample
    is in the facet `all` and in one value of every faceting of var `facet`.
    A view: materialized it would write samples x limits x facets wide rows (35 s at
    1e7 samples) that int_curves__breakpoints reads once. The task sizes are a small
    table of their own (int_curves__task_sizes), joined here. -#}
{{ config(materialized='view') }}

with

-- read by both branches of var se_method below where the options are data (one of
-- them filters every row out): computed where read, not held (1e7 samples would
-- spill it to disk)
unpivoted as {{ cte_not_materialized() }} (

    select * from {{ ref('int_samples__limits') }}

),

task_sizes as (

    select * from {{ ref('int_curves__task_sizes') }}

),

-- a curve's clusters are its questions: per question, the samples in order of value and
-- the running sum of their scores before each one (for the clustered standard error).
-- With se_method `sample` no statistic needs a question's samples in value order: the
-- cluster columns are null, and the sort they take (most of this model's time, and
-- most of its memory at 1e7 samples) is not done. Where the options are literals
-- (dbt's path) only the chosen branch is written: PostgreSQL plans a union with a
-- window branch without parallel workers, even when a false condition empties that
-- branch. Where they are data (the compiled path), both, each filtered by the option
{%- set with_clusters -%}
    select
        *,
        count(*) over question_samples as cluster_size,
        row_number() over question_in_order as cluster_position,
        coalesce(
            sum(score) over (
                partition by limit_name, facet_name, facet_value, model, question_task, sample_id
                order by limit_value, eval_id, epoch
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as cluster_score_before
    from unpivoted
{%- endset -%}
{%- set question_windows -%}
    window
        question_samples as (
            partition by limit_name, facet_name, facet_value, model, question_task, sample_id
        ),
        question_in_order as (
            partition by limit_name, facet_name, facet_value, model, question_task, sample_id
            order by limit_value, eval_id, epoch
        )
{%- endset -%}
{%- set without_clusters -%}
    select
        *,
        cast(null as bigint) as cluster_size,
        cast(null as bigint) as cluster_position,
        cast(null as {{ type_double() }}) as cluster_score_before
    from unpivoted
{%- endset %}
clustered as (

    {% if not options_are_literals() -%}
    {{ with_clusters }}
    where {{ is_clustered_sql() }}
    {{ question_windows }}

    union all

    {{ without_clusters }}
    where not {{ is_clustered_sql() }}
    {%- elif se_method() == 'clustered' -%}
    {{ with_clusters }}
    {{ question_windows }}
    {%- else -%}
    {{ without_clusters }}
    {%- endif %}

),

final as (

    select
        clustered.eval_id,
        clustered.sample_id,
        clustered.epoch,
        clustered.task_id,
        clustered.question_task,
        clustered.model,
        clustered.log,
        clustered.facet_name,
        clustered.facet_value,
        clustered.limit_name,
        clustered.limit_value,
        clustered.score,
        -- the eval's own limit on this resource, and whether the sample stopped on it
        clustered.eval_budget,
        clustered.is_stopped_by_eval_budget,
        -- other_termination_rate is a mean over the model's tasks of each task's
        -- share of failed samples below the limit (int_curves__task_sizes)
        case
            when clustered.score = 0 then task_sizes.failed_sample_weight
            else 0.0
        end as other_termination_weight,
        clustered.cluster_size,
        clustered.cluster_position = 1 as is_cluster_start,
        -- (s + x)^2 - s^2: what this sample adds to its question's squared score sum, so
        -- a running sum of these over values is, at any limit, the sum over questions
        -- of (the question's score sum within the limit)^2
        clustered.score * (2 * clustered.cluster_score_before + clustered.score)
            as cluster_square_increment
    from clustered
    -- every row has its task's size: a left join, as PostgreSQL then counts this
    -- join's rows as at least the long rows (an inner join on five columns without
    -- statistics it estimated at 1 row, and grouped the breakpoints on that guess)
    left join task_sizes
        on
            {{ same_curve('clustered', 'task_sizes') }}
            and clustered.task_id = task_sizes.task_id

)

select * from final
