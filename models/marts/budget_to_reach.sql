{#- For each curve and target (var `reach_targets`), the smallest limit from which the
    success rate stays at or above the target up to the curve's end, read off the
    exact curve (scores_by_limit_exact), and the same for the band's ends: from where
    its upper end stays there (the most optimistic budget the band allows) and its
    lower end does (the most cautious). Not the first crossing: a rate that falls
    again (scores below 0; a band end, which need not be monotone) has not reached
    a target it loses with more budget.
    So the answer is the breakpoint after the last one that falls short of the
    target. One ordered pass finds it, whatever the number of targets: each target
    placed among the curve's values in ascending order, as scores_by_limit places
    its thresholds among the sample values, where the running maximum of the
    breakpoint index is the last breakpoint below it. -#}
{#- the targets (var `reach_targets`): on the compiled path the rows of
    int_options__reach_targets (macros/options.sql) -#}
{%- set targets = reach_targets() -%}
{#- rates are ratios of sums: a target equal to a rate may differ from it by rounding -#}
{%- set tolerance = '1e-9' -%}
{#- the three columns a target is searched in, each with the column its answer fills -#}
{%- set bounds = [
    {'id': 0, 'column': 'success_rate', 'answer': 'limit_value'},
    {'id': 1, 'column': 'ci_upper', 'answer': 'limit_value_low'},
    {'id': 2, 'column': 'ci_lower', 'answer': 'limit_value_high'},
] -%}

with

exact as (

    select * from {{ ref('scores_by_limit_exact') }}

),

curve_totals as (

    select * from {{ ref('int_curves') }}

),

-- each breakpoint, keyed by its curve's integer id. Every breakpoint has its curve: a
-- left join, whose rows PostgreSQL counts as at least the breakpoints (the inner join
-- on the four text columns it estimated at 1 row, then joined the answers back to this
-- step by a nested loop that read all of it once per answer: 22 s at 1e6 samples)
rates as (

    select
        curve_totals.curve_id,
        exact.breakpoint_index,
        exact.limit_value,
        exact.success_rate,
        exact.ci_lower,
        exact.ci_upper
    from exact
    left join curve_totals
        on {{ same_curve('exact', 'curve_totals') }}

),

-- per curve, the last breakpoint where each column searched has a value (a band end
-- can be null): a target is held only up to a breakpoint that has one
last_measured as (

    select
        curve_id,
        {% for bound in bounds -%}
        max(case when {{ bound.column }} is not null then breakpoint_index end)
            as last_{{ bound.column }}_index
        {{- ',' if not loop.last }}
        {% endfor %}
    from rates
    group by curve_id

),

targets as (

    {% if options_are_literals() -%}
    {% for target in targets -%}
    select
        '{{ target.kind }}' as target_kind,
        cast({{ target.value }} as {{ type_double() }}) as target_fraction
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}
    {%- else -%}
    select
        target_kind,
        target_fraction
    from {{ ref('int_options__reach_targets') }}
    {%- endif %}

),

-- an integer key for each target, for the ordered stream below
numbered_targets as (

    select
        target_kind,
        target_fraction,
        row_number() over (order by target_kind, target_fraction) as target_id
    from targets

),

-- each curve's end, its last breakpoint: the final success rate
curves as (

    select
        curve_totals.curve_id,
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
        curves.curve_id,
        curves.model,
        curves.limit_name,
        curves.facet_name,
        curves.facet_value,
        curves.sample_count,
        curves.eval_budget,
        curves.final_success_rate,
        numbered_targets.target_id,
        numbered_targets.target_kind,
        numbered_targets.target_fraction,
        case
            when numbered_targets.target_kind = 'absolute' then numbered_targets.target_fraction
            -- a fraction of nothing is no target
            when curves.final_success_rate > 0
                then numbered_targets.target_fraction * curves.final_success_rate
        end as target_rate
    from curves
    cross join numbered_targets

),

-- per curve and column searched, the values and the targets in one stream: in
-- ascending order of rate (a target before the values equal to it), the running
-- maximum of the breakpoint index at a target is the last breakpoint below it
stream as (

    {% for bound in bounds -%}
    select
        curve_id,
        {{ bound.id }} as bound_id,
        {{ bound.column }} as rate,
        0 as is_target,
        cast(null as bigint) as target_id,
        breakpoint_index
    from rates
    where {{ bound.column }} is not null

    union all

    select
        curve_id,
        {{ bound.id }} as bound_id,
        target_rate - {{ tolerance }} as rate,
        1 as is_target,
        target_id,
        cast(null as integer) as breakpoint_index
    from curve_targets
    where target_rate is not null

    {% if not loop.last %}union all

    {% endif -%}
    {%- endfor %}
),

searched as (

    select
        curve_id,
        bound_id,
        is_target,
        target_id,
        max(breakpoint_index) over (
            partition by curve_id, bound_id
            order by rate asc, is_target desc
            rows between unbounded preceding and current row
        ) as last_below_index
    from stream

),

-- the target is held from the breakpoint after the last one below it (the first,
-- when none is), if that breakpoint is at or before the column's last value
held as (

    select
        searched.curve_id,
        searched.bound_id,
        searched.target_id,
        coalesce(searched.last_below_index, -1) + 1 as held_index
    from searched
    inner join last_measured
        on searched.curve_id = last_measured.curve_id
    where
        searched.is_target = 1
        and coalesce(searched.last_below_index, -1) + 1 <= case searched.bound_id
            {% for bound in bounds -%}
            when {{ bound.id }} then last_measured.last_{{ bound.column }}_index
            {% endfor -%}
        end

),

reached as (

    select {{ shuffle_join_hint(['held', 'rates']) }}
        held.curve_id,
        held.target_id,
        {% for bound in bounds -%}
        min(case when held.bound_id = {{ bound.id }} then rates.limit_value end)
            as {{ bound.answer }}
        {{- ',' if not loop.last }}
        {% endfor %}
    from held
    inner join rates
        on
            held.curve_id = rates.curve_id
            and held.held_index = rates.breakpoint_index
    group by held.curve_id, held.target_id

),

final as (

    select
        curve_targets.model,
        curve_targets.limit_name,
        curve_targets.facet_name,
        curve_targets.facet_value,
        curve_targets.target_kind,
        cast(curve_targets.target_fraction as {{ type_double() }}) as target_fraction,
        cast(curve_targets.target_rate as {{ type_double() }}) as target_rate,
        cast(curve_targets.final_success_rate as {{ type_double() }}) as final_success_rate,
        cast(reached.limit_value as {{ type_double() }}) as limit_value,
        reached.limit_value is not null as is_reached,
        cast(reached.limit_value_low as {{ type_double() }}) as limit_value_low,
        cast(reached.limit_value_high as {{ type_double() }}) as limit_value_high,
        cast(curve_targets.sample_count as bigint) as sample_count,
        cast(curve_targets.eval_budget as {{ type_double() }}) as eval_budget
    from curve_targets
    left join reached
        on
            curve_targets.curve_id = reached.curve_id
            and curve_targets.target_id = reached.target_id

)

select * from final
