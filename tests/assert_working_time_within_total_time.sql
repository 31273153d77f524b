{#- Warn (with the count) about samples whose working time is not within
    0 <= working_time <= total_time: Inspect has had bugs here. The curves still
    use them (a negative time is read as missing in staging). -#}
{{ config(severity='warn') }}

with

samples as (

    {{ landed_samples(['log_file', 'eval_id', 'sample_id', 'epoch', 'working_time', 'total_time']) }}

),

final as (

    select
        log_file,
        eval_id,
        sample_id,
        epoch,
        working_time,
        total_time
    from samples
    where
        working_time < 0
        or working_time > total_time

)

select * from final
