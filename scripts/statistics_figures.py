"""Draw the pictures of docs/statistics.md from the example logs.

* ``docs/img/bands.png``: one model's token curve with the band of each
  (se_method, ci_method) pair;
* ``docs/img/exact.png``: the exact step curve (scores_by_limit_exact) under the grid
  (scores_by_limit), and the paired difference of two models with its band.

The marts are built once into a scratch database; the other method pairs rebuild
only the marts. Run from the repository root:

    .venv/bin/python scripts/statistics_figures.py [--out docs/img]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import duckdb
import pandas as pd
from plotnine import (
    aes,
    facet_wrap,
    geom_hline,
    geom_line,
    geom_point,
    geom_ribbon,
    geom_step,
    ggplot,
    labs,
    scale_x_log10,
    theme,
    theme_bw,
)

from budgetcurves._project import PROJECT_DIR, run_dbt
from budgetcurves.ingest import ingest

METHODS = [("sample", "normal"), ("sample", "wilson"), ("clustered", "normal"),
           ("clustered", "wilson")]  # fmt: skip
MODEL, OTHER = "mockllm/model-a", "mockllm/model-c"


def read(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "docs" / "img")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "figures.duckdb"
        with duckdb.connect(str(db)) as con:
            assert not ingest([str(PROJECT_DIR / "examples" / "logs")], con).errors
        bands = []
        for index, (se_method, ci_method) in enumerate(METHODS):
            variables = {
                "se_method": se_method,
                "ci_method": ci_method,
                "steps": 60,
                "paired_differences": True,
            }
            # one build of everything; then only the mart, with the other methods
            command = ["build", "--exclude", "test_type:unit"] if index == 0 else ["run"]
            if index:
                command += ["--select", "scores_by_limit"]
            run_dbt(command, db=db, variables=variables, quiet=True)
            rows = read(
                db,
                f"select * from main.scores_by_limit where model = '{MODEL}' "
                "and limit_name = 'total_tokens' and facet_name = 'all'",
            )
            bands.append(rows.assign(method=f"{se_method} SE, {ci_method} band"))
        exact = read(
            db,
            f"select * from main.scores_by_limit_exact where model = '{MODEL}' "
            "and limit_name = 'total_tokens' and facet_name = 'all'",
        )
        paired = read(
            db,
            f"select * from main.paired_differences_by_limit where model_a = '{MODEL}' "
            f"and model_b = '{OTHER}' and limit_name = 'total_tokens' and facet_name = 'all'",
        )
    args.out.mkdir(parents=True, exist_ok=True)
    size = theme(figure_size=(8, 5))
    band_plot = (
        ggplot(pd.concat(bands), aes("limit_value", "success_rate"))
        + geom_ribbon(aes(ymin="ci_lower", ymax="ci_upper"), alpha=0.25, fill="#1f77b4")
        + geom_line(color="#1f77b4")
        + facet_wrap("method")
        + scale_x_log10()
        + labs(x="token limit (log scale)", y=f"success rate of {MODEL}")
        + theme_bw()
        + size
    )
    band_plot.save(args.out / "bands.png", dpi=100, verbose=False)
    label = f"{MODEL}: exact curve (line), grid (points)"
    grid = bands[0].assign(curve=label)
    steps = exact.assign(curve=label)
    differences = paired.assign(
        success_rate=paired.difference, curve=f"paired difference {MODEL} - {OTHER}"
    )
    exact_plot = (
        ggplot(mapping=aes("limit_value", "success_rate"))
        + geom_step(data=steps, color="#d62728")
        + geom_point(data=grid, color="#1f77b4", size=1)
        + geom_ribbon(
            aes(ymin="ci_lower", ymax="ci_upper"), data=differences, alpha=0.25, fill="#2ca02c"
        )
        + geom_line(data=differences, color="#2ca02c")
        + geom_hline(yintercept=0, linetype="dashed", color="grey")
        + facet_wrap("curve", ncol=1, scales="free_y")
        + scale_x_log10()
        + labs(x="token limit (log scale)", y="success rate / difference")
        + theme_bw()
        + theme(figure_size=(8, 7))
    )
    exact_plot.save(args.out / "exact.png", dpi=100, verbose=False)
    print(f"wrote {args.out / 'bands.png'} and {args.out / 'exact.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
