{#- For each curve and target (var `reach_targets`), the smallest limit from which the
    success rate stays at or above the target up to the curve's end, read off the
    exact curve (scores_by_limit_exact), and the same for the band's ends: from where
    its upper end stays there (the most optimistic budget the band allows) and its
    lower end does (the most cautious). Not the first crossing: a rate that falls
    again (scores below 0; a band end, which need not be monotone) has not reached
    a target it loses with more budget.
    Two ordered passes, whatever the number of targets: a running minimum from each
    curve's end (its floor, which never falls as the limit grows), then each target
    placed among the floors it is compared with, as scores_by_limit places its
    thresholds among the sample values. -#}
{#- the targets (var `reach_targets`): on the compiled path the rows of
    int_options__reach_targets (macros/options.sql) -#}
{%- set targets = reach_targets() -%}
{#- rates are ratios of sums: a target equal to a rate may differ from it by rounding -#}
{%- set tolerance = '1e-9' -%}
{#- the three columns a target is searched in, each with the column its answer fills -#}
{%- set bounds = [
    {'id': 0, 'floor': 'success_rate_floor', 'answer': 'limit_value'},
    {'id': 1, 'floor': 'ci_upper_floor', 'answer': 'limit_value_low'},
    {'id': 2, 'floor': 'ci_lower_floor', 'answer': 'limit_value_high'},
] -%}

with

exact as (

    select * from {{ ref('scores_by_limit_exact') }}

),

curve_totals as (

    select * from {{ ref('int_curves') }}

),

-- at each breakpoint, the lowest rate and band ends from there to the curve's end: a
-- running minimum read from the end (one ordered pass), so a target is held from the
-- first breakpoint whose floor reaches it
floors as (

    select
        curve_totals.curve_id,
        exact.limit_value,
        min(exact.success_rate) over from_the_end as success_rate_floor,
        min(exact.ci_lower) over from_the_end as ci_lower_floor,
        min(exact.ci_upper) over from_the_end as ci_upper_floor
    from exact
    inner join curve_totals
        on {{ same_curve('exact', 'curve_totals') }}
    window from_the_end as (
        partition by curve_totals.curve_id
        order by exact.breakpoint_index desc
        rows between unbounded preceding and current row
    )

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

-- per curve and column searched, the floors and the targets in one stream: in
-- descending order of rate (a target after the floors equal to it), the running
-- minimum of the limit at a target is the smallest limit whose floor reaches it
stream as (

    {% for bound in bounds -%}
    select
        curve_id,
        {{ bound.id }} as bound_id,
        {{ bound.floor }} as rate,
        0 as is_target,
        cast(null as bigint) as target_id,
        limit_value
    from floors
    where {{ bound.floor }} is not null

    union all

    select
        curve_id,
        {{ bound.id }} as bound_id,
        target_rate - {{ tolerance }} as rate,
        1 as is_target,
        target_id,
        cast(null as {{ type_double() }}) as limit_value
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
        min(limit_value) over (
            partition by curve_id, bound_id
            order by rate desc, is_target asc
            rows between unbounded preceding and current row
        ) as limit_value
    from stream

),

reached as (

    select
        curve_id,
        target_id,
        {% for bound in bounds -%}
        min(case when bound_id = {{ bound.id }} then limit_value end) as {{ bound.answer }}
        {{- ',' if not loop.last }}
        {% endfor %}
    from searched
    where is_target = 1
    group by curve_id, target_id

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
