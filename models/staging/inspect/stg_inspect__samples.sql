with

source as (

    select * from {{ source('inspect', 'samples') }}

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

        ---------- numerics
        input_tokens,
        output_tokens,
        total_tokens,
        cache_read_tokens,
        cache_write_tokens,
        reasoning_tokens,
        total_cost,
        total_time,
        working_time,
        message_count,
        limit_value as sample_limit_value,

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
