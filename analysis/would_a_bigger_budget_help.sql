-- Would a bigger budget still help?
-- Per model and limit: how much the success rate still rose over the top fifth of the
-- grid, and what share of samples stopped on the eval's own limit (beyond which the
-- curve is censored). A curve still rising where many samples hit the limit says the
-- eval's budget, not the model, set the score.

with

curves as (

    select * from {{ ref('scores_by_limit') }}
    where facet_name = 'all'

),

ends as (

    select
        model,
        limit_name,
        max(step_index) as last_step
    from curves
    group by model, limit_name

),

final as (

    select
        curves.model,
        curves.limit_name,
        max(case when curves.step_index = ends.last_step then curves.success_rate end)
            as final_success_rate,
        max(case when curves.step_index = ends.last_step then curves.success_rate end)
        - max(case
            when curves.step_index = cast(floor(0.8 * ends.last_step) as integer)
                then curves.success_rate
        end) as rise_over_top_fifth,
        max(curves.eval_budget) as eval_budget,
        max(curves.eval_budget_stop_count) as samples_stopped_by_eval_budget,
        max(curves.eval_budget_stop_count) * 1.0 / max(curves.sample_count)
            as share_stopped_by_eval_budget
    from curves
    inner join ends
        on curves.model = ends.model and curves.limit_name = ends.limit_name
    group by curves.model, curves.limit_name

)

select * from final
order by limit_name, rise_over_top_fifth desc
