"""The Makefile's targets keep what the user owns."""

from __future__ import annotations

import shutil
import subprocess

from budgetcurves._project import PROJECT_DIR


def test_make_clean_keeps_the_users_logs(tmp_path):
    """`logs/` is where Inspect writes its logs by default: clean never removes it."""
    shutil.copy(PROJECT_DIR / "Makefile", tmp_path / "Makefile")
    log = tmp_path / "logs" / "2025-01-01T00-00-00_task_model.eval"
    log.parent.mkdir()
    log.write_bytes(b"an eval log")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "generated.duckdb").write_bytes(b"")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True, capture_output=True)
    assert log.read_bytes() == b"an eval log"
    assert not (tmp_path / "target").exists()
