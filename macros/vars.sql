{#- The project's vars (declared, with comments, in dbt_project.yml). A test keeps
    the two lists equal. -#}
{% macro known_vars() -%}
    {{ return([
        'steps', 'scale', 'ci_level', 'scorer', 'score_key', 'statuses', 'inspect_logs',
        'extra_limits', 'limits', 'facet', 'where', 'se_method', 'ci_method',
        'reach_targets', 'paired_differences',
    ]) }}
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
    {%- do ci_level() -%}
    {%- do optional_string_var('scorer') -%}
    {%- do optional_string_var('score_key') -%}
    {%- do optional_string_var('inspect_logs') -%}
    {%- do statuses_sql() -%}
    {%- do extra_limits() -%}
    {%- do budget_limits() -%}
    {%- do facets() -%}
    {%- do samples_where() -%}
    {%- do se_method() -%}
    {%- do ci_method() -%}
    {%- do reach_targets() -%}
    {%- do paired_differences() -%}
    select 1 as vars_checked
{%- endmacro %}

{#- `var(name)` checked: null or a non-empty string. -#}
{% macro optional_string_var(name) -%}
    {%- set value = var(name) -%}
    {%- if value is not none and (value is not string or not value | trim) -%}
        {{ exceptions.raise_compiler_error("var '" ~ name ~ "' must be a name (a non-empty string) or null, got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- `var('paired_differences')` checked: true or false, not a string. -#}
{% macro paired_differences() -%}
    {%- set value = var('paired_differences') -%}
    {%- if value is not boolean -%}
        {{ exceptions.raise_compiler_error("var 'paired_differences' must be true or false (unquoted), got '" ~ value ~ "'") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#- The condition on stg_inspect__sample_scores rows that picks each sample's score:
    the var `scorer`'s (default each log's first scorer) and, for dict-valued scores,
    the var `score_key`'s key. -#}
{% macro chosen_score_sql() -%}
    {%- set scorer = optional_string_var('scorer') -%}
    {%- set score_key = optional_string_var('score_key') -%}
    {% if scorer -%}
    scorer = {{ budgetcurves.sql_string(scorer) }}
    {%- else -%}
    is_first_scorer
    {%- endif %}
    {% if score_key -%}
    and (score_key = {{ budgetcurves.sql_string(score_key) }} or score_key is null)
    {%- else -%}
    and score_key is null
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
    {%- set statuses = [var('statuses')] if var('statuses') is string else var('statuses') -%}
    {%- for row in counts.rows if row[0] in statuses -%}{%- do kept.append(row[1]) -%}{%- endfor -%}
    {%- if loaded == 0 -%}
        {%- set why = "no samples are loaded: name a log folder with --vars '{inspect_logs: DIR}', or load logs with `budgetcurves ingest`" -%}
    {%- elif kept | sum == 0 -%}
        {%- set seen = [] -%}
        {%- for row in counts.rows -%}{%- do seen.append(row[0] ~ ' (' ~ row[1] ~ ')') -%}{%- endfor -%}
        {%- set why = "none of the " ~ loaded ~ " samples loaded is from a log whose status the var statuses keeps (" ~ var('statuses') ~ "); the logs' statuses: " ~ seen | join(', ') -%}
    {%- elif samples_where() and run_query(
        'select count(*) from ' ~ samples ~ ' where log_status in (' ~ statuses_sql() ~ ') and (' ~ samples_where() ~ ')'
    ).columns[0].values()[0] == 0 -%}
        {%- set why = "the var where (" ~ samples_where() ~ ") leaves none of the " ~ kept | sum ~ " samples the var statuses keeps" -%}
    {%- else -%}
        {%- set scorers = run_query(
            'select distinct scorer from ' ~ _relation_of('stg_inspect__sample_scores') ~ ' order by 1'
        ).columns[0].values() -%}
        {%- set why = "none of the " ~ kept | sum ~ " samples kept by the var statuses"
            ~ (" and the var where" if samples_where() else "")
            ~ " has a usable score from "
            ~ ("the scorer '" ~ var('scorer') ~ "'" if var('scorer') else "its log's first scorer")
            ~ (" with the key '" ~ var('score_key') ~ "'" if var('score_key') else "")
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
