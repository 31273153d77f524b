{#- One row per (limit, facet, model, distinct sample value): the sums a success
    curve needs at each point where it can move. Summing once per value and then
    cumulatively scales with the data, not with data x thresholds. -#}

with

limits_long as (

    select * from {{ ref('int_samples__limits_long') }}

),

final as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        limit_value,
        count(*) as sample_count,
        sum(score) as score_sum,
        sum(score * score) as score_square_sum,
        sum(other_termination_weight) as other_termination_weight_sum,
        -- for the clustered standard error: the number of questions (counted at each
        -- question's first value), sum of n_q and of n_q x score over samples (n_q: the
        -- sample's question size), and the increments of sum over questions of S_q^2
        -- (null, not 0, where se_method `sample` leaves the cluster columns null)
        sum(case when is_cluster_start then 1 when not is_cluster_start then 0 end)
            as cluster_count,
        sum(cluster_size) as cluster_size_sum,
        sum(cluster_size * score) as cluster_size_score_sum,
        sum(cluster_square_increment) as cluster_square_sum,
        -- the smallest budget any of the samples' evals set on this limit, and how many
        -- samples stopped on one
        min(eval_budget) as eval_budget,
        sum(case when is_stopped_by_eval_budget then 1 else 0 end) as eval_budget_stop_count,
        -- the censored samples (stopped on it with a score below 1: unknown with more
        -- budget), their scores and squares, for budget_headroom's optimistic bound
        sum(case when is_stopped_by_eval_budget and score < 1 then 1 else 0 end)
            as censored_count,
        sum(case when is_stopped_by_eval_budget and score < 1 then score else 0 end)
            as censored_score_sum,
        sum(case when is_stopped_by_eval_budget and score < 1 then score * score else 0 end)
            as censored_score_square_sum,
        min(score) as score_min,
        max(score) as score_max,
        min(log) as log
    from limits_long
    group by limit_name, facet_name, facet_value, model, limit_value

)

select * from final
