{#- Warn (with the count) about samples with a negative token count, cost or time:
    an error in the log. The landing table keeps what the log said; staging reads
    the value as missing, so the sample leaves that limit's curve only. -#}
{{ config(severity='warn') }}

with

samples as (

    {{ landed_samples([
        'log_file', 'eval_id', 'sample_id', 'epoch', 'input_tokens', 'output_tokens',
        'total_tokens', 'total_cost', 'total_time', 'working_time',
    ]) }}

),

final as (

    select
        log_file,
        eval_id,
        sample_id,
        epoch,
        input_tokens,
        output_tokens,
        total_tokens,
        total_cost,
        total_time,
        working_time
    from samples
    where
        input_tokens < 0
        or output_tokens < 0
        or total_tokens < 0
        or total_cost < 0
        or total_time < 0
        or working_time < 0

)

select * from final
