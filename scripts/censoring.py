"""Two eval budgets mixed: how biased is each curve, how often does its band cover?
(`make censoring`)

Simulates a model run twice on the same kind of questions, once with a small token
budget and once with a large one (the common re-run), with a known true success
curve, builds the marts once with each replicate as a facet value, and reports per
region of the grid the bias of the naive curve (scores_by_limit) and of the
Aalen-Johansen cumulative incidence (scores_by_limit_cumulative_incidence, var
`estimator: cumulative_incidence`), and how often each 95 % band holds the truth.

The simulation (every draw from one seeded numpy Generator), per replicate (a task,
``rep-001`` ...: the facet ``task_name``) and budget B in ``BUDGETS``, ``--samples``
independent samples:

* a sample would succeed with probability ``SUCCESS_SHARE``, after T tokens,
  log T ~ N(log ``SUCCESS_MEDIAN``, ``SPREAD``^2); otherwise it would finish failed
  after log T ~ N(log ``FAILURE_MEDIAN``, ``SPREAD``^2);
* T is rounded to whole tokens; a sample with T > B is stopped by the eval's token
  limit: it records B plus an overshoot of up to ``OVERSHOOT`` tokens, the limit type
  ``token`` and the score I (a failure);
* the true curve is c(t) = SUCCESS_SHARE x Phi((log(floor(t) + 1/2) - log
  SUCCESS_MEDIAN) / SPREAD): the share that succeeds within t with no budget.

Below the small budget both curves see everything; between the budgets the naive
curve counts the small run's stopped samples as failures (biased low); beyond the
large budget nothing is measured (both are flat, the truth goes on rising: not a
region either estimator answers). Run from the repository root:

    .venv/bin/python scripts/censoring.py [--replicates 400] [--out target/censoring]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.stats import norm

from budgetcurves._project import run_dbt
from budgetcurves.ingest import ingest

MODEL = "sim/rerun"
SUCCESS_SHARE, SUCCESS_MEDIAN, FAILURE_MEDIAN, SPREAD = 0.7, 3000.0, 4000.0, 0.9
BUDGETS = (2000, 8000)
OVERSHOOT = 200
ESTIMATORS = {
    "naive": "scores_by_limit",
    "cumulative_incidence": "scores_by_limit_cumulative_incidence",
}


def simulate(replicates: int, samples: int, seed: int) -> pd.DataFrame:
    """An export (one row per sample, the columns `budgetcurves ingest` reads from a
    samples_df parquet) of ``replicates`` x two budgets x ``samples`` samples."""
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(replicates):
        task = f"rep-{r + 1:03d}"
        for budget in BUDGETS:
            would_succeed = rng.random(samples) < SUCCESS_SHARE
            median = np.where(would_succeed, SUCCESS_MEDIAN, FAILURE_MEDIAN)
            needed = np.maximum(
                np.round(median * np.exp(rng.normal(scale=SPREAD, size=samples))), 1
            )
            stopped = needed > budget
            overshoot = rng.integers(1, OVERSHOOT + 1, size=samples)
            tokens = np.where(stopped, budget + overshoot, needed).astype(int)
            success = would_succeed & ~stopped
            eval_id = f"{task}-budget-{budget}"
            frames.append(
                pd.DataFrame(
                    {
                        "eval_id": eval_id,
                        "id": [f"s{i:04d}" for i in range(samples)],
                        "epoch": 1,
                        "model": MODEL,
                        "model_usage": [
                            json.dumps({MODEL: {"total_tokens": int(t)}}) for t in tokens
                        ],
                        "score_match": np.where(success, "C", "I"),
                        "task_id": eval_id,
                        "task_name": task,
                        "status": "success",
                        "log": f"{eval_id}.eval",
                        "token_limit": budget,
                        "limit": np.where(stopped, "token", None),
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def true_curve(thresholds: np.ndarray) -> np.ndarray:
    """c(t): token counts are whole numbers, so within t means T < floor(t) + 1/2."""
    within = np.log(np.floor(thresholds) + 0.5) - np.log(SUCCESS_MEDIAN)
    return SUCCESS_SHARE * norm.cdf(within / SPREAD)


def region(t: np.ndarray) -> np.ndarray:
    small, large = BUDGETS
    return np.select(
        [t <= small, t <= large],
        [f"1. t <= {small} (both budgets)", f"2. {small} < t <= {large} (mixed)"],
        f"3. t > {large} (beyond both)",
    )


def curve_rows(db: Path) -> pd.DataFrame:
    """Both marts' rows of the replicates' curves, with the truth and the region."""
    frames = []
    with duckdb.connect(str(db), read_only=True) as con:
        for estimator, mart in ESTIMATORS.items():
            frame = con.execute(
                f"select facet_value, step_index, limit_value, success_rate, ci_lower, ci_upper "
                f"from main.{mart} where limit_name = 'total_tokens' and facet_name = 'task_name'"
            ).df()
            frames.append(frame.assign(estimator=estimator))
    rows = pd.concat(frames, ignore_index=True)
    rows["truth"] = true_curve(rows.limit_value.to_numpy())
    rows["error"] = rows.success_rate - rows.truth
    rows["covered"] = (rows.ci_lower <= rows.truth) & (rows.truth <= rows.ci_upper)
    rows["region"] = region(rows.limit_value.to_numpy())
    return rows


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Per estimator and region: the mean error over points (bias), its Monte Carlo
    standard error (replicates as blocks), the largest bias at one threshold, and the
    band's coverage."""
    out = []
    for (estimator, where), part in rows.groupby(["estimator", "region"], sort=True):
        per_replicate = part.groupby("facet_value").agg(
            error=("error", "mean"), covered=("covered", "mean")
        )
        by_step = part.groupby("step_index").error.mean()
        out.append(
            {
                "estimator": estimator,
                "region": where,
                "points": len(part),
                "bias": part.error.mean(),
                "bias_mc_se": per_replicate.error.std(ddof=1) / np.sqrt(len(per_replicate)),
                "worst_bias": by_step.loc[by_step.abs().idxmax()],
                "coverage": part.covered.mean(),
                "coverage_mc_se": per_replicate.covered.std(ddof=1) / np.sqrt(len(per_replicate)),
                # the normal band is known to fail near 0 (make coverage): apart
                "coverage_above_5": part.covered[part.truth >= 0.05].mean(),
            }
        )
    return pd.DataFrame(out)


def draw(rows: pd.DataFrame, path: Path) -> None:
    """Each curve's mean over the replicates against the truth, the budgets marked."""
    from plotnine import aes, geom_line, geom_vline, ggplot, labs, theme, theme_bw

    mean = rows.groupby(["estimator", "step_index"], as_index=False).agg(
        limit_value=("limit_value", "mean"), rate=("success_rate", "mean")
    )
    truth = mean[mean.estimator == "naive"].assign(
        estimator="true curve", rate=lambda f: true_curve(f.limit_value.to_numpy())
    )
    plot = (
        ggplot(pd.concat([mean, truth]), aes("limit_value", "rate", color="estimator"))
        + geom_vline(xintercept=list(BUDGETS), linetype="dotted", color="grey")
        + geom_line()
        + labs(
            x="tokens (dotted: the two eval budgets)",
            y="success rate, mean over replicates",
            color="",
        )
        + theme_bw()
        + theme(figure_size=(7, 4), legend_position="bottom")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    plot.save(path, dpi=100, verbose=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=400)
    parser.add_argument("--samples", type=int, default=100, help="samples per budget")
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--out", type=Path, default=Path("target/censoring"))
    parser.add_argument("--figure", type=Path, help="the figure (default: censoring.png in --out)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    export, db = args.out / "samples.parquet", args.out / "censoring.duckdb"
    db.unlink(missing_ok=True)
    samples = simulate(args.replicates, args.samples, args.seed)
    samples.to_parquet(export)
    with duckdb.connect(str(db)) as con:
        loaded = ingest([str(export)], con)
    assert not loaded.errors, loaded.errors
    variables = {
        "facet": "task_name",
        "steps": args.steps,
        "limits": ["total_tokens"],
        "estimator": "cumulative_incidence",
    }
    run_dbt(
        ["build", "--select", "+scores_by_limit", "+scores_by_limit_cumulative_incidence",
         "--exclude", "test_type:unit"],
        db=db, variables=variables, quiet=True,
    )  # fmt: skip
    rows = curve_rows(db)
    table = summary(rows)
    table.to_csv(args.out / "censoring.csv", index=False)
    draw(rows, args.figure or args.out / "censoring.png")
    stopped = (samples["limit"] == "token").mean()
    print(
        f"{args.replicates} replicates x budgets {BUDGETS[0]} and {BUDGETS[1]} x "
        f"{args.samples} samples ({stopped:.0%} stopped by the budget); "
        f"95 % bands on a {args.steps}-step grid; {time.monotonic() - started:.0f} s\n"
    )
    print(
        "| estimator | thresholds | points | bias (+- 2 MC se) | worst | "
        "coverage (+- 2 MC se) | coverage, true rate >= 5 % |"
    )
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for row in table.itertuples():
        print(
            f"| {row.estimator} | {row.region} | {row.points} | "
            f"{row.bias:+.4f} +- {2 * row.bias_mc_se:.4f} | {row.worst_bias:+.4f} | "
            f"{row.coverage:.3f} +- {2 * row.coverage_mc_se:.3f} | {row.coverage_above_5:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
