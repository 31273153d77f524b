with

source as (

    select * from {{ source('inspect', 'log_files') }}

),

renamed as (

    select

        ----------  ids
        log_file,
        eval_ids,

        ---------- strings
        file_kind,
        log_status,
        file_etag,

        ---------- numerics
        format_version,
        sample_count,
        file_size,
        file_mtime_ns,

        ---------- timestamps
        loaded_at

    from source

)

select * from renamed
