{#- No NaN or infinite value in paired_differences_by_limit (macros/not_finite_rows.sql). -#}
{{ not_finite_rows(ref('paired_differences_by_limit')) }}
