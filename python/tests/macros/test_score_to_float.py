"""score_to_float follows inspect_ai's own value_to_float, value by value."""

from __future__ import annotations

import pandas as pd
from inspect_ai.scorer import value_to_float

from budgetcurves.ingest._rows import _scalar_text, _scalar_type

VALUES = [
    "C",
    "I",
    "P",
    "N",
    "c",
    "p",
    "yes",
    "YES",
    "No",
    "true",
    "False",
    "TRUE",
    "0.5",
    "1",
    "12",
    ".5",
    "3.",
    "0",
    "-1",
    "+2",
    "1e3",
    "2.5E-1",
    " 1",
    " 7 ",
    "",
    ".",
    "1.2.3",
    "e5",
    "maybe",
    "inf",
    "nan",
    "Infinity",
    "1 2",
    True,
    False,
    0,
    1,
    0.25,
    2.5,
    -3,
    1e-3,
]


def test_matches_inspect_value_to_float(render, run_sql):
    frame = pd.DataFrame(
        {
            "value_type": [_scalar_type(v) for v in VALUES],
            "value_text": [_scalar_text(v) for v in VALUES],
        }
    )
    sql = render(
        "select value_type, value_text, {{ score_to_float('value_type', 'value_text') }} as score "
        "from scores"
    )
    got = run_sql(sql, scores=frame)
    expected = [value_to_float()(v) for v in VALUES]
    assert got["score"].tolist() == expected


def test_dicts_lists_and_nulls_are_not_scores(render, run_sql):
    frame = pd.DataFrame(
        {"value_type": ["dict", "list", "null"], "value_text": ['{"a": 1}', "[1, 2]", None]}
    )
    sql = render("select {{ score_to_float('value_type', 'value_text') }} as score from scores")
    assert run_sql(sql, scores=frame)["score"].isna().all()
