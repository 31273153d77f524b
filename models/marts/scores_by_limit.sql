{#- Success rate as a function of a resource limit, per model (and facet), on
    each limit's shared grid, with standard error and a band. With the default vars
    (se_method sample, ci_method normal) the semantics of
    inspect_viz.view.scores_by_limit_df (see the README); docs/statistics.md has the rest. -#}
{%- set z = 'z' -%}

with

breakpoints as (

    select * from {{ ref('int_curves__breakpoints') }}

),

grids as (

    select * from {{ ref('int_limit_grids') }}

),

curves as (

    select * from {{ ref('int_curves') }}

),

error_counts as (

    select * from {{ ref('int_curves__error_counts') }}

),

keyed_breakpoints as (

    select
        curves.curve_id,
        breakpoints.limit_value,
        breakpoints.score_sum,
        breakpoints.score_square_sum,
        breakpoints.other_termination_weight_sum as other_termination,
        breakpoints.cluster_size_score_sum,
        breakpoints.cluster_square_sum
    from breakpoints
    inner join curves
        on {{ same_curve('breakpoints', 'curves') }}

),

thresholds as (

    select
        curves.curve_id,
        grids.step_index,
        grids.limit_value,
        grids.limit_scale
    from curves
    inner join grids
        on curves.limit_name = grids.limit_name

),

-- sample values and thresholds in one ordered stream, each threshold twice: after
-- the values equal to it, the sums of every sample with value <= threshold; before
-- them, the failed samples strictly below it (those exactly at it are not)
{{ running_sums_at_thresholds(
    'keyed_breakpoints',
    'thresholds',
    ['curve_id'],
    through=['score_sum', 'score_square_sum', 'cluster_size_score_sum', 'cluster_square_sum'],
    below=['other_termination'],
) }},

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

measured as (

    select
        critical_value.z,
        critical_value.is_clustered,
        critical_value.is_wilson,
        curves.limit_name,
        curves.facet_name,
        curves.facet_value,
        curves.model,
        thresholds.step_index,
        thresholds.limit_value,
        thresholds.limit_scale,
        curves.sample_count,
        curves.cluster_count,
        {{ curve_design_effect_sql('curves', 'critical_value.is_clustered') }} as design_effect,
        curves.eval_budget,
        curves.eval_budget_stop_count,
        curves.log,
        coalesce(error_counts.error_count, 0) as error_count,
        curves.is_unit_interval,
        at_thresholds.score_sum_through / curves.sample_count as success_rate,
        {{ curve_standard_error_sql('curves', 'at_thresholds', 'critical_value.is_clustered') }} as standard_error,
        -- a running sum of non-negative weights: never below zero
        at_thresholds.other_termination_below as other_termination_rate
    from thresholds
    inner join curves
        on thresholds.curve_id = curves.curve_id
    inner join at_thresholds
        on
            thresholds.curve_id = at_thresholds.curve_id
            and thresholds.step_index = at_thresholds.step_index
    left join error_counts
        on {{ same_curve('curves', 'error_counts') }}
    cross join critical_value

),

banded as (

    select
        *,
        {{ ci_level() }} as ci_level,
        {{ curve_band_columns_sql(z) }}
    from measured

),

final as (

    select
        model,
        limit_name,
        cast(limit_value as {{ type_double() }}) as limit_value,
        cast(step_index as integer) as step_index,
        facet_name,
        facet_value,
        cast(success_rate as {{ type_double() }}) as success_rate,
        cast(standard_error as {{ type_double() }}) as standard_error,
        cast(ci_level as {{ type_double() }}) as ci_level,
        -- the band is clipped to [0, 1] where every score is within [0, 1]
        {{ clipped_band_columns_sql('band_lower', 'band_upper', 'is_unit_interval') }},
        cast(other_termination_rate as {{ type_double() }}) as other_termination_rate,
        cast(sample_count as bigint) as sample_count,
        cast(error_count as bigint) as error_count,
        limit_scale,
        log,
        -- how the standard error and band were made (docs/statistics.md)
        case when is_clustered then 'clustered' else 'sample' end as se_method,
        ci_method,
        cast(cluster_count as bigint) as cluster_count,
        -- the eval's own budget: beyond it the curve is censored, not measured
        cast(eval_budget as {{ type_double() }}) as eval_budget,
        coalesce(limit_value > eval_budget, false) as is_beyond_eval_budget,
        cast(eval_budget_stop_count as bigint) as eval_budget_stop_count
    from banded

)

select * from final
