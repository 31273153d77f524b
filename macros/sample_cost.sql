{#- A sample's cost in USD and where it came from, as SQL expressions over a relation
    of staged samples (`samples`) left joined to the seed model_prices (`prices`):
    Inspect's own `model_usage[model].total_cost` where it recorded one (`recorded`),
    else the evaluated model's token counts x the prices (`priced`), else null (no
    price, or a token count the price needs is missing): never a made-up zero.
    int_samples__kept computes `priced_cost_sql` once, as a column, and derives the
    rest from it. -#}

{#- inspect_ai counts cache reads and writes outside `input_tokens` (every provider
    since 0.3.18x); older OpenAI-style logs counted them inside it, which shows as
    input + output = total although cached tokens were reported. -#}
{% macro is_cache_in_input_tokens_sql(samples) -%}
    (
        coalesce({{ samples }}.cache_read_tokens, 0) + coalesce({{ samples }}.cache_write_tokens, 0) > 0
        and {{ samples }}.input_tokens + {{ samples }}.output_tokens = {{ samples }}.total_tokens
    )
{%- endmacro %}

{% macro priced_cost_sql(samples, prices) -%}
    {%- set cache_read = 'coalesce(' ~ samples ~ '.cache_read_tokens, 0)' -%}
    {%- set cache_write = 'coalesce(' ~ samples ~ '.cache_write_tokens, 0)' -%}
    (
        case
            when {{ is_cache_in_input_tokens_sql(samples) }}
                then {{ samples }}.input_tokens - {{ cache_read }} - {{ cache_write }}
            else {{ samples }}.input_tokens
        end * {{ prices }}.input_per_mtok
        + {{ samples }}.output_tokens * {{ prices }}.output_per_mtok
        -- a price left empty in the seed is only needed where there are such tokens
        + case
            when {{ cache_read }} = 0 then 0
            else {{ cache_read }} * {{ prices }}.cache_read_per_mtok
        end
        + case
            when {{ cache_write }} = 0 then 0
            else {{ cache_write }} * {{ prices }}.cache_write_per_mtok
        end
    ) / 1000000.0
{%- endmacro %}

{#- The cost, and where it came from, from the recorded cost and the priced cost (the
    columns `recorded` and `priced`, so the price expression is computed once). -#}
{% macro sample_cost_sql(recorded, priced) -%}
    cast(coalesce({{ recorded }}, {{ priced }}) as {{ type_double() }})
{%- endmacro %}

{% macro sample_cost_source_sql(recorded, priced) -%}
    case
        when {{ recorded }} is not null then 'recorded'
        when {{ priced }} is not null then 'priced'
    end
{%- endmacro %}
