"""An eval campaign on a schedule: logs arrive in batches, a running eval finishes and
its log is rewritten, a file is corrupt, a log is deleted, two refreshes race. The
mart at the end equals a from-scratch build on the same logs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves._project import run_dbt
from budgetcurves.ingest import ingest

from ..conftest import read_mart
from ._logs import EVAL_LOGS, campaign_logs, clone_log, errored, first_samples

# two refreshes race as processes: the slow lane (make test-slow)
pytestmark = pytest.mark.slow

_KEY = ["model", "limit_name", "facet_name", "facet_value", "step_index"]
_CLI = "from budgetcurves.cli import main; raise SystemExit(main())"


def _ingest(db: Path, logs: Path, **kwargs):
    with duckdb.connect(str(db)) as con:
        return ingest([str(logs)], con, **kwargs)


def _build(db: Path) -> pd.DataFrame:
    run_dbt(["build", "--select", "+scores_by_limit"], db=db, quiet=True)
    return read_mart(db).sort_values(_KEY).reset_index(drop=True)


def _landing(db: Path) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select * exclude (loaded_at) from inspect.samples order by all").df()


def _race(db: Path, logs: Path) -> list[subprocess.CompletedProcess]:
    """Two scheduled refreshes that overlap: the second waits for the first's lock."""
    command = [sys.executable, "-c", _CLI, "ingest", str(logs), "--db", str(db)]
    racers = [
        subprocess.Popen(
            [*command, "--prune", "--wait", "120"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = []
    for racer in racers:
        out, err = racer.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(racer.args, racer.returncode, out, err))
    return results


def test_a_campaign_ends_where_a_fresh_build_does(tmp_path):
    logs = tmp_path / "logs"
    db = tmp_path / "campaign.duckdb"
    running = logs / "2025-01-03T00-00-00_running.eval"

    # batch 1: four evals done, one still running (its first samples only)
    first = campaign_logs(logs, 4, prefix="b1")
    clone_log(EVAL_LOGS[1], running, "running", started=True, sample=first_samples(3))
    assert _ingest(db, logs).errors == []
    early = _build(db)
    assert set(early["model"]) == {"mockllm/model-a", "mockllm/model-b"}
    assert early["error_count"].eq(0).all()

    # batch 2: more evals, one whose model crashed on two samples, one that failed
    # outright, and a log that was cut off while being copied
    batch = logs / "batch2"
    campaign_logs(batch, 3, prefix="b2")
    clone_log(EVAL_LOGS[3], batch / "crashed.eval", "crashed", sample=errored({"france", "japan"}))
    clone_log(EVAL_LOGS[0], batch / "failed.eval", "failed", status="error")
    (batch / "corrupt.eval").write_bytes(EVAL_LOGS[2].read_bytes()[:5000])
    second = _ingest(db, logs)
    assert [Path(e.path).name for e in second.errors] == ["corrupt.eval"]
    assert second.files_unchanged == 5

    # batch 3: the running eval finishes (its log rewritten in place), a log is
    # deleted, and two refreshes start at once
    clone_log(EVAL_LOGS[1], running, "running")
    first[0].unlink()
    racers = _race(db, logs)
    # both finish; each names the corrupt file (exit 1: loaded what it could)
    assert [r.returncode for r in racers] == [1, 1], [r.stderr for r in racers]
    for racer in racers:
        assert "corrupt.eval" in racer.stderr and "in use" not in racer.stderr
    lines = sorted(r.stdout.strip().splitlines()[-1] for r in racers)
    # one did the work (the rewrite and the prune), the other found nothing new
    assert "1 replaced" in lines[0] + lines[1]
    assert any("0 files read" in line for line in lines)
    final = _build(db)

    # the same logs from scratch
    scratch = tmp_path / "scratch.duckdb"
    fresh = _ingest(scratch, logs)
    assert [Path(e.path).name for e in fresh.errors] == ["corrupt.eval"]
    expected = _build(scratch)

    pd.testing.assert_frame_equal(_landing(db), _landing(scratch))
    pd.testing.assert_frame_equal(final, expected)
    # the running eval counts once, finished; the deleted log is gone; the failed
    # eval is loaded but not in the mart (status error); the crashed samples are
    # counted, not scored
    landing = _landing(db)
    assert landing.query("eval_id == 'running'")["log_status"].unique().tolist() == ["success"]
    assert len(landing.query("eval_id == 'running'")) == 20
    assert "b10000" not in set(landing["eval_id"])
    assert landing.query("eval_id == 'failed'")["log_status"].unique().tolist() == ["error"]
    errors = final.groupby("model")["error_count"].unique().to_dict()
    assert [int(v) for v in errors["mockllm/model-b"]] == [2]
    assert [int(v) for v in errors["mockllm/model-a"]] == [0]
