{#- The success curve at every value where it can move: one row per distinct sample
    value of each curve, the rate counting every sample with value <= it. No grid, so
    no jump is hidden between two thresholds. Same statistics as scores_by_limit. -#}
{%- set z = 'z' -%}

with

breakpoints as (

    select * from {{ ref('int_curves__breakpoints') }}

),

curves as (

    select * from {{ ref('int_curves') }}

),

running as (

    select
        curves.curve_id,
        breakpoints.limit_value,
        breakpoints.sample_count as step_sample_count,
        breakpoints.other_termination_weight_sum,
        row_number() over running_window - 1 as breakpoint_index,
        sum(breakpoints.score_sum) over running_window as score_sum_through,
        sum(breakpoints.score_square_sum) over running_window as score_square_sum_through,
        sum(breakpoints.other_termination_weight_sum) over running_window
            as other_termination_through,
        sum(breakpoints.cluster_size_score_sum) over running_window
            as cluster_size_score_sum_through,
        sum(breakpoints.cluster_square_sum) over running_window as cluster_square_sum_through
    from breakpoints
    inner join curves
        on {{ same_curve('breakpoints', 'curves') }}
    window running_window as (
        partition by curves.curve_id
        order by breakpoints.limit_value
        rows between unbounded preceding and current row
    )

),

critical_value as (

    -- the band's z, computed once: its expression (AS241) is long, and DuckDB takes
    -- longer to plan it at each use than to build the mart on a thousand samples;
    -- joined to each row here, so the band below reads one relation
    select
        {{ z_score(ci_level()) }} as z,
        -- the methods (vars se_method, ci_method), read once from the options row
        {{ is_clustered_sql() }} as is_clustered,
        {{ is_wilson_sql() }} as is_wilson

),

-- held on PostgreSQL, not folded into the band's step, where it evaluated the standard
-- error and the design effect anew at each of their many uses in the band
measured as {{ cte_materialized_on_postgres() }} (

    select
        critical_value.z,
        critical_value.is_clustered,
        critical_value.is_wilson,
        curves.limit_name,
        curves.facet_name,
        curves.facet_value,
        curves.model,
        running.limit_value,
        running.breakpoint_index,
        running.step_sample_count,
        curves.sample_count,
        curves.cluster_count,
        {{ curve_design_effect_sql('curves', 'critical_value.is_clustered') }} as design_effect,
        curves.eval_budget,
        curves.eval_budget_stop_count,
        curves.is_unit_interval,
        running.score_sum_through / curves.sample_count as success_rate,
        {{ curve_standard_error_sql('curves', 'running', 'critical_value.is_clustered') }} as standard_error,
        -- failed samples strictly below this value (rounding residue clamped at 0)
        greatest(running.other_termination_through - running.other_termination_weight_sum, 0)
            as other_termination_rate
    from running
    inner join curves
        on running.curve_id = curves.curve_id
    cross join critical_value

),

banded as (

    select
        *,
        {{ curve_band_columns_sql(z) }}
    from measured

),

final as (

    select
        model,
        limit_name,
        facet_name,
        facet_value,
        cast(limit_value as {{ type_double() }}) as limit_value,
        cast(breakpoint_index as integer) as breakpoint_index,
        cast(success_rate as {{ type_double() }}) as success_rate,
        cast(standard_error as {{ type_double() }}) as standard_error,
        cast({{ ci_level() }} as {{ type_double() }}) as ci_level,
        -- the band is clipped to [0, 1] where every score is within [0, 1]
        {{ clipped_band_columns_sql('band_lower', 'band_upper', 'is_unit_interval') }},
        cast(other_termination_rate as {{ type_double() }}) as other_termination_rate,
        cast(sample_count as bigint) as sample_count,
        cast(step_sample_count as bigint) as step_sample_count,
        cast(cluster_count as bigint) as cluster_count,
        case when is_clustered then 'clustered' else 'sample' end as se_method,
        ci_method,
        -- the eval's own budget: beyond it the curve is censored, not measured
        cast(eval_budget as {{ type_double() }}) as eval_budget,
        coalesce(limit_value > eval_budget, false) as is_beyond_eval_budget,
        cast(eval_budget_stop_count as bigint) as eval_budget_stop_count
    from banded

)

select * from final
