{#- `project_var('reach_targets')` checked: a mapping with `relative` (fractions in (0, 1] of
    a curve's final success rate) and/or `absolute` (success rates > 0), each a list
    of numbers. Returns a list of {kind, value}. -#}
{% macro reach_targets() -%}
    {%- set targets = project_var('reach_targets') -%}
    {%- if targets is not mapping or not targets or (targets.keys() | list | reject('in', ['relative', 'absolute']) | list) -%}
        {{ exceptions.raise_compiler_error("var 'reach_targets' must be a mapping with lists `relative` and/or `absolute`, got '" ~ targets ~ "'") }}
    {%- endif -%}
    {%- set result = [] -%}
    {%- for kind in ['relative', 'absolute'] if kind in targets -%}
        {%- set values = targets[kind] -%}
        {%- if values is number -%}{%- set values = [values] -%}{%- endif -%}
        {%- if values is string or values is mapping or values is not iterable -%}
            {{ exceptions.raise_compiler_error("var 'reach_targets': `" ~ kind ~ "` must be a list of numbers, got '" ~ values ~ "'") }}
        {%- endif -%}
        {%- for value in values -%}
            {%- if value is not number or value is boolean or value <= 0 or (kind == 'relative' and value > 1) -%}
                {{ exceptions.raise_compiler_error("var 'reach_targets': " ~ kind ~ " target '" ~ value ~ "' must be a number in " ~ ('(0, 1]' if kind == 'relative' else '(0, inf)')) }}
            {%- endif -%}
            {%- do result.append({'kind': kind, 'value': value}) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not result -%}
        {{ exceptions.raise_compiler_error("var 'reach_targets' names no target") }}
    {%- endif -%}
    {{ return(result) }}
{%- endmacro %}
