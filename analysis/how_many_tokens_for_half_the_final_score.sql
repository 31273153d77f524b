-- How many tokens does a model need for half of what it eventually scores?
-- The relative targets of var `reach_targets` (25, 50 and 75 % of each model's final
-- success rate by default): a budget-efficiency profile, independent of how good the
-- model is in the end.
{%- set limit_name = 'total_tokens' %}

with

reach as (

    select * from {{ ref('budget_to_reach') }}
    where limit_name = '{{ limit_name }}' and facet_name = 'all' and target_kind = 'relative'

),

final as (

    select
        model,
        target_fraction as share_of_final_rate,
        final_success_rate,
        limit_value as tokens,
        limit_value_low as tokens_optimistic,
        limit_value_high as tokens_cautious
    from reach

)

select * from final
order by model, share_of_final_rate
