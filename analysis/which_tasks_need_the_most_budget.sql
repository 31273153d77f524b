-- Which tasks need the most budget?
-- Build with `--vars '{facet: task_name}'` (or a metadata field, e.g. metadata.difficulty):
-- per model and facet value, the tokens needed for half of the final success rate, and
-- that final rate. Without the facet this returns no rows.
{%- set limit_name = 'total_tokens' %}

with

reach as (

    select * from {{ ref('budget_to_reach') }}
    where
        limit_name = '{{ limit_name }}'
        and facet_name <> 'all'
        and target_kind = 'relative'
        and target_fraction = 0.5

),

final as (

    select
        facet_name,
        facet_value,
        model,
        final_success_rate,
        limit_value as tokens_for_half_the_final_rate,
        sample_count
    from reach

)

select * from final
order by facet_name, tokens_for_half_the_final_rate desc nulls last, model
