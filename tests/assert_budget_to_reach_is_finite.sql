{#- No NaN or infinite value in budget_to_reach (macros/not_finite_rows.sql). -#}
{{ not_finite_rows(ref('budget_to_reach')) }}
