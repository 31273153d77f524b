{#- One row per sample that enters the curves: in a log of a kept status, passing the
    var `where`, with a score from the chosen scorer (var `scorer`, default each log's
    first), and its value for every limit (cost as in int_samples__costed). -#}
{%- set where = samples_where() -%}
{{ check_extra_limits(ref('stg_inspect__samples')) }}

with

samples as (

    select * from {{ ref('stg_inspect__samples') }}

),

scores as (

    select * from {{ ref('stg_inspect__sample_scores') }}

),

prices as (

    select * from {{ ref('model_prices') }}

),

chosen_scores as (

    select
        eval_id,
        sample_id,
        epoch,
        score
    from scores
    where
        {{ chosen_score_sql() }}
        and score is not null

),

kept_samples as (

    select * from samples
    where
        log_status in ({{ statuses_sql() }})
        {%- if where %}
        and ({{ where }})
        {%- endif %}

),

-- the price join and the priced cost apart from the filter above, where the var
-- `where` names the samples' columns without a table
priced_samples as (

    select
        kept_samples.*,
        {{ priced_cost_sql('kept_samples', 'prices') }} as priced_cost
    from kept_samples
    left join prices
        on kept_samples.model = prices.model

),

final as (

    select
        priced_samples.eval_id,
        priced_samples.sample_id,
        priced_samples.epoch,
        priced_samples.task_id,
        priced_samples.task_name,
        priced_samples.eval_set_id,
        priced_samples.run_id,
        priced_samples.model,
        priced_samples.log,
        priced_samples.metadata,
        priced_samples.total_tokens,
        priced_samples.total_time,
        priced_samples.working_time,
        priced_samples.message_count,
        -- as int_samples__costed, computed here: joining that view would join every
        -- sample twice
        {{ sample_cost_sql('priced_samples.total_cost', 'priced_samples.priced_cost') }} as cost,
        {{ sample_cost_source_sql('priced_samples.total_cost', 'priced_samples.priced_cost') }}
            as cost_source,
        priced_samples.sample_limit_type,
        priced_samples.eval_token_limit,
        priced_samples.eval_token_limit_type,
        priced_samples.eval_message_limit,
        priced_samples.eval_time_limit,
        priced_samples.eval_working_limit,
        priced_samples.eval_cost_limit,
        {%- for column in extra_limits() %}
        priced_samples.{{ column }},
        {%- endfor %}
        chosen_scores.score
    from priced_samples
    inner join chosen_scores
        on {{ same_sample('priced_samples', 'chosen_scores') }}

)

select * from final
