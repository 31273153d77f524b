{#- `project_var('steps')` checked: a whole number from 2 to grid_max_steps() (README:
    past it a build takes minutes and the database grows by gigabytes). -#}
{% macro grid_steps() -%}
    {%- set steps = project_var('steps') -%}
    {%- if steps is string and steps | trim | int(-1) | string == steps | trim -%}
        {%- set steps = steps | trim | int -%}
    {%- endif -%}
    {%- if steps is not number or steps is boolean or steps != steps | int or steps < 2 or steps > grid_max_steps() -%}
        {{ exceptions.raise_compiler_error("var 'steps' must be a whole number from 2 to " ~ grid_max_steps() ~ ", got '" ~ steps ~ "'") }}
    {%- endif -%}
    {{ return(steps | int) }}
{%- endmacro %}

{#- The most thresholds per limit the var `steps` may ask for. -#}
{% macro grid_max_steps() -%}
    {{ return(10000) }}
{%- endmacro %}

{#- `project_var('scale')` checked: auto, log or linear. -#}
{% macro grid_scale() -%}
    {%- set scale = project_var('scale') | string | lower -%}
    {%- if scale not in ['auto', 'log', 'linear'] -%}
        {{ exceptions.raise_compiler_error("var 'scale' must be one of auto, log, linear, got '" ~ project_var('scale') ~ "'") }}
    {%- endif -%}
    {{ return(scale) }}
{%- endmacro %}

{#- The band's confidence level as SQL: the options row's (option_sql). -#}
{% macro ci_level() -%}
    {{ return(budgetcurves.option_sql('ci_level', ci_level_value())) }}
{%- endmacro %}

{#- `project_var('ci_level')` checked: a number strictly between 0 and 1. -#}
{% macro ci_level_value() -%}
    {%- set level = project_var('ci_level') -%}
    {%- if level is string -%}{%- set level = level | trim | float(-1) -%}{%- endif -%}
    {%- if level is not number or level is boolean or not (0 < level < 1) -%}
        {{ exceptions.raise_compiler_error("var 'ci_level' must be a number strictly between 0 and 1, got '" ~ project_var('ci_level') ~ "'") }}
    {%- endif -%}
    {{ return(level) }}
{%- endmacro %}
