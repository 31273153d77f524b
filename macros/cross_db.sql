{#- Engine differences, each behind adapter.dispatch with a portable default. -#}

{#- A 64-bit float type: `float` is 32-bit in DuckDB and 64-bit in PostgreSQL. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__type_double() %}double{% endmacro %}
{% macro postgres__type_double() %}double precision{% endmacro %}

{#- Natural logarithm: `ln` in DuckDB, PostgreSQL and Spark alike (not `log(x)`, which
    is log10 in PostgreSQL), so no dispatch. -#}
{% macro ln(expression) %}ln({{ expression }}){% endmacro %}

{#- Base-10 logarithm: `log10` in DuckDB and Spark; PostgreSQL's `log(x)` is base 10. -#}
{% macro log10(expression) -%}
    {{ return(adapter.dispatch('log10', 'budgetcurves')(expression)) }}
{%- endmacro %}
{% macro default__log10(expression) %}log10({{ expression }}){% endmacro %}
{% macro postgres__log10(expression) %}log({{ expression }}){% endmacro %}

{#- A field of a JSON text column as text (null when absent; objects and arrays as
    JSON text), at the key `path` (a list of keys). SQL/JSON `json_value` is the
    standard; DuckDB's returns JSON, PostgreSQL's needs 17, Spark has none. -#}
{% macro json_extract_text(json_text, path) -%}
    {{ return(adapter.dispatch('json_extract_text', 'budgetcurves')(json_text, path)) }}
{%- endmacro %}
{% macro default__json_extract_text(json_text, path) -%}
    json_value({{ json_text }}, '{{ budgetcurves._json_path(path) }}')
{%- endmacro %}
{% macro duckdb__json_extract_text(json_text, path) -%}
    json_extract_string({{ json_text }}, '{{ budgetcurves._json_path(path) }}')
{%- endmacro %}
{% macro postgres__json_extract_text(json_text, path) -%}
    (cast({{ json_text }} as jsonb) #>> '{ {{- path | join(',') -}} }')
{%- endmacro %}
{% macro spark__json_extract_text(json_text, path) -%}
    get_json_object({{ json_text }}, '$.{{ path | join('.') }}')
{%- endmacro %}
{#- `$."a"."b"`: each key quoted, so keys with `-` need no escaping -#}
{% macro _json_path(path) -%}
    ${% for key in path %}."{{ key }}"{% endfor %}
{%- endmacro %}

{#- Integers 0 .. n-1 as a one-column relation named `step_index`. -#}
{% macro integer_series(n) -%}
    {{ return(adapter.dispatch('integer_series', 'budgetcurves')(n)) }}
{%- endmacro %}
{% macro default__integer_series(n) -%}
    {#- portable: cross join of digits, no engine-specific generator -#}
    {%- set digits = (n - 1) | string | length -%}
    select step_index from (
        select
            {%- for d in range(digits) %}
            {{ '+ ' if not loop.first }}d{{ d }}.digit * {{ 10 ** d }}
            {%- endfor %} as step_index
        from
        {%- for d in range(digits) %}
            {{ 'cross join ' if not loop.first }}(
                {%- for i in range(10) %}
                select {{ i }} as digit {{ 'union all' if not loop.last }}
                {%- endfor %}
            ) as d{{ d }}
        {%- endfor %}
    ) as series
    where step_index < {{ n }}
{%- endmacro %}
{% macro duckdb__integer_series(n) -%}
    select range as step_index from range({{ n }})
{%- endmacro %}
{% macro postgres__integer_series(n) -%}
    select generate_series(0, {{ n }} - 1) as step_index
{%- endmacro %}
{% macro spark__integer_series(n) -%}
    select explode(sequence(0, {{ n }} - 1)) as step_index
{%- endmacro %}

{#- Does the whole of `expression` match `pattern` (a POSIX-style regular expression,
    a constant of the project's, no `'`)? The default is `regexp_like` on the anchored
    pattern, the name most engines give it (Spark, Trino, Snowflake, MySQL, Oracle);
    DuckDB has a full match of its own, PostgreSQL an operator. -#}
{% macro regex_full_match(expression, pattern) -%}
    {{ return(adapter.dispatch('regex_full_match', 'budgetcurves')(expression, pattern)) }}
{%- endmacro %}
{% macro default__regex_full_match(expression, pattern) -%}
    regexp_like({{ expression }}, '^(?:{{ pattern }})$')
{%- endmacro %}
{% macro duckdb__regex_full_match(expression, pattern) -%}
    regexp_full_match({{ expression }}, '{{ pattern }}')
{%- endmacro %}
{% macro postgres__regex_full_match(expression, pattern) -%}
    ({{ expression }} ~ '^(?:{{ pattern }})$')
{%- endmacro %}
{#- Spark string literals read backslash escapes (`'\s'` is `s`): double each backslash. -#}
{% macro spark__regex_full_match(expression, pattern) -%}
    ({{ expression }} rlike '^(?:{{ pattern | replace('\\', '\\\\') | replace("'", "\\'") }})$')
{%- endmacro %}

{#- Written after `<name> as` in a CTE that is read more than once, so the engine
    computes it where it is read instead of holding its rows: DuckDB (and PostgreSQL
    12+) materialize such a CTE, which for the long form of 1e7 samples meant 6 GB of
    rows spilled to disk (docs/performance.md). Empty where the words do not exist. -#}
{% macro cte_not_materialized() -%}
    {{ return(adapter.dispatch('cte_not_materialized', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__cte_not_materialized() %}{% endmacro %}
{% macro duckdb__cte_not_materialized() %}not materialized{% endmacro %}
{% macro postgres__cte_not_materialized() %}not materialized{% endmacro %}

{#- Written after `<name> as` in a CTE whose columns later steps repeat many times, so
    the engine computes it once: PostgreSQL otherwise folds a CTE read once into its
    reader, and the Newton steps of t_scores, each naming theta dozens of times, grew
    into an expression it crashed on. Empty where the word does not exist (Spark
    keeps a repeated non-trivial column computed once). -#}
{% macro cte_materialized() -%}
    {{ return(adapter.dispatch('cte_materialized', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__cte_materialized() %}{% endmacro %}
{% macro duckdb__cte_materialized() %}materialized{% endmacro %}
{% macro postgres__cte_materialized() %}materialized{% endmacro %}

{#- Written after `<name> as` in a CTE whose columns the next step repeats in long
    expressions: on PostgreSQL, which folds a CTE read once into its reader and then
    evaluates each repeated column anew at every use (scores_by_limit_exact's standard
    error, in each of the band's columns: 2.5 s at 1e6 samples, held 1.9 s). Empty
    elsewhere: DuckDB computes such an expression once without it, and holding the
    rows cost it 0.3 s there. -#}
{% macro cte_materialized_on_postgres() -%}
    {{ return(adapter.dispatch('cte_materialized_on_postgres', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__cte_materialized_on_postgres() %}{% endmacro %}
{% macro postgres__cte_materialized_on_postgres() %}materialized{% endmacro %}

{#- Written after `select` where two relations that grow with the samples are joined:
    on Spark, a hint to shuffle and sort both sides rather than broadcast one. Spark
    sizes a table by its compressed Parquet files, so at 1e7 samples it took the
    landing's scores for a small table, broadcast them, and ran the driver out of
    memory. Empty elsewhere (PostgreSQL and DuckDB choose their joins from row
    counts). -#}
{% macro shuffle_join_hint(relations) -%}
    {{ return(adapter.dispatch('shuffle_join_hint', 'budgetcurves')(relations)) }}
{%- endmacro %}
{% macro default__shuffle_join_hint(relations) %}{% endmacro %}
{% macro spark__shuffle_join_hint(relations) %}/*+ SHUFFLE_MERGE({{ relations | join(', ') }}) */{% endmacro %}

{#- `value` as a SQL string literal, escaped: dbt.string_literal only wraps it in
    quotes, so a `'` in a var (a scorer named `judge's`) ended the literal early and
    the rest ran as SQL. Standard SQL doubles the quote; Spark's literals read
    backslash escapes instead, and '' there joins two literals. -#}
{% macro sql_string(value) -%}
    {{ return(adapter.dispatch('sql_string', 'budgetcurves')(value)) }}
{%- endmacro %}
{% macro default__sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}
{% macro spark__sql_string(value) -%}
    '{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
{%- endmacro %}

{#- A pre-hook on every model dbt builds, in the model's own transaction (`set local`):
    on PostgreSQL, `work_mem` (BUDGETCURVES_PG_WORK_MEM, default 256MB) for the hash
    tables that group millions of long rows, and no JIT. With the server's default 4MB,
    int_curves__breakpoints grouped 4.25e6 rows by an external sort (10.1 s at 1e6
    samples, 5.2 s hashed); JIT spent 2 to 3 s compiling each large model and saved
    nothing measurable (docs/performance.md, issue 23). Empty on the other engines. -#}
{% macro session_settings() -%}
    {{ return(adapter.dispatch('session_settings', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__session_settings() %}{% endmacro %}
{% macro postgres__session_settings() -%}
    set local work_mem = {{ budgetcurves.sql_string(env_var('BUDGETCURVES_PG_WORK_MEM', '256MB')) }};
    set local jit = off
{%- endmacro %}

{#- A pre-hook of the models that join two sample-sized relations on the sample's key
    (eval_id, sample_id, epoch): on PostgreSQL, no merge join in the model's
    transaction. PostgreSQL sizes a hash table's buckets from each key column alone
    (2,500 sample ids, 2 epochs: 400 rows a bucket, where the three together are
    unique), so it judged a hash join too costly and sorted a million samples and, in
    every worker, a million scores for a merge join: 3.9 s at 1e6 samples where the
    parallel hash join takes 1.7 s. Empty on the other engines. -#}
{% macro hash_sample_joins() -%}
    {{ return(adapter.dispatch('hash_sample_joins', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__hash_sample_joins() %}{% endmacro %}
{% macro postgres__hash_sample_joins() -%}
    set local enable_mergejoin = off
{%- endmacro %}

{#- A pre-hook of the models that group the long rows (samples x limits x facets): on
    PostgreSQL, no sort in the model's transaction, so the rows are grouped in a hash
    table (spilled to disk in partitions when it outgrows work_mem). Their grouping
    columns have no statistics (literals of the unpivot, expressions of a union), so
    PostgreSQL guesses a tenth of the rows as groups: at 1e7 samples 4.25e6 groups for
    int_curves__task_sizes (850 real), too many for a hash table by its estimate, and
    it sorted all 42.5e6 long rows on disk instead (43 s; hashed, 14 s). And the
    parallel workers alone group them (parallel_workers_only). Empty on the other
    engines. -#}
{% macro hash_long_rows() -%}
    {{ return(adapter.dispatch('hash_long_rows', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__hash_long_rows() %}{% endmacro %}
{% macro postgres__hash_long_rows() -%}
    set local enable_sort = off;
    {{ budgetcurves.parallel_workers_only() }}
{%- endmacro %}

{#- On PostgreSQL, a parallel query's leader only gathers and finishes what its workers
    return, rather than also scanning and grouping beside them: with two workers on two
    cores a third process only competed with them for the cores, and the final step
    (int_curves__breakpoints' hash aggregate over the workers' 720,000 partial groups at
    1e6 samples; a key test's aggregate of every row, where no group is repeated) began
    when the slowest of three finished. int_curves__breakpoints 4.5 s where 5.4 s with
    the leader scanning, the key test of the samples' staging view 1.25 s where 1.5 s
    (docs/performance.md, issue 23). A server with more cores than the workers per
    query gives each query more workers (`max_parallel_workers_per_gather`). Empty on
    the other engines. -#}
{% macro parallel_workers_only() -%}
    {{ return(adapter.dispatch('parallel_workers_only', 'budgetcurves')()) }}
{%- endmacro %}
{% macro default__parallel_workers_only() %}{% endmacro %}
{% macro postgres__parallel_workers_only() -%}
    set local parallel_leader_participation = off
{%- endmacro %}

{#- Every data test's query on PostgreSQL runs after the same settings as a model's
    (session_settings): dbt gives tests no hooks, so the key tests of the 1e6-row
    tables grouped their rows with the server's 4MB `work_mem` (on disk) and JIT,
    1.7 s where 0.9 s will do. dbt's own `get_test_sql` overridden for PostgreSQL
    (the root project's macro comes first in dbt's dispatch): the settings, then
    dbt's query, in the test's one statement. Its parallel workers alone scan
    (parallel_workers_only): a key test groups every row once more after them. -#}
{% macro postgres__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) -%}
    {{ budgetcurves.session_settings() }};
    {{ budgetcurves.parallel_workers_only() }};
    {{ dbt.default__get_test_sql(main_sql, fail_calc, warn_if, error_if, limit) }}
{%- endmacro %}

{#- A post-hook on every table dbt builds: PostgreSQL plans the next model's joins from
    the table's statistics, and a table just written has none until autovacuum comes
    round, so the planner guessed (a nested loop over millions of breakpoints it took
    for a few rows; a seed of 19 prices taken for 880 rows, which made the samples'
    join to their scores a merge join sorting a million rows). Empty on the other
    engines and for views (nothing to analyze). -#}
{% macro analyze_table(relation) -%}
    {{ return(adapter.dispatch('analyze_table', 'budgetcurves')(relation)) }}
{%- endmacro %}
{% macro default__analyze_table(relation) %}{% endmacro %}
{% macro postgres__analyze_table(relation) -%}
    {%- if config.get('materialized') in ['table', 'incremental', 'seed'] -%}
    analyze {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- Spark: a contracted table's columns are checked against its YAML once the table is
    built, on the table, rather than before, on the query. dbt's own check runs the
    model's select once more (`select * from (...) where false limit 0`), and Spark's
    analyzer spends seconds on a large one before it returns no row: 5 s of
    budget_headroom's 15 s at 1e6 samples (docs/performance.md, issue 23). So on Spark
    the table is created from the model's select as written (not dbt's select of the
    contract's columns from it, which would hide an extra column), then
    assert_contract_of_table (a post-hook of every model) compares its columns with the
    YAML's in name, data type and order, as dbt does and in order besides; on a mismatch
    the table is dropped and the build fails with dbt's contract error. -#}
{% macro spark__get_assert_columns_equivalent(sql) %}{% endmacro %}
{% macro spark__get_select_subquery(sql) %}{{ return(sql) }}{% endmacro %}

{% macro assert_contract_of_table(relation) -%}
    {{ return(adapter.dispatch('assert_contract_of_table', 'budgetcurves')(relation)) }}
{%- endmacro %}
{% macro default__assert_contract_of_table(relation) %}{% endmacro %}
{% macro spark__assert_contract_of_table(relation) -%}
    {%- set contract = config.get('contract') -%}
    {%- if execute and contract and contract.enforced and config.get('materialized') == 'table' -%}
        {%- set table_columns = format_columns(get_column_schema_from_query('select * from ' ~ relation)) -%}
        {%- set yaml_columns = format_columns(get_column_schema_from_query(get_empty_schema_sql(model['columns']))) -%}
        {%- if table_columns | map(attribute='formatted') | list != yaml_columns | map(attribute='formatted') | list -%}
            {%- do adapter.drop_relation(relation.incorporate(type='table')) -%}
            {%- do exceptions.raise_contract_error(yaml_columns, table_columns) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
