"""The landing rows built on columns (``_columns.build``) equal those built row by row
(``_rows._build``), rows and notes alike, for every log: the regular ones the column
build takes, and each irregular sample it hands to the row build."""

from __future__ import annotations

import copy
import json
import math
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from budgetcurves.ingest import _columns
from budgetcurves.ingest._ingest import _read_one
from budgetcurves.ingest._landing import ParsedFile
from budgetcurves.ingest._rows import _build, _log_info
from budgetcurves.ingest._zip import Members, _read_member

from ..conftest import EXAMPLE_LOGS
from ._logs import EVAL_LOGS, eval_members

REAL_LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "real-logs"
LOGS = sorted(EXAMPLE_LOGS.glob("*.*")) + sorted(REAL_LOGS.rglob("*.eval"))


def _same(fast: ParsedFile, slow: ParsedFile) -> None:
    assert fast.samples.equals(slow.samples, check_metadata=True)
    assert fast.scores.equals(slow.scores, check_metadata=True)
    assert (fast.notes, fast.eval_ids, fast.status) == (slow.notes, slow.eval_ids, slow.status)


def _outcome(build: Callable[..., ParsedFile], *args: Any) -> ParsedFile | str:
    """What ``build`` gives: its rows, or the error it raises (the file is then bad)."""
    try:
        return build(*args)
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"


def _row_by_row(*args: Any) -> Any:
    raise _columns._Irregular


@pytest.mark.parametrize("path", LOGS, ids=lambda p: p.name)
def test_every_log_is_read_the_same_on_columns(path, monkeypatch):
    taken = []
    tables = _columns._tables
    monkeypatch.setattr(_columns, "_tables", lambda *a: taken.append(1) or tables(*a))
    fast = _read_one(str(path))
    monkeypatch.setattr(_columns, "_tables", _row_by_row)
    slow = _read_one(str(path))
    if isinstance(slow, ParsedFile):
        _same(fast, slow)
        assert taken, "a log Inspect wrote is built on columns"
    else:
        assert str(fast) == str(slow)


def _summaries() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    members = eval_members(EVAL_LOGS[0])
    header = json.loads(members["header.json"])
    return _log_info("x.eval", header, None), json.loads(members["summaries.json"])


def _usage(sample: dict[str, Any], log: dict[str, Any]) -> dict[str, Any]:
    return sample["model_usage"][log["model"]]


#: One change to the first sample (or all), each something the column build leaves
#: to the row build, or takes as the row build does.
CHANGES: dict[str, Callable[[list[dict[str, Any]], dict[str, Any]], None]] = {
    "no id": lambda s, log: s[0].pop("id"),
    "float id": lambda s, log: s[0].update(id=7.0),
    "bool id": lambda s, log: s[0].update(id=True),
    "text ids": lambda s, log: [x.update(id=f"q{i}") for i, x in enumerate(s)],
    "epoch 0": lambda s, log: s[0].update(epoch=0),
    "epoch 2.0": lambda s, log: s[0].update(epoch=2.0),
    "epoch as text": lambda s, log: s[0].update(epoch="1"),
    "no epoch": lambda s, log: s[0].pop("epoch"),
    "id and epoch twice": lambda s, log: s.append(copy.deepcopy(s[0])),
    "time as text": lambda s, log: s[0].update(total_time="0.5"),
    "time NaN": lambda s, log: s[0].update(total_time=math.nan),
    "time infinite": lambda s, log: s[0].update(working_time=-math.inf),
    "time true": lambda s, log: s[0].update(total_time=True),
    "time a whole number": lambda s, log: s[0].update(total_time=3),
    "time past 2**53": lambda s, log: s[0].update(total_time=2**53 + 1),
    "tokens 1.5": lambda s, log: _usage(s[0], log).update(input_tokens=1.5),
    "tokens 2**64": lambda s, log: _usage(s[0], log).update(total_tokens=2**64),
    "tokens negative": lambda s, log: _usage(s[0], log).update(total_tokens=-5),
    "cost": lambda s, log: _usage(s[0], log).update(total_cost=0.25),
    "usage not an object": lambda s, log: s[0]["model_usage"].update({log["model"]: "x"}),
    "usage a list": lambda s, log: s[0].update(model_usage=[1]),
    "no usage": lambda s, log: s[0].pop("model_usage"),
    "uuid a number": lambda s, log: s[0].update(uuid=5),
    "scores a list": lambda s, log: s[0].update(scores=[]),
    "scores empty": lambda s, log: s[0].update(scores={}),
    "scores text": lambda s, log: s[0].update(scores="C"),
    "dict score": lambda s, log: s[0].update(scores={"m": {"value": {"a": 1, "b": "x"}}}),
    "list score": lambda s, log: s[0].update(scores={"m": {"value": [1, 2]}}),
    "bare score": lambda s, log: s[0].update(scores={"m": 0.5}),
    "huge score": lambda s, log: s[0].update(scores={"m": {"value": "1e309"}}),
    "score -0.0": lambda s, log: [x.update(scores={"m": {"value": -0.0}}) for x in s],
    "error object": lambda s, log: s[0].update(error={"message": "boom"}),
    "error a number": lambda s, log: s[0].update(error=3),
    "limit": lambda s, log: s[0].update(limit={"type": "token", "limit": 100}),
    "limit type a number": lambda s, log: s[0].update(limit={"type": 1, "limit": 100}),
    "limit as text": lambda s, log: s[0].update(limit="token"),
    "metadata none": lambda s, log: s[0].update(metadata=None),
    "metadata odd": lambda s, log: s[0].update(metadata={"a": [1, {"b": None}], "é": "🙂"}),
    "not an object": lambda s, log: s.append(["a sample?"]),
    "message count 2.0": lambda s, log: s[0].update(message_count=2.0),
    "no samples": lambda s, log: s.clear(),
}


@pytest.mark.parametrize("change", CHANGES, ids=str)
def test_an_irregular_sample_is_built_as_row_by_row(change):
    log, samples = _summaries()
    CHANGES[change](samples, log)
    slow = _outcome(_build, "x.eval", "eval", log, None, copy.deepcopy(samples), ["before"])
    fast = _outcome(_columns.build, "x.eval", "eval", log, None, copy.deepcopy(samples), ["before"])
    if isinstance(slow, str):
        assert fast == slow
    else:
        assert isinstance(fast, ParsedFile)
        _same(fast, slow)


def test_a_log_without_an_eval_id_or_with_a_negative_budget_is_noted_alike():
    log, samples = _summaries()
    spec = dict(log["spec"], eval_id=None, task_id=None, run_id=None)
    spec["config"] = {"token_limit": -1, "time_limit": 30}
    log = _log_info("x.eval", dict(eval=spec), None)
    slow = _build("x.eval", "eval", log, None, copy.deepcopy(samples), [])
    fast = _columns.build("x.eval", "eval", log, None, copy.deepcopy(samples), [])
    _same(fast, slow)
    assert len(fast.notes) == 2  # the file's path as its identity, the negative budget


@pytest.mark.parametrize("path", EVAL_LOGS, ids=lambda p: p.name)
def test_the_central_directory_lists_and_reads_what_zipfile_does(path):
    with open(path, "rb") as handle, zipfile.ZipFile(path) as archive:
        members = Members.of(handle)
        assert members is not None
        assert set(members.names) == set(archive.namelist())
        for name in archive.namelist():
            assert members.read(name) == _read_member(archive, name)


def test_a_zip_out_of_the_ordinary_is_left_to_zipfile(tmp_path):
    data = EVAL_LOGS[0].read_bytes()
    prefixed = tmp_path / "prefixed.eval"
    prefixed.write_bytes(b"#!junk\n" + data)  # zipfile reads it; Members does not try
    with open(prefixed, "rb") as handle:
        assert Members.of(handle) is None
    truncated = tmp_path / "truncated.eval"
    truncated.write_bytes(data[: len(data) // 2])
    with open(truncated, "rb") as handle:
        assert Members.of(handle) is None
    ours = ["log_file", "source_log"]  # the only columns that name the file
    read = _read_one(str(prefixed)).samples.drop_columns(ours)
    assert read.equals(_read_one(str(EVAL_LOGS[0])).samples.drop_columns(ours))
