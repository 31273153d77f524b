{#- The sample columns a facet may name (each a column of int_samples__scored). -#}
{% macro facet_columns() -%}
    {{ return(['task_name', 'task_id', 'eval_set_id', 'run_id', 'epoch', 'log']) }}
{%- endmacro %}

{#- `project_var('facet')` checked: null (no facet), or one or a list of groupings, each a
    column of `facet_columns()` or `metadata.<key>[.<key>...]` (a field of the
    sample's metadata). Returns a list of {name, path}: path is the metadata key
    path, or none for a column. -#}
{% macro facets() -%}
    {%- set facet = project_var('facet') -%}
    {%- if facet is none -%}{{ return([]) }}{%- endif -%}
    {%- if facet is string -%}{%- set facet = [facet] -%}{%- endif -%}
    {%- if facet is mapping or facet is not iterable -%}
        {{ exceptions.raise_compiler_error("var 'facet' must be a grouping name or a list of them, got '" ~ facet ~ "'") }}
    {%- endif -%}
    {%- set result = [] -%}
    {%- set seen = [] -%}
    {%- for name in facet -%}
        {%- if name is not string -%}
            {{ exceptions.raise_compiler_error("var 'facet': '" ~ name ~ "' is not a grouping name") }}
        {%- elif name in facet_columns() -%}
            {%- do result.append({'name': name, 'path': none}) -%}
        {%- elif modules.re.fullmatch('metadata([.][A-Za-z0-9_-]+)+', name) -%}
            {%- do result.append({'name': name, 'path': name.split('.')[1:]}) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error("var 'facet': '" ~ name ~ "' is not one of " ~ facet_columns() | join(', ') ~ " or metadata.<key>") }}
        {%- endif -%}
        {%- if name in seen -%}
            {{ exceptions.raise_compiler_error("var 'facet': '" ~ name ~ "' is named twice") }}
        {%- endif -%}
        {%- do seen.append(name) -%}
    {%- endfor -%}
    {{ return(result) }}
{%- endmacro %}

{#- A facet's value for a sample of int_samples__scored, as text; `(missing)` where a
    sample has none, so the facet's curves split the model's samples exactly. -#}
{% macro facet_value_sql(facet) -%}
    {%- if facet.path is none -%}
        {%- set value = 'cast(' ~ facet.name ~ ' as ' ~ dbt.type_string() ~ ')' -%}
    {%- else -%}
        {%- set value = budgetcurves.json_extract_text('metadata', facet.path) -%}
    {%- endif -%}
    coalesce({{ value }}, '(missing)')
{%- endmacro %}

{#- The columns facet_name and facet_value of a sample for `facet` (an item of
    `facets()`), or `all` and `all` for none: the curves a sample belongs to. -#}
{% macro facet_name_and_value_sql(facet) -%}
    {%- if facet is none -%}
        'all' as facet_name,
        'all' as facet_value
    {%- else -%}
        {{ sql_string(facet.name) }} as facet_name,
        {{ facet_value_sql(facet) }} as facet_value
    {%- endif -%}
{%- endmacro %}
