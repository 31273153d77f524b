{#- Warns (does not fail) for each model with samples that have no cost: no
    `total_cost` recorded and no row in seeds/model_prices.csv (or a cache price it
    needs left empty). Those samples are left out of the `cost` curve, never counted
    as free: add the model's prices to the seed. -#}
{{ config(severity='warn') }}

with

scored as (

    select * from {{ ref('int_samples__scored') }}

),

final as (

    select
        model,
        count(*) as samples_without_cost
    from scored
    where cost is null
    group by model

)

select * from final
