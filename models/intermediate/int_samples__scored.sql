{#- One row per sample that enters the curves: in a log of a kept status, passing the
    var `where`, with a score from the chosen scorer (var `scorer`, default each log's
    first), and its value for every limit (cost as in int_samples__costed). -#}
{%- set scorer = var('scorer') -%}
{%- set score_key = var('score_key') -%}
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
        {% if scorer -%}
        scorer = {{ dbt.string_literal(scorer) }}
        {%- else -%}
        is_first_scorer
        {%- endif %}
        {% if score_key -%}
        and (score_key = {{ dbt.string_literal(score_key) }} or score_key is null)
        {%- else -%}
        and score_key is null
        {%- endif %}
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

final as (

    select
        kept_samples.eval_id,
        kept_samples.sample_id,
        kept_samples.epoch,
        kept_samples.task_id,
        kept_samples.task_name,
        kept_samples.eval_set_id,
        kept_samples.run_id,
        kept_samples.model,
        kept_samples.log,
        kept_samples.metadata,
        kept_samples.total_tokens,
        kept_samples.total_time,
        kept_samples.working_time,
        kept_samples.message_count,
        -- as int_samples__costed, computed here: joining that view would join every
        -- sample twice
        {{ sample_cost_sql('kept_samples', 'prices') }} as cost,
        {{ sample_cost_source_sql('kept_samples', 'prices') }} as cost_source,
        kept_samples.sample_limit_type,
        kept_samples.eval_token_limit,
        kept_samples.eval_token_limit_type,
        kept_samples.eval_message_limit,
        kept_samples.eval_time_limit,
        kept_samples.eval_working_limit,
        kept_samples.eval_cost_limit,
        {%- for column in extra_limits() %}
        kept_samples.{{ column }},
        {%- endfor %}
        chosen_scores.score
    from kept_samples
    inner join chosen_scores
        on
            kept_samples.eval_id = chosen_scores.eval_id
            and kept_samples.sample_id = chosen_scores.sample_id
            and kept_samples.epoch = chosen_scores.epoch
    left join prices
        on kept_samples.model = prices.model

)

select * from final
