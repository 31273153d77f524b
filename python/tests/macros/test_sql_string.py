"""sql_string: any text a var may hold reaches SQL as that text, never as code."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

TEXT = st.text(
    alphabet=st.sampled_from(list("ab'\"\\;-%_ \n") + ["é", "🙂"]), min_size=0, max_size=16
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXT, min_size=1, max_size=25))
def test_any_text_comes_back_as_itself(render, run_sql, texts):
    values = [f"s{text}" for text in texts]  # the var statuses: names, so never blank
    sql = render(
        "{% for v in var('statuses') %}select {{ loop.index0 }} as i, "
        "{{ sql_string(v) }} as v{{ ' union all ' if not loop.last }}{% endfor %}",
        {"statuses": values},
    )
    got = run_sql(f"select v from ({sql}) order by i")["v"].tolist()
    assert got == values


def test_a_crafted_value_is_one_literal(render, run_sql):
    crafted = "x'); drop table t; --"
    sql = render("select {{ sql_string(var('scorer')) }} as v", {"scorer": crafted})
    assert run_sql(sql)["v"].tolist() == [crafted]
