{#- One grid per limit, shared by every model and facet so curves are comparable:
    `steps` thresholds from the smallest to the largest value of any sample,
    geometric on a log scale, evenly spaced on a linear one. The first and last
    thresholds are exactly the minimum and maximum. -#}
{%- set steps = option_sql('steps', grid_steps()) -%}
{%- set scale = option_sql('scale', grid_scale()) -%}

with

-- every sample is in the facet `all` once: its distinct values are every sample's
breakpoints as (

    select * from {{ ref('int_curves__breakpoints') }}
    where facet_name = 'all'

),

bounds as (

    select
        limit_name,
        min(limit_value) as min_value,
        max(limit_value) as max_value,
        min(case when limit_value > 0 then limit_value end) as min_positive_value
    from breakpoints
    group by limit_name

),

scaled as (

    select
        limit_name,
        max_value,
        case
            -- a log axis needs a positive maximum
            when max_value <= 0 then 'linear'
            when {{ scale }} != 'auto' then {{ scale }}
            -- auto, as the reference: log when max / min >= 100 (a zero minimum counts
            -- as an infinite ratio, which is where the reference divides by zero;
            -- nullif, as PostgreSQL and Spark raise on a division by zero)
            when min_value < 0 then 'linear'
            when min_value = 0 or max_value / nullif(min_value, 0) >= 100 then 'log'
            else 'linear'
        end as limit_scale,
        min_value,
        min_positive_value
    from bounds

),

ranged as (

    select
        limit_name,
        limit_scale,
        -- on a log grid, zero-valued samples count as within every limit
        case when limit_scale = 'log' then min_positive_value else min_value end as low_value,
        max_value as high_value
    from scaled

),

steps as (

    -- the first `steps` of a series as long as steps may be: the SQL is the same
    -- for every value
    select step_index
    from ({{ integer_series(grid_steps() if options_are_literals() else grid_max_steps()) }}) as series
    where step_index < {{ steps }}

),

grid as (

    select
        ranged.limit_name,
        ranged.limit_scale,
        steps.step_index,
        case
            when steps.step_index = 0 then ranged.low_value
            when steps.step_index = ({{ steps }} - 1) then ranged.high_value
            when ranged.limit_scale = 'log'
                then power(
                    10.0,
                    {{ log10('ranged.low_value') }}
                    + steps.step_index
                    * (({{ log10('ranged.high_value') }} - {{ log10('ranged.low_value') }}) / ({{ steps }} - 1))
                )
            else
                ranged.low_value
                + steps.step_index * ((ranged.high_value - ranged.low_value) / ({{ steps }} - 1))
        end as threshold
    from ranged
    cross join steps
    -- a degenerate range (every sample has the same value) is one threshold
    where ranged.low_value < ranged.high_value or steps.step_index = 0

),

final as (

    select
        limit_name,
        step_index,
        cast(threshold as {{ type_double() }}) as limit_value,
        limit_scale
    from grid

)

select * from final
