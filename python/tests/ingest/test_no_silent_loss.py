"""No lost data, no silent wrong answers (issue 12): each case loads every good
sample exactly once, and names what it leaves out."""

from __future__ import annotations

import io
import json
import math
import zipfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from budgetcurves.ingest import _read, _zip, ingest
from budgetcurves.ingest._landing import LANDED_SAMPLES

from ..conftest import EXAMPLE_EXPORT
from ._logs import EVAL_LOGS, JSON_LOGS, clone_log, eval_members, write_eval


def _run(*paths, con=None):
    con = con or duckdb.connect()
    return ingest([str(p) for p in paths], con), con


def _one(con, sql):
    return con.execute(sql).fetchone()[0]


def _samples(con) -> int:
    return _one(con, f"select count(*) from {LANDED_SAMPLES} as bc_landed")


def _json_samples(path: Path) -> int:
    return len(json.loads(path.read_text(), parse_int=float)["samples"])


# --------------------------------------------------------------------------- 2


def test_a_streamed_json_log_with_sorted_keys_keeps_its_status(tmp_path, monkeypatch):
    """`json.dump(sort_keys=True)` puts `status` after `samples`: still `success`."""
    monkeypatch.setattr(_read, "STREAM_JSON_BYTES", 0)  # stream every .json
    doc = json.loads(JSON_LOGS[0].read_text())
    assert doc["status"] == "success" and list(doc).index("samples") < len(doc) - 1
    log = tmp_path / "sorted.json"
    log.write_text(json.dumps(doc, sort_keys=True))
    keys = list(json.loads(log.read_text()))
    assert keys.index("status") > keys.index("samples")
    summary, con = _run(log)
    assert summary.errors == []
    assert con.execute(
        f"select distinct log_status from {LANDED_SAMPLES} as bc_landed"
    ).fetchall() == [("success",)]
    assert con.execute("select distinct format_version from inspect.log_files").fetchall() == [
        (doc["version"],)
    ]
    assert _samples(con) == len(doc["samples"])


def test_a_log_of_a_status_the_marts_leave_out_is_noted(tmp_path):
    log = clone_log(EVAL_LOGS[0], tmp_path / "run.eval", "running", started=True)
    summary, _ = _run(log)
    assert any(
        "log status 'started'" in note and "the var statuses" in note for note in summary.notes
    ), summary.notes


# --------------------------------------------------------------------------- 3


def _without_ids(source: Path, target: Path) -> Path:
    doc = json.loads(source.read_text())
    for key in ("eval_id", "task_id", "run_id"):
        doc["eval"].pop(key, None)
    target.write_text(json.dumps(doc))
    return target


def test_logs_without_any_eval_id_do_not_replace_each_other(tmp_path):
    first = _without_ids(JSON_LOGS[0], tmp_path / "a.json")
    second = _without_ids(JSON_LOGS[1], tmp_path / "b.json")
    summary, con = _run(tmp_path)
    assert summary.errors == []
    assert _samples(con) == _json_samples(first) + _json_samples(second)
    assert _one(con, f"select count(distinct eval_id) from {LANDED_SAMPLES} as bc_landed") == 2
    assert any("no eval_id, task_id or run_id" in note for note in summary.notes)


# --------------------------------------------------------------------------- 4


def test_an_export_and_the_logs_it_came_from_load_each_sample_once(tmp_path):
    """examples/samples.parquet is samples_df of examples/logs: one run, both."""
    from ..conftest import EXAMPLE_LOGS

    export = tmp_path / "export.csv"
    duckdb.sql(f"copy (select * from read_parquet('{EXAMPLE_EXPORT}')) to '{export}'")
    for order in ((export, EXAMPLE_LOGS), (EXAMPLE_LOGS, export)):
        summary, con = _run(*order)
        assert summary.errors == []
        assert _samples(con) == pq.read_metadata(EXAMPLE_EXPORT).num_rows
        duplicated = f"""select count(*) from (select eval_id, sample_id, epoch
            from {LANDED_SAMPLES} as bc_landed group by all having count(*) > 1)"""
        assert _one(con, duplicated) == 0
        scores = """select count(*) from (select eval_id, sample_id, epoch, scorer, score_key
            from inspect.sample_scores group by all having count(*) > 1)"""
        assert _one(con, scores) == 0


def test_an_eval_id_with_a_comma_is_replaced_exactly(tmp_path):
    first = clone_log(EVAL_LOGS[0], tmp_path / "a" / "x.eval", "eval,with,commas")
    summary, con = _run(first)
    assert summary.samples_added == 20
    ledger = _one(con, "select eval_ids from inspect.log_files")
    assert json.loads(ledger) == ["eval,with,commas"]
    copy = clone_log(EVAL_LOGS[0], tmp_path / "b" / "x.eval", "eval,with,commas")
    summary, con = _run(copy, con=con)
    assert _samples(con) == 20  # the copy replaced the first file's samples
    assert any("holds evals already loaded from" in note for note in summary.notes)


def test_a_ledger_of_comma_joined_ids_is_still_read():
    from budgetcurves.ingest._landing import decode_eval_ids

    assert decode_eval_ids("a,b") == {"a", "b"}
    assert decode_eval_ids('["a,b"]') == {"a,b"}
    assert decode_eval_ids(None) == set()


# --------------------------------------------------------------------------- 5


def test_an_export_name_is_a_path_not_a_pattern(tmp_path):
    starred = tmp_path / "x*.parquet"
    other = tmp_path / "xgeo.parquet"
    table = pq.read_table(EXAMPLE_EXPORT)
    pq.write_table(table, starred)
    pq.write_table(table, other)  # a file the name read as a pattern would match
    summary, con = _run(starred)
    assert summary.errors == []
    assert _samples(con) == table.num_rows
    assert _one(con, f"select count(distinct log_file) from {LANDED_SAMPLES} as bc_landed") == 1


# --------------------------------------------------------------------------- 7


def _score_values(values):
    """A sample rewrite: the samples' first scorer's values, in turn, from ``values``."""
    queue = list(values)

    def change(sample):
        scores = sample.get("scores") or {}
        if scores and queue:
            first = next(iter(scores))
            scores[first]["value"] = queue.pop(0)
        return sample

    return change


@pytest.mark.parametrize(
    "raw", ['"1e309"', '"-1e400"', "1e309", "1" + "0" * 400, "1" + "0" * 5000, "NaN", "-Infinity"]
)
def test_a_score_a_double_cannot_hold_is_named_and_left_out(tmp_path, raw):
    """As JSON text: numeric strings and numbers beyond a double, and NaN/Infinity."""
    sentinel = "__score__"
    log = clone_log(JSON_LOGS[0], tmp_path / "big.json", "big", sample=_score_values([sentinel]))
    log.write_text(log.read_text().replace(f'"{sentinel}"', raw, 1))
    summary, con = _run(log)
    assert summary.errors == []
    assert _samples(con) == _json_samples(log)
    assert con.execute(
        "select value_type from inspect.sample_scores where value_type = 'non_finite'"
    ).fetchall() == [("non_finite",)]
    assert any("not finite numbers" in note for note in summary.notes), summary.notes


def test_non_finite_scores_in_an_export_are_typed_and_named(tmp_path):
    table = pq.read_table(EXAMPLE_EXPORT)
    column = next(n for n in table.column_names if n.startswith("score_"))
    values = table[column].to_pylist()
    numbers = [
        math.inf if i == 0 else (1.0 if v in ("C", 1, 1.0, True) else 0.0)
        for i, v in enumerate(values)
    ]
    export = tmp_path / "inf.parquet"
    import pyarrow as pa

    pq.write_table(
        table.set_column(table.column_names.index(column), column, pa.array(numbers)), export
    )
    summary, con = _run(export)
    assert summary.errors == []
    assert (
        _one(con, "select count(*) from inspect.sample_scores where value_type = 'non_finite'") == 1
    )
    assert any("not finite numbers" in note for note in summary.notes), summary.notes


# --------------------------------------------------------------------------- 11, 19


def test_samples_without_an_epoch_are_counted_and_left_out(tmp_path):
    def no_epoch(sample):
        if str(sample["id"]) in ("1", "2"):
            sample.pop("epoch", None)
        return sample

    log = clone_log(JSON_LOGS[0], tmp_path / "no-epoch.json", "ne", sample=no_epoch)
    doc = json.loads(log.read_text())
    missing = sum("epoch" not in s for s in doc["samples"])
    assert missing > 0
    summary, con = _run(log)
    assert summary.errors == []
    assert _samples(con) == len(doc["samples"]) - missing
    assert _one(con, f"select count(*) from {LANDED_SAMPLES} as bc_landed where epoch is null") == 0
    assert f"{missing} sample(s) with no epoch: left out" in "\n".join(summary.notes)


def test_repeated_samples_are_counted(tmp_path):
    log = clone_log(JSON_LOGS[0], tmp_path / "twice.json", "tw")
    doc = json.loads(log.read_text())
    doc["samples"] = doc["samples"] + doc["samples"][:3]
    log.write_text(json.dumps(doc))
    summary, con = _run(log)
    assert _samples(con) == len(doc["samples"]) - 3
    assert "3 sample(s) repeating an id and epoch: left out" in "\n".join(summary.notes)


def test_a_field_of_the_wrong_type_is_named(tmp_path):
    def numeric_uuid(sample):
        sample["uuid"] = 12345
        return sample

    log = clone_log(JSON_LOGS[0], tmp_path / "uuid.json", "uu", sample=numeric_uuid)
    summary, _ = _run(log)
    (error,) = summary.errors
    assert "field 'uuid'" in error.reason and "12345" in error.reason


# --------------------------------------------------------------------------- 12


def test_an_export_row_without_an_eval_id_is_counted_and_the_rest_loads(tmp_path):
    export = tmp_path / "export.csv"
    duckdb.sql(
        f"""copy (select * replace (case when row_number() over () = 1 then null
            else eval_id end as eval_id) from read_parquet('{EXAMPLE_EXPORT}'))
        to '{export}'"""
    )
    log = clone_log(JSON_LOGS[0], tmp_path / "neighbour.json", "nb")
    summary, con = _run(export, log)
    assert summary.errors == []
    rows = pq.read_metadata(EXAMPLE_EXPORT).num_rows
    assert _samples(con) == rows - 1 + _json_samples(log)
    assert any("1 row(s) without an eval_id" in note for note in summary.notes)


# --------------------------------------------------------------------------- 18


def test_a_member_that_inflates_past_the_bound_is_named(tmp_path, monkeypatch):
    monkeypatch.setattr(_zip, "MAX_MEMBER_BYTES", 2**20)
    members = eval_members(EVAL_LOGS[0])
    members["summaries.json"] = b"[" + b" " * (2**21) + b"]"
    bomb = write_eval(tmp_path / "bomb.eval", members)
    assert bomb.stat().st_size < 2**16
    good = clone_log(EVAL_LOGS[1], tmp_path / "good.eval", "good")
    summary, con = _run(bomb, good)
    (error,) = summary.errors
    assert error.path == str(bomb) and "summaries.json inflates to" in error.reason
    assert _samples(con) == 20 and summary.samples_added == 20


def test_reading_a_member_stops_at_the_bound(monkeypatch):
    """A member whose data inflates past what its header declares (the header may
    lie) is cut off at the bound, not read whole into memory."""
    monkeypatch.setattr(_zip, "MAX_MEMBER_BYTES", 2**20)
    stream = io.BytesIO(b" " * (2**21))
    with pytest.raises(zipfile.BadZipFile, match="inflates to more than 1048576 bytes"):
        _zip._read_at_most(stream, "summaries.json")
    assert stream.tell() <= 2**20 + 2**24
    assert _zip._read_at_most(io.BytesIO(b"x" * 2**20), "m") == b"x" * 2**20


# --------------------------------------------------------------------------- 19


def test_a_moved_log_is_said_to_be_moved_not_kept(tmp_path):
    logs = tmp_path / "logs"
    log = clone_log(EVAL_LOGS[0], logs / "a.eval", "moving")
    summary, con = _run(logs)
    assert summary.samples_added == 20
    (logs / "sub").mkdir()
    log.rename(logs / "sub" / "b.eval")
    summary, con = _run(logs, con=con)
    assert _samples(con) == 20
    assert summary.files_missing == 0
    notes = "\n".join(summary.notes)
    assert "a.eval: gone from disk; its evals are loaded from another file now" in notes
    assert "are kept" not in notes
    assert "20 samples loaded (20 replaced)" in summary.line()
    assert _one(con, "select count(*) from inspect.log_files") == 1
    summary, _ = _run(logs, con=con)  # and the next run has nothing to say about it
    assert summary.notes == [] and summary.files_missing == 0


def test_a_copy_in_the_same_run_is_not_counted_twice(tmp_path):
    clone_log(EVAL_LOGS[0], tmp_path / "a" / "x.eval", "copied")
    clone_log(EVAL_LOGS[0], tmp_path / "b" / "x.eval", "copied")
    summary, con = _run(tmp_path)
    assert _samples(con) == 20
    assert "40 samples loaded (20 replaced)" in summary.line()
    assert summary.as_dict()["samples_replaced"] == 20
