{#- Join conditions on the keys of the project's grains. A curve is one (limit_name,
    facet_name, facet_value, model): the join condition of two relations holding
    curves, `left` and `right` their aliases. -#}
{% macro same_curve(left, right) -%}
    {{ left }}.limit_name = {{ right }}.limit_name
    and {{ left }}.facet_name = {{ right }}.facet_name
    and {{ left }}.facet_value = {{ right }}.facet_value
    and {{ left }}.model = {{ right }}.model
{%- endmacro %}

{#- A sample is one (eval_id, sample_id, epoch), Inspect's identity: the join
    condition of two relations holding samples. -#}
{% macro same_sample(left, right) -%}
    {{ left }}.eval_id = {{ right }}.eval_id
    and {{ left }}.sample_id = {{ right }}.sample_id
    and {{ left }}.epoch = {{ right }}.epoch
{%- endmacro %}

{#- A pair of models compared on one curve's questions is one (limit_name, facet_name,
    facet_value, model_a, model_b): the join condition of two relations holding pairs. -#}
{% macro same_pair(left, right) -%}
    {{ left }}.limit_name = {{ right }}.limit_name
    and {{ left }}.facet_name = {{ right }}.facet_name
    and {{ left }}.facet_value = {{ right }}.facet_value
    and {{ left }}.model_a = {{ right }}.model_a
    and {{ left }}.model_b = {{ right }}.model_b
{%- endmacro %}
