"""Comparing a mart built on another engine with DuckDB's, as the parity test does.

Rows are matched by (model, limit_name, facet_name, facet_value, step_index). Text
and integer columns must be equal everywhere; thresholds agree to 1e-9 (relative);
the other float columns agree to 1e-9 (absolute) except at thresholds within 1e-9
(relative) of a sample value, where a last-bit difference in the threshold decides
whether the sample counts, so the value is float-ambiguous and left out.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
from inspect_ai.scorer import value_to_float

from budgetcurves._project import PROJECT_DIR, run_dbt
from budgetcurves.ingest import ingest
from budgetcurves.ingest._landing import LANDED_SAMPLES
from budgetcurves.ingest._rows import _scalar_text, _scalar_type

from ..conftest import EXAMPLE_LOGS
from ..macros.test_score_to_float import VALUES

TOLERANCE = 1e-9
KEY = ["model", "limit_name", "facet_name", "facet_value", "step_index"]

#: Options whose SQL the default build leaves out: facets by a column and by a
#: metadata field (JSON, per engine), clustered standard errors, Wilson bands,
#: paired differences, the censoring-aware curve, a linear grid of another size.
ENGINE_VARS = {
    "facet": ["task_name", "metadata.operands"],
    "se_method": "clustered",
    "ci_method": "wilson",
    "ci_level": 0.9,
    "paired_differences": True,
    "estimator": "cumulative_incidence",
    "steps": 17,
    "scale": "linear",
}


def sample_values(duckdb_path) -> dict[str, np.ndarray]:
    """Each limit's sample values, from the DuckDB build."""
    with duckdb.connect(str(duckdb_path), read_only=True) as con:
        frame = con.execute(
            "select distinct limit_name, limit_value from main.int_samples__limits_long"
        ).df()
    return {name: group.limit_value.to_numpy(float) for name, group in frame.groupby("limit_name")}


def assert_marts_equal(ours: pd.DataFrame, duck: pd.DataFrame, values: dict) -> int:
    """Assert the engine's mart equals DuckDB's; returns the rows compared value by value."""
    assert sorted(ours.columns) == sorted(duck.columns)
    merged = ours.merge(duck, on=KEY, how="outer", suffixes=("", "_duckdb"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged.loc[merged["_merge"] != "both", KEY]
    np.testing.assert_allclose(
        merged["limit_value"].astype(float), merged["limit_value_duckdb"], rtol=TOLERANCE
    )
    t = merged["limit_value"].to_numpy(float)
    ambiguous = np.zeros(len(merged), dtype=bool)
    for name, sample in values.items():
        rows = (merged["limit_name"] == name).to_numpy()
        near = np.abs(t[rows, None] - sample[None, :]) <= TOLERANCE * np.abs(t[rows, None])
        ambiguous[rows] = near.any(axis=1)
    kept = merged[~ambiguous]
    assert len(kept) > 0.5 * len(merged)
    for column in duck.columns:
        if column in KEY or column == "limit_value":
            continue
        if pd.api.types.is_float_dtype(duck[column]):
            a = kept[column].to_numpy(float)
            b = kept[f"{column}_duckdb"].to_numpy(float)
            assert np.array_equal(np.isnan(a), np.isnan(b)), column
            np.testing.assert_allclose(
                a[~np.isnan(a)], b[~np.isnan(b)], rtol=0, atol=TOLERANCE, err_msg=column
            )
        else:
            a, b = _texts(merged[column]), _texts(merged[f"{column}_duckdb"])
            mismatched = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
            assert not mismatched, (column, mismatched[:5])
    return len(kept)


def _texts(column: pd.Series) -> list[str | None]:
    return [None if pd.isna(x) else str(x) for x in column]


def score_cases() -> tuple[pd.DataFrame, list[float]]:
    """The score_to_float cases of the DuckDB macro test, and inspect_ai's values for them."""
    frame = pd.DataFrame(
        {
            "value_type": [_scalar_type(v) for v in VALUES],
            "value_text": [_scalar_text(v) for v in VALUES],
        }
    )
    return frame, [value_to_float()(v) for v in VALUES]


SCORE_SQL = (
    "select value_type, value_text, "
    "{{ score_to_float('value_type', 'value_text') }} as score from score_cases"
)


def mart_names() -> list[str]:
    """The public marts: every model under models/marts."""
    return sorted(p.stem for p in (PROJECT_DIR / "models" / "marts").glob("*.sql"))


def duckdb_build(db, variables: dict | None = None) -> dict[str, pd.DataFrame]:
    """Every mart of a full `dbt build` on DuckDB from the example logs."""
    con = duckdb.connect(str(db))
    try:
        summary = ingest([str(EXAMPLE_LOGS)], con)
    finally:
        con.close()
    assert not summary.errors, summary.errors
    run_dbt(["build"], db=db, variables=variables, quiet=True)
    with duckdb.connect(str(db), read_only=True) as con:
        return {name: con.execute(f"select * from main.{name}").df() for name in mart_names()}


def assert_every_mart_equal(read, duck: dict[str, pd.DataFrame], values: dict) -> None:
    """``read(name)``, the engine's mart, equals DuckDB's, for every mart."""
    for name, frame in duck.items():
        # the curves on the grid: near-sample thresholds left out
        if name in ("scores_by_limit", "scores_by_limit_cumulative_incidence") and len(frame):
            assert assert_marts_equal(read(name), frame, values) > 100
        else:
            assert_tables_equal(read(name), frame, name)


def assert_tables_equal(ours: pd.DataFrame, duck: pd.DataFrame, name: str) -> None:
    """Same rows: matched by every column, text and integers exactly, floats to 1e-9."""
    assert sorted(ours.columns) == sorted(duck.columns), name
    assert len(ours) == len(duck), name
    ours = ours[list(duck.columns)]
    floats = [c for c in duck.columns if pd.api.types.is_float_dtype(duck[c])]
    others = [c for c in duck.columns if c not in floats]
    order = others + floats
    a = ours.astype({c: float for c in floats}).sort_values(order).reset_index(drop=True)
    b = duck.sort_values(order).reset_index(drop=True)
    for column in others:
        mismatched = [
            (x, y) for x, y in zip(_texts(a[column]), _texts(b[column]), strict=True) if x != y
        ]
        assert not mismatched, (name, column, mismatched[:5])
    for column in floats:
        x, y = a[column].to_numpy(float), b[column].to_numpy(float)
        assert np.array_equal(np.isnan(x), np.isnan(y)), (name, column)
        np.testing.assert_allclose(
            x[~np.isnan(x)], y[~np.isnan(y)], rtol=0, atol=TOLERANCE, err_msg=f"{name}.{column}"
        )


def duckdb_landing(paths: list[str], db) -> dict[str, pd.DataFrame]:
    """The landing tables (but ``loaded_at``) after loading ``paths`` into a new DuckDB
    file ``db``: what another engine's loader must write, row for row."""
    with duckdb.connect(str(db)) as con:
        summary = ingest(paths, con)
        assert not summary.errors, summary.errors
        # the samples as DuckDB lands them: an export's narrow rows with their evals'
        relations = {
            "samples": f"{LANDED_SAMPLES} as bc_landed",
            "sample_scores": "inspect.sample_scores",
        }
        return {
            table: con.sql(f"select * from {relation}")
            .df()
            .drop(columns=["loaded_at"], errors="ignore")
            for table, relation in relations.items()
        }


def assert_same_rows(ours: pd.DataFrame, duck: pd.DataFrame) -> None:
    """The same rows, whatever their order and however each engine types a null."""
    columns = sorted(duck.columns)
    assert sorted(c for c in ours.columns if c != "loaded_at") == columns

    def rows(frame: pd.DataFrame) -> list[tuple]:
        return sorted(
            tuple("" if pd.isna(v) else str(v) for v in row)
            for row in frame[columns].itertuples(index=False)
        )

    assert rows(ours) == rows(duck)
