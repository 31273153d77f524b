{#- One row per model with samples that ended in an error and have no score: they
    are left out of the curves (int_samples__scored keeps scored samples only) and
    counted here, so a model that crashes on hard questions cannot look better than
    it is. Only the samples the curves would consider count: logs of a kept status
    (var `statuses`) and samples passing the var `where`. -#}
{%- set where = samples_where() -%}

with

samples as (

    select * from {{ ref('stg_inspect__samples') }}

),

scored as (

    select * from {{ ref('int_samples__scored') }}

),

kept_errored as (

    select
        eval_id,
        sample_id,
        epoch,
        model
    from samples
    where
        log_status in ({{ statuses_sql() }})
        and is_errored
        {%- if where %}
        and ({{ where }})
        {%- endif %}

),

-- the errored samples probe the scored ones (an anti join), not the other way round
unscored as (

    select kept_errored.model
    from kept_errored
    where not exists (
        select 1
        from scored
        where {{ same_sample('scored', 'kept_errored') }}
    )

),

final as (

    select
        model,
        cast(count(*) as bigint) as error_count
    from unscored
    group by model

)

select * from final
