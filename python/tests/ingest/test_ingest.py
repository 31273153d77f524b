"""Ingest: every real log loads and matches samples_df; bad files are named, good kept."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves.ingest import ingest
from budgetcurves.ingest._landing import LANDED_SAMPLES

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS


def _ingest(db: Path, *paths, **kwargs):
    with duckdb.connect(str(db)) as con:
        return ingest([str(p) for p in paths], con, **kwargs)


def _table(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def test_every_real_log_ingests_and_matches_samples_df(tmp_path, real_logs):
    from inspect_ai.analysis import EvalInfo, EvalModel, SampleSummary, samples_df

    summary = _ingest(tmp_path / "r.duckdb", real_logs)
    assert summary.errors == []
    assert summary.files_read == len(list(real_logs.iterdir()))
    ours = _table(tmp_path / "r.duckdb", "select * from inspect.samples")
    # one file at a time: given several files at once, samples_df drops samples of
    # old logs whose generated sample ids collide
    ref = pd.concat(
        [
            samples_df(str(p), columns=SampleSummary + EvalInfo + EvalModel, quiet=True)
            for p in sorted(real_logs.iterdir())
        ]
    )
    # old logs have no eval_id (samples_df makes up a random one): key on the task run
    key = ["task_id", "sample_id", "epoch"]
    ref = ref.assign(sample_id=ref["id"].astype(str), epoch=ref["epoch"].astype(int))
    # two files of the real corpus hold the same eval (a copy): one copy is kept
    assert set(map(tuple, ours[key].values)) == set(map(tuple, ref[key].drop_duplicates().values))
    merged = ours.merge(ref.drop_duplicates(key), on=key, suffixes=("", "_ref"))
    assert (merged["model"] == merged["model_ref"]).all()
    for column in ("total_time", "working_time"):
        both = merged[column].notna() & merged[f"{column}_ref"].notna()
        assert (merged.loc[both, column] == merged.loc[both, f"{column}_ref"]).all()
        assert merged[f"{column}_ref"].notna().sum() <= merged[column].notna().sum()
    # tokens: the evaluated model's, as samples_df's model_usage JSON has them ...
    has_usage = merged["model_usage_ref"].notna()
    expected = [
        json.loads(u).get(m, {}).get("total_tokens")
        for u, m in zip(
            merged.loc[has_usage, "model_usage_ref"], merged.loc[has_usage, "model"], strict=True
        )
    ]
    known = [e is not None for e in expected]
    got = merged.loc[has_usage, "total_tokens"][known].tolist()
    assert got == [e for e in expected if e is not None]
    # ... and, for old logs whose summaries carry none, as the full samples have them
    from inspect_ai.log import read_eval_log

    for log_file, rows in merged.groupby("log_file"):
        log = read_eval_log(log_file)
        usage = {(str(s.id), s.epoch): s.model_usage.get(log.eval.model) for s in log.samples or []}
        for _, row in rows.iterrows():
            tokens = usage[(row["sample_id"], row["epoch"])]
            assert row["total_tokens"] == (tokens.total_tokens if tokens else None) or (
                pd.isna(row["total_tokens"]) and tokens is None
            )


def test_real_log_statuses_and_scores(tmp_path, real_logs):
    _ingest(tmp_path / "r.duckdb", real_logs)
    statuses = _table(
        tmp_path / "r.duckdb", "select distinct log_status from inspect.samples order by 1"
    )
    assert statuses["log_status"].tolist() == ["cancelled", "success"]
    ledger = _table(tmp_path / "r.duckdb", "select * from inspect.log_files")
    no_samples = ledger[ledger.log_file.str.endswith("no-samples.json")]
    assert no_samples["sample_count"].tolist() == [0]
    assert set(ledger["format_version"].dropna()) == {2, 3}


def test_reingest_changes_nothing_and_a_new_log_adds(tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    files = sorted(EXAMPLE_LOGS.iterdir())
    shutil.copy(files[0], logs)
    db = tmp_path / "i.duckdb"
    first = _ingest(db, logs)
    before = _table(db, "select * exclude (loaded_at) from inspect.samples order by all")
    again = _ingest(db, logs)
    assert (again.files_read, again.files_unchanged) == (0, 1)
    pd.testing.assert_frame_equal(
        before, _table(db, "select * exclude (loaded_at) from inspect.samples order by all")
    )
    shutil.copy(files[1], logs)
    third = _ingest(db, logs)
    assert (third.files_read, third.files_unchanged) == (1, 1)
    count = _table(db, "select count(*) as n from inspect.samples")["n"][0]
    assert count == first.samples_added + third.samples_added


def _broken_files(folder: Path) -> dict[str, str]:
    good = sorted(EXAMPLE_LOGS.glob("*.eval"))[0].read_bytes()
    (folder / "truncated.eval").write_bytes(good[: len(good) // 2])
    (folder / "invalid.json").write_text('{"version": 2, "eval": ')
    (folder / "not-a-log.json").write_text(json.dumps({"hello": "world"}))
    with zipfile.ZipFile(folder / "empty-zip.eval", "w") as archive:
        archive.writestr("readme.txt", "nothing")
    (folder / "ignored.txt").write_text("not a log")
    return {
        "truncated.eval": "zip",
        "invalid.json": "invalid JSON",
        "not-a-log.json": "not an Inspect log",
        "empty-zip.eval": "not an Inspect log",
    }


def test_bad_files_are_named_and_the_rest_loaded(tmp_path):
    logs = tmp_path / "logs"
    shutil.copytree(EXAMPLE_LOGS, logs)
    expected = _broken_files(logs)
    summary = _ingest(tmp_path / "b.duckdb", logs, tmp_path / "missing")
    reasons = {Path(e.path).name: e.reason for e in summary.errors}
    assert set(reasons) == set(expected) | {"missing"}
    for name, text in expected.items():
        assert text in reasons[name], (name, reasons[name])
    assert "no such file" in reasons["missing"]
    good = _ingest(tmp_path / "g.duckdb", EXAMPLE_LOGS)
    assert summary.samples_added == good.samples_added > 0


def test_export_and_logs_give_the_same_samples(tmp_path):
    if not EXAMPLE_EXPORT.exists():
        pytest.skip("no example export")
    _ingest(tmp_path / "l.duckdb", EXAMPLE_LOGS)
    _ingest(tmp_path / "e.duckdb", EXAMPLE_EXPORT)
    columns = (
        "eval_id, sample_id, epoch, model, task_id, total_tokens, input_tokens, "
        "output_tokens, total_time, working_time"
    )
    from_logs = _table(tmp_path / "l.duckdb", f"select {columns} from inspect.samples order by all")
    from_export = _table(
        tmp_path / "e.duckdb", f"select {columns} from {LANDED_SAMPLES} as bc_landed order by all"
    )
    pd.testing.assert_frame_equal(from_logs, from_export)
    # (not is_first_scorer: an export does not hold the logs' scorer order)
    score_sql = (
        "select eval_id, sample_id, epoch, scorer, value_type, value_text from "
        "inspect.sample_scores order by all"
    )
    pd.testing.assert_frame_equal(
        _table(tmp_path / "l.duckdb", score_sql), _table(tmp_path / "e.duckdb", score_sql)
    )


# --------------------------------------------------------------------------- incremental


def _samples(db: Path) -> pd.DataFrame:
    return _table(db, "select * exclude (loaded_at) from inspect.samples order by all")


def test_a_rewritten_log_replaces_its_samples(tmp_path):
    from ._logs import EVAL_LOGS, clone_log, first_samples

    logs = tmp_path / "logs"
    log = logs / "2025-01-02T00-00-00_running.eval"
    # a running eval holding 3 of its samples, then the finished log in its place
    clone_log(EVAL_LOGS[0], log, "e1", started=True, sample=first_samples(3))
    db = tmp_path / "i.duckdb"
    first = _ingest(db, logs)
    assert first.samples_added == 6  # 3 samples x 2 epochs
    assert _table(db, "select distinct log_status from inspect.samples")["log_status"].tolist() == [
        "started"
    ]
    clone_log(EVAL_LOGS[0], log, "e1")
    second = _ingest(db, logs)
    assert (second.files_read, second.files_replaced) == (1, 1)
    assert second.samples_removed == 6
    samples = _samples(db)
    assert len(samples) == 20 and set(samples["log_status"]) == {"success"}
    keys = ["eval_id", "sample_id", "epoch"]
    assert not samples.duplicated(keys).any()
    scores = _table(db, "select eval_id, sample_id, epoch, scorer from inspect.sample_scores")
    assert not scores.duplicated().any()
    assert len(scores) == 40  # two scorers


def test_the_replacement_is_one_transaction(tmp_path, monkeypatch):
    """A failure in the middle of writing a rewritten log leaves its old rows."""
    from budgetcurves.ingest import _duckdb

    from ._logs import EVAL_LOGS, clone_log, first_samples

    logs = tmp_path / "logs"
    log = logs / "2025-01-02T00-00-00_running.eval"
    clone_log(EVAL_LOGS[0], log, "e1", started=True, sample=first_samples(3))
    db = tmp_path / "t.duckdb"
    _ingest(db, logs)
    before = _samples(db)
    clone_log(EVAL_LOGS[0], log, "e1")
    # the insert after the delete fails: the delete must not stay
    monkeypatch.setattr(_duckdb, "_NOW_UTC", "cast('not a time' as timestamp)")
    summary = _ingest(db, logs)
    assert [e.reason.startswith("could not be written") for e in summary.errors] == [True]
    pd.testing.assert_frame_equal(before, _samples(db))
    monkeypatch.undo()
    assert _ingest(db, logs).files_read == 1
    assert len(_samples(db)) == 20


def test_a_deleted_log_keeps_its_samples_unless_pruned(tmp_path):
    from ._logs import campaign_logs

    logs = tmp_path / "logs"
    made = campaign_logs(logs, 3)
    db = tmp_path / "p.duckdb"
    _ingest(db, logs)
    count = len(_samples(db))
    made[0].unlink()
    kept = _ingest(db, logs)
    assert kept.files_missing == 1 and kept.files_pruned == 0
    assert any("gone from disk" in n and "--prune" in n for n in kept.notes)
    assert "1 gone" in kept.line()
    assert len(_samples(db)) == count
    pruned = _ingest(db, logs, prune=True)
    assert pruned.files_pruned == 1 and pruned.samples_removed > 0
    assert len(_samples(db)) == count - pruned.samples_removed
    ledger = _table(db, "select log_file from inspect.log_files")["log_file"]
    assert str(made[0]) not in set(ledger)
    # a file named directly is not "gone" because the folder was not given
    assert _ingest(db, made[1], prune=True).files_pruned == 0


def test_prune_spares_a_folder_that_lists_nothing(tmp_path):
    from ._logs import campaign_logs

    logs = tmp_path / "logs"
    made = campaign_logs(logs, 2)
    db = tmp_path / "p.duckdb"
    _ingest(db, logs)
    for path in made:
        path.unlink()
    # an emptied (or unmounted) folder is an error, not a reason to drop everything
    summary = _ingest(db, logs, prune=True)
    assert summary.files_pruned == 0 and "no .eval or .json" in summary.errors[0].reason
    assert len(_samples(db)) > 0


def test_pruning_a_copy_brings_back_the_original(tmp_path):
    from ._logs import EVAL_LOGS

    logs = tmp_path / "logs"
    logs.mkdir()
    shutil.copy(EVAL_LOGS[0], logs / "a.eval")
    db = tmp_path / "c.duckdb"
    _ingest(db, logs)
    shutil.copy(EVAL_LOGS[0], logs / "b.eval")  # the same eval again: b takes it over
    _ingest(db, logs)
    (logs / "b.eval").unlink()
    summary = _ingest(db, logs, prune=True)
    assert summary.files_pruned == 1 and summary.files_read == 1
    assert set(_samples(db)["log_file"]) == {str(logs / "a.eval")}
    assert len(_samples(db)) == 20


def test_full_refresh_reads_every_log_and_changes_nothing(tmp_path):
    db = tmp_path / "f.duckdb"
    _ingest(db, EXAMPLE_LOGS)
    before = _samples(db)
    again = _ingest(db, EXAMPLE_LOGS, full_refresh=True)
    assert again.files_read == again.files_replaced == 6
    assert again.samples_added == again.samples_removed == len(before)
    pd.testing.assert_frame_equal(before, _samples(db))


def test_a_touched_log_is_read_again(tmp_path):
    import os

    logs = tmp_path / "logs"
    shutil.copytree(EXAMPLE_LOGS, logs)
    db = tmp_path / "m.duckdb"
    _ingest(db, logs)
    target = sorted(logs.iterdir())[0]
    stat = target.stat()
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    summary = _ingest(db, logs)
    assert (summary.files_read, summary.files_unchanged) == (1, 5)


# --------------------------------------------------------------------------- statuses


def test_running_failed_and_cancelled_logs_load_with_their_status(tmp_path):
    from ._logs import EVAL_LOGS, JSON_LOGS, clone_log, errored, first_samples

    logs = tmp_path / "logs"
    clone_log(EVAL_LOGS[0], logs / "run.eval", "running", started=True, sample=first_samples(2))
    clone_log(EVAL_LOGS[1], logs / "err.eval", "failed", status="error", sample=errored({"3"}))
    clone_log(JSON_LOGS[0], logs / "can.json", "cancelled", status="cancelled")
    db = tmp_path / "s.duckdb"
    summary = _ingest(db, logs)
    assert summary.errors == []
    rows = _table(
        db,
        "select eval_id, log_status, count(*) as n, count(error) as errors "
        "from inspect.samples group by all order by all",
    )
    assert rows.values.tolist() == [
        ["cancelled", "cancelled", 20, 0],
        ["failed", "error", 20, 2],
        ["running", "started", 4, 0],
    ]
    ledger = _table(db, "select log_status, file_kind from inspect.log_files order by all")
    assert ledger.values.tolist() == [["cancelled", "json"], ["error", "eval"], ["started", "eval"]]
    # the errored samples carry no score
    scores = _table(
        db,
        "select count(*) as n from inspect.sample_scores "
        "where eval_id = 'failed' and sample_id = '3'",
    )
    assert scores["n"][0] == 0
