{#- One row per sample with its cost in USD and where the cost came from (the macros
    of macros/sample_cost.sql): Inspect's own `model_usage[model].total_cost` where it
    recorded one (`recorded`), else the evaluated model's token counts x the seed
    `model_prices` (`priced`), else null: never a made-up zero. A view: the curves
    take the same expressions in int_samples__scored. -#}
{{ config(materialized='view') }}

with

samples as (

    select * from {{ ref('stg_inspect__samples') }}

),

prices as (

    select * from {{ ref('model_prices') }}

),

priced as (

    select
        samples.eval_id,
        samples.sample_id,
        samples.epoch,
        samples.model,
        samples.total_cost,
        {{ priced_cost_sql('samples', 'prices') }} as priced_cost,
        coalesce({{ is_cache_in_input_tokens_sql('samples') }}, false)
            as is_cache_in_input_tokens
    from samples
    left join prices
        on samples.model = prices.model

),

final as (

    select
        eval_id,
        sample_id,
        epoch,
        model,
        {{ sample_cost_sql('total_cost', 'priced_cost') }} as cost,
        {{ sample_cost_source_sql('total_cost', 'priced_cost') }} as cost_source,
        is_cache_in_input_tokens
    from priced

)

select * from final
