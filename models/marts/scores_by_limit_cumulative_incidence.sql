{#- The success curve with censoring (var `estimator` cumulative_incidence; built
    empty otherwise): the Aalen-Johansen cumulative incidence of success on each
    limit's grid. A sample is a success at its value (its score, as a fractional
    event), a terminal failure there (the rest of its score: it finished, and a limit
    acts only when reached), or, where its eval's own limit stopped it short of the
    score 1, censored at that eval's budget for the rest. With n_i the weight at risk
    at the i-th value (samples with value >= it), d_i the successes and failures
    there, d1_i the successes and S the overall Kaplan-Meier survival,
        F(t) = sum over t_i <= t of S(t_i-) d1_i / n_i,
    and its variance by the delta method (Greenwood's, as lifelines and SAS LIFETEST
    compute it; docs/statistics.md says why):
        V(t) = sum over t_i <= t of (F(t) - F_i)^2 d_i / (n_i (n_i - d_i))
               + S(t_i-)^2 d1_i (n_i - d1_i) / n_i^3 - 2 (F(t) - F_i) S(t_i-) d1_i / n_i^2,
    which, expanded in F(t), is six running sums. Without censoring F is the naive
    curve. Curves with a score outside [0, 1] have no such reading: null there. -#}
{#- what each value adds to F and to the six sums of its variance, summed along the
    stream of values and thresholds -#}
{%- set increments = ['incidence_step', 'term_a', 'term_a_f', 'term_a_ff', 'term_b', 'term_c', 'term_c_f'] -%}

{#- on Spark, with the option off: no row, the contract's columns (macros/options.sql) -#}
{%- if built_empty(estimator() == 'cumulative_incidence') %}

{{ empty_contract_select() }}

{%- else %}

with

limits_long as (

    select * from {{ ref('int_samples__limits') }}
    -- built empty unless var estimator is cumulative_incidence
    where {{ option_is_sql('estimator', estimator(), 'cumulative_incidence') }}

),

grids as (

    select * from {{ ref('int_limit_grids') }}

),

-- each sample's score as the weight of a success (clipped into [0, 1]: a curve with
-- a score outside it is null below), and whether the eval's limit censored the rest
samples as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        log,
        limit_value,
        eval_budget,
        score,
        greatest(least(score, 1), 0) as success_weight,
        is_stopped_by_eval_budget and score < 1 as is_censored
    from limits_long

),

curve_totals as (

    select
        row_number() over (order by limit_name, facet_name, facet_value, model) as curve_id,
        limit_name,
        facet_name,
        facet_value,
        model,
        count(*) as sample_count,
        sum(case when is_censored then 1 else 0 end) as censored_count,
        max(eval_budget) as eval_budget,
        min(score) >= 0 and max(score) <= 1 as is_unit_interval,
        min(log) as log
    from samples
    group by limit_name, facet_name, facet_value, model

),

-- a sample in pieces: its success and, at its value, the failure that is the rest of
-- its score, or the rest censored at its eval's budget (or its value, if below)
pieces as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        limit_value as event_value,
        success_weight,
        case when is_censored then 0 else 1 - success_weight end as failure_weight,
        0 as censored_weight
    from samples

    union all

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        coalesce(least(eval_budget, limit_value), limit_value) as event_value,
        0 as success_weight,
        0 as failure_weight,
        1 - success_weight as censored_weight
    from samples
    where is_censored

),

-- one row per curve and value with weight on it
event_values as (

    select
        curve_totals.curve_id,
        pieces.event_value,
        sum(pieces.success_weight) as success_weight,
        sum(pieces.failure_weight) as failure_weight,
        sum(pieces.censored_weight) as censored_weight,
        sum(pieces.success_weight + pieces.failure_weight + pieces.censored_weight) as total_weight
    from pieces
    inner join curve_totals
        on {{ same_curve('pieces', 'curve_totals') }}
    group by curve_totals.curve_id, pieces.event_value
    having sum(pieces.success_weight + pieces.failure_weight + pieces.censored_weight) > 0

),

-- n_i, the weight at risk (at this value or above), and n_i - d_i, what is left at
-- risk after its events: the weight above it and what is censored at it, a sum of
-- weights rather than a difference, so exactly 0 where nothing is left
at_risk as (

    select
        curve_id,
        event_value,
        success_weight,
        failure_weight,
        sum(total_weight) over from_the_top as at_risk_weight,
        coalesce(sum(total_weight) over above, 0) + censored_weight as remaining_weight
    from event_values
    window
        from_the_top as (
            partition by curve_id
            order by event_value desc
            rows between unbounded preceding and current row
        ),
        above as (
            partition by curve_id
            order by event_value desc
            rows between unbounded preceding and 1 preceding
        )

),

-- the overall survival's step, as a logarithm (0 where the risk set empties: no
-- later value has weight, and S is 0 from there)
survival_steps as (

    select
        *,
        case
            when remaining_weight > 0 then {{ ln('remaining_weight / at_risk_weight') }}
            else 0
        end as log_survival_step,
        case when remaining_weight > 0 then 0 else 1 end as is_emptied
    from at_risk

),

-- S(t_i-), the overall survival just before this value
survival as (

    select
        *,
        case
            when coalesce(sum(is_emptied) over before, 0) > 0 then 0
            else exp(coalesce(sum(log_survival_step) over before, 0))
        end as survival_before
    from survival_steps
    window before as (
        partition by curve_id
        order by event_value
        rows between unbounded preceding and 1 preceding
    )

),

-- F_i, the cumulative incidence through this value
incidence as (

    select
        *,
        sum(survival_before * success_weight / at_risk_weight) over (
            partition by curve_id
            order by event_value
            rows between unbounded preceding and current row
        ) as incidence_through
    from survival

),

-- what the value adds to F and to the six sums of V(t) = F^2 A - 2 F AF + AFF + B
-- - 2 F C + 2 CF: a_i = d_i / (n_i (n_i - d_i)) (0 where the risk set empties, as
-- F(t) - F_i is 0 from there), b_i = S(t_i-)^2 d1_i (n_i - d1_i) / n_i^3 and
-- c_i = S(t_i-) d1_i / n_i^2
increments as (

    select
        curve_id,
        event_value,
        survival_before * success_weight / at_risk_weight as incidence_step,
        term_a,
        term_a * incidence_through as term_a_f,
        term_a * incidence_through * incidence_through as term_a_ff,
        survival_before * survival_before * success_weight * (at_risk_weight - success_weight)
        / (at_risk_weight * at_risk_weight * at_risk_weight) as term_b,
        term_c,
        term_c * incidence_through as term_c_f
    from (
        select
            *,
            case
                when remaining_weight > 0
                    then (success_weight + failure_weight) / (at_risk_weight * remaining_weight)
                else 0
            end as term_a,
            survival_before * success_weight / (at_risk_weight * at_risk_weight) as term_c
        from incidence
    ) as with_terms

),

thresholds as (

    select
        curve_totals.curve_id,
        grids.step_index,
        grids.limit_value,
        grids.limit_scale
    from curve_totals
    inner join grids
        on curve_totals.limit_name = grids.limit_name

),

-- values and thresholds in one ordered stream, each threshold after the values equal
-- to it: the running sums at a threshold cover every value <= it
{{ running_sums_at_thresholds(
    'increments', 'thresholds', ['curve_id'], through=increments, value='event_value'
) }},

critical_value as (

    select {{ z_score(ci_level()) }} as z

),

measured as (

    select
        critical_value.z,
        curve_totals.limit_name,
        curve_totals.facet_name,
        curve_totals.facet_value,
        curve_totals.model,
        curve_totals.sample_count,
        curve_totals.censored_count,
        curve_totals.eval_budget,
        curve_totals.is_unit_interval,
        curve_totals.log,
        thresholds.step_index,
        thresholds.limit_value,
        thresholds.limit_scale,
        -- the running sum of the steps: F(t)
        at_thresholds.incidence_step_through as success_rate,
        sqrt(greatest(
            at_thresholds.incidence_step_through * at_thresholds.incidence_step_through
            * at_thresholds.term_a_through
            - 2 * at_thresholds.incidence_step_through * at_thresholds.term_a_f_through
            + at_thresholds.term_a_ff_through
            + at_thresholds.term_b_through
            - 2 * at_thresholds.incidence_step_through * at_thresholds.term_c_through
            + 2 * at_thresholds.term_c_f_through,
            0
        )) as standard_error
    from at_thresholds
    inner join thresholds
        on
            at_thresholds.curve_id = thresholds.curve_id
            and at_thresholds.step_index = thresholds.step_index
    inner join curve_totals
        on at_thresholds.curve_id = curve_totals.curve_id
    cross join critical_value

),

final as (

    select
        model,
        limit_name,
        cast(limit_value as {{ type_double() }}) as limit_value,
        cast(step_index as integer) as step_index,
        facet_name,
        facet_value,
        -- null where a score is outside [0, 1]: no fractional event reads it
        cast(case when is_unit_interval then success_rate end as {{ type_double() }}) as success_rate,
        cast(case when is_unit_interval then standard_error end as {{ type_double() }})
            as standard_error,
        cast({{ ci_level() }} as {{ type_double() }}) as ci_level,
        {{ clipped_sql('case when is_unit_interval then success_rate - z * standard_error end', 'true') }}
            as ci_lower,
        {{ clipped_sql('case when is_unit_interval then success_rate + z * standard_error end', 'true') }}
            as ci_upper,
        cast(sample_count as bigint) as sample_count,
        cast(censored_count as bigint) as censored_count,
        limit_scale,
        log,
        'cumulative_incidence' as estimator,
        -- how standard_error and the band were made (docs/statistics.md)
        'delta' as se_method,
        'normal' as ci_method,
        -- the largest of the curve's eval budgets: beyond it nothing is measured
        cast(eval_budget as {{ type_double() }}) as eval_budget,
        coalesce(limit_value > eval_budget, false) as is_beyond_eval_budget
    from measured

)

select * from final
{%- endif %}
