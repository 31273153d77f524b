{#-
    The two-sided normal critical value for a confidence `level`: the z with
    P(|Z| <= z) = level, i.e. the inverse normal CDF at (1 + level) / 2.
    DuckDB has no inverse normal CDF and Jinja has no logarithm, so this renders
    Wichura's algorithm AS241 (PPND16, relative error about 1e-16) as a SQL
    expression; on a literal level the engine folds it to a constant.
-#}
{% macro z_score(level) -%}
    {%- if level is none or level is boolean -%}
        {{ exceptions.raise_compiler_error("z_score: level must be a number strictly between 0 and 1 or a SQL expression, got " ~ level) }}
    {%- elif level is number -%}
        {%- if not (0 < level < 1) -%}
            {{ exceptions.raise_compiler_error("z_score: level must be strictly between 0 and 1, got " ~ level) }}
        {%- endif -%}
        {%- set level_sql = "cast(" ~ level ~ " as " ~ budgetcurves.type_double() ~ ")" -%}
    {%- elif level is string and level | trim -%}
        {#- an expression (the options row's level, a column) is evaluated once, in a
            subquery the formula reads it from, not at each of its dozens of uses -#}
        {%- set level_sql = "z_level.level_value" -%}
        {%- set level_once = "cast(" ~ level ~ " as " ~ budgetcurves.type_double() ~ ") as level_value" -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error("z_score: level must be a number strictly between 0 and 1 or a SQL expression, got '" ~ level ~ "'") }}
    {%- endif -%}
    {#- p is computed in floating point exactly as scipy.stats.norm.ppf((1 + level) / 2) sees it -#}
    {%- set p = "((1.0 + " ~ level_sql ~ ") / 2.0)" -%}
    {%- set q = "(" ~ p ~ " - 0.5)" -%}
    {%- set r_central = "(0.180625 - " ~ q ~ " * " ~ q ~ ")" -%}
    {%- set r_tail = "sqrt(-" ~ budgetcurves.ln("(case when " ~ q ~ " < 0 then " ~ p ~ " else 1.0 - " ~ p ~ " end)") ~ ")" -%}
    {%- set central -%}
        {{ q }} * {{ budgetcurves._poly(r_central, [3.3871328727963666080e0, 1.3314166789178437745e+2, 1.9715909503065514427e+3, 1.3731693765509461125e+4, 4.5921953931549871457e+4, 6.7265770927008700853e+4, 3.3430575583588128105e+4, 2.5090809287301226727e+3]) }}
        / {{ budgetcurves._poly(r_central, [1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2, 5.3941960214247511077e+3, 2.1213794301586595867e+4, 3.9307895800092710610e+4, 2.8729085735721942674e+4, 5.2264952788528545610e+3]) }}
    {%- endset -%}
    {%- set r_mid = "(" ~ r_tail ~ " - 1.6)" -%}
    {%- set r_far = "(" ~ r_tail ~ " - 5.0)" -%}
    {%- set mid -%}
        {{ budgetcurves._poly(r_mid, [1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0, 3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1, 2.27238449892691845833e-2, 7.74545014278341407640e-4]) }}
        / {{ budgetcurves._poly(r_mid, [1.0, 2.05319162663775882187e0, 1.67638483018380384940e0, 6.89767334985100004550e-1, 1.48103976427480074590e-1, 1.51986665636164571966e-2, 5.47593808499534494600e-4, 1.05075007164441684324e-9]) }}
    {%- endset -%}
    {%- set far -%}
        {{ budgetcurves._poly(r_far, [6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0, 2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3, 2.71155556874348757815e-5, 2.01033439929228813265e-7]) }}
        / {{ budgetcurves._poly(r_far, [1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1, 1.48753612908506148525e-2, 7.86869131145613259100e-4, 1.84631831751005468180e-5, 1.42151175831644588870e-7, 2.04426310338993978564e-15]) }}
    {%- endset -%}
    {% if level_once is defined %}(select {% endif -%}
    (case
        when abs({{ q }}) <= 0.425 then {{ central }}
        when {{ r_tail }} <= 5.0 then sign({{ q }}) * ({{ mid }})
        else sign({{ q }}) * ({{ far }})
    end)
    {%- if level_once is defined %} from (select {{ level_once }}) as z_level){% endif %}
{%- endmacro %}

{#- Horner form of sum(coefficients[i] * x^i), coefficients from the constant term up. -#}
{% macro _poly(x, coefficients) -%}
    {%- set ns = namespace(sql = "cast(" ~ budgetcurves._float_literal(coefficients[-1]) ~ " as " ~ budgetcurves.type_double() ~ ")") -%}
    {%- for c in coefficients[:-1] | reverse -%}
        {%- set ns.sql = "(" ~ ns.sql ~ " * " ~ x ~ " + " ~ budgetcurves._float_literal(c) ~ ")" -%}
    {%- endfor -%}
    {{ ns.sql }}
{%- endmacro %}

{#- A float as an exact-enough SQL literal (Python's repr round-trips doubles). -#}
{% macro _float_literal(value) -%}
    {{ "%r" | format(value | float) }}
{%- endmacro %}

{#- The two-sided Student's t critical values for a confidence `level`, one for each
    distinct degrees of freedom `df` (a SQL expression over `relation`, >= 1): a
    relation (df, t_score) with P(|T| <= t_score) = level, i.e. the inverse t CDF at
    (1 + level) / 2; null where df < 1. Hill's algorithm 396, then up to df 100 two
    Newton steps on the exact t CDF, a polynomial whose terms beyond df are switched
    off (the derivation: docs/statistics.md#critical-values-z_score-t_scores). A
    relation, not an expression: each step is a column of the one before, where an
    expression would repeat z_score dozens of times. Checked against scipy in
    python/tests/macros/test_z_score.py. -#}
{% macro t_scores(level, relation, df) -%}
    {%- set double = budgetcurves.type_double() -%}
    {#- one CTE a step (nested subqueries go deeper than sqlfluff parses); those whose
        columns the next steps repeat are materialized (cte_materialized) -#}
    with

    t_inputs as {{ budgetcurves.cte_materialized() }} (
        select distinct
            cast({{ df }} as {{ double }}) as df,
            1.0 - cast({{ level }} as {{ double }}) as p,
            -- Hill's x = qnorm(p / 2) = -z
            -{{ budgetcurves.z_score(level) }} as x
        from {{ relation }}
    ),

    -- the t CDF's coefficients, one row a term (as a relation, the Newton steps below
    -- are a join and a sum, not 200 spelled-out terms for the planner to read)
    t_cdf_terms as {{ budgetcurves.cte_materialized() }} (
        {{ budgetcurves._t_cdf_terms() }}
    ),

    -- Hill's names, from df: a, b, c0, d, then c2 and y0, y1, v
    t_hill_a as (
        select
            *,
            1.0 / (df - 0.5) as a,
            48.0 * (df - 0.5) * (df - 0.5) as b
        from t_inputs
    ),

    t_hill_c as (
        select
            *,
            ((20700.0 * a / b - 98.0) * a - 16.0) * a + 96.36 as c0
        from t_hill_a
    ),

    t_hill_d as (
        select
            *,
            ((94.5 / (b + c0) - 3.0) / b + 1.0) * sqrt(a * 1.5707963267948966) * df as d
        from t_hill_c
    ),

    t_hill_y0 as {{ budgetcurves.cte_materialized() }} (
        select
            *,
            ((((0.05 * d * x - 5.0) * x - 7.0) * x - 2.0) * x + b + c0
            + case when df < 5 then 0.3 * (df - 4.5) * (x + 0.6) else 0 end) as c2,
            case when df > 2 then power(d * p, 2.0 / df) end as y0
        from t_hill_d
    ),

    t_hill_v as (
        select
            *,
            a * y1 * y1 as v
        from (
            select
                *,
                (((((0.4 * x * x + 6.3) * x * x + 36.0) * x * x + 94.5) / c2 - x * x - 3.0) / b + 1.0) * x
                    as y1
            from t_hill_y0
        ) as with_y1
    ),

    t_hill as {{ budgetcurves.cte_materialized() }} (
        select
            df,
            t_hill,
            atan(t_hill / sqrt(df)) as theta
        from (
            select
                df,
                case
                    when df < 1 then null
                    when df = 1 then 1.0 / tan(p * 1.5707963267948966)
                    when df = 2 then sqrt(2.0 / (p * (2.0 - p)) - 2.0)
                    when y0 > 0.05 + a then sqrt(df * (case
                        -- exp(v) - 1 without its cancellation for small v (no portable expm1)
                        when v < 1e-3 then v * (1.0 + v * (0.5 + v * (1.0 / 6.0 + v / 24.0)))
                        else exp(v) - 1.0
                    end))
                    else sqrt(df * (
                        ((1.0 / (((df + 6.0) / (df * y0) - 0.089 * d - 0.822) * (df + 2.0) * 3.0)
                        + 0.5 / (df + 4.0)) * y0 - 1.0) * (df + 1.0) / (df + 2.0) + 1.0 / y0
                    ))
                end as t_hill
            from t_hill_v
        ) as hill
    ),

    t_newton_1 as {{ budgetcurves.cte_materialized() }} (
        {{ budgetcurves._t_newton_step(level, 't_hill') }}
    ),

    t_newton_2 as {{ budgetcurves.cte_materialized() }} (
        {{ budgetcurves._t_newton_step(level, 't_newton_1') }}
    )

    select
        df,
        case
            when df <= {{ budgetcurves._t_exact_df() }} then sqrt(df) * tan(theta)
            else t_hill
        end as t_score
    from t_newton_2
{%- endmacro %}

{#- Up to which df the t CDF's polynomial is written out (and Newton refines Hill). -#}
{% macro _t_exact_df() %}{{ return(100) }}{% endmacro %}

{#- The coefficients of the t CDF as a polynomial in u = cos(theta)^2, one row a term
    j < _t_exact_df() / 2 (Jinja's floats, written exactly): with df even,
    P(|T| <= t) = sin(theta) sum over j < df / 2 of c_j u^j, c_j = c_(j-1) (2j - 1)/(2j);
    odd, 2/pi (theta + sin(theta) cos(theta) sum over j < (df - 1) / 2 of d_j u^j),
    d_j = d_(j-1) 2j/(2j + 1); c_0 = d_0 = 1. -#}
{% macro _t_cdf_terms() -%}
    {%- set most = budgetcurves._t_exact_df() -%}
    {%- set ns = namespace(c=[1.0], d=[1.0]) -%}
    {%- for j in range(1, most // 2 + 1) -%}
        {%- do ns.c.append(ns.c[-1] * (2 * j - 1) / (2 * j)) -%}
        {%- do ns.d.append(ns.d[-1] * (2 * j) / (2 * j + 1)) -%}
    {%- endfor -%}
    {%- for j in range(most // 2) %}
    select
        {{ j }} as term,
        cast({{ budgetcurves._float_literal(ns.c[j]) }} as {{ budgetcurves.type_double() }}) as even_coefficient,
        cast({{ budgetcurves._float_literal(ns.d[j]) }} as {{ budgetcurves.type_double() }}) as odd_coefficient
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}

{#- One Newton step on theta for P(|T| <= sqrt(df) tan(theta)) = level over a relation
    with df, theta (and t_hill, carried along), summing the terms of t_cdf_terms that
    df switches on. The slope d/dtheta is (df - 1) c_(df/2 - 1) u^((df - 1)/2) with df
    even; odd, 2/pi (df - 1) d_((df - 3)/2) u^((df - 1)/2) (2/pi when df is 1). -#}
{% macro _t_newton_step(level, relation) -%}
    {%- set most = budgetcurves._t_exact_df() -%}
    select
        df,
        t_hill,
        theta - (coverage - cast({{ level }} as {{ budgetcurves.type_double() }})) / slope as theta
    from (
        select
            with_u.df,
            with_u.t_hill,
            with_u.theta,
            case
                when floor(with_u.df / 2) * 2 = with_u.df then sin(with_u.theta) * sum(
                    case when 2 * t_cdf_terms.term < with_u.df
                        then t_cdf_terms.even_coefficient * power(with_u.u, t_cdf_terms.term)
                        else 0.0
                    end
                )
                else 0.6366197723675814 * (
                    with_u.theta + sin(with_u.theta) * cos(with_u.theta) * sum(
                        case when 2 * t_cdf_terms.term + 2 < with_u.df
                            then t_cdf_terms.odd_coefficient * power(with_u.u, t_cdf_terms.term)
                            else 0.0
                        end
                    )
                )
            end as coverage,
            case
                when with_u.df = 1 then 0.6366197723675814
                when with_u.df > {{ most }} then null
                when floor(with_u.df / 2) * 2 = with_u.df then (with_u.df - 1) * max(
                    case when t_cdf_terms.term = with_u.df / 2 - 1 then t_cdf_terms.even_coefficient end
                ) * power(with_u.u, (with_u.df - 1) / 2)
                else (with_u.df - 1) * (0.6366197723675814 * max(
                    case when t_cdf_terms.term = (with_u.df - 3) / 2 then t_cdf_terms.odd_coefficient end
                )) * power(with_u.u, (with_u.df - 1) / 2)
            end as slope
        from (
            select
                *,
                cos(theta) * cos(theta) as u
            from {{ relation }}
        ) as with_u
        cross join t_cdf_terms
        group by with_u.df, with_u.t_hill, with_u.theta, with_u.u
    ) as measured
{%- endmacro %}
