{#- No NaN or infinite value in scores_by_limit_exact (macros/not_finite_rows.sql). -#}
{{ not_finite_rows(ref('scores_by_limit_exact')) }}
