{#- The samples of logs and of samples_df exports (macros/landed_samples.sql). -#}
{%- set columns = [
        'eval_id', 'sample_id', 'epoch', 'sample_uuid', 'log_file', 'source_log',
        'log_status', 'run_id', 'eval_set_id', 'task_id', 'task_name', 'model',
        'eval_created', 'input_tokens', 'output_tokens', 'total_tokens',
        'cache_read_tokens', 'cache_write_tokens', 'reasoning_tokens', 'total_cost',
        'total_time', 'working_time', 'message_count', 'error', 'limit_type',
        'limit_value', 'model_usage', 'metadata', 'eval_token_limit',
        'eval_token_limit_type', 'eval_message_limit', 'eval_time_limit',
        'eval_working_limit', 'eval_cost_limit', 'loaded_at',
] -%}

with

source as (

    {{ landed_samples(columns) }}

),

renamed as (

    select

        ----------  ids
        eval_id,
        sample_id,
        cast(epoch as integer) as epoch,
        sample_uuid,
        run_id,
        eval_set_id,
        task_id,

        ---------- strings
        task_name,
        model,
        log_status,
        log_file,
        coalesce(source_log, log_file) as log,
        error as error_message,
        limit_type as sample_limit_type,

        ---------- numerics (a negative count, cost or time is an error in the log:
        ---------- read as missing, so the sample leaves that limit's curve only)
        case when input_tokens >= 0 then input_tokens end as input_tokens,
        case when output_tokens >= 0 then output_tokens end as output_tokens,
        case when total_tokens >= 0 then total_tokens end as total_tokens,
        case when cache_read_tokens >= 0 then cache_read_tokens end as cache_read_tokens,
        case when cache_write_tokens >= 0 then cache_write_tokens end as cache_write_tokens,
        case when reasoning_tokens >= 0 then reasoning_tokens end as reasoning_tokens,
        case when total_cost >= 0 then total_cost end as total_cost,
        case when total_time >= 0 then total_time end as total_time,
        case when working_time >= 0 then working_time end as working_time,
        case when message_count >= 0 then message_count end as message_count,
        limit_value as sample_limit_value,

        ---------- the eval's own per-sample limits (eval.config; null where none was set)
        eval_token_limit,
        eval_token_limit_type,
        eval_message_limit,
        eval_time_limit,
        eval_working_limit,
        eval_cost_limit,

        ---------- booleans
        error is not null as is_errored,

        ---------- json text
        model_usage,
        metadata,

        ---------- timestamps
        eval_created as eval_created_at,
        loaded_at

    from source

)

select * from renamed
