{#-
    The statistics of a success curve at a threshold, as SQL expressions over the
    running sums the marts keep (see docs/statistics.md for the formulas and why):
    the standard error by var `se_method` and the band by var `ci_method`.
-#}

{#- `project_var('se_method')` checked: sample (the reference's) or clustered (Miller 2024). -#}
{% macro se_method() -%}
    {%- set method = project_var('se_method') | string | lower -%}
    {%- if method not in ['sample', 'clustered'] -%}
        {{ exceptions.raise_compiler_error("var 'se_method' must be one of sample, clustered, got '" ~ project_var('se_method') ~ "'") }}
    {%- endif -%}
    {{ return(method) }}
{%- endmacro %}

{#- `project_var('ci_method')` checked: normal (the reference's) or wilson. -#}
{% macro ci_method() -%}
    {%- set method = project_var('ci_method') | string | lower -%}
    {%- if method not in ['normal', 'wilson'] -%}
        {{ exceptions.raise_compiler_error("var 'ci_method' must be one of normal, wilson, got '" ~ project_var('ci_method') ~ "'") }}
    {%- endif -%}
    {{ return(method) }}
{%- endmacro %}

{#- Standard error of a mean of n scores x_i (here score if value <= t else 0), from
    sums: `sample`, null when n = 1; `clustered` (Miller 2024, questions as clusters,
    as inspect_ai's stderr(cluster=...)), null when C = 1. The formulas and the
    expansion into sums: docs/statistics.md#standard-errors-se_method. `s` is a dict
    of SQL expressions: n, score_sum, score_square_sum, cluster_count (C),
    cluster_size_sum (sum_q n_q^2), cluster_size_score_sum (sum_q n_q S_q),
    cluster_square_sum (sum_q S_q^2). -#}
{% macro standard_error_sql(method, s) -%}
    {%- if method == 'sample' -%}
        case
            when {{ s.n }} > 1
                then sqrt(
                    greatest(
                        {{ s.score_square_sum }}
                        - {{ s.score_sum }} * {{ s.score_sum }}
                        / {{ s.n }},
                        0
                    ) / ({{ s.n }} - 1)
                ) / sqrt({{ s.n }})
        end
    {%- elif method == 'clustered' -%}
        {%- set mean = '(' ~ s.score_sum ~ ' / ' ~ s.n ~ ')' -%}
        case
            when {{ s.cluster_count }} > 1
                then sqrt(
                    greatest(
                        {{ s.cluster_square_sum }}
                        - 2 * {{ mean }} * {{ s.cluster_size_score_sum }}
                        + {{ mean }} * {{ mean }} * {{ s.cluster_size_sum }},
                        0
                    ) * {{ s.cluster_count }} / ({{ s.cluster_count }} - 1)
                ) / {{ s.n }}
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("standard_error_sql: method must be sample or clustered, got '" ~ method ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- The standard error by var `se_method` (standard_error_sql's): `is_clustered`, a SQL
    boolean naming the method (a column a model read once from the options row;
    default the options row's, is_clustered_sql). -#}
{% macro standard_error_by_option_sql(s, is_clustered=none) -%}
    case
        when {{ is_clustered or is_clustered_sql() }}
            then {{ standard_error_sql('clustered', s) }}
        else {{ standard_error_sql('sample', s) }}
    end
{%- endmacro %}

{#- Whether var `se_method` is clustered, as a SQL condition (option_is_sql). -#}
{% macro is_clustered_sql() -%}
    {{ budgetcurves.option_is_sql('se_method', se_method(), 'clustered') }}
{%- endmacro %}

{#- Whether var `ci_method` is wilson, as a SQL condition (option_is_sql). -#}
{% macro is_wilson_sql() -%}
    {{ budgetcurves.option_is_sql('ci_method', ci_method(), 'wilson') }}
{%- endmacro %}

{#- The design effect deff = se^2 / (p (1 - p) / n) of a clustered mean p of n scores
    in [0, 1], kept within [1, sum n_q^2 / n] (from independent samples to every
    question's samples alike); where p (1 - p) = 0 or se is null the data say nothing
    of it and the cautious end, sum n_q^2 / n, is taken (k, with k epochs a question). -#}
{% macro design_effect_sql(rate, se, n, cluster_size_sum) -%}
    {%- set variance = '(' ~ rate ~ ' * (1 - ' ~ rate ~ '))' -%}
    {%- set most = '(cast(' ~ cluster_size_sum ~ ' as ' ~ budgetcurves.type_double() ~ ') / ' ~ n ~ ')' -%}
    case
        when {{ variance }} > 0 and {{ se }} is not null
            then greatest(least({{ se }} * {{ se }} * {{ n }} / {{ variance }}, {{ most }}), 1)
        else {{ most }}
    end
{%- endmacro %}

{#- A curve's design effect for its Wilson band (var `se_method` clustered; null with
    `sample`): one for the whole curve, estimated at its end from the curve totals of
    the relation `curves` (sample_count, cluster_count, cluster_size_sum,
    score_sum_total, cluster_size_score_sum_total, cluster_square_sum_total). Why one
    per curve: docs/statistics.md#bands-ci_method. -#}
{% macro curve_design_effect_sql(curves, is_clustered=none) -%}
    {%- set se = standard_error_sql('clustered', {
        'n': curves ~ '.sample_count',
        'score_sum': curves ~ '.score_sum_total',
        'cluster_count': curves ~ '.cluster_count',
        'cluster_size_sum': curves ~ '.cluster_size_sum',
        'cluster_size_score_sum': curves ~ '.cluster_size_score_sum_total',
        'cluster_square_sum': curves ~ '.cluster_square_sum_total',
    }) -%}
    case
        when {{ is_clustered or is_clustered_sql() }}
            then {{ design_effect_sql('(' ~ curves ~ '.score_sum_total / ' ~ curves ~ '.sample_count)', '(' ~ se ~ ')', curves ~ '.sample_count', curves ~ '.cluster_size_sum') }}
    end
{%- endmacro %}

{#- One end of the band (`side` -1: lower, +1: upper) at critical value z. `normal`:
    rate +- z se. `wilson` (Brown, Cai & DasGupta 2001), the mean of scores in [0, 1]
    taken as a proportion over n_eff:
    (p + z^2 / 2n +- z sqrt(p (1 - p) / n + z^2 / 4n^2)) / (1 + z^2 / n). Where a
    score is outside [0, 1] the Wilson band does not apply and the normal one is used
    (the mart's `ci_method` says which). -#}
{% macro band_bound_sql(method, side, rate, se, n_eff, z, is_unit_interval) -%}
    {%- set sign = '+' if side > 0 else '-' -%}
    {%- set normal = rate ~ ' ' ~ sign ~ ' ' ~ z ~ ' * ' ~ se -%}
    {%- if method == 'normal' -%}
        {{ normal }}
    {%- elif method == 'wilson' -%}
        {%- set z2 = '(' ~ z ~ ' * ' ~ z ~ ')' -%}
        case
            when {{ is_unit_interval }} and {{ n_eff }} > 0
                then (
                    {{ rate }} + {{ z2 }} / (2 * {{ n_eff }})
                    {{ sign }} {{ z }} * sqrt(
                        greatest({{ rate }} * (1 - {{ rate }}), 0) / {{ n_eff }}
                        + {{ z2 }} / (4 * {{ n_eff }} * {{ n_eff }})
                    )
                ) / (1 + {{ z2 }} / {{ n_eff }})
            else {{ normal }}
        end
    {%- else -%}
        {{ exceptions.raise_compiler_error("band_bound_sql: method must be normal or wilson, got '" ~ method ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- One end of the band by var `ci_method` (band_bound_sql's): `is_wilson`, a SQL
    boolean naming the method (a column a model read once from the options row;
    default the options row's, is_wilson_sql). -#}
{% macro band_bound_by_option_sql(side, rate, se, n_eff, z, is_unit_interval, is_wilson=none) -%}
    case
        when {{ is_wilson or is_wilson_sql() }}
            then {{ band_bound_sql('wilson', side, rate, se, n_eff, z, is_unit_interval) }}
        else {{ band_bound_sql('normal', side, rate, se, n_eff, z, is_unit_interval) }}
    end
{%- endmacro %}

{#- The band method a row used by var `ci_method` (band_method_sql's). -#}
{% macro band_method_by_option_sql(is_unit_interval, is_wilson=none) -%}
    case when {{ is_wilson or is_wilson_sql() }} and {{ is_unit_interval }} then 'wilson' else 'normal' end
{%- endmacro %}

{#- The band method a row used: `wilson` falls back to `normal` off [0, 1]. -#}
{% macro band_method_sql(method, is_unit_interval) -%}
    {%- if method == 'wilson' -%}
        case when {{ is_unit_interval }} then 'wilson' else 'normal' end
    {%- else -%}
        'normal'
    {%- endif -%}
{%- endmacro %}

{#- The columns ci_lower and ci_upper, doubles, from the band's ends `lower` and
    `upper` (SQL expressions): clipped to [low, high] where `is_bounded` (a SQL
    boolean: every score within [0, 1], so a rate lies in [0, 1] and a difference of
    two rates in [-1, 1]), as they are elsewhere, null where null. -#}
{% macro clipped_band_columns_sql(lower, upper, is_bounded, low=0, high=1) -%}
    {%- if low is not number or high is not number or not low < high -%}
        {{ exceptions.raise_compiler_error("clipped_band_columns_sql: low and high must be numbers with low < high, got '" ~ low ~ "' and '" ~ high ~ "'") }}
    {%- endif -%}
    cast(case
        when {{ lower }} is null or not {{ is_bounded }} then {{ lower }}
        else greatest({{ lower }}, {{ low }})
    end as {{ budgetcurves.type_double() }}) as ci_lower,
    cast(case
        when {{ upper }} is null or not {{ is_bounded }} then {{ upper }}
        else least({{ upper }}, {{ high }})
    end as {{ budgetcurves.type_double() }}) as ci_upper
{%- endmacro %}

{#- The standard error (var `se_method`) at a point of a curve: its totals from the
    relation `curves` (sample_count, cluster_count, cluster_size_sum), its running
    sums from `through` (score_sum_through, score_square_sum_through,
    cluster_size_score_sum_through, cluster_square_sum_through). -#}
{% macro curve_standard_error_sql(curves, through, is_clustered=none) -%}
    {{ return(standard_error_by_option_sql({
        'n': curves ~ '.sample_count',
        'score_sum': through ~ '.score_sum_through',
        'score_square_sum': through ~ '.score_square_sum_through',
        'cluster_count': curves ~ '.cluster_count',
        'cluster_size_sum': curves ~ '.cluster_size_sum',
        'cluster_size_score_sum': through ~ '.cluster_size_score_sum_through',
        'cluster_square_sum': through ~ '.cluster_square_sum_through',
    }, is_clustered)) }}
{%- endmacro %}

{#- The columns band_lower, band_upper and ci_method (var `ci_method`) of a relation
    with success_rate, standard_error, sample_count, design_effect (curve_design_effect_sql),
    is_unit_interval and the methods is_clustered and is_wilson (read once from the
    options row), at critical value z. The Wilson band's n is the effective sample
    size: n with se_method `sample`, n / deff with `clustered`. -#}
{% macro curve_band_columns_sql(z) -%}
    {%- set n_eff = '(case when is_clustered then sample_count / design_effect else sample_count end)' -%}
    {{ band_bound_by_option_sql(-1, 'success_rate', 'standard_error', n_eff, z, 'is_unit_interval', 'is_wilson') }} as band_lower,
    {{ band_bound_by_option_sql(1, 'success_rate', 'standard_error', n_eff, z, 'is_unit_interval', 'is_wilson') }} as band_upper,
    {{ band_method_by_option_sql('is_unit_interval', 'is_wilson') }} as ci_method
{%- endmacro %}

{#- `value` (a SQL expression) as a double, clipped to [low, high] where `is_bounded`
    (a SQL boolean), null where null: one column of clipped_band_columns_sql's kind. -#}
{% macro clipped_sql(value, is_bounded, low=0, high=1) -%}
    {%- if low is not number or high is not number or not low < high -%}
        {{ exceptions.raise_compiler_error("clipped_sql: low and high must be numbers with low < high, got '" ~ low ~ "' and '" ~ high ~ "'") }}
    {%- endif -%}
    cast(case
        when {{ value }} is null or not {{ is_bounded }} then {{ value }}
        else least(greatest({{ value }}, {{ low }}), {{ high }})
    end as {{ budgetcurves.type_double() }})
{%- endmacro %}
