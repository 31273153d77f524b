{#- `project_var('estimator')` checked: naive (the reference's curve: a sample the
    eval stopped is a failure at every larger threshold) or cumulative_incidence
    (the Aalen-Johansen curve of scores_by_limit_cumulative_incidence, censoring
    each stopped sample at its eval's budget; docs/statistics.md). -#}
{% macro estimator() -%}
    {%- set name = project_var('estimator') | string | lower -%}
    {%- if name not in ['naive', 'cumulative_incidence'] -%}
        {{ exceptions.raise_compiler_error("var 'estimator' must be one of naive, cumulative_incidence, got '" ~ project_var('estimator') ~ "'") }}
    {%- endif -%}
    {{ return(name) }}
{%- endmacro %}
