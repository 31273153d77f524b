{#- For each curve and target (var `reach_targets`), the smallest limit from which the
    success rate stays at or above the target up to the curve's end, read off the
    exact curve (scores_by_limit_exact), and the same for the band's ends: from where
    its upper end stays there (the most optimistic budget the band allows) and its
    lower end does (the most cautious). Not the first crossing: a rate that falls
    again (scores below 0; a band end, which need not be monotone) has not reached
    a target it loses with more budget. -#}
{%- set targets = reach_targets() -%}
{#- rates are ratios of sums: a target equal to a rate may differ from it by rounding -#}
{%- set tolerance = '1e-9' -%}

with

exact as (

    select * from {{ ref('scores_by_limit_exact') }}

),

curve_totals as (

    select * from {{ ref('int_curves') }}

),

-- at each breakpoint, the lowest rate and band ends from there to the curve's end: a
-- target is held from the first breakpoint whose floor reaches it
floors as (

    select
        model,
        limit_name,
        facet_name,
        facet_value,
        limit_value,
        min(success_rate) over rest_of_curve as success_rate_floor,
        min(ci_lower) over rest_of_curve as ci_lower_floor,
        min(ci_upper) over rest_of_curve as ci_upper_floor
    from exact
    window rest_of_curve as (
        partition by model, limit_name, facet_name, facet_value
        order by limit_value
        rows between current row and unbounded following
    )

),

targets as (

    {% for target in targets -%}
    select
        '{{ target.kind }}' as target_kind,
        cast({{ target.value }} as {{ type_double() }}) as target_fraction
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

-- each curve's end, its last breakpoint: the final success rate
curves as (

    select
        exact.model,
        exact.limit_name,
        exact.facet_name,
        exact.facet_value,
        exact.sample_count,
        exact.eval_budget,
        exact.success_rate as final_success_rate
    from exact
    inner join curve_totals
        on
            {{ same_curve('exact', 'curve_totals') }}
            and exact.breakpoint_index = curve_totals.breakpoint_count - 1

),

curve_targets as (

    select
        curves.model,
        curves.limit_name,
        curves.facet_name,
        curves.facet_value,
        curves.sample_count,
        curves.eval_budget,
        curves.final_success_rate,
        targets.target_kind,
        targets.target_fraction,
        case
            when targets.target_kind = 'absolute' then targets.target_fraction
            -- a fraction of nothing is no target
            when curves.final_success_rate > 0
                then targets.target_fraction * curves.final_success_rate
        end as target_rate
    from curves
    cross join targets

),

reached as (

    select
        curve_targets.model,
        curve_targets.limit_name,
        curve_targets.facet_name,
        curve_targets.facet_value,
        curve_targets.target_kind,
        curve_targets.target_fraction,
        curve_targets.target_rate,
        curve_targets.final_success_rate,
        curve_targets.sample_count,
        curve_targets.eval_budget,
        min(case
            when floors.success_rate_floor >= curve_targets.target_rate - {{ tolerance }}
                then floors.limit_value
        end) as limit_value,
        min(case
            when floors.ci_upper_floor >= curve_targets.target_rate - {{ tolerance }}
                then floors.limit_value
        end) as limit_value_low,
        min(case
            when floors.ci_lower_floor >= curve_targets.target_rate - {{ tolerance }}
                then floors.limit_value
        end) as limit_value_high
    from curve_targets
    inner join floors
        on {{ same_curve('curve_targets', 'floors') }}
    group by
        curve_targets.model,
        curve_targets.limit_name,
        curve_targets.facet_name,
        curve_targets.facet_value,
        curve_targets.target_kind,
        curve_targets.target_fraction,
        curve_targets.target_rate,
        curve_targets.final_success_rate,
        curve_targets.sample_count,
        curve_targets.eval_budget

),

final as (

    select
        model,
        limit_name,
        facet_name,
        facet_value,
        target_kind,
        cast(target_fraction as {{ type_double() }}) as target_fraction,
        cast(target_rate as {{ type_double() }}) as target_rate,
        cast(final_success_rate as {{ type_double() }}) as final_success_rate,
        cast(limit_value as {{ type_double() }}) as limit_value,
        limit_value is not null as is_reached,
        cast(limit_value_low as {{ type_double() }}) as limit_value_low,
        cast(limit_value_high as {{ type_double() }}) as limit_value_high,
        cast(sample_count as bigint) as sample_count,
        cast(eval_budget as {{ type_double() }}) as eval_budget
    from reached

)

select * from final
