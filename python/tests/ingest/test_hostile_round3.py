"""Third hostile round (issue 29), the loader's classes: a user's own database is never
written; no sample is dropped, and no number changed, without a note naming it; an
export of an eval loads as its log does."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from budgetcurves._errors import ForeignTable
from budgetcurves.ingest import forget, ingest
from budgetcurves.ingest._landing import LANDED_SAMPLES
from budgetcurves.ingest._read import read_json_log

from ._logs import JSON_LOGS, clone_log

TEMPLATE = JSON_LOGS[0]
SAMPLES = len(json.loads(TEMPLATE.read_text())["samples"])


def _rows(db: Path | duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    if isinstance(db, duckdb.DuckDBPyConnection):
        return db.execute(sql).fetchall()
    with duckdb.connect(str(db)) as con:
        return con.execute(sql).fetchall()


def _changed(tmp_path: Path, name: str, change) -> Path:
    """A copy of the template log with each sample passed through ``change(index, sample)``."""
    counter = iter(range(10**6))
    return clone_log(
        TEMPLATE,
        tmp_path / f"{name}.json",
        f"eval-{name}",
        sample=lambda s: change(next(counter), s),
    )


def _notes(summary) -> str:
    return "\n".join(summary.notes)


# ---------------------------------------------------------------- 1: a user's database


@pytest.mark.parametrize(
    "table",
    [
        "create table inspect.log_files (x int)",
        "create table inspect.samples (eval_id varchar, sample_id varchar, mine int)",
        "create table inspect.sample_scores (note varchar)",
    ],
)
def test_a_landing_table_budgetcurves_did_not_create_is_never_written(tmp_path, table):
    db = tmp_path / "user.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create schema inspect")
        con.execute(table)
        name = table.split()[2]
        before = _rows(
            con,
            "select column_name from information_schema.columns "
            f"where table_schema || '.' || table_name = '{name}'",
        )
        with pytest.raises(ForeignTable, match=name.replace(".", r"\.")):
            ingest([str(JSON_LOGS[0])], con)
        after = _rows(
            con,
            "select column_name from information_schema.columns "
            f"where table_schema || '.' || table_name = '{name}'",
        )
        assert after == before
        tables = _rows(
            con, "select table_name from information_schema.tables where table_schema = 'inspect'"
        )
        assert tables == [(name.split(".")[1],)]  # none of ours created beside it
        with pytest.raises(ForeignTable):
            forget([str(JSON_LOGS[0])], con)


def test_a_landing_table_of_an_older_release_is_ours_and_migrated(tmp_path):
    """The first release's tables lack the columns added since: still ours."""
    db = tmp_path / "old.duckdb"
    with duckdb.connect(str(db)) as con:
        ingest([str(JSON_LOGS[0])], con)
        for column in ("eval_time_limit", "eval_token_limit", "eval_cost_limit"):
            con.execute(f"alter table inspect.samples drop column {column}")
        con.execute("alter table inspect.log_files drop column file_etag")
        summary = ingest([str(JSON_LOGS[0])], con, full_refresh=True)
        assert not summary.errors
        assert summary.samples_added == SAMPLES


# ---------------------------------------------------------------- 2: an empty path


def test_an_empty_path_loads_and_forgets_nothing(tmp_path, monkeypatch):
    db = tmp_path / "e.duckdb"
    logs = tmp_path / "logs"
    clone_log(TEMPLATE, logs / "a.json", "eval-a")
    monkeypatch.chdir(logs)  # what Path("") would read
    with duckdb.connect(str(db)) as con:
        summary = ingest([""], con)
        assert summary.nothing_read and "empty path" in summary.errors[0].reason
        assert _rows(con, "select count(*) from inspect.samples") == [(0,)]
        ingest([str(logs)], con)
        summary = forget([""], con)
        assert summary.errors and summary.samples_removed == 0
        assert _rows(con, "select count(*) from inspect.samples") == [(SAMPLES,)]


# ---------------------------------------------------------------- 4: one rule for links


@pytest.mark.parametrize("through_folder", [True, False])
def test_forget_of_a_link_forgets_what_was_loaded_from_the_link(tmp_path, through_folder):
    target = clone_log(TEMPLATE, tmp_path / "elsewhere" / "target.json", "eval-target")
    other = clone_log(TEMPLATE, tmp_path / "elsewhere" / "other.json", "eval-other")
    folder = tmp_path / "folder"
    folder.mkdir()
    link = folder / "link.json"
    os.symlink(other, link)
    with duckdb.connect(str(tmp_path / "l.duckdb")) as con:
        ingest([str(target)], con)
        ingest([str(folder) if through_folder else str(link)], con)
        summary = forget([str(link)], con)
        assert not summary.errors, summary.errors
        assert summary.samples_removed == SAMPLES
        left = _rows(con, "select distinct eval_id from inspect.samples")
        assert left == [("eval-target",)]  # the target's own samples stay
        assert [p for (p,) in _rows(con, "select log_file from inspect.log_files")] == [str(target)]


# ---------------------------------------------------------------- 5, 6, 7, 8, 15: a log's samples


def _unscored(index: int, sample: dict) -> dict:
    if index == 0:
        sample.pop("scores", None)
    elif index == 1:
        sample["scores"] = {}
    elif index == 2:
        sample["scores"] = None
    return sample


def test_unscored_samples_are_counted_and_said(tmp_path):
    log = _changed(tmp_path, "unscored", _unscored)
    with duckdb.connect() as con:
        summary = ingest([str(log)], con)
    assert f"3 of {SAMPLES} samples have no score and no error" in _notes(summary)


def test_an_exports_missing_scores_are_said_too(tmp_path):
    export = tmp_path / "unscored.csv"
    _write_csv(
        export,
        [
            {"eval_id": "e", "id": i, "epoch": 1, "model": "m", "score_x": "C" if i > 2 else ""}
            for i in range(1, 6)
        ],
    )
    with duckdb.connect() as con:
        summary = ingest([str(export)], con)
    assert "2 of 5 samples have no score and no error" in _notes(summary)


def test_an_exports_empty_error_is_no_error(tmp_path):
    """samples_df writes "" in `error` where a sample has none (a Parquet export keeps
    it; a CSV reader reads an empty field as null anyway): such a sample without a
    score is one with no score and no error, not an errored one."""
    export = tmp_path / "errors.parquet"
    pa_table = pa.table(
        {
            "eval_id": ["e"] * 5,
            "id": [1, 2, 3, 4, 5],
            "epoch": [1] * 5,
            "model": ["m"] * 5,
            "score_x": ["", "", "C", "C", "C"],
            "error": ["", "boom", "", "", ""],
        }
    )
    pq.write_table(pa_table, export)
    with duckdb.connect() as con:
        summary = ingest([str(export)], con)
        errors = con.execute(
            f"select sample_id, error from {LANDED_SAMPLES} as bc_landed order by sample_id"
        ).fetchall()
    assert "1 of 5 samples have no score and no error" in _notes(summary)
    assert errors == [("1", None), ("2", "boom"), ("3", None), ("4", None), ("5", None)]


def _limits(index: int, sample: dict) -> dict:
    if index < 4:
        sample.pop("total_time", None)
    elif index == 4:
        sample["total_time"] = "0.5"
    elif index == 5:
        sample["working_time"] = [1]
    return sample


def test_missing_or_mistyped_limit_values_are_said_per_limit(tmp_path):
    log = _changed(tmp_path, "limits", _limits)
    with duckdb.connect() as con:
        summary = ingest([str(log)], con)
        assert _rows(con, f"select count(*) from {LANDED_SAMPLES} as bc_landed") == [(SAMPLES,)]
    notes = _notes(summary)
    assert f"5 of {SAMPLES} samples have no total_time" in notes
    assert "1 sample(s) with a total_time that is not a number" in notes and "'0.5'" in notes
    assert "1 sample(s) with a working_time that is not a number" in notes


def test_an_exports_mistyped_limit_is_said_and_the_rest_loaded(tmp_path):
    export = tmp_path / "typed.csv"
    rows = [
        {"eval_id": "e", "id": i, "epoch": 1, "model": "m", "score_x": 1, "total_time": t}
        for i, t in enumerate(["1.5", "abc", "2", "", "3"], start=1)
    ]
    _write_csv(export, rows)
    with duckdb.connect() as con:
        summary = ingest([str(export)], con)
        assert not summary.errors, summary.errors
        times = _rows(
            con, f"select sample_id, total_time from {LANDED_SAMPLES} as bc_landed order by 1"
        )
    assert times == [("1", 1.5), ("2", None), ("3", 2.0), ("4", None), ("5", 3.0)]
    notes = _notes(summary)
    assert "1 sample(s) with a total_time that is not a number (e.g. 'abc')" in notes
    assert "2 of 5 samples have no total_time" in notes


def _one_sample_set(tmp_path: Path, index: int, field: str, value) -> tuple[object, int]:
    """Load the template with sample ``index``'s ``field`` set to ``value``: the
    summary and the number of samples loaded."""

    def change(i: int, sample: dict) -> dict:
        if i == index:
            sample[field] = value
        return sample

    log = _changed(tmp_path, field, change)
    with duckdb.connect() as con:
        summary = ingest([str(log)], con)
        ((count,),) = _rows(con, f"select count(*) from {LANDED_SAMPLES} as bc_landed")
    assert not summary.errors, summary.errors
    return summary, count


@pytest.mark.parametrize("bad", [[1, 2], "C", 3, True])
def test_a_sample_whose_scores_are_not_an_object_is_left_out_alone(tmp_path, bad):
    summary, count = _one_sample_set(tmp_path, 3, "scores", bad)
    assert count == SAMPLES - 1
    sample_id = json.loads(TEMPLATE.read_text())["samples"][3]["id"]
    assert f"{sample_id}/1: 'scores' is a" in _notes(summary)


@pytest.mark.parametrize("epoch", [1.5, 1.9, 0, -1, "1", True])
def test_an_epoch_that_is_not_a_whole_number_from_1_is_left_out_and_named(tmp_path, epoch):
    summary, count = _one_sample_set(tmp_path, 2, "epoch", epoch)
    assert count == SAMPLES - 1
    assert f"epoch {epoch!r} is not a whole number >= 1" in _notes(summary)


def test_a_whole_float_epoch_is_that_epoch(tmp_path):
    log = _changed(tmp_path, "epoch2", lambda i, s: {**s, "epoch": 2.0} if i == 0 else s)
    parsed = read_json_log(str(log))
    assert sorted(set(parsed.samples["epoch"].to_pylist())) == [1, 2]


def test_an_exports_fractional_epoch_is_not_rounded_onto_another_sample(tmp_path):
    export = tmp_path / "epochs.csv"
    rows = [
        {"eval_id": "e", "id": 1, "epoch": e, "model": "m", "score_x": 1}
        for e in ("1", "1.5", "2", "0", "-1")
    ]
    _write_csv(export, rows)
    with duckdb.connect() as con:
        summary = ingest([str(export)], con)
        assert _rows(con, f"select epoch from {LANDED_SAMPLES} as bc_landed order by 1") == [
            (1,),
            (2,),
        ]
    assert "3 row(s) without an eval_id, id, whole-number epoch >= 1 or model" in _notes(summary)


def _budget(log: Path, **config) -> Path:
    doc = json.loads(log.read_text())
    doc["eval"].setdefault("config", {}).update(config)
    log.write_text(json.dumps(doc))
    return log


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("time_limit", "eval_time_limit"),
        ("token_limit", "eval_token_limit"),
        ("message_limit", "eval_message_limit"),
    ],
)
def test_a_negative_eval_budget_is_named_and_left_out(tmp_path, name, column):
    log = _budget(clone_log(TEMPLATE, tmp_path / "b.json", "eval-b"), **{name: -5})
    with duckdb.connect() as con:
        summary = ingest([str(log)], con)
        assert _rows(con, f"select distinct {column} from {LANDED_SAMPLES} as bc_landed") == [
            (None,)
        ]
    assert f"the eval's {name.removesuffix('_limit')}_limit is negative" in _notes(summary) or (
        f"{name} is negative" in _notes(summary)
    )


def test_an_exports_negative_budget_is_named_and_left_out(tmp_path):
    export = tmp_path / "budget.csv"
    rows = [
        {"eval_id": "e", "id": i, "epoch": 1, "model": "m", "score_x": 1, "time_limit": -5}
        for i in range(1, 4)
    ]
    _write_csv(export, rows)
    with duckdb.connect() as con:
        summary = ingest([str(export)], con)
        assert _rows(
            con, f"select distinct eval_time_limit from {LANDED_SAMPLES} as bc_landed"
        ) == [(None,)]
    assert "time_limit is negative" in _notes(summary)


# ---------------------------------------------------------------- 9, 10, 11: exports as logs


def _write_csv(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_an_exports_repeated_row_is_loaded_once_and_said(tmp_path):
    rows = [
        {"eval_id": "e", "id": i, "epoch": 1, "model": "m", "score_x": "C"} for i in range(1, 5)
    ]
    export = _write_csv(tmp_path / "repeated.csv", [*rows, rows[1], rows[1], rows[3]])
    with duckdb.connect() as con:
        summary = ingest([str(export)], con)
        assert summary.samples_added == 4
        keys = _rows(
            con,
            f"select sample_id, count(*) from {LANDED_SAMPLES} as bc_landed group by 1 order by 1",
        )
        scores = _rows(con, "select count(*) from inspect.sample_scores")
    assert keys == [(str(i), 1) for i in range(1, 5)] and scores == [(4,)]
    assert "3 row(s) repeating an eval_id, id and epoch" in _notes(summary)


def _export_of(log: Path, target: Path, float_ids: bool = False) -> Path:
    """``log`` as samples_df writes it: a score column per scorer, a missing score as
    'nan', a dict-valued score as its JSON text; ids as floats when ``float_ids``."""
    doc = json.loads(log.read_text())
    scorers: list[str] = []
    for sample in doc["samples"]:
        for name in sample.get("scores") or {}:
            if name not in scorers:
                scorers.append(name)
    rows = []
    for sample in doc["samples"]:
        row = {
            "eval_id": doc["eval"]["eval_id"],
            "id": float(sample["id"]) if float_ids else sample["id"],
            "epoch": sample["epoch"],
            "model": doc["eval"]["model"],
            "status": doc["status"],
            "model_usage": json.dumps(sample.get("model_usage") or {}),
            "total_time": sample.get("total_time"),
        }
        for name in scorers:
            score = (sample.get("scores") or {}).get(name)
            value = score.get("value") if isinstance(score, dict) else None
            row[f"score_{name}"] = (
                "nan"
                if value is None
                else json.dumps(value)
                if isinstance(value, (dict, list))
                else value
            )
        rows.append(row)
    return _write_csv(target, rows)


def _mixed(index: int, sample: dict) -> dict:
    """Unscored, dict-valued and list-valued scores among plain ones."""
    name = next(iter(sample["scores"]))
    if index % 5 == 0:
        sample["scores"] = {}
    elif index % 5 == 1:
        sample["scores"][name]["value"] = {"accuracy": "C", "f1": 0.5}
    elif index % 5 == 2:
        sample["scores"][name]["value"] = [1, 0]
    return sample


_SCORE_ROWS = (
    "select sample_id, epoch, scorer, score_key, value_type, value_text "
    "from inspect.sample_scores order by all"
)


def _loaded(path: Path, sql: str) -> tuple[object, list[tuple]]:
    """``path`` ingested into a new database: the summary and the rows of ``sql``."""
    with duckdb.connect() as con:
        summary = ingest([str(path)], con)
        return summary, _rows(con, sql)


def test_an_export_loads_the_scores_its_log_does(tmp_path):
    log = _changed(tmp_path, "mixed", _mixed)
    export = _export_of(log, tmp_path / "mixed.csv")
    (_, from_log), (summary, from_export) = (_loaded(f, _SCORE_ROWS) for f in (log, export))

    def same(rows: list[tuple]) -> list[tuple]:  # a list's JSON text, spaced or not
        return [(*r[:5], json.loads(r[5]) if r[4] == "list" else r[5]) for r in rows]

    assert same(from_export) == same(from_log)
    assert any(row[3] == "f1" for row in from_export)  # the dict's keys
    assert f"{(SAMPLES + 4) // 5} of {SAMPLES} samples have no score" in _notes(summary)


def test_an_exports_float_ids_are_the_logs_ids(tmp_path):
    log = _changed(tmp_path, "ids", lambda i, s: s)
    first = json.loads(log.read_text())["samples"][0]["id"]
    if not isinstance(first, int):
        pytest.skip("the template's ids are not integers")
    export = _export_of(log, tmp_path / "ids.csv", float_ids=True)
    assert "1.0" in export.read_text() or ".0," in export.read_text()
    ids = f"select sample_id, epoch from {LANDED_SAMPLES} as bc_landed order by all"
    (_, from_log), (summary, from_export) = (_loaded(f, ids) for f in (log, export))
    assert from_export == from_log
    assert "written as whole-number floats" in _notes(summary)


# ---------------------------------------------------------------- 17: the cause, not its echo


def test_an_export_that_fails_in_the_database_names_the_cause(tmp_path):
    export = _write_csv(
        tmp_path / "usage.csv",
        [{"eval_id": "e", "id": 1, "epoch": 1, "model": "m", "score_x": 1, "model_usage": "{oops"}],
    )
    with duckdb.connect() as con:
        summary = ingest([str(export)], con)
        reason = summary.errors[0].reason
        assert "transaction is aborted" not in reason
        assert "JSON" in reason
        # and the connection is fit for the next file
        assert ingest([str(JSON_LOGS[0])], con).samples_added == SAMPLES
