"""The unique-key test's query: DuckDB's hashed form finds what a plain group by finds."""

from __future__ import annotations

import pandas as pd
import pytest

ROWS = pd.DataFrame(
    {
        "eval_id": ["e1", "e1", "e1", "e2", "e2", None, None, "e3"],
        "sample_id": ["1", "1", "2", "1", "1", "9", "9", "1"],
        "epoch": [1, 1, 1, 1, 2, 1, 1, 1],
    }
)


def _repeated_by_pandas(frame: pd.DataFrame) -> pd.DataFrame:
    counts = frame.groupby(list(frame.columns), dropna=False).size()
    repeated = counts[counts > 1].rename("row_count").reset_index()
    return repeated.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.mark.parametrize("flavour", ["duckdb", "default"])
def test_finds_every_repeated_key_and_its_count(render, run_sql, flavour):
    sql = render(
        f"{{{{ budgetcurves.{flavour}__repeated_combinations('samples', "
        "'eval_id, sample_id, epoch') }}"
    )
    found = run_sql(sql, samples=ROWS).sort_values(["eval_id", "sample_id", "epoch"])
    expected = _repeated_by_pandas(ROWS)
    # (e1, 1, 1) twice and the null eval id twice: a null is one value of a key
    assert len(expected) == 2
    pd.testing.assert_frame_equal(
        found.reset_index(drop=True), expected, check_dtype=False, check_names=True
    )


def test_no_repeats_no_rows(render, run_sql):
    sql = render("{{ budgetcurves.duckdb__repeated_combinations('samples', 'eval_id, epoch') }}")
    unique = ROWS.drop_duplicates(["eval_id", "epoch"])
    assert run_sql(sql, samples=unique).empty
