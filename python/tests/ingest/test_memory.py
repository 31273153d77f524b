"""Peak memory of ingest does not grow with the input (issue 24, part 4): the peak
resident memory of a ``budgetcurves ingest`` process, on two sizes of input ten times
apart, within the figure docs/performance.md and the README give. DuckDB's
``memory_limit`` (``BUDGETCURVES_MEMORY_LIMIT``) is set low here so that a load which
held its input would pass the figure at the larger size: the test cannot pass by
the input being small."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

#: DuckDB's memory limit in these runs (the default is 2 GB).
MEMORY_LIMIT_MB = 200
#: The documented figure: a process's peak is within DuckDB's memory limit plus this
#: (Python, pyarrow, dbt's imports and the readers' batch).
OVERHEAD_MB = 450

#: Runs ``argv`` and prints the peak resident memory of that child, in MB.
_PEAK = """
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
sys.stderr.write(done.stderr)
if done.returncode:
    sys.exit(done.returncode)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def _peak_mb(tmp_path: Path, source: Path) -> float:
    """The peak resident memory (MB) of ingesting ``source`` into a new database."""
    db = tmp_path / f"{source.stem}.duckdb"
    ingest = Path(sys.executable).with_name("budgetcurves")
    env = {**os.environ, "BUDGETCURVES_MEMORY_LIMIT": f"{MEMORY_LIMIT_MB}MB"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _PEAK,
            str(ingest),
            "ingest",
            "--quiet",
            "--db",
            str(db),
            str(source),
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return float(done.stdout.strip())


def _export(path: Path, rows: int) -> Path:
    """A samples_df-shaped export of ``rows`` samples over 200 evals."""
    with duckdb.connect() as con:
        con.execute(
            f"""copy (select
                'eval-' || (i % 200) as eval_id, md5(cast(i as varchar)) as sample_id,
                cast(i // 200 as varchar) as id, 1 as epoch, 'run' as run_id,
                'task-' || (i % 200) as task_id, 'task-' || (i % 200) as task_name,
                'openai/gpt-4o' as model,
                case when i % 3 = 0 then 'C' else 'I' end as score_match,
                '{{"openai/gpt-4o": {{"input_tokens": ' || (i % 997) || ', "output_tokens": '
                    || (i % 89) || ', "total_tokens": ' || (i % 997 + i % 89)
                    || '}}, "mockllm/grader": {{"input_tokens": 200, "output_tokens": 20, '
                    || '"total_tokens": 220}}}}' as model_usage,
                (i % 1000) / 10.0 as total_time, (i % 1000) / 20.0 as working_time,
                i % 17 as message_count, '' as error
            from range({rows}) as t(i)) to '{path}' (format parquet)"""
        )
    return path


def test_an_exports_peak_memory_does_not_grow_with_its_rows(tmp_path):
    small = _peak_mb(tmp_path, _export(tmp_path / "small.parquet", 300_000))
    large = _peak_mb(tmp_path, _export(tmp_path / "large.parquet", 3_000_000))
    assert large <= MEMORY_LIMIT_MB + OVERHEAD_MB, (small, large)
    # ten times the rows, not ten times the memory: within the limit's own span
    assert large - small <= MEMORY_LIMIT_MB, (small, large)
