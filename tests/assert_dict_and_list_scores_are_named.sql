{#- Warn, naming each sample, when the chosen scorer's value is a dict (and the var
    `score_key` names none of its keys) or a list: such samples are left out of the
    curves. Set `score_key` to pick a dict's key. -#}
{{ config(severity='warn') }}
{%- set scorer = var('scorer') -%}

with

samples as (

    select * from {{ ref('stg_inspect__samples') }}

),

scores as (

    select * from {{ ref('stg_inspect__sample_scores') }}

),

scored as (

    select * from {{ ref('int_samples__scored') }}

),

structured_scores as (

    select
        eval_id,
        sample_id,
        epoch,
        scorer,
        case when score_key is null then value_type else 'dict' end as value_kind
    from scores
    where
        {% if scorer -%}
        scorer = {{ dbt.string_literal(scorer) }}
        {%- else -%}
        is_first_scorer
        {%- endif %}
        and (score_key is not null or value_type in ('dict', 'list'))

),

final as (

    select distinct
        samples.log,
        samples.eval_id,
        samples.sample_id,
        samples.epoch,
        structured_scores.scorer,
        structured_scores.value_kind
    from samples
    inner join structured_scores
        on
            samples.eval_id = structured_scores.eval_id
            and samples.sample_id = structured_scores.sample_id
            and samples.epoch = structured_scores.epoch
    left join scored
        on
            samples.eval_id = scored.eval_id
            and samples.sample_id = scored.sample_id
            and samples.epoch = scored.epoch
    where
        samples.log_status in ({{ statuses_sql() }})
        and scored.eval_id is null

)

select * from final
