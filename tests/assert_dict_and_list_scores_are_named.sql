{#- Warn, naming each sample, when the chosen scorer's value is a dict (and the var
    `score_key` names none of its keys) or a list: such samples are left out of the
    curves. Only kept samples (int_samples__kept) are looked at. Set `score_key`
    to pick a dict's key. -#}
{{ config(severity='warn') }}

with

kept as (

    select * from {{ ref('int_samples__kept') }}

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
        {{ chosen_scorer_sql() }}
        and (score_key is not null or value_type in ('dict', 'list'))

),

-- the few structured scores first, then their samples: each join probes the large
-- relations against these rows, where joining the samples to the scored samples
-- first took seconds at 1e7 samples
structured_samples as (

    select
        kept.log,
        structured_scores.eval_id,
        structured_scores.sample_id,
        structured_scores.epoch,
        structured_scores.scorer,
        structured_scores.value_kind
    from structured_scores
    inner join kept
        on {{ same_sample('structured_scores', 'kept') }}

),

final as (

    select distinct
        log,
        eval_id,
        sample_id,
        epoch,
        scorer,
        value_kind
    from structured_samples
    where not exists (
        select 1
        from scored
        where {{ same_sample('scored', 'structured_samples') }}
    )

)

select * from final
