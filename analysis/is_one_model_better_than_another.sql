-- At which budgets is one model significantly better than another?
-- Per pair of models and limit, the thresholds where the paired band (Miller 2024:
-- same questions, per-question differences) excludes zero: how many grid thresholds
-- each model is ahead at (or neither), and the first and last of them (a span, which
-- need not be unbroken).

with

pairs as (

    select * from {{ ref('paired_differences_by_limit') }}
    where facet_name = 'all'

),

verdicts as (

    select
        model_a,
        model_b,
        limit_name,
        limit_value,
        question_count,
        case
            when ci_lower > 0 then model_a
            when ci_upper < 0 then model_b
        end as ahead
    from pairs

),

final as (

    select
        model_a,
        model_b,
        limit_name,
        coalesce(ahead, 'neither') as ahead,
        count(*) as threshold_count,
        min(limit_value) as first_limit_value,
        max(limit_value) as last_limit_value,
        max(question_count) as question_count
    from verdicts
    group by model_a, model_b, limit_name, coalesce(ahead, 'neither')

)

select * from final
order by limit_name, model_a, model_b, first_limit_value
