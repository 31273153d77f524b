{#- The landed samples, as one relation of `columns` (columns of the source `samples`):
    a log's sample is a row of `samples`; a samples_df export's, loaded into DuckDB, a
    row of `export_samples` with its eval's columns from `export_evals` (stored there
    once per eval: an export's rows repeat them). The columns an export does not have
    (`metadata`, `limit_value`: null wherever an export is landed) are null for them.
    Staging and the singular tests of the landed values read the samples through it. -#}
{% macro landed_samples(columns) -%}
    {%- set export_sample_columns = [
        'eval_id', 'sample_id', 'epoch', 'sample_uuid', 'input_tokens', 'output_tokens',
        'total_tokens', 'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens',
        'total_cost', 'total_time', 'working_time', 'message_count', 'error', 'limit_type',
        'model_usage',
    ] -%}
    {%- set export_eval_columns = [
        'log_file', 'source_log', 'log_status', 'run_id', 'eval_set_id', 'task_id',
        'task_name', 'model', 'eval_created', 'eval_token_limit', 'eval_token_limit_type',
        'eval_message_limit', 'eval_time_limit', 'eval_working_limit', 'eval_cost_limit',
        'loaded_at',
    ] -%}
    {%- set not_exported = {
        'metadata': dbt.type_string(),
        'limit_value': type_double(),
    } -%}
    {%- if columns is string or columns | length == 0 -%}
        {{ exceptions.raise_compiler_error("landed_samples: columns must be a non-empty list of column names, got '" ~ columns ~ "'") }}
    {%- endif -%}
    {%- for column in columns
        if column not in export_sample_columns + export_eval_columns
        and column not in not_exported -%}
        {{ exceptions.raise_compiler_error("landed_samples: '" ~ column ~ "' is not a column of the landed samples") }}
    {%- endfor -%}
    select
        {%- for column in columns %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source('inspect', 'samples') }}

    union all

    select
        {%- for column in columns %}
        {%- if column in export_sample_columns %}
        export_samples.{{ column }}
        {%- elif column in export_eval_columns %}
        export_evals.{{ column }}
        {%- else %}
        cast(null as {{ not_exported[column] }}) as {{ column }}
        {%- endif %}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ source('inspect', 'export_samples') }} as export_samples
    inner join {{ source('inspect', 'export_evals') }} as export_evals
        on export_samples.eval_id = export_evals.eval_id
{%- endmacro %}
