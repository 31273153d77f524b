{#- Join conditions on the keys of the project's grains: each the condition that two
    relations, aliased `left` and `right`, agree on the grain's key columns. -#}

{#- `left` and `right` agree on every one of `columns` (a non-empty list of names). -#}
{% macro same_key(left, right, columns) -%}
    {%- if columns is string or columns is not iterable or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("same_key: columns must be a non-empty list of column names, got '" ~ columns ~ "'") }}
    {%- endif -%}
    {%- for column in columns -%}
        {{ '\n    and ' if not loop.first }}{{ left }}.{{ column }} = {{ right }}.{{ column }}
    {%- endfor -%}
{%- endmacro %}

{#- A curve is one (limit_name, facet_name, facet_value, model). -#}
{% macro curve_key() -%}
    {{ return(['limit_name', 'facet_name', 'facet_value', 'model']) }}
{%- endmacro %}

{% macro same_curve(left, right) -%}
    {{ budgetcurves.same_key(left, right, budgetcurves.curve_key()) }}
{%- endmacro %}

{#- A sample is one (eval_id, sample_id, epoch), Inspect's identity. -#}
{% macro same_sample(left, right) -%}
    {{ budgetcurves.same_key(left, right, ['eval_id', 'sample_id', 'epoch']) }}
{%- endmacro %}

{#- A pair of models compared on one limit and facet value is one (limit_name,
    facet_name, facet_value, model_a, model_b). -#}
{% macro same_pair(left, right) -%}
    {{ budgetcurves.same_key(left, right, ['limit_name', 'facet_name', 'facet_value', 'model_a', 'model_b']) }}
{%- endmacro %}

{#- A question within one limit and facet value, asked of every model: one
    (limit_name, facet_name, facet_value, question_task, sample_id). -#}
{% macro same_question(left, right) -%}
    {{ budgetcurves.same_key(left, right, ['limit_name', 'facet_name', 'facet_value', 'question_task', 'sample_id']) }}
{%- endmacro %}
