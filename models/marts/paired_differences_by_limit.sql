{#- Miller (2024), "Adding Error Bars to Evals", section 4 (paired differences): for
    each pair of models on the questions (task name x sample id) both answered, the
    difference in success rate at each threshold of the limit's grid, with the
    standard error of a mean of per-question differences and a normal band. A
    question's epochs are averaged first, so each question weighs one and the
    standard error is the question-level (clustered) one. The per-question
    difference d_q(t) moves only at the question's sample values, so, as for the
    clustered standard error, sum_q d_q^2 is kept as a running sum of increments
    (d + delta)^2 - d^2 in value order within each question. -#}
{%- set z = 'critical_value.z' -%}

with

limits_long as (

    select * from {{ ref('int_samples__limits_long') }}
    {#- off by default (var paired_differences): the table is built empty -#}
    {%- if not var('paired_differences') %}
    where 1 = 0
    {%- endif %}

),

grids as (

    select * from {{ ref('int_limit_grids') }}

),

questions as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        question_task,
        sample_id,
        count(*) as epoch_count,
        min(score) as score_min,
        max(score) as score_max
    from limits_long
    group by limit_name, facet_name, facet_value, model, question_task, sample_id

),

shared_questions as (

    select
        questions_a.limit_name,
        questions_a.facet_name,
        questions_a.facet_value,
        questions_a.model as model_a,
        questions_b.model as model_b,
        questions_a.question_task,
        questions_a.sample_id,
        questions_a.epoch_count as epoch_count_a,
        questions_b.epoch_count as epoch_count_b,
        least(questions_a.score_min, questions_b.score_min) as score_min,
        greatest(questions_a.score_max, questions_b.score_max) as score_max
    from questions as questions_a
    inner join questions as questions_b
        on
            questions_a.limit_name = questions_b.limit_name
            and questions_a.facet_name = questions_b.facet_name
            and questions_a.facet_value = questions_b.facet_value
            and questions_a.question_task = questions_b.question_task
            and questions_a.sample_id = questions_b.sample_id
            and questions_a.model < questions_b.model

),

pairs as (

    select
        limit_name,
        facet_name,
        facet_value,
        model_a,
        model_b,
        count(*) as question_count,
        min(score_min) >= 0 and max(score_max) <= 1 as is_unit_interval
    from shared_questions
    group by limit_name, facet_name, facet_value, model_a, model_b

),

-- each sample of a shared question moves its pair's difference when the limit reaches
-- its value: by + score / epochs for model a, - score / epochs for model b
increments as (

    select
        shared_questions.limit_name,
        shared_questions.facet_name,
        shared_questions.facet_value,
        shared_questions.model_a,
        shared_questions.model_b,
        shared_questions.question_task,
        shared_questions.sample_id,
        limits_long.model,
        limits_long.eval_id,
        limits_long.epoch,
        limits_long.limit_value,
        case
            when limits_long.model = shared_questions.model_a
                then limits_long.score / shared_questions.epoch_count_a
            else 0
        end as rate_a_increment,
        case
            when limits_long.model = shared_questions.model_b
                then limits_long.score / shared_questions.epoch_count_b
            else 0
        end as rate_b_increment
    from shared_questions
    inner join limits_long
        on
            shared_questions.limit_name = limits_long.limit_name
            and shared_questions.facet_name = limits_long.facet_name
            and shared_questions.facet_value = limits_long.facet_value
            and shared_questions.question_task = limits_long.question_task
            and shared_questions.sample_id = limits_long.sample_id
            and limits_long.model in (shared_questions.model_a, shared_questions.model_b)

),

ordered as (

    select
        *,
        rate_a_increment - rate_b_increment as difference_increment,
        coalesce(
            sum(rate_a_increment - rate_b_increment) over (
                partition by
                    limit_name, facet_name, facet_value, model_a, model_b, question_task, sample_id
                order by limit_value, model, eval_id, epoch
                rows between unbounded preceding and 1 preceding
            ),
            0
        ) as difference_before
    from increments

),

breakpoints as (

    select
        limit_name,
        facet_name,
        facet_value,
        model_a,
        model_b,
        limit_value,
        sum(rate_a_increment) as rate_a_sum,
        sum(rate_b_increment) as rate_b_sum,
        sum(difference_increment * (2 * difference_before + difference_increment))
            as difference_square_sum
    from ordered
    group by limit_name, facet_name, facet_value, model_a, model_b, limit_value

),

thresholds as (

    select
        pairs.limit_name,
        pairs.facet_name,
        pairs.facet_value,
        pairs.model_a,
        pairs.model_b,
        grids.step_index,
        grids.limit_value,
        grids.limit_scale
    from pairs
    inner join grids
        on pairs.limit_name = grids.limit_name

),

-- sample values and thresholds in one ordered stream, as in scores_by_limit
stream as (

    select
        limit_name,
        facet_name,
        facet_value,
        model_a,
        model_b,
        limit_value,
        0 as is_threshold,
        rate_a_sum,
        rate_b_sum,
        difference_square_sum
    from breakpoints

    union all

    select
        limit_name,
        facet_name,
        facet_value,
        model_a,
        model_b,
        limit_value,
        1 as is_threshold,
        0 as rate_a_sum,
        0 as rate_b_sum,
        0 as difference_square_sum
    from thresholds

),

running as (

    select
        limit_name,
        facet_name,
        facet_value,
        model_a,
        model_b,
        limit_value,
        is_threshold,
        sum(rate_a_sum) over running_window as rate_a_through,
        sum(rate_b_sum) over running_window as rate_b_through,
        sum(difference_square_sum) over running_window as difference_square_through
    from stream
    window running_window as (
        partition by limit_name, facet_name, facet_value, model_a, model_b
        order by limit_value, is_threshold
        rows between unbounded preceding and current row
    )

),

at_thresholds as (

    select distinct
        limit_name,
        facet_name,
        facet_value,
        model_a,
        model_b,
        limit_value,
        rate_a_through,
        rate_b_through,
        difference_square_through
    from running
    where is_threshold = 1

),

measured as (

    select
        thresholds.limit_name,
        thresholds.facet_name,
        thresholds.facet_value,
        thresholds.model_a,
        thresholds.model_b,
        thresholds.step_index,
        thresholds.limit_value,
        thresholds.limit_scale,
        pairs.question_count,
        pairs.is_unit_interval,
        at_thresholds.rate_a_through / pairs.question_count as success_rate_a,
        at_thresholds.rate_b_through / pairs.question_count as success_rate_b,
        (at_thresholds.rate_a_through - at_thresholds.rate_b_through) / pairs.question_count
            as difference,
        {{ standard_error_sql('sample', {
            'n': 'pairs.question_count',
            'score_sum': '(at_thresholds.rate_a_through - at_thresholds.rate_b_through)',
            'score_square_sum': 'at_thresholds.difference_square_through',
        }) }} as standard_error
    from thresholds
    inner join pairs
        on
            thresholds.limit_name = pairs.limit_name
            and thresholds.facet_name = pairs.facet_name
            and thresholds.facet_value = pairs.facet_value
            and thresholds.model_a = pairs.model_a
            and thresholds.model_b = pairs.model_b
    inner join at_thresholds
        on
            thresholds.limit_name = at_thresholds.limit_name
            and thresholds.facet_name = at_thresholds.facet_name
            and thresholds.facet_value = at_thresholds.facet_value
            and thresholds.model_a = at_thresholds.model_a
            and thresholds.model_b = at_thresholds.model_b
            and thresholds.limit_value = at_thresholds.limit_value

),

critical_value as (

    -- the band's z, computed once: its expression (AS241) is long, and DuckDB takes
    -- longer to plan it at each use than to build the mart on a thousand samples
    select {{ z_score(ci_level()) }} as z

),

final as (

    select
        model_a,
        model_b,
        limit_name,
        cast(limit_value as {{ type_double() }}) as limit_value,
        cast(step_index as integer) as step_index,
        facet_name,
        facet_value,
        cast(question_count as bigint) as question_count,
        cast(success_rate_a as {{ type_double() }}) as success_rate_a,
        cast(success_rate_b as {{ type_double() }}) as success_rate_b,
        cast(difference as {{ type_double() }}) as difference,
        cast(standard_error as {{ type_double() }}) as standard_error,
        cast({{ ci_level() }} as {{ type_double() }}) as ci_level,
        -- a difference of rates of scores in [0, 1] lies in [-1, 1]
        cast({{ clip_to_unit_sql('difference - ' ~ z ~ ' * standard_error', 'is_unit_interval', 'greatest', -1) }}
            as {{ type_double() }}) as ci_lower,
        cast({{ clip_to_unit_sql('difference + ' ~ z ~ ' * standard_error', 'is_unit_interval', 'least', 1) }}
            as {{ type_double() }}) as ci_upper,
        limit_scale
    from measured
    cross join critical_value

)

select * from final
