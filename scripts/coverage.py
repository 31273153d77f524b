"""How often does each band cover the true success curve? (`make coverage`)

Simulates evals whose true success curve is known, builds the marts once with each
simulated replicate as a facet value, and reports, per standard-error method and band
method, how often the 95 % band holds the true curve, pointwise on the grid.

The simulation (every draw from one seeded numpy Generator):

* Two models, ``sim/strong`` (ability 1) and ``sim/weak`` (ability 0), answer the
  same ``--questions`` questions, ``--epochs`` times each, in each of ``--replicates``
  replicates (a replicate is one task, ``rep-001`` ...: the facet ``task_name``).
* Question q has a difficulty b_q ~ N(0, 1), shared by both models. A model's chance
  of success on q is logistic(ability - b_q + u_q), with u_q ~ N(0, 1) drawn per model
  and question: the epochs of one question are correlated, as in real evals.
* Tokens: log T = mu_model + 0.5 b_q + eta_q + e, with eta_q ~ N(0, 0.5^2) per question
  and e ~ N(0, 0.5^2) per sample; a failed sample spends exp(0.3) times more.
* The true curve of a model is then
  c(t) = E_b[ E_u[logistic(ability - b + u)] * Phi((log t - mu - 0.5 b) / sqrt(0.5))],
  integrated by Gauss-Hermite quadrature to about 1e-10.

The export is a samples_df-style parquet (eval_id, id, epoch, model, model_usage JSON,
score_match, task_id, task_name, status). It is ingested and dbt-built once with
``facet: task_name``; the three other (se_method, ci_method) pairs then rebuild only
the marts (dbt run), over the same intermediate tables. Run from the repository root:

    .venv/bin/python scripts/coverage.py [--replicates 500] [--out target/coverage]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from budgetcurves._project import run_dbt
from budgetcurves.ingest import ingest

MODELS = {"sim/strong": (1.0, np.log(2000.0)), "sim/weak": (0.0, np.log(1500.0))}
TOKEN_SLOPE, QUESTION_SD, SAMPLE_SD, FAIL_FACTOR = 0.5, 0.5, 0.5, np.exp(0.3)
METHODS = [("sample", "normal"), ("sample", "wilson"), ("clustered", "normal"),
           ("clustered", "wilson")]  # fmt: skip
BANDS = [(0, 0.02, "true rate < 2 %"), (0.02, 0.1, "2 - 10 %"), (0.1, 1.01, ">= 10 %")]


def simulate(replicates: int, questions: int, epochs: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for r in range(replicates):
        task = f"rep-{r + 1:03d}"
        difficulty = rng.normal(size=questions)
        token_effect = rng.normal(scale=QUESTION_SD, size=questions)
        for model, (ability, mu) in MODELS.items():
            chance = expit(ability - difficulty + rng.normal(size=questions))
            q = np.repeat(np.arange(questions), epochs)
            success = rng.random(q.size) < chance[q]
            log_tokens = mu + TOKEN_SLOPE * difficulty[q] + token_effect[q]
            log_tokens += rng.normal(scale=SAMPLE_SD, size=q.size)
            tokens = np.round(np.exp(log_tokens) * np.where(success, 1.0, FAIL_FACTOR))
            eval_id = f"{task}-{model.split('/')[1]}"
            frames.append(
                pd.DataFrame(
                    {
                        "eval_id": eval_id,
                        "id": [f"q{i:03d}" for i in q],
                        "epoch": np.tile(np.arange(1, epochs + 1), questions),
                        "model": model,
                        "model_usage": [
                            json.dumps({model: {"total_tokens": int(t)}}) for t in tokens
                        ],
                        "score_match": np.where(success, "C", "I"),
                        "task_id": eval_id,
                        "task_name": task,
                        "status": "success",
                        "log": f"{eval_id}.eval",
                    }
                )
            )
    return pd.concat(frames, ignore_index=True)


def true_curve(model: str, thresholds: np.ndarray, nodes: int = 80) -> np.ndarray:
    """c(t) by Gauss-Hermite quadrature over the difficulty b and the question effect u.

    Token counts are whole numbers (T rounded): within t means T < floor(t) + 1/2."""
    ability, mu = MODELS[model]
    thresholds = np.floor(thresholds) + 0.5
    x, w = np.polynomial.hermite_e.hermegauss(nodes)  # weight exp(-x^2 / 2)
    w = w / w.sum()
    chance_given_b = expit(ability - x[:, None] + x[None, :]) @ w  # E_u, per b
    spread = np.sqrt(QUESTION_SD**2 + SAMPLE_SD**2)
    within = norm.cdf((np.log(thresholds)[:, None] - mu - TOKEN_SLOPE * x[None, :]) / spread)
    return within @ (w * chance_given_b)


def read(db: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).df()


def coverage_rows(db: Path, se_method: str, ci_method: str) -> list[dict]:
    mart = read(
        db,
        "select * from main.scores_by_limit where limit_name = 'total_tokens' "
        "and facet_name = 'task_name'",
    )
    mart["truth"] = np.nan
    for model in MODELS:
        mine = mart.model == model
        mart.loc[mine, "truth"] = true_curve(model, mart.loc[mine, "limit_value"].to_numpy())
    mart["covered"] = (mart.ci_lower <= mart.truth) & (mart.truth <= mart.ci_upper)
    mart["width"] = mart.ci_upper - mart.ci_lower
    mart = mart[mart.ci_lower.notna()]
    rows = []
    for low, high, label in BANDS:
        part = mart[(mart.truth >= low) & (mart.truth < high)]
        rows.append(summary_row(part, se_method, ci_method, label))
    return rows, mart.assign(se_method=se_method, ci_method=ci_method)


def summary_row(part: pd.DataFrame, se_method: str, ci_method: str, label: str) -> dict:
    """Coverage with a Monte Carlo standard error from replicates as blocks (the points of
    one replicate's curves share their samples, so they are not independent)."""
    per_replicate = part.groupby("facet_value").covered.agg(["sum", "count"])
    share = per_replicate["sum"] / per_replicate["count"].sum() * len(per_replicate)
    return {
        "se_method": se_method,
        "ci_method": ci_method,
        "region": label,
        "points": len(part),
        "coverage": part.covered.mean(),
        "mc_se": share.std(ddof=1) / np.sqrt(len(per_replicate)),
        "mean_width": part.width.mean(),
    }


def paired_rows(db: Path) -> list[dict]:
    pairs = read(
        db,
        "select * from main.paired_differences_by_limit where limit_name = 'total_tokens' "
        "and facet_name = 'task_name'",
    )
    (strong, weak) = sorted(MODELS)
    truth = true_curve(strong, pairs.limit_value.to_numpy()) - true_curve(
        weak, pairs.limit_value.to_numpy()
    )
    truth = np.where(pairs.model_a == strong, truth, -truth)
    pairs["covered"] = (pairs.ci_lower <= truth) & (truth <= pairs.ci_upper)
    pairs["width"] = pairs.ci_upper - pairs.ci_lower
    defined = pairs[pairs.ci_lower.notna() & (pairs.standard_error > 0)]
    return [summary_row(defined, "paired", "student t", "difference strong - weak")]


def draw(points: pd.DataFrame, path: Path) -> None:
    """Coverage at each grid step (over replicates) against the true rate there."""
    from plotnine import (
        aes,
        facet_wrap,
        geom_hline,
        geom_line,
        geom_point,
        ggplot,
        labs,
        scale_x_log10,
        theme,
        theme_bw,
    )  # fmt: skip

    by_step = (
        points.assign(method=points.se_method + " SE, " + points.ci_method + " band")
        .groupby(["method", "model", "step_index"], as_index=False)
        .agg(coverage=("covered", "mean"), truth=("truth", "mean"))
    )
    by_step = by_step[by_step.truth > 1e-4]
    plot = (
        ggplot(by_step, aes("truth", "coverage", color="model"))
        + geom_hline(yintercept=0.95, linetype="dashed", color="grey")
        + geom_line()
        + geom_point(size=1)
        + facet_wrap("method")
        + scale_x_log10()
        + labs(x="true success rate at the threshold (log scale)", y="coverage of the 95 % band")
        + theme_bw()
        + theme(figure_size=(8, 5), legend_position="bottom")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    plot.save(path, dpi=100, verbose=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=500)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--seed", type=int, default=20241101)
    parser.add_argument("--out", type=Path, default=Path("target/coverage"))
    parser.add_argument("--figure", type=Path, help="also draw coverage by threshold (PNG)")
    parser.add_argument(
        "--methods",
        nargs="+",
        default=[f"{se}/{ci}" for se, ci in METHODS],
        help="se_method/ci_method pairs (default: all four)",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    args.out.mkdir(parents=True, exist_ok=True)
    export, db = args.out / "samples.parquet", args.out / "coverage.duckdb"
    db.unlink(missing_ok=True)
    simulate(args.replicates, args.questions, args.epochs, args.seed).to_parquet(export)
    with duckdb.connect(str(db)) as con:
        summary = ingest([str(export)], con)
    assert not summary.errors, summary.errors

    rows: list[dict] = []
    points = []
    methods = [tuple(m.split("/")) for m in args.methods]
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        parser.error(f"--methods: unknown pair(s) {unknown}; known: {METHODS}")
    shared = {"facet": "task_name", "steps": args.steps, "paired_differences": True}
    # one build of everything, with se_method clustered: the intermediate tables then
    # carry the cluster columns (se_method sample leaves them null), and every method
    # rebuilds only the mart over them
    run_dbt(["build", "--exclude", "test_type:unit"], db=db,
            variables={**shared, "se_method": "clustered"}, quiet=True)  # fmt: skip
    rows += paired_rows(db)
    for se_method, ci_method in methods:
        variables = {**shared, "se_method": se_method, "ci_method": ci_method}
        run_dbt(["run", "--select", "scores_by_limit"], db=db, variables=variables,
                quiet=True)  # fmt: skip
        summary, marts = coverage_rows(db, se_method, ci_method)
        rows += summary
        points.append(marts)

    table = pd.DataFrame(rows)
    table.to_csv(args.out / "coverage.csv", index=False)
    if args.figure:
        draw(pd.concat(points), args.figure)
    print(
        f"{args.replicates} replicates x {len(MODELS)} models x {args.questions} questions x "
        f"{args.epochs} epochs; 95 % bands on a {args.steps}-step grid; "
        f"{time.monotonic() - started:.0f} s\n"
    )
    print("| se_method | ci_method | true rate | points | coverage (+- 2 MC se) | mean width |")
    print("| --- | --- | --- | ---: | ---: | ---: |")
    for row in table.itertuples():
        print(
            f"| {row.se_method} | {row.ci_method} | {row.region} | {row.points} | "
            f"{row.coverage:.3f} +- {2 * row.mc_se:.3f} | {row.mean_width:.3f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
