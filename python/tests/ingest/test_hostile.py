"""Hostile logs as a property (issue 12): whatever text the ids, scorers and statuses
hold and whatever the scores are, each sample is loaded once, its identity kept
exactly, an unusable score typed and left out, and nothing reaches SQL as code."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcurves.ingest import ingest
from budgetcurves.ingest._landing import decode_eval_ids

from ._logs import JSON_LOGS

#: Text a hostile log may hold where a name goes: quotes, commas, backslashes,
#: SQL comments and statement ends, globs, unicode.
NASTY = st.text(
    alphabet=st.sampled_from(list("ab',\"\\;-*?[]{}% \t\n") + ["é", "🙂", "\u0000"]),
    min_size=1,
    max_size=12,
)
#: A score as JSON text: numbers of any size, NaN and infinities, numeric strings
#: beyond a double, letters, booleans, null, and structures.
SCORES = st.one_of(
    st.integers(-(10**400), 10**400).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(
        lambda x: (
            "NaN"
            if math.isnan(x)
            else ("Infinity" if x > 0 else "-Infinity")
            if math.isinf(x)
            else repr(x)
        )
    ),
    st.sampled_from(["1e309", "-1e400", "0.5", " 2 ", "C", "I", "yes", "inf", "1e3"]).map(
        json.dumps
    ),
    st.sampled_from(["true", "false", "null", '{"a": 1}', "[1, 2]"]),
)

_TEMPLATE = json.loads(JSON_LOGS[0].read_text())


def _python_non_finite(raw: str) -> bool:
    """Is the score's JSON text a number (or numeric string) no double holds?"""
    value = json.loads(raw, parse_int=lambda t: float("inf") if len(t) > 4000 else int(t))
    if isinstance(value, str):
        if not re.fullmatch(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*", value):
            return False
        return not math.isfinite(float(value))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    try:
        return not math.isfinite(float(value))
    except OverflowError:
        return True


def _write_log(path: Path, eval_id: str, scorer: str, status: str, ids, scores) -> None:
    doc = json.loads(json.dumps(_TEMPLATE))
    doc["eval"]["eval_id"] = eval_id
    doc["eval"]["scorers"] = [{"name": scorer}]
    doc["status"] = status
    samples = []
    for index, sample_id in enumerate(ids):
        sample = json.loads(json.dumps(doc["samples"][index % len(doc["samples"])]))
        sample["id"] = sample_id
        sample["epoch"] = 1
        sample["scores"] = {scorer: {"value": f"__score_{index}__"}}
        samples.append(sample)
    doc["samples"] = samples
    text = json.dumps(doc)
    for index, raw in enumerate(scores):
        text = text.replace(f'"__score_{index}__"', raw, 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    eval_id=NASTY,
    scorer=NASTY,
    status=NASTY,
    ids=st.lists(st.one_of(NASTY, st.integers(-5, 5)), min_size=1, max_size=8),
    scores=st.lists(SCORES, min_size=8, max_size=8),
)
def test_hostile_names_and_scores_load_once_and_exactly(
    tmp_path_factory, eval_id, scorer, status, ids, scores
):
    folder = tmp_path_factory.mktemp("hostile")
    scores = scores[: len(ids)]
    _write_log(folder / "a" / "log.json", eval_id, scorer, status, ids, scores)
    con = duckdb.connect()
    summary = ingest([str(folder)], con)
    assert summary.errors == []
    distinct = {str(i) for i in ids}
    rows = con.execute("select eval_id, sample_id, log_status from inspect.samples").fetchall()
    assert sorted(r[1] for r in rows) == sorted(distinct)  # each sample once, id exact
    assert {(r[0], r[2]) for r in rows} == {(eval_id, status)}
    (ledger,) = con.execute("select eval_ids from inspect.log_files").fetchone()
    assert decode_eval_ids(ledger) == {eval_id}
    # an unusable score is typed non_finite, exactly when Python says it is not finite
    first = {}
    for sample_id, raw in zip(ids, scores, strict=True):
        first.setdefault(str(sample_id), raw)
    typed = dict(
        con.execute(
            "select sample_id, value_type = 'non_finite' from inspect.sample_scores"
        ).fetchall()
    )
    assert typed == {i: _python_non_finite(raw) for i, raw in first.items()}
    assert con.execute("select distinct scorer from inspect.sample_scores").fetchall() == [
        (scorer,)
    ]
    # a copy of the log elsewhere replaces it: still each sample once
    shutil.copytree(folder / "a", folder / "b")
    ingest([str(folder)], con)
    (count,) = con.execute("select count(*) from inspect.samples").fetchone()
    assert count == len(distinct)
