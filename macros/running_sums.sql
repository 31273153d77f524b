{#- The value of running sums at each threshold of a grid, in one ordered pass: the
    CTEs `stream`, `running` and `at_thresholds` (with `sides` when a sum is read
    strictly below a threshold), to be placed in a model's `with` list.

    `values` is a relation of rows (the `partition_by` columns, the column `value`,
    the columns of `through` and `below`), `thresholds` one of rows (the
    `partition_by` columns, step_index, limit_value). Both go into one stream,
    ordered by value within each partition, each threshold after the values equal to
    it (position 1), and where `below` is given also before them (position -1): a
    running sum at position 1 covers every value <= the threshold, at -1 every value
    strictly below it. No join on a float and no frame to a partition's end, so every
    engine runs it as one sort and one running window.

    `at_thresholds` holds one row per partition and step_index, with `<column>_through`
    for each column of `through` and `<column>_below` for each of `below`. -#}
{% macro running_sums_at_thresholds(values, thresholds, partition_by, through, below=[], value='limit_value') -%}
{%- set sums = through + below -%}
{%- set keys = partition_by | join(', ') -%}
{%- if below %}
-- where a threshold enters the stream: before the values equal to it (-1) and after
-- them (1). Not a union of two literal rows: Spark 4 fails to ship a union inside a
-- cross join to its executors (ClassCastException in UnionExec)
sides as (

    select 2 * step_index - 1 as stream_position
    from ({{ integer_series(2) }}) as positions

),
{%- endif %}

stream as (

    select
        {{ keys }},
        {{ value }}{{ ' as limit_value' if value != 'limit_value' }},
        0 as stream_position,
        cast(null as integer) as step_index,
        {%- for column in sums %}
        {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ values }}

    union all

    select
        {%- for key in partition_by %}
        {{ thresholds }}.{{ key }},
        {%- endfor %}
        {{ thresholds }}.limit_value,
        {{ 'sides.stream_position' if below else '1 as stream_position' }},
        {{ thresholds }}.step_index,
        {%- for column in sums %}
        0 as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ thresholds }}
    {%- if below %}
    cross join sides
    {%- endif %}

),

running as (

    select
        {{ keys }},
        step_index,
        stream_position,
        {%- for column in sums %}
        sum({{ column }}) over running_window as {{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from stream
    window running_window as (
        partition by {{ keys }}
        order by limit_value, stream_position
        rows between unbounded preceding and current row
    )

),

at_thresholds as (

    select
        {{ keys }},
        step_index,
        {%- if below %}
        {%- for column in through %}
        max(case when stream_position = 1 then {{ column }} end) as {{ column }}_through,
        {%- endfor %}
        {%- for column in below %}
        max(case when stream_position = -1 then {{ column }} end) as {{ column }}_below{{ ',' if not loop.last }}
        {%- endfor %}
    from running
    where stream_position != 0
    group by {{ keys }}, step_index
        {%- else %}
        {%- for column in through %}
        {{ column }} as {{ column }}_through{{ ',' if not loop.last }}
        {%- endfor %}
    from running
    where stream_position = 1
        {%- endif %}

)
{%- endmacro %}
