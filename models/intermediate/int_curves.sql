{#- One row per curve (limit, facet, model): its key, an integer id, and its totals,
    the sums of its breakpoints (int_curves__breakpoints) over every value, where
    every sample is within the limit. Both success-curve marts and budget_to_reach
    read a curve's totals here. -#}

with

breakpoints as (

    select * from {{ ref('int_curves__breakpoints') }}

),

final as (

    select
        -- an integer key for the curve: the marts' windows partition by it, which
        -- sorts far faster than by four strings
        row_number() over (order by limit_name, facet_name, facet_value, model) as curve_id,
        limit_name,
        facet_name,
        facet_value,
        model,
        count(*) as breakpoint_count,
        sum(sample_count) as sample_count,
        sum(cluster_count) as cluster_count,
        sum(cluster_size_sum) as cluster_size_sum,
        -- the curve's end, where every sample is within the limit: its design effect
        sum(score_sum) as score_sum_total,
        sum(cluster_size_score_sum) as cluster_size_score_sum_total,
        sum(cluster_square_sum) as cluster_square_sum_total,
        min(eval_budget) as eval_budget,
        sum(eval_budget_stop_count) as eval_budget_stop_count,
        min(score_min) >= 0 and max(score_max) <= 1 as is_unit_interval,
        min(log) as log
    from breakpoints
    group by limit_name, facet_name, facet_value, model

)

select * from final
