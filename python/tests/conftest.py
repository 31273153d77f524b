"""Shared fixtures: the example logs, the real logs, and marts built from them."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves._compiled import compiled_plan, database_name
from budgetcurves._project import PROJECT_DIR, build_command, run_dbt
from budgetcurves.ingest import ingest

# Each test process gets its own dbt target/ and logs/ and its own plan cache, under
# BUDGETCURVES_TEST_DIR (default target/pytest; the Makefile gives each lane its own),
# one folder per pytest-xdist worker: two processes never write dbt's partial parse,
# manifest or a compiled plan at the same time. Generated, kept between local runs.
# (Databases are under pytest's tmp_path, which is already per session and worker.)
TEST_DIR = Path(os.environ.get("BUDGETCURVES_TEST_DIR", PROJECT_DIR / "target" / "pytest"))
WORKER_DIR = TEST_DIR.resolve() / os.environ.get("PYTEST_XDIST_WORKER", "main")
os.environ.setdefault("DBT_TARGET_PATH", str(WORKER_DIR / "target"))
os.environ.setdefault("DBT_LOG_PATH", str(WORKER_DIR / "logs"))
os.environ.setdefault("BUDGETCURVES_CACHE_DIR", str(WORKER_DIR / "cache"))

EXAMPLE_LOGS = PROJECT_DIR / "examples" / "logs"
EXAMPLE_EXPORT = PROJECT_DIR / "examples" / "samples.parquet"
# real Inspect logs (versions 2 and 3) from inspect_ai's test data, MIT; see its README
REAL_LOGS = Path(__file__).parent / "fixtures" / "real-logs" / "logs"
LIMITS = ("total_tokens", "total_time", "working_time")


def build_mart(
    db: Path,
    logs: list[Path],
    variables: dict | None = None,
    command: list[str] | None = None,
) -> pd.DataFrame:
    """Ingest ``logs`` into ``db``, dbt build (``command``, by default the mart and what
    it reads), and return the mart."""
    con = duckdb.connect(str(db))
    try:
        summary = ingest([str(p) for p in logs], con)
    finally:
        con.close()
    assert not summary.errors, summary.errors
    command = command or ["build", "--select", "+scores_by_limit"]
    run_dbt(command, db=db, variables=variables, quiet=True)
    return read_mart(db)


def build_on_plan(db: Path, variables: dict | None = None, *names: str) -> Path:
    """Build ``names`` (every model by default) and run their data tests in ``db`` on
    the compiled plan, in a fraction of dbt's time: models/test_compiled.py and
    test_options.py hold its marts equal to ``dbt build``'s (the statistics checks
    read them here)."""
    plan = compiled_plan(variables or {}, database_name(db))
    with duckdb.connect(str(db)) as con:
        plan.execute(con, *names)
    return db


def read_mart(db: Path) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select * from main.scores_by_limit").df()


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """Build once, check many times: ``built(logs, variables, copy)`` writes to ``copy``
    the database of ``logs`` ingested and built by ``dbt build`` as ``budgetcurves
    build`` runs it (every model, seed and data test; dbt's unit tests read no data:
    the plain ``dbt build`` of test_cli runs them) with ``variables``.
    Each (logs, vars, copy's file name) is built once per test run, by whichever
    pytest-xdist worker asks first while the others wait on its lock, then copied: a
    test may write to its copy. Tests that build the same logs with the same vars
    share the build when they name their copy alike (``examples.duckdb``...)."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, which every worker's basetemp is in
    shared = root / "built"
    shared.mkdir(exist_ok=True)

    def _built(logs: list[Path], variables: dict | None, copy: Path) -> Path:
        key = json.dumps([[str(p) for p in logs], variables or {}, copy.name], sort_keys=True)
        name = hashlib.sha256(key.encode()).hexdigest()[:16]
        # the same file name as the copy: dbt's views name the database (the file's stem)
        db, done = shared / name / copy.name, shared / name / "done"
        db.parent.mkdir(exist_ok=True)
        with open(shared / f"{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not done.exists():
                db.unlink(missing_ok=True)
                build_mart(db, logs, variables, build_command())
                done.write_text(key)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, copy)
        return copy

    return _built


@pytest.fixture(scope="session")
def example_db(built, tmp_path_factory) -> Path:
    """The example logs built with the default vars (this worker's copy)."""
    return built([EXAMPLE_LOGS], None, tmp_path_factory.mktemp("example") / "examples.duckdb")


@pytest.fixture(scope="session")
def example_mart(example_db) -> pd.DataFrame:
    return read_mart(example_db)


@pytest.fixture()
def real_logs(tmp_path) -> Path:
    """A private copy of the real logs (tests may add broken files beside them)."""
    if not REAL_LOGS.exists():
        pytest.skip(f"{REAL_LOGS} is not on this machine")
    target = tmp_path / "real-logs"
    shutil.copytree(REAL_LOGS, target)
    return target
