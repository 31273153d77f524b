with

source as (

    select * from {{ source('inspect', 'sample_scores') }}

),

renamed as (

    select

        ----------  ids
        eval_id,
        sample_id,
        cast(epoch as integer) as epoch,
        scorer,
        score_key,

        ---------- strings
        value_type,
        value_text,

        ---------- numerics
        {{ score_to_float('value_type', 'value_text') }} as score,

        ---------- booleans
        is_first_scorer

    from source

)

select * from renamed
