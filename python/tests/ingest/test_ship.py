"""A worker's parsed files come back from :mod:`budgetcurves.ingest._ship` as they
were: rows, notes and the rest, errors and files out of the landing shape included."""

from __future__ import annotations

import pickle
from dataclasses import fields

import pyarrow as pa

from budgetcurves._errors import LogReadError
from budgetcurves.ingest._ingest import _read_one
from budgetcurves.ingest._landing import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile
from budgetcurves.ingest._ship import pack, unpack

from ..conftest import EXAMPLE_LOGS
from .test_columns import LOGS


def _same(ours: ParsedFile | LogReadError, theirs: ParsedFile | LogReadError) -> None:
    assert type(ours) is type(theirs)
    if isinstance(ours, LogReadError):
        assert (ours.path, ours.reason) == (theirs.path, theirs.reason)
        return
    for field in fields(ParsedFile):
        mine, other = getattr(ours, field.name), getattr(theirs, field.name)
        if isinstance(mine, pa.Table):
            assert mine.equals(other, check_metadata=True), field.name
        else:
            assert mine == other, field.name


def _round_trip(results: list[ParsedFile | LogReadError]) -> list[ParsedFile | LogReadError]:
    # as a worker hands a task back: pickled through a pipe
    return unpack(pickle.loads(pickle.dumps(pack(results))))


def test_every_example_and_real_log_comes_back_the_same():
    results = [_read_one(str(path)) for path in LOGS]
    assert any(isinstance(r, ParsedFile) and r.notes for r in results)  # notes travel too
    back = _round_trip(results)
    assert len(back) == len(results)
    for ours, theirs in zip(back, results, strict=True):
        _same(ours, theirs)


def test_errors_empty_files_and_other_shapes_keep_their_place():
    log = _read_one(str(sorted(EXAMPLE_LOGS.glob("*.eval"))[0]))
    assert isinstance(log, ParsedFile) and log.samples.num_rows > 1
    error = LogReadError("bad.eval", "not a readable .eval (zip) file: no")
    empty = ParsedFile(
        "empty.eval", "eval", None, [], 2, SAMPLES_SCHEMA.empty_table(), SCORES_SCHEMA.empty_table()
    )
    other = ParsedFile(
        "other.parquet", "samples_df", None, ["e"], None, pa.table({"x": [1]}), pa.table({"y": [2]})
    )
    halves = ParsedFile(
        "halves.eval", "eval", "started", log.eval_ids, 2,
        pa.concat_tables([log.samples.slice(0, 1), log.samples.slice(1)]), log.scores, ["a note"],
    )  # fmt: skip
    results: list[ParsedFile | LogReadError] = [error, log, empty, other, halves, error, log]
    back = _round_trip(results)
    assert len(back) == len(results)
    for ours, theirs in zip(back, results, strict=True):
        _same(ours, theirs)
    (alone,) = _round_trip([error])  # a task of errors only
    _same(alone, error)
    assert _round_trip([]) == []
