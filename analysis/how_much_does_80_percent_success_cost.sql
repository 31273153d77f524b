-- How much does 80 % success cost?
-- Per model, the smallest cost per sample (USD) at which the success rate reaches 0.8,
-- with the range the band allows. Needs 0.8 among the absolute targets of var
-- `reach_targets` (it is by default) and a price for each model (seeds/model_prices.csv).
{%- set target = 0.8 %}

with

reach as (

    select * from {{ ref('budget_to_reach') }}
    where
        limit_name = 'cost'
        and facet_name = 'all'
        and target_kind = 'absolute'
        and target_fraction = {{ target }}

),

final as (

    select
        model,
        is_reached,
        limit_value as cost_per_sample,
        limit_value_low as cost_per_sample_optimistic,
        limit_value_high as cost_per_sample_cautious,
        final_success_rate,
        -- not reached within the eval's own cost limit: a larger budget might get there
        eval_budget as eval_cost_limit
    from reach

)

select * from final
order by is_reached desc, cost_per_sample, model
