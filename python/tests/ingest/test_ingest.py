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
        tmp_path / "e.duckdb", f"select {columns} from inspect.samples order by all"
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
