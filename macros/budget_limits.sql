{#- The limits the SQL is written for: the built-in ones, then the var `extra_limits`
    (columns of stg_inspect__samples). Which of them the curves are built for is data
    (int_options__limits, limit_is_chosen_sql) on the compiled path; elsewhere only the
    chosen ones. -#}
{% macro budget_limits() -%}
    {%- if budgetcurves.options_are_literals() -%}
        {{ return(chosen_budget_limits()) }}
    {%- endif -%}
    {{ return(builtin_budget_limits() + extra_limits()) }}
{%- endmacro %}

{#- The limits the curves are built for: each a numeric column of int_samples__scored.
    The built-in ones, then the var `extra_limits` (columns of stg_inspect__samples);
    only those the var `limits` names, when it names some. -#}
{% macro chosen_budget_limits() -%}
    {%- set available = builtin_budget_limits() + extra_limits() -%}
    {%- set chosen = project_var('limits') -%}
    {%- if chosen is none -%}{{ return(available) }}{%- endif -%}
    {%- if chosen is string -%}{%- set chosen = [chosen] -%}{%- endif -%}
    {%- if chosen is mapping or chosen is not iterable or chosen | length == 0 -%}
        {{ exceptions.raise_compiler_error("var 'limits' must be a non-empty list of limits (" ~ available | join(', ') ~ "), got '" ~ chosen ~ "'") }}
    {%- endif -%}
    {%- for name in chosen -%}
        {%- if name is not string or name | lower not in available -%}
            {{ exceptions.raise_compiler_error("var 'limits': '" ~ name ~ "' is not a limit; limits: " ~ available | join(', ')) }}
        {%- endif -%}
    {%- endfor -%}
    {%- set wanted = chosen | map('lower') | list -%}
    {{ return(available | select('in', wanted) | list) }}
{%- endmacro %}

{% macro builtin_budget_limits() -%}
    {{ return(['total_tokens', 'total_time', 'working_time', 'message_count', 'cost']) }}
{%- endmacro %}

{#- `project_var('extra_limits')` checked: a list of column names of stg_inspect__samples that
    are not built-in limits already. -#}
{% macro extra_limits() -%}
    {%- set extra = project_var('extra_limits') -%}
    {%- if extra is none -%}{{ return([]) }}{%- endif -%}
    {%- if extra is string -%}{%- set extra = [extra] -%}{%- endif -%}
    {%- if extra is mapping or extra is not iterable -%}
        {{ exceptions.raise_compiler_error("var 'extra_limits' must be a list of sample column names, got '" ~ extra ~ "'") }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- for name in extra -%}
        {%- if name is not string or not modules.re.fullmatch('[A-Za-z_][A-Za-z0-9_]*', name) -%}
            {{ exceptions.raise_compiler_error("var 'extra_limits': '" ~ name ~ "' is not a column name") }}
        {%- endif -%}
        {%- if name | lower in builtin_budget_limits() or name | lower in names -%}
            {{ exceptions.raise_compiler_error("var 'extra_limits': '" ~ name ~ "' is already a limit") }}
        {%- endif -%}
        {%- do names.append(name | lower) -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{#- Fail at run time, naming the var, when an extra limit is not a numeric column of
    `relation` (the staged samples). -#}
{% macro check_extra_limits(relation) -%}
    {%- if execute and extra_limits() -%}
        {%- set types = {} -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do types.update({column.name | lower: column}) -%}
        {%- endfor -%}
        {%- for name in extra_limits() -%}
            {%- if name not in types -%}
                {{ exceptions.raise_compiler_error("var 'extra_limits': '" ~ name ~ "' is not a column of " ~ relation ~ " (columns: " ~ types.keys() | list | sort | join(', ') ~ ")") }}
            {%- elif not types[name].is_numeric() and not types[name].is_float() and not types[name].is_integer() -%}
                {{ exceptions.raise_compiler_error("var 'extra_limits': '" ~ name ~ "' is not numeric (" ~ types[name].data_type ~ ")") }}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}

{#- What the eval's own budget for a limit is, in the limit's unit: the eval config's
    column (int_samples__scored) and the sample `limit.type` that stopping on it records.
    `token_limit` meters every token unless its type says otherwise ("output", a formula):
    only an all-token budget is a budget on `total_tokens`. -#}
{% macro eval_budget_sql(limit_name) -%}
    {%- set budgets = {
        'total_tokens': "case when coalesce(eval_token_limit_type, 'all') = 'all' then eval_token_limit end",
        'total_time': 'eval_time_limit',
        'working_time': 'eval_working_limit',
        'message_count': 'eval_message_limit',
        'cost': 'eval_cost_limit',
    } -%}
    {{ return(budgets.get(limit_name, 'null')) }}
{%- endmacro %}

{% macro sample_limit_type(limit_name) -%}
    {%- set types = {
        'total_tokens': 'token',
        'total_time': 'time',
        'working_time': 'working',
        'message_count': 'message',
        'cost': 'cost',
    } -%}
    {{ return(types.get(limit_name)) }}
{%- endmacro %}

{#- The kept statuses for `log_status in (...)`: a query of int_options__statuses on
    the compiled path, else the literals (statuses_list_sql). -#}
{% macro statuses_sql() -%}
    {%- if budgetcurves.options_are_literals() -%}
        {{ return(statuses_list_sql()) }}
    {%- endif -%}
    select status from {{ ref('int_options__statuses') }}
{%- endmacro %}

{#- `project_var('statuses')` checked and rendered as a SQL list of string literals. -#}
{% macro statuses_list_sql() -%}
    {%- set statuses = project_var('statuses') -%}
    {%- if statuses is string -%}{%- set statuses = [statuses] -%}{%- endif -%}
    {%- if statuses is mapping or statuses is not iterable or statuses | length == 0
        or statuses | reject('string') | list or not statuses | map('trim') | select | list | length == statuses | length -%}
        {{ exceptions.raise_compiler_error("var 'statuses' must be a non-empty list of log statuses (strings), got '" ~ statuses ~ "'") }}
    {%- endif -%}
    {%- for status in statuses -%}
        {{ budgetcurves.sql_string(status) }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- `project_var('where')` checked: null, or a SQL condition on the columns of
    stg_inspect__samples (one expression: no `;`). -#}
{% macro samples_where() -%}
    {%- set where = project_var('where') -%}
    {%- if where is none -%}{{ return(none) }}{%- endif -%}
    {%- if where is not string or not where | trim or ';' in where -%}
        {{ exceptions.raise_compiler_error("var 'where' must be one SQL condition on sample columns (no ';'), got '" ~ where ~ "'") }}
    {%- endif -%}
    {{ return(where | trim) }}
{%- endmacro %}
