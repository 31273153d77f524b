-- Which model is best at a 10k-token budget?
-- Each model's success rate with every sample given at most `budget` tokens (the exact
-- curve's last step at or below it; 0 where no sample finished within it), with its
-- band. Two models whose bands overlap may still differ: the paired comparison
-- (is_one_model_better_than_another.sql) is the sharper test.
{%- set limit_name = 'total_tokens' -%}
{%- set budget = 10000 %}

with

exact as (

    select * from {{ ref('scores_by_limit_exact') }}
    where limit_name = '{{ limit_name }}' and facet_name = 'all'

),

models as (

    select distinct model, sample_count from exact

),

within_budget as (

    select
        model,
        success_rate,
        ci_lower,
        ci_upper,
        is_beyond_eval_budget,
        row_number() over (partition by model order by limit_value desc) as from_the_top
    from exact
    where limit_value <= {{ budget }}

),

final as (

    select
        models.model,
        models.sample_count,
        coalesce(within_budget.success_rate, 0) as success_rate,
        within_budget.ci_lower,
        within_budget.ci_upper,
        coalesce(within_budget.is_beyond_eval_budget, false) as is_beyond_eval_budget,
        rank() over (order by coalesce(within_budget.success_rate, 0) desc) as model_rank
    from models
    left join within_budget
        on models.model = within_budget.model and within_budget.from_the_top = 1

)

select * from final
order by model_rank, model
