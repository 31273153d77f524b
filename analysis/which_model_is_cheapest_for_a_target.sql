-- Which model reaches 50 % success for the least money?
-- budget_to_reach on the cost limit (USD per sample) for an absolute target of var
-- `reach_targets`, cheapest first; models that never reach it last.
{%- set target = 0.5 %}

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
        limit_value as cost_per_sample,
        limit_value_low as cost_per_sample_optimistic,
        limit_value_high as cost_per_sample_cautious,
        final_success_rate,
        rank() over (order by limit_value) as cheapness_rank
    from reach
    where is_reached

)

select * from final
order by cheapness_rank, model
