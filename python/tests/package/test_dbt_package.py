"""budgetcurves as a package of another dbt project: a consumer with its own profile,
``packages.yml`` naming the repository with ``local:``, the package's vars set under
its name, and a model of its own that refs ``scores_by_limit``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from budgetcurves._project import PROJECT_DIR
from budgetcurves.cli import main

from ..conftest import EXAMPLE_LOGS

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent

CONSUMER_PROJECT = """\
name: consumer
version: "1.0.0"
config-version: 2
profile: consumer
vars:
  budgetcurves:
    steps: 20
    ci_level: 0.9
"""

CONSUMER_PROFILE = """\
consumer:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{db}"
      threads: 2
"""

PACKAGES = """\
packages:
  - local: "{path}"
"""

# a model of the consumer's own, on the package's public mart
BEST_AT_FINAL_BUDGET = """\
with curves as (
    select * from {{ ref('scores_by_limit') }}
    where limit_name = 'total_tokens' and facet_name = 'all'
)
select model, max(success_rate) filter (where step_index = 19) as final_rate
from curves
group by model
"""


def test_consumer_project_builds_with_budgetcurves_as_a_package(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    assert main(["ingest", str(EXAMPLE_LOGS), "--db", str(db), "--quiet"]) == 0
    consumer = tmp_path / "consumer"
    (consumer / "models").mkdir(parents=True)
    (consumer / "dbt_project.yml").write_text(CONSUMER_PROJECT)
    (consumer / "profiles.yml").write_text(CONSUMER_PROFILE.format(db=db))
    (consumer / "packages.yml").write_text(PACKAGES.format(path=PROJECT_DIR))
    (consumer / "models" / "best_at_final_budget.sql").write_text(BEST_AT_FINAL_BUDGET)

    env = {k: v for k, v in os.environ.items() if not k.startswith("DBT_")}
    # the consumer's own var on the command line is not budgetcurves' to reject
    for command in (["deps"], ["build", "--vars", "{consumer_only: 1}"]):
        done = subprocess.run(
            [str(BIN / "dbt"), *command, "--profiles-dir", str(consumer)],
            cwd=consumer,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]

    with duckdb.connect(str(db), read_only=True) as con:
        steps, levels = con.execute(
            "select count(distinct step_index), min(ci_level) from main.scores_by_limit"
        ).fetchone()
        (models,) = con.execute("select count(*) from main.best_at_final_budget").fetchone()
        (landing,) = con.execute("select count(distinct model) from inspect.samples").fetchone()
    assert (steps, levels) == (20, 0.9)  # the vars set under the package's name applied
    assert models == landing == 3
