{#- Rates are within [0, 1]: other_termination_rate always; success_rate and the
    band wherever the model's scores are all within [0, 1] (a numeric score out of
    10 makes a mean out of 10, which is not a rate). Rounding is allowed 1e-9. -#}

with

mart as (

    select * from {{ ref('scores_by_limit') }}

),

scored as (

    select * from {{ ref('int_samples__scored') }}

),

unit_models as (

    select model
    from scored
    group by model
    having min(score) >= 0 and max(score) <= 1

),

final as (

    select
        mart.model,
        mart.limit_name,
        mart.facet_name,
        mart.facet_value,
        mart.step_index,
        mart.success_rate,
        mart.ci_lower,
        mart.ci_upper,
        mart.other_termination_rate
    from mart
    left join unit_models
        on mart.model = unit_models.model
    where
        mart.other_termination_rate < -1e-9
        or mart.other_termination_rate > 1 + 1e-9
        or (
            unit_models.model is not null
            and (
                mart.success_rate < -1e-9
                or mart.success_rate > 1 + 1e-9
                or mart.ci_lower < -1e-9
                or mart.ci_upper > 1 + 1e-9
            )
        )

)

select * from final
