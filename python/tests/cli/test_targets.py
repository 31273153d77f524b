"""The loader's --target is any output of the dbt profile, opened by its type: what
`dbt build --target NAME` builds on is where `budgetcurves ingest --target NAME`
loads. No server is needed here: the connection's own error names what it tried."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from budgetcurves._project import PROJECT_DIR
from budgetcurves.cli import main
from budgetcurves.ingest._spark import spark_settings
from budgetcurves.ingest._targets import TargetError, postgres_arguments, profile_output

from ..conftest import EXAMPLE_LOGS


def _profile(folder: Path, outputs: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    profile = {"budgetcurves": {"target": next(iter(outputs)), "outputs": outputs}}
    (folder / "profiles.yml").write_text(yaml.safe_dump(profile))
    return folder


def test_an_output_of_the_users_own_is_a_target(tmp_path, monkeypatch, capsys):
    """A postgres output named `warehouse` in DBT_PROFILES_DIR: the loader connects to
    its host (a socket folder with no server), not to libpq's defaults."""
    socket = tmp_path / "their-server"
    folder = _profile(
        tmp_path / "profiles",
        {
            "warehouse": {
                "type": "postgres",
                "host": str(socket),
                "port": 5433,
                "user": "{{ env_var('THEIR_USER') }}",
                "password": "",
                "dbname": "evals",
                "schema": "public",
                "threads": 1,
            }
        },
    )
    monkeypatch.setenv("DBT_PROFILES_DIR", str(folder))
    monkeypatch.setenv("THEIR_USER", "analyst")
    monkeypatch.setenv("PGCONNECT_TIMEOUT", "2")
    assert main(["ingest", str(EXAMPLE_LOGS), "--target", "warehouse"]) == 4
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("budgetcurves: error: --target warehouse: the database failed: ")
    assert str(socket) in err and "5433" in err


def test_the_rendered_output_gives_psycopg2_its_arguments(tmp_path, monkeypatch):
    folder = _profile(
        tmp_path,
        {
            "pg": {
                "type": "postgres",
                "host": "db.example",
                "port": "{{ env_var('THEIR_PORT') | as_number }}",
                "user": "u",
                "pass": "secret",
                "database": "d",
                "schema": "s",
            }
        },
    )
    monkeypatch.setenv("DBT_PROFILES_DIR", str(folder))
    monkeypatch.setenv("THEIR_PORT", "6543")
    assert postgres_arguments(profile_output("pg")) == {
        "host": "db.example",
        "port": 6543,
        "user": "u",
        "password": "secret",
        "dbname": "d",
    }


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("nope", "has no such output (it has: databricks, duckdb, postgres, spark, spark_thrift)"),
        ("spark_thrift", "set BUDGETCURVES_SPARK_REMOTE=sc://HOST:15002"),
    ],
)
def test_a_target_the_loader_cannot_open_is_a_usage_error(target, says, monkeypatch, capsys):
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    monkeypatch.delenv("BUDGETCURVES_SPARK_REMOTE", raising=False)
    assert main(["ingest", str(EXAMPLE_LOGS), "--target", target]) == 2
    out, err = capsys.readouterr()
    assert out == "" and len(err.splitlines()) == 1, err
    assert err.startswith(f"budgetcurves: error: --target {target}: ") and says in err


def test_an_output_of_another_type_is_named(tmp_path, monkeypatch):
    folder = _profile(tmp_path, {"snow": {"type": "snowflake", "account": "x"}})
    monkeypatch.setenv("DBT_PROFILES_DIR", str(folder))
    from budgetcurves.ingest._targets import open_target

    with pytest.raises(TargetError, match="not 'snowflake'"), open_target("snow"):
        pass


def test_the_loaders_spark_settings_are_the_profiles(monkeypatch, tmp_path):
    """The loader's local session and dbt's `spark` output agree, whatever the
    environment sets (one of them opens the metastore the other reads)."""
    monkeypatch.delenv("DBT_PROFILES_DIR", raising=False)
    monkeypatch.setenv("BUDGETCURVES_SPARK_DIR", str(tmp_path))
    monkeypatch.setenv("BUDGETCURVES_SPARK_MASTER", "local[3]")
    monkeypatch.setenv("BUDGETCURVES_SPARK_SHUFFLE_PARTITIONS", "64")
    rendered = profile_output("spark")["server_side_parameters"]
    assert {k: str(v) for k, v in rendered.items()} == spark_settings()
    assert (PROJECT_DIR / "profiles.yml").is_file()
