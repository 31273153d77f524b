{#- One grid per limit: every model and facet of the mart has, at a limit's step,
    the same threshold and scale as the limit's grid, and the grid's thresholds
    rise with the step. -#}

with

mart as (

    select * from {{ ref('scores_by_limit') }}

),

grids as (

    select * from {{ ref('int_limit_grids') }}

),

off_grid as (

    select
        mart.limit_name,
        mart.step_index,
        'differs from the grid' as problem
    from mart
    left join grids
        on
            mart.limit_name = grids.limit_name
            and mart.step_index = grids.step_index
    where
        grids.limit_name is null
        or mart.limit_value <> grids.limit_value
        or mart.limit_scale <> grids.limit_scale

),

not_rising as (

    select
        limit_name,
        step_index,
        'not above the previous step' as problem
    from (
        select
            limit_name,
            step_index,
            limit_value,
            lag(limit_value) over (partition by limit_name order by step_index) as previous_value
        from grids
    ) as stepped
    where limit_value <= previous_value

),

final as (

    select * from off_grid
    union all
    select * from not_rising

)

select * from final
