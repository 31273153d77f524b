# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # From Inspect logs to success-rate curves
#
# How often does each model succeed if it may spend at most *x* tokens (or
# seconds) on a sample? This walkthrough goes from a folder of Inspect logs to
# that picture, then takes the picture apart into its layers.
#
# Open it as a notebook with Jupytext (`jupytext --to notebook
# analysis/walkthrough.py`), or run it as a script from the repository root:
# `python analysis/walkthrough.py`. `make test` runs it headless.

# %%
from pathlib import Path

from plotnine import facet_wrap, geom_hline, ggplot

from budgetcurves.cli import main as budgetcurves
from budgetcurves.frames import read_scores, scores_by_limit_df
from budgetcurves.plot import (
    geom_ci_band,
    geom_success_curve,
    scale_limit_x,
    scores_by_limit,
    theme_budgetcurves,
    to_inspect_viz,
)

LOGS = Path("examples/logs")  # your Inspect log directory
DB = Path("walkthrough.duckdb")  # the warehouse: one DuckDB file

# %% [markdown]
# ## 1. Load the logs and build the curves
#
# `budgetcurves ingest` reads the logs into the database (only new or changed
# files on the next run); `budgetcurves build` runs the dbt models that compute
# every curve in SQL. The var `facet` adds a curve per task beside each model's
# overall curve. In a terminal these are the same commands:
# `budgetcurves ingest examples/logs --db walkthrough.duckdb`, and so on.

# %%
assert budgetcurves(["ingest", str(LOGS), "--db", str(DB), "--quiet"]) == 0
assert budgetcurves(["build", "--db", str(DB), "--vars", "{facet: task_name}", "--quiet"]) == 0

# %% [markdown]
# ## 2. Read one limit and draw it
#
# `read_scores` returns the mart's rows for one limit as a pandas frame, with a
# display name per model from the seed `seeds/model_info.csv`.

# %%
scores = read_scores(DB, limit="total_tokens")
scores[["model_display_name", "limit_value", "success_rate", "ci_lower", "ci_upper"]].head()

# %%
plot = scores_by_limit(scores, title="Success rate by token budget")
plot  # noqa: B018 (a notebook shows it; plot.save("curves.png") writes it)

# %% [markdown]
# ## 3. A panel per task
#
# Read the `task_name` faceting and the plot facets on its values.

# %%
by_task = read_scores(DB, limit="total_tokens", facet="task_name")
scores_by_limit(by_task, title="By task")

# %% [markdown]
# ## 4. The same picture, layer by layer
#
# `scores_by_limit` is a composition of small plotnine pieces; use them to
# build your own. Each geom brings the scales it needs (the stable colour per
# model, the limit axis), which later pieces may replace.

# %%
custom = (
    ggplot(by_task)
    + geom_ci_band(alpha=0.1)
    + geom_success_curve()
    + geom_hline(yintercept=0.5, linetype="dotted")
    + scale_limit_x(scale="linear", limit_label="Tokens (linear axis)")
    + facet_wrap("facet_value", ncol=1)
    + theme_budgetcurves()
)
custom  # noqa: B018 (the cell shows it)

# %% [markdown]
# ## 5. Save for a paper or a page
#
# Sizes are pixels at `dpi`; SVG and PDF get the same inches.

# %%
plot.save("walkthrough.png", verbose=False)  # 700 x 433 px
plot.save("walkthrough.svg", verbose=False)
sorted(p.name for p in Path().glob("walkthrough.*"))

# %% [markdown]
# ## 6. No database at hand: from a samples frame
#
# If you already hold `samples_df` output, `scores_by_limit_df` is the drop-in
# for inspect_viz's function of that name: it runs the same dbt models on a
# temporary database and returns the same rows as the mart.

# %%
from inspect_ai.analysis import EvalInfo, EvalModel, SampleSummary, samples_df  # noqa: E402

samples = samples_df(LOGS, columns=SampleSummary + EvalInfo + EvalModel, quiet=True)
time_scores = scores_by_limit_df(samples, score="score_match", limit="total_time")
scores_by_limit(time_scores, other_termination_rate=True)

# %% [markdown]
# ## 7. Interactive, in the browser
#
# plotnine draws static pictures. With `pip install budgetcurves[viz]`, the
# same rows feed inspect_viz's interactive view.

# %%
try:
    from inspect_viz import Data
    from inspect_viz.view import scores_by_limit as interactive
except ImportError:  # the [viz] extra is not installed
    interactive = None
if interactive is not None:
    view = interactive(Data.from_dataframe(to_inspect_viz(scores)))
