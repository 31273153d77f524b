{#- One row per sample that enters the curves: a kept sample (int_samples__kept)
    with a score from the chosen scorer (var `scorer`, default each log's first; var
    `score_key` for dict-valued scores), and its value for every limit. -#}

with

kept as (

    select * from {{ ref('int_samples__kept') }}

),

scores as (

    select * from {{ ref('stg_inspect__sample_scores') }}

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

final as (

    select {{ shuffle_join_hint(['kept', 'chosen_scores']) }}
        kept.eval_id,
        kept.sample_id,
        kept.epoch,
        kept.task_id,
        kept.task_name,
        kept.eval_set_id,
        kept.run_id,
        kept.model,
        kept.log,
        kept.metadata,
        kept.total_tokens,
        kept.total_time,
        kept.working_time,
        kept.message_count,
        kept.cost,
        kept.cost_source,
        kept.sample_limit_type,
        kept.eval_token_limit,
        kept.eval_token_limit_type,
        kept.eval_message_limit,
        kept.eval_time_limit,
        kept.eval_working_limit,
        kept.eval_cost_limit,
        {%- for column in extra_limits() %}
        kept.{{ column }},
        {%- endfor %}
        chosen_scores.score
    from kept
    inner join chosen_scores
        on {{ same_sample('kept', 'chosen_scores') }}

)

select * from final
