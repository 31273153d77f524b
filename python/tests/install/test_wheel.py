"""A non-editable install works from any folder: a wheel built from the repository,
installed into a fresh virtual environment, runs the CLI and the drop-in outside
the repository, finds its dbt project as package data, and writes nothing into
its own installation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves import __version__, scores_by_limit_df
from budgetcurves._project import PROJECT_DIR

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv with the wheel built from this checkout (and its dependencies)."""
    root = tmp_path_factory.mktemp("install")
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", "--quiet", "--no-deps", "-w", str(root / "dist"), str(PROJECT_DIR)],
        check=True,
    )
    (wheel,) = (root / "dist").glob("budgetcurves-*.whl")
    subprocess.run([sys.executable, "-m", "venv", str(root / "venv")], check=True)
    constraints = str(PROJECT_DIR / "constraints.txt")
    subprocess.run(
        [str(root / "venv" / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        + ["install", "--quiet", "-c", constraints, str(wheel)],
        check=True,
    )
    return root / "venv"


@pytest.fixture()
def elsewhere(tmp_path) -> Path:
    """A folder outside the repository, with a copy of the example logs and export."""
    folder = tmp_path / "elsewhere"
    shutil.copytree(EXAMPLE_LOGS, folder / "logs")
    shutil.copy(EXAMPLE_EXPORT, folder / "samples.parquet")
    return folder


def _run(venv: Path, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["BUDGETCURVES_CACHE_DIR"] = str(cwd / "cache")
    # a user's environment: no project named, and dbt's paths not those of the test run
    for key in ("BUDGETCURVES_PROJECT_DIR", "DBT_TARGET_PATH", "DBT_LOG_PATH"):
        env.pop(key, None)
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _installed_files(venv: Path) -> set[str]:
    (site,) = venv.glob("lib/python*/site-packages")
    return {str(p.relative_to(site)) for p in (site / "budgetcurves").rglob("*")}


def test_version(venv, elsewhere):
    done = _run(venv, [str(venv / "bin" / "budgetcurves"), "--version"], elsewhere)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"budgetcurves {__version__}"


def test_run_from_another_folder(venv, elsewhere):
    before = _installed_files(venv)
    assert "budgetcurves/dbt_project/dbt_project.yml" in before
    assert "budgetcurves/dbt_project/models/marts/scores_by_limit.sql" in before
    budgetcurves = str(venv / "bin" / "budgetcurves")
    done = _run(
        venv, [budgetcurves, "run", "logs", "--db", "x.duckdb", "--out", "x.png"], elsewhere
    )
    assert done.returncode == 0, done.stderr
    assert (elsewhere / "x.png").stat().st_size > 10_000
    with duckdb.connect(str(elsewhere / "x.duckdb"), read_only=True) as con:
        models = con.execute("select distinct model from main.scores_by_limit").fetchall()
    assert len(models) == 3
    # nothing was written into site-packages
    assert _installed_files(venv) == before
    # the wheel carries the default shape's plan (its build hook compiled it); the
    # first run after the install compiled one into the cache only if that plan is
    # for other versions of dbt, dbt-duckdb or DuckDB than the ones installed
    assert any(name.startswith("budgetcurves/_plans/") for name in before)
    fits = _run(
        venv,
        [
            str(venv / "bin" / "python"),
            "-c",
            "from budgetcurves._compiled import SHIPPED_PLANS, plan_key; "
            "print((SHIPPED_PLANS / plan_key({})).is_dir())",
        ],
        elsewhere,
    )
    assert fits.returncode == 0, fits.stderr
    compiled = (elsewhere / "cache" / "compiled").exists()
    assert compiled == (fits.stdout.strip() == "False"), (fits.stdout, compiled)


def test_drop_in_from_another_folder(venv, elsewhere):
    script = (
        "import sys, pandas as pd, budgetcurves\n"
        "assert 'site-packages' in budgetcurves.__file__, budgetcurves.__file__\n"
        "frame = pd.read_parquet('samples.parquet')\n"
        "curves = budgetcurves.scores_by_limit_df(frame, 'score_match', steps=30)\n"
        "curves.to_parquet('out.parquet')\n"
    )
    done = _run(venv, [str(venv / "bin" / "python"), "-c", script], elsewhere)
    assert done.returncode == 0, done.stderr
    installed = pd.read_parquet(elsewhere / "out.parquet")
    here = scores_by_limit_df(pd.read_parquet(EXAMPLE_EXPORT), "score_match", steps=30)
    assert len(installed) == 3 * 30
    pd.testing.assert_frame_equal(installed, here, check_exact=False, rtol=0, atol=1e-15)


def test_every_module_imports_with_the_declared_dependencies(venv, elsewhere):
    script = (
        "import importlib, pkgutil, budgetcurves\n"
        "for module in pkgutil.walk_packages(budgetcurves.__path__, 'budgetcurves.'):\n"
        "    importlib.import_module(module.name)\n"
    )
    done = _run(venv, [str(venv / "bin" / "python"), "-c", script], elsewhere)
    assert done.returncode == 0, done.stderr
