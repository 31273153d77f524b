{#- One row per sample the marts consider: in a log of a kept status (var
    `statuses`), passing the var `where`, with its cost in USD and where the cost
    came from (the macros of macros/sample_cost.sql): Inspect's own
    `model_usage[model].total_cost` where it recorded one (`recorded`), else the
    evaluated model's token counts x the seed `model_prices` (`priced`), else null:
    never a made-up zero. The one place these rules are written: the scored
    samples (int_samples__scored) and the errored ones left out of the curves
    (int_curves__error_counts) both read it. A view: each reads it once. -#}
{{ config(materialized='view') }}
{%- set where = samples_where() -%}
{{ check_extra_limits(ref('stg_inspect__samples')) }}

with

samples as (

    select * from {{ ref('stg_inspect__samples') }}

),

prices as (

    select * from {{ ref('model_prices') }}

),

-- the var `where` in a CTE of its own, before the status filter: a condition that
-- closes its parentheses (`1=1) or (1=1`) widens this CTE only, never the filter below
samples_where as (

    select * from samples
    {%- if where %}
    where ({{ where }})
    {%- endif %}

),

kept_samples as (

    select * from samples_where
    where log_status in ({{ statuses_sql() }})

),

-- the price join and the priced cost apart from the filter above, where the var
-- `where` names the samples' columns without a table
priced as (

    select
        kept_samples.*,
        {{ priced_cost_sql('kept_samples', 'prices') }} as priced_cost,
        coalesce({{ is_cache_in_input_tokens_sql('kept_samples') }}, false)
            as is_cache_in_input_tokens
    from kept_samples
    left join prices
        on kept_samples.model = prices.model

),

final as (

    select
        ----------  ids
        eval_id,
        sample_id,
        epoch,
        task_id,
        eval_set_id,
        run_id,

        ---------- strings
        task_name,
        model,
        log,
        sample_limit_type,

        ---------- limits (macros/budget_limits.sql)
        total_tokens,
        total_time,
        working_time,
        message_count,
        {{ sample_cost_sql('total_cost', 'priced_cost') }} as cost,
        {%- for column in extra_limits() %}
        {{ column }},
        {%- endfor %}

        ---------- the eval's own per-sample limits
        eval_token_limit,
        eval_token_limit_type,
        eval_message_limit,
        eval_time_limit,
        eval_working_limit,
        eval_cost_limit,

        ---------- the cost's origin
        {{ sample_cost_source_sql('total_cost', 'priced_cost') }} as cost_source,
        is_cache_in_input_tokens,

        ---------- booleans
        is_errored,

        ---------- json text
        metadata

    from priced

)

select * from final
