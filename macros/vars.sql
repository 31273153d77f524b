{#- The project's vars and their defaults, as dbt_project.yml declares them (with
    comments there); python/tests/macros/test_vars.py keeps the two equal. The unit
    tests read their vars from here (project_var). -#}
{% macro var_defaults() -%}
    {{ return({
        'steps': 100,
        'scale': 'auto',
        'ci_level': 0.95,
        'scorer': none,
        'score_key': none,
        'statuses': ['success'],
        'inspect_logs': none,
        'extra_limits': [],
        'limits': none,
        'facet': none,
        'where': none,
        'se_method': 'sample',
        'ci_method': 'normal',
        'reach_targets': {'relative': [0.25, 0.5, 0.75], 'absolute': [0.5, 0.8]},
        'paired_differences': false,
        'estimator': 'naive',
    }) }}
{%- endmacro %}

{% macro known_vars() -%}
    {{ return(var_defaults().keys() | list) }}
{%- endmacro %}

{#- The var `name` as the models read it: dbt's var(), except in a unit test, where
    it is the value the test's `overrides: vars:` gives, else the default
    (var_defaults), never the command line's. So a unit test pins only the vars it
    tests, and checks the SQL it was written for whatever vars a build passes. -#}
{% macro project_var(name) -%}
    {%- if name not in var_defaults() -%}
        {{ exceptions.raise_compiler_error("project_var: '" ~ name ~ "' is not a var of the project (" ~ known_vars() | join(', ') ~ ")") }}
    {%- endif -%}
    {%- if model is mapping and model.get('resource_type') == 'unit_test' -%}
        {%- set pinned = (model.get('overrides') or {}).get('vars') or {} -%}
        {{ return(pinned[name] if name in pinned else var_defaults()[name]) }}
    {%- endif -%}
    {{ return(var(name)) }}
{%- endmacro %}

{#- Every var given on the command line checked for its name and type before
    anything runs (an on-run-start hook): a misspelt var (`stepz`) is not ignored, a
    string is not taken for a boolean. Each var's own macro checks its values. -#}
{% macro check_vars() -%}
    {%- set given = (invocation_args_dict.get('vars') or {}) -%}
    {%- if given is string -%}{%- set given = fromyaml(given) or {} -%}{%- endif -%}
    {#- as a package of another project, the command line's vars are that project's -#}
    {%- for name in given if name not in known_vars() and project_name == 'budgetcurves' -%}
        {{ exceptions.raise_compiler_error("unknown var '" ~ name ~ "' (the vars are " ~ known_vars() | join(', ') ~ ")") }}
    {%- endfor -%}
    {%- do grid_steps() -%}
    {%- do grid_scale() -%}
    {%- do ci_level_value() -%}
    {%- do optional_string_var('scorer') -%}
    {%- do optional_string_var('score_key') -%}
    {%- do optional_string_var('inspect_logs') -%}
    {%- do statuses_list_sql() -%}
    {%- do extra_limits() -%}
    {%- do chosen_budget_limits() -%}
    {%- do facets() -%}
    {%- do samples_where() -%}
    {%- do se_method() -%}
    {%- do ci_method() -%}
    {%- do reach_targets() -%}
    {%- do paired_differences() -%}
    {%- do estimator() -%}
    select 1 as vars_checked
{%- endmacro %}

{#- `project_var(name)` checked: null or a non-empty string. -#}
{% macro optional_string_var(name) -%}
    {%- set value = project_var(name) -%}
    {%- if value is not none and (value is not string or not value | trim) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a name (a non-empty string) or null, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- `project_var('paired_differences')` checked: true or false, not a string. -#}
{% macro paired_differences() -%}
    {%- set value = project_var('paired_differences') -%}
    {%- if value is not boolean -%}
        {{ exceptions.raise_compiler_error("var 'paired_differences' must be true or false (unquoted), got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The condition on stg_inspect__sample_scores rows that picks each sample's score:
    the chosen scorer's (chosen_scorer_sql) and, for dict-valued scores, the var
    `score_key`'s key. -#}
{% macro chosen_score_sql() -%}
    {%- set score_key = optional_string_var('score_key') -%}
    {{ chosen_scorer_sql() }}
    {% if not budgetcurves.options_are_literals() -%}
    and case
        when {{ budgetcurves.option_sql('score_key', none) }} is null then score_key is null
        else score_key = {{ budgetcurves.option_sql('score_key', none) }} or score_key is null
    end
    {%- elif score_key -%}
    and (score_key = {{ budgetcurves.sql_string(score_key) }} or score_key is null)
    {%- else -%}
    and score_key is null
    {%- endif %}
{%- endmacro %}

{#- The condition on stg_inspect__sample_scores rows of the chosen scorer: the var
    `scorer`'s, default each log's first scorer. -#}
{% macro chosen_scorer_sql() -%}
    {%- set scorer = optional_string_var('scorer') -%}
    {% if not budgetcurves.options_are_literals() -%}
    case
        when {{ budgetcurves.option_sql('scorer', none) }} is null then is_first_scorer
        else scorer = {{ budgetcurves.option_sql('scorer', none) }}
    end
    {%- elif scorer -%}
    scorer = {{ budgetcurves.sql_string(scorer) }}
    {%- else -%}
    is_first_scorer
    {%- endif %}
{%- endmacro %}

{#- After a run that built scores_by_limit empty (an on-run-end hook): fail, saying
    why: no samples loaded, none of a kept status, none left by the var `where`, or
    none with a usable score from the chosen scorer. -#}
{% macro explain_empty_scores(results) -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set built = results | selectattr('node.name', 'equalto', 'scores_by_limit')
        | selectattr('status', 'equalto', 'success') | list -%}
    {%- if not built -%}{{ return('') }}{%- endif -%}
    {%- set rows = run_query('select count(*) from ' ~ built[0].node.relation_name).columns[0].values()[0] -%}
    {%- if rows > 0 -%}{{ return('') }}{%- endif -%}
    {#- the staged samples (where the var `where` applies), found in the graph as
        ref() cannot be resolved in a hook -#}
    {%- set samples = _relation_of('stg_inspect__samples') -%}
    {%- set counts = run_query(
        'select log_status, count(*) from ' ~ samples ~ ' group by log_status order by 2 desc'
    ) -%}
    {%- set loaded = counts.columns[1].values() | sum -%}
    {%- set kept = [] -%}
    {%- set statuses = [project_var('statuses')] if project_var('statuses') is string else project_var('statuses') -%}
    {%- for row in counts.rows if row[0] in statuses -%}{%- do kept.append(row[1]) -%}{%- endfor -%}
    {%- if loaded == 0 -%}
        {%- set why = "no samples are loaded: name a log folder with --vars '{inspect_logs: DIR}', or load logs with `budgetcurves ingest`" -%}
    {%- elif kept | sum == 0 -%}
        {%- set seen = [] -%}
        {%- for row in counts.rows -%}{%- do seen.append(row[0] ~ ' (' ~ row[1] ~ ')') -%}{%- endfor -%}
        {%- set why = "none of the " ~ loaded ~ " samples loaded is from a log whose status the var statuses keeps (" ~ project_var('statuses') ~ "); the logs' statuses: " ~ seen | join(', ') -%}
    {%- elif samples_where() and run_query(
        'select count(*) from (select * from ' ~ samples ~ ' where (' ~ samples_where() ~ ')) as bc_where where log_status in (' ~ statuses_list_sql() ~ ')'
    ).columns[0].values()[0] == 0 -%}
        {%- set why = "the var where (" ~ samples_where() ~ ") leaves none of the " ~ kept | sum ~ " samples the var statuses keeps" -%}
    {%- else -%}
        {%- set scorers = run_query(
            'select distinct scorer from ' ~ _relation_of('stg_inspect__sample_scores') ~ ' order by 1'
        ).columns[0].values() -%}
        {%- set why = "none of the " ~ kept | sum ~ " samples kept by the var statuses"
            ~ (" and the var where" if samples_where() else "")
            ~ " has a usable score from "
            ~ ("the scorer '" ~ project_var('scorer') ~ "'" if project_var('scorer') else "its log's first scorer")
            ~ (" with the key '" ~ project_var('score_key') ~ "'" if project_var('score_key') else "")
            ~ "; the scorers loaded: " ~ (scorers | join(', ') or 'none') -%}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("scores_by_limit is empty: " ~ why) }}
{%- endmacro %}

{#- The relation of the project's model `name`, from the graph (for hooks). -#}
{% macro _relation_of(name) -%}
    {%- set node = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model')
        | selectattr('name', 'equalto', name) | first -%}
    {{ return(node.relation_name) }}
{%- endmacro %}
