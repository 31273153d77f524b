{#- Would more budget buy more success? Per curve (model x limit x facet): the rate
    at the curve's end B (the largest value among its samples), the gain over its
    last doubling, rate(B) - rate(B / 2) = the mean over the curve's n samples of
    x_i = score_i [B/2 < v_i <= B], with its standard error (var `se_method`) and
    band (normal; Student's t with C - 1 degrees of freedom with the clustered
    standard error, as paired_differences_by_limit), and the bounds beyond the
    eval's own budget: the censored samples (stopped by the eval's limit on this
    resource with a score below 1: unknown with more budget) counted as failures
    (today's final rate) or at the score 1. docs/statistics.md has the reasoning. -#}
{#- the condition that var se_method is clustered, filtering each branch's rows -#}
{%- set clustered_chosen = is_clustered_sql() -%}
{#- the per-sample values whose means the mart reports: x_sum, x_square_sum and, per
    question, cluster_size_x_sum and cluster_x_square_sum for each -#}
{%- set means = {'score': 'final', 'gain': 'gain', 'optimistic': 'optimistic'} -%}

{#- with se_method `sample` every sum is one of the breakpoints' (a sample's value is
    its breakpoint's), so the mart reads their 1/8 as many rows, not every sample; each
    method's branch below is filtered by the option before any work, so only the
    chosen one reads its rows -#}

with

-- a curve's rows, each with its curve's end B: its samples with se_method `clustered`,
-- its breakpoints with `sample`
{% for name, relation, is_chosen in [
    ('clustered_rows', ref('int_samples__limits'), clustered_chosen),
    ('breakpoint_rows', ref('int_curves__breakpoints'), 'not ' ~ clustered_chosen),
] -%}
{{ name }} as (

    select
        *,
        max(limit_value) over (
            partition by limit_name, facet_name, facet_value, model
        ) as final_limit_value
    from {{ relation }}
    where {{ is_chosen }}

),

{% endfor -%}
-- what each sample adds to the gain (its score if its value is in the last doubling)
-- and to the optimistic bound (1 if censored, else its score)
valued as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        question_task,
        sample_id,
        final_limit_value,
        score,
        case when limit_value > final_limit_value / 2 then score else 0 end as gain_score,
        case when is_stopped_by_eval_budget and score < 1 then 1 else 0 end as is_censored,
        case
            when is_stopped_by_eval_budget and score < 1 then cast(1 as {{ type_double() }})
            else score
        end as optimistic_score
    from clustered_rows

),

-- the sums of the clustered branch from the samples, and the same sums from the
-- breakpoints: the gain is the breakpoints' scores past B / 2, and a censored sample
-- (score x < 1) adds 1 - x to the optimistic sum and 1 - x^2 to its square sum
curve_sums as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        max(final_limit_value) as final_limit_value,
        count(*) as sample_count,
        sum(score) as score_sum,
        sum(score * score) as score_square_sum,
        sum(gain_score) as gain_sum,
        sum(gain_score * gain_score) as gain_square_sum,
        sum(optimistic_score) as optimistic_sum,
        sum(optimistic_score * optimistic_score) as optimistic_square_sum,
        sum(is_censored) as censored_count,
        min(score) >= 0 and max(score) <= 1 as is_unit_interval
    from valued
    group by limit_name, facet_name, facet_value, model

    union all

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        max(final_limit_value) as final_limit_value,
        cast(sum(sample_count) as bigint) as sample_count,
        sum(score_sum) as score_sum,
        sum(score_square_sum) as score_square_sum,
        sum(case when limit_value > final_limit_value / 2 then score_sum else 0 end)
            as gain_sum,
        sum(case when limit_value > final_limit_value / 2 then score_square_sum else 0 end)
            as gain_square_sum,
        sum(score_sum - censored_score_sum + censored_count) as optimistic_sum,
        sum(score_square_sum - censored_score_square_sum + censored_count)
            as optimistic_square_sum,
        cast(sum(censored_count) as bigint) as censored_count,
        min(score_min) >= 0 and max(score_max) <= 1 as is_unit_interval
    from breakpoint_rows
    group by limit_name, facet_name, facet_value, model

),

-- a curve's clusters are its questions: each one's size and sums (clustered only)
questions as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        count(*) as question_size,
        sum(score) as score_sum,
        sum(gain_score) as gain_sum,
        sum(optimistic_score) as optimistic_sum
    from valued
    group by limit_name, facet_name, facet_value, model, question_task, sample_id

),

-- per curve, the cluster sums; with se_method `sample` no statistic needs them: null
cluster_sums as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        count(*) as cluster_count,
        sum(question_size * question_size) as cluster_size_sum,
        {%- for x in means %}
        sum(question_size * {{ x }}_sum) as cluster_size_{{ x }}_sum,
        sum({{ x }}_sum * {{ x }}_sum) as cluster_{{ x }}_square_sum{{ ',' if not loop.last }}
        {%- endfor %}
    from questions
    group by limit_name, facet_name, facet_value, model

    union all

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        cast(null as bigint) as cluster_count,
        cast(null as bigint) as cluster_size_sum,
        {%- for x in means %}
        cast(null as {{ type_double() }}) as cluster_size_{{ x }}_sum,
        cast(null as {{ type_double() }}) as cluster_{{ x }}_square_sum{{ ',' if not loop.last }}
        {%- endfor %}
    from curve_sums
    where not {{ clustered_chosen }}

),

curves as (

    select
        curve_sums.*,
        cluster_sums.cluster_count,
        cluster_sums.cluster_size_sum,
        {%- for x in means %}
        cluster_sums.cluster_size_{{ x }}_sum,
        cluster_sums.cluster_{{ x }}_square_sum{{ ',' if not loop.last }}
        {%- endfor %}
    from curve_sums
    inner join cluster_sums
        on {{ same_curve('curve_sums', 'cluster_sums') }}

),

-- Student's t with C - 1 degrees of freedom for the gain's band (clustered), one per
-- question count
critical_values as (

    {{ t_scores(ci_level(), 'curves', 'cluster_count - 1') }}

),

-- the z of the other bands and the methods (vars se_method, ci_method), computed once
critical_value as (

    select
        {{ z_score(ci_level()) }} as z,
        {{ is_clustered_sql() }} as is_clustered,
        {{ is_wilson_sql() }} as is_wilson

),

{%- set common = {
    'n': 'curves.sample_count',
    'cluster_count': 'curves.cluster_count',
    'cluster_size_sum': 'curves.cluster_size_sum',
} %}

measured as (

    select
        curves.limit_name,
        curves.facet_name,
        curves.facet_value,
        curves.model,
        curves.sample_count,
        curves.cluster_count,
        curves.cluster_size_sum,
        curves.final_limit_value,
        curves.censored_count,
        curves.is_unit_interval,
        critical_value.z,
        critical_value.is_clustered,
        critical_value.is_wilson,
        curves.score_sum / curves.sample_count as final_success_rate,
        curves.gain_sum / curves.sample_count as gain_last_doubling,
        curves.optimistic_sum / curves.sample_count as optimistic_rate,
        {%- for x, name in means.items() %}
        {{ standard_error_by_option_sql(dict(common, **{
            'score_sum': 'curves.' ~ x ~ '_sum',
            'score_square_sum': 'curves.' ~ x ~ '_square_sum',
            'cluster_size_score_sum': 'curves.cluster_size_' ~ x ~ '_sum',
            'cluster_square_sum': 'curves.cluster_' ~ x ~ '_square_sum',
        }), 'critical_value.is_clustered') }} as {{ name }}_standard_error,
        {%- endfor %}
        case
            when critical_value.is_clustered then critical_values.t_score
            else critical_value.z
        end as gain_critical_value
    from curves
    cross join critical_value
    left join critical_values
        on curves.cluster_count - 1 = critical_values.df

),

-- the Wilson band's effective sample size: n, or n / deff with clustered errors
effective as (

    select
        *,
        case
            when is_clustered
                then sample_count / {{ design_effect_sql('final_success_rate', 'final_standard_error', 'sample_count', 'cluster_size_sum') }}
            else sample_count
        end as final_sample_size,
        case
            when is_clustered
                then sample_count / {{ design_effect_sql('optimistic_rate', 'optimistic_standard_error', 'sample_count', 'cluster_size_sum') }}
            else sample_count
        end as optimistic_sample_size
    from measured

),

banded as (

    select
        *,
        gain_last_doubling - gain_critical_value * gain_standard_error as gain_lower,
        gain_last_doubling + gain_critical_value * gain_standard_error as gain_upper,
        {{ band_bound_by_option_sql(-1, 'final_success_rate', 'final_standard_error', 'final_sample_size', 'z', 'is_unit_interval', 'is_wilson') }} as final_lower,
        {{ band_bound_by_option_sql(1, 'final_success_rate', 'final_standard_error', 'final_sample_size', 'z', 'is_unit_interval', 'is_wilson') }} as final_upper,
        {{ band_bound_by_option_sql(-1, 'optimistic_rate', 'optimistic_standard_error', 'optimistic_sample_size', 'z', 'is_unit_interval', 'is_wilson') }} as optimistic_lower,
        {{ band_bound_by_option_sql(1, 'optimistic_rate', 'optimistic_standard_error', 'optimistic_sample_size', 'z', 'is_unit_interval', 'is_wilson') }} as optimistic_upper
    from effective

),

final as (

    select
        model,
        limit_name,
        facet_name,
        facet_value,
        cast(sample_count as bigint) as sample_count,
        cast(final_limit_value as {{ type_double() }}) as final_limit_value,
        cast(final_success_rate as {{ type_double() }}) as final_success_rate,
        cast(gain_last_doubling as {{ type_double() }}) as gain_last_doubling,
        cast(gain_standard_error as {{ type_double() }}) as gain_standard_error,
        -- a difference of two rates of scores in [0, 1] lies in [-1, 1]
        {{ clipped_sql('gain_lower', 'is_unit_interval', low=-1) }} as gain_ci_lower,
        {{ clipped_sql('gain_upper', 'is_unit_interval', low=-1) }} as gain_ci_upper,
        coalesce(gain_lower > 0, false) as is_still_rising,
        cast(censored_count as bigint) as censored_count,
        cast(final_success_rate as {{ type_double() }}) as rate_if_censored_fail,
        {{ clipped_sql('final_lower', 'is_unit_interval') }} as rate_if_censored_fail_lower,
        {{ clipped_sql('final_upper', 'is_unit_interval') }} as rate_if_censored_fail_upper,
        -- null where a score is outside [0, 1]: "at the score 1" is no bound there
        cast(case when is_unit_interval then optimistic_rate end as {{ type_double() }})
            as rate_if_censored_succeed,
        cast(case when is_unit_interval then {{ clipped_sql('optimistic_lower', 'true') }} end
            as {{ type_double() }}) as rate_if_censored_succeed_lower,
        cast(case when is_unit_interval then {{ clipped_sql('optimistic_upper', 'true') }} end
            as {{ type_double() }}) as rate_if_censored_succeed_upper,
        cast({{ ci_level() }} as {{ type_double() }}) as ci_level,
        case when is_clustered then 'clustered' else 'sample' end as se_method,
        {{ band_method_by_option_sql('is_unit_interval', 'is_wilson') }} as ci_method,
        cast(cluster_count as bigint) as cluster_count
    from banded

)

select * from final
