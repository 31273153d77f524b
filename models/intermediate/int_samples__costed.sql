{#- One row per sample with its cost in USD and where the cost came from: Inspect's
    own `model_usage[model].total_cost` where it recorded one (`recorded`), else the
    evaluated model's token counts x the seed `model_prices` (`priced`), else null
    (no price, or a token count the price needs is missing): never a made-up zero. -#}

with

samples as (

    select * from {{ ref('stg_inspect__samples') }}

),

prices as (

    select * from {{ ref('model_prices') }}

),

usage as (

    select
        eval_id,
        sample_id,
        epoch,
        model,
        total_cost as recorded_cost,
        input_tokens,
        output_tokens,
        coalesce(cache_read_tokens, 0) as cache_read_tokens,
        coalesce(cache_write_tokens, 0) as cache_write_tokens,
        -- inspect_ai counts cache reads and writes outside `input_tokens` (every
        -- provider since 0.3.18x); older OpenAI-style logs counted them inside it,
        -- which shows as input + output = total although cached tokens were reported
        coalesce(cache_read_tokens, 0) + coalesce(cache_write_tokens, 0) > 0
        and input_tokens + output_tokens = total_tokens as is_cache_in_input_tokens
    from samples

),

priced as (

    select
        usage.eval_id,
        usage.sample_id,
        usage.epoch,
        usage.model,
        usage.recorded_cost,
        usage.is_cache_in_input_tokens,
        (
            case
                when usage.is_cache_in_input_tokens
                    then usage.input_tokens - usage.cache_read_tokens - usage.cache_write_tokens
                else usage.input_tokens
            end * prices.input_per_mtok
            + usage.output_tokens * prices.output_per_mtok
            -- a price left empty in the seed is only needed where there are such tokens
            + case
                when usage.cache_read_tokens = 0 then 0
                else usage.cache_read_tokens * prices.cache_read_per_mtok
            end
            + case
                when usage.cache_write_tokens = 0 then 0
                else usage.cache_write_tokens * prices.cache_write_per_mtok
            end
        ) / 1000000.0 as priced_cost
    from usage
    left join prices
        on usage.model = prices.model

),

final as (

    select
        eval_id,
        sample_id,
        epoch,
        model,
        cast(coalesce(recorded_cost, priced_cost) as {{ type_double() }}) as cost,
        case
            when recorded_cost is not null then 'recorded'
            when priced_cost is not null then 'priced'
        end as cost_source,
        is_cache_in_input_tokens
    from priced

)

select * from final
