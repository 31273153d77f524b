{#- Miller (2024), "Adding Error Bars to Evals", section 4 (paired differences): for
    each pair of models on the questions (task name x sample id) both answered, the
    difference in success rate at each threshold of the limit's grid, with its
    question-clustered standard error. Each model's rate weighs every sample once,
    as the curves do (r_a = sum of a's scores within t / N_a, N_a: a's samples of
    the shared questions), so where both models answered the same questions the
    difference is scores_by_limit's rate_a - rate_b. The difference is a sum over
    questions of u_q = A_q / N_a - B_q / N_b (A_q, B_q: the question's score sums
    within t), and its clustered variance is Q / (Q - 1) sum_q e_q^2 with
    e_q = u_q - (w_q^a r_a - w_q^b r_b), w_q^a = n_q^a / N_a (a question's share of
    a's samples): with equal epochs everywhere, sd(d_q)^2 / Q of Miller's
    per-question differences. Expanded, sum_q e_q^2 = sum u_q^2
    - 2 (r_a sum w^a u - r_b sum w^b u) + sum (w^a r_a - w^b r_b)^2: u_q moves only
    at the question's sample values, so sum u_q^2 is a running sum of increments
    (u + delta)^2 - u^2 in value order within each question, sum w^a u one of
    w^a delta, and the last term is constant sums times the rates. The band is
    Student's t with Q - 1 degrees of freedom. -#}

{#- on Spark, with the option off: no row, the contract's columns (macros/options.sql) -#}
{%- if built_empty(paired_differences()) %}

{{ empty_contract_select() }}

{%- else %}

with

limits_long as (

    select * from {{ ref('int_samples__limits_long') }}
    -- off by default (var paired_differences): the table is built empty
    where {{ option_sql('paired_differences', paired_differences()) }}

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
            {{ same_question('questions_a', 'questions_b') }}
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
        sum(epoch_count_a) as sample_count_a,
        sum(epoch_count_b) as sample_count_b,
        -- for the constant term of the variance: sum_q w_q^a^2, w_q^a w_q^b, w_q^b^2
        cast(sum(epoch_count_a * epoch_count_a) as {{ type_double() }})
        / (sum(epoch_count_a) * sum(epoch_count_a)) as weight_square_sum_a,
        cast(sum(epoch_count_a * epoch_count_b) as {{ type_double() }})
        / (sum(epoch_count_a) * sum(epoch_count_b)) as weight_product_sum,
        cast(sum(epoch_count_b * epoch_count_b) as {{ type_double() }})
        / (sum(epoch_count_b) * sum(epoch_count_b)) as weight_square_sum_b,
        min(score_min) >= 0 and max(score_max) <= 1 as is_unit_interval
    from shared_questions
    group by limit_name, facet_name, facet_value, model_a, model_b

),

-- each sample of a shared question moves its pair's difference when the limit reaches
-- its value: by + score / N_a for model a, - score / N_b for model b
increments as (

    select {{ shuffle_join_hint(['limits_long']) }}
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
        -- the question's shares of each model's samples, w_q^a and w_q^b
        cast(shared_questions.epoch_count_a as {{ type_double() }}) / pairs.sample_count_a
            as weight_a,
        cast(shared_questions.epoch_count_b as {{ type_double() }}) / pairs.sample_count_b
            as weight_b,
        case
            when limits_long.model = shared_questions.model_a
                then limits_long.score / pairs.sample_count_a
            else 0
        end as rate_a_increment,
        case
            when limits_long.model = shared_questions.model_b
                then limits_long.score / pairs.sample_count_b
            else 0
        end as rate_b_increment
    from shared_questions
    inner join pairs
        on {{ same_pair('shared_questions', 'pairs') }}
    inner join limits_long
        on
            {{ same_question('shared_questions', 'limits_long') }}
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
            as difference_square_sum,
        sum(weight_a * difference_increment) as weighted_difference_a_sum,
        sum(weight_b * difference_increment) as weighted_difference_b_sum
    from ordered
    group by limit_name, facet_name, facet_value, model_a, model_b, limit_value

),

-- Student's t with Q - 1 degrees of freedom for the band, one per question count
critical_values as (

    {{ t_scores(ci_level(), 'pairs', 'question_count - 1') }}

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
{{ running_sums_at_thresholds(
    'breakpoints',
    'thresholds',
    ['limit_name', 'facet_name', 'facet_value', 'model_a', 'model_b'],
    through=[
        'rate_a_sum',
        'rate_b_sum',
        'difference_square_sum',
        'weighted_difference_a_sum',
        'weighted_difference_b_sum',
    ],
) }},

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
        at_thresholds.rate_a_sum_through as success_rate_a,
        at_thresholds.rate_b_sum_through as success_rate_b,
        at_thresholds.rate_a_sum_through - at_thresholds.rate_b_sum_through as difference,
        case
            when pairs.question_count > 1
                then sqrt(
                    greatest(
                        at_thresholds.difference_square_sum_through
                        - 2 * (
                            at_thresholds.rate_a_sum_through * at_thresholds.weighted_difference_a_sum_through
                            - at_thresholds.rate_b_sum_through * at_thresholds.weighted_difference_b_sum_through
                        )
                        + at_thresholds.rate_a_sum_through * at_thresholds.rate_a_sum_through
                        * pairs.weight_square_sum_a
                        - 2 * at_thresholds.rate_a_sum_through * at_thresholds.rate_b_sum_through
                        * pairs.weight_product_sum
                        + at_thresholds.rate_b_sum_through * at_thresholds.rate_b_sum_through
                        * pairs.weight_square_sum_b,
                        0
                    ) * pairs.question_count / (pairs.question_count - 1)
                )
        end as standard_error,
        critical_values.t_score
    from thresholds
    inner join pairs
        on {{ same_pair('thresholds', 'pairs') }}
    inner join at_thresholds
        on
            {{ same_pair('thresholds', 'at_thresholds') }}
            and thresholds.step_index = at_thresholds.step_index
    left join critical_values
        on pairs.question_count - 1 = critical_values.df

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
        {{ clipped_band_columns_sql(
            'difference - t_score * standard_error',
            'difference + t_score * standard_error',
            'is_unit_interval',
            low=-1,
        ) }},
        limit_scale
    from measured

)

select * from final
{%- endif %}
