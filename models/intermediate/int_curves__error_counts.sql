{#- One row per curve (limit, facet, model) with samples that ended in an error and
    have no score: they are left out of the curves (int_samples__scored keeps scored
    samples only) and counted here, where they would have been, so a model that
    crashes on hard questions cannot look better than it is. Only the samples the
    curves would consider count (int_samples__kept: a kept status, the var `where`),
    in each limit they have a value for and in their value of each faceting (var
    `facet`) as well as `all`. -#}
{%- set facet_list = facets() -%}

with

kept as (

    select * from {{ ref('int_samples__kept') }}

),

scored as (

    select * from {{ ref('int_samples__scored') }}

),

-- the errored samples without a score (an anti join: the errored samples probe the
-- scored ones); on Spark both sides shuffled, never the scored samples broadcast
unscored as (

    select {{ shuffle_join_hint(['kept', 'scored']) }}
        kept.*
    from kept
    left join scored
        on {{ same_sample('scored', 'kept') }}
    where kept.is_errored and scored.eval_id is null

),

-- each unscored sample in every curve it would have been in
in_curves as (

    {% for limit_name in budget_limits() -%}
    {%- set outer = loop -%}
    {%- for facet in [none] + facet_list -%}
    select
        '{{ limit_name }}' as limit_name,
        {{ facet_name_and_value_sql(facet) }},
        model
    from unscored
    where {{ limit_name }} is not null
    {% if not (loop.last and outer.last) %}union all
    {% endif -%}
    {%- endfor %}
    {%- endfor %}

),

final as (

    select
        limit_name,
        facet_name,
        facet_value,
        model,
        cast(count(*) as bigint) as error_count
    from in_curves
    group by limit_name, facet_name, facet_value, model

)

select * from final
