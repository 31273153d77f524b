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
    geom_point,
    ggplot,
    labs,
    scale_y_continuous,
    theme,
)

from budgetcurves._project import PROJECT_DIR, run_dbt
from budgetcurves.ingest import ingest
from budgetcurves.plot import (
    geom_ci_band,
    geom_success_curve,
    read_scores,
    scale_color_model,
    scale_limit_x,
    theme_budgetcurves,
)

METHODS = [("sample", "normal"), ("sample", "wilson"), ("clustered", "normal"),
           ("clustered", "wilson")]  # fmt: skip
MODEL, OTHER = "mockllm/model-a", "mockllm/model-c"


def read(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def draw_bands(bands: pd.DataFrame, path: Path) -> None:
    """One model's curve under each (se_method, ci_method) band, in the product's look."""
    name = bands.model_display_name.iloc[0]
    plot = (
        ggplot(bands)
        + geom_ci_band()
        + geom_success_curve()
        + facet_wrap("method")
        + theme_budgetcurves()
        + theme(figure_size=(8, 5.5), legend_position="none")
        + labs(
            title=f"{name}: the four bands on one curve",
            caption="95% bands. Clustered: the epochs and runs of a question (task name,\n"
            "sample id) are one cluster (Miller 2024).",
        )
    )
    plot.save(path, dpi=100, verbose=False)


def draw_exact(grid: pd.DataFrame, exact: pd.DataFrame, paired: pd.DataFrame, path: Path) -> None:
    """Two figures stacked, each with its own y axis: the exact steps under the grid's
    points, and the paired difference of two models with its band."""
    name = grid.model_display_name.iloc[0]
    size = theme(figure_size=(8, 7))
    steps = exact.assign(model_display_name=name, limit_name="total_tokens")
    top = (
        ggplot(steps)
        + scale_limit_x("log")
        + geom_success_curve(size=0.8)
        + geom_point(aes("limit_value", "success_rate"), data=grid, size=1.2, color="#333333")
        + theme_budgetcurves()
        + size
        + theme(legend_position="none")
        + labs(
            title=f"{name}: the exact curve (steps) and the grid's thresholds (points)",
        )
    )
    names = read_names(paired)
    difference = paired.assign(
        success_rate=paired.difference,
        model=paired.model_a,
        model_display_name=f"{names[0]} − {names[1]}",
    )
    bottom = (
        ggplot(difference)
        + scale_limit_x("log")
        + scale_y_continuous(name="Difference in success rate")
        + geom_hline(yintercept=0, linetype="dashed", color="grey")
        + geom_ci_band()
        + geom_success_curve(size=0.8)
        + scale_color_model()
        + theme_budgetcurves()
        + size
        + theme(legend_position="none")
        + labs(
            title=f"Paired difference, {names[0]} − {names[1]}, with its 95% band",
        )
    )
    (top / bottom).save(path, dpi=100, verbose=False)


def read_names(paired: pd.DataFrame) -> tuple[str, str]:
    """The two models' display names (the seed's), as read_scores would give them."""
    seeds = pd.read_csv(PROJECT_DIR / "seeds" / "model_info.csv")
    names = dict(zip(seeds.model, seeds.display_name, strict=True))
    a, b = paired.model_a.iloc[0], paired.model_b.iloc[0]
    return names.get(a, a), names.get(b, b)


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
            if index:  # with the models it reads: the clustered columns come from upstream
                command += ["--select", "+scores_by_limit"]
            run_dbt(command, db=db, variables=variables, quiet=True)
            rows = read_scores(db, "total_tokens", models=[MODEL])
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
    draw_bands(pd.concat(bands), args.out / "bands.png")
    draw_exact(bands[0], exact, paired, args.out / "exact.png")
    print(f"wrote {args.out / 'bands.png'} and {args.out / 'exact.png'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
