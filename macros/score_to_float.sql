{#-
    Inspect's value-to-float rules (inspect_ai.scorer.value_to_float) for a
    score stored as (value_type, value_text): numbers and booleans as
    themselves; strings `C` = 1, `P` = 0.5, `I` and `N` = 0, `yes`/`true` = 1,
    `no`/`false` = 0 (any case), a string holding a finite decimal number (sign,
    exponent and surrounding blanks allowed, as Python's float()) as that number,
    anything else 0. Dicts, lists, nulls and `non_finite` numbers (NaN, infinite,
    beyond a double: the loader types them so) give null: they are not scores.
    (inspect-viz 0.4.2 vendors an older copy that maps '-1' and '1e3' to 0.)
-#}
{% macro score_to_float(value_type, value_text) -%}
    case
        when {{ value_type }} = 'number' then cast({{ value_text }} as {{ budgetcurves.type_double() }})
        when {{ value_type }} = 'boolean' then case when {{ value_text }} = 'true' then 1.0 else 0.0 end
        when {{ value_type }} <> 'string' then null
        when {{ value_text }} = 'C' then 1.0
        when {{ value_text }} = 'P' then 0.5
        when {{ value_text }} in ('I', 'N') then 0.0
        when lower({{ value_text }}) in ('yes', 'true') then 1.0
        when lower({{ value_text }}) in ('no', 'false') then 0.0
        when {{ budgetcurves.regex_full_match(value_text, budgetcurves.decimal_number_pattern()) }}
            then cast(trim({{ value_text }}) as {{ budgetcurves.type_double() }})
        else 0.0
    end
{%- endmacro %}

{#- A decimal number as Python's float() reads one (no underscores, no inf/nan). -#}
{% macro decimal_number_pattern() -%}
    \s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*
{%- endmacro %}
