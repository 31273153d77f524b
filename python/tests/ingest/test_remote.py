"""Remote logs: ``ingest s3://bucket/prefix`` through fsspec, against moto's S3 server
on a free loopback port (no cloud account, no network beyond 127.0.0.1)."""

from __future__ import annotations

import socket

import duckdb
import pytest

from budgetcurves.ingest import ingest
from budgetcurves.ingest._landing import LANDED_SAMPLES

from ..conftest import EXAMPLE_EXPORT, EXAMPLE_LOGS

pytestmark = pytest.mark.slow

pytest.importorskip("s3fs")
pytest.importorskip("moto")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3():
    """A local S3 server, the environment that points boto at it, and an s3fs client."""
    import s3fs
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as env:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
            "NO_PROXY": "127.0.0.1,localhost",
        }.items():
            env.setenv(key, value)
        fs = s3fs.S3FileSystem(skip_instance_cache=True)
        fs.mkdir("logs")
        try:
            yield fs
        finally:
            server.stop()


@pytest.fixture()
def prefix(s3, request):
    """A fresh prefix holding the example logs."""
    name = f"logs/{request.node.name}"
    for path in sorted(EXAMPLE_LOGS.iterdir()):
        s3.put(str(path), f"{name}/{path.name}")
    return name


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_an_s3_prefix_ingests_like_the_local_folder(s3, prefix):
    con = duckdb.connect()
    summary = ingest([f"s3://{prefix}"], con)
    assert summary.errors == [] and summary.files_read == 6
    local = duckdb.connect()
    ingest([str(EXAMPLE_LOGS)], local)
    columns = "eval_id, sample_id, epoch, model, total_tokens, total_time"
    sql = f"select {columns} from inspect.samples order by all"
    assert _rows(con, sql) == _rows(local, sql)
    ledger = _rows(con, "select log_file, file_size, file_etag from inspect.log_files")
    assert all(path.startswith(f"s3://{prefix}/") for path, _, _ in ledger)
    assert all(size > 0 and etag for _, size, etag in ledger)


def test_remote_files_are_read_again_only_when_they_change(s3, prefix):
    con = duckdb.connect()
    ingest([f"s3://{prefix}/"], con)
    again = ingest([f"s3://{prefix}/"], con)
    assert (again.files_read, again.files_unchanged) == (0, 6)
    # a rewrite (same key, new content) is seen by its ETag even within the same second
    names = sorted(p.name for p in EXAMPLE_LOGS.iterdir())
    s3.put(str(EXAMPLE_LOGS / names[1]), f"{prefix}/{names[0]}")
    changed = ingest([f"s3://{prefix}"], con)
    assert (changed.files_read, changed.files_replaced, changed.files_unchanged) == (1, 1, 5)
    s3.rm(f"{prefix}/{names[2]}")
    gone = ingest([f"s3://{prefix}"], con)
    assert gone.files_missing == 1 and gone.files_pruned == 0
    pruned = ingest([f"s3://{prefix}"], con, prune=True)
    assert pruned.files_pruned == 1 and pruned.samples_removed > 0


def test_bad_remote_input_is_named(s3, prefix):
    name = sorted(EXAMPLE_LOGS.glob("*.eval"))[0]
    s3.pipe(f"{prefix}/broken.eval", name.read_bytes()[:1000])
    s3.pipe(f"{prefix}/notes.txt", b"not a log")
    con = duckdb.connect()
    summary = ingest([f"s3://{prefix}", "s3://logs/no-such-prefix"], con)
    reasons = {e.path: e.reason for e in summary.errors}
    assert set(reasons) == {f"s3://{prefix}/broken.eval", "s3://logs/no-such-prefix"}
    assert "zip" in reasons[f"s3://{prefix}/broken.eval"]
    assert reasons["s3://logs/no-such-prefix"] == "no such file or directory"
    assert summary.files_read == 6


def test_a_remote_export_loads(s3):
    if not EXAMPLE_EXPORT.exists():
        pytest.skip("no example export")
    s3.put(str(EXAMPLE_EXPORT), "logs/exports/samples.parquet")
    con = duckdb.connect()
    summary = ingest(["s3://logs/exports/samples.parquet"], con)
    assert summary.errors == [] and summary.samples_added == 93
    # an export lands narrow: its samples in export_samples, its evals' log file once
    assert _rows(con, f"select distinct log_file from {LANDED_SAMPLES} as landed") == [
        ("s3://logs/exports/samples.parquet",)
    ]


def test_the_cli_ingests_an_s3_prefix(s3, prefix, tmp_path, capsys):
    from budgetcurves.cli import main

    db = tmp_path / "cli.duckdb"
    assert main(["ingest", f"s3://{prefix}", "--db", str(db)]) == 0
    assert "6 files read" in capsys.readouterr().out
