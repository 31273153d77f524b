"""Options that are values are data (issue 22): one compiled plan per shape serves
every value, bound from the call's arguments, and builds the same rows as a fresh
``dbt build`` with those vars; a bad value is refused with dbt's words, without dbt."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
import yaml

from budgetcurves import _compiled
from budgetcurves._compiled import Built, compiled_plan, database_name
from budgetcurves._options import VALUE_DEFAULTS, OptionError, check
from budgetcurves._project import PROJECT_DIR, DbtError, run_dbt

from ..conftest import EXAMPLE_LOGS
from .test_compiled import MARTS, TOLERANCE, _ingested

#: every mart, the censoring-aware curve too (var estimator)
ALL_MARTS = (*MARTS, "scores_by_limit_cumulative_incidence")


def _marts(db: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(db), read_only=True) as con:
        return {m: con.execute(f"select * from main.{m} order by all").df() for m in ALL_MARTS}


#: one call per value option changed in turn (and back), as a notebook session does;
#: dbt builds each once per run (conftest's built): test_compiled builds the defaults,
#: test_parity the grids and the scorer it compares with the reference
SEQUENCE = [
    {},
    {"steps": 17},
    {"steps": 17, "scale": "linear"},
    {"steps": 40, "scale": "log", "ci_level": 0.8},
    {"limits": ["total_time"]},
    {"limits": ["working_time", "total_tokens"], "steps": 5},
    {"scorer": "partial_match"},
    {"statuses": ["success", "error"]},
    {"score_key": "nope"},
    {"se_method": "clustered"},
    {"se_method": "clustered", "ci_method": "wilson", "steps": 9},
    {"ci_method": "wilson"},
    {"estimator": "cumulative_incidence"},
    {"paired_differences": True},
    {"paired_differences": True, "se_method": "clustered", "ci_level": 0.8},
    {"reach_targets": {"relative": [0.1], "absolute": [0.3, 0.6]}},
    {"reach_targets": {"absolute": 0.45}},
    {},
]


def test_defaults_are_dbt_projects():
    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert {name: declared[name] for name in VALUE_DEFAULTS} == VALUE_DEFAULTS


def test_a_sequence_of_values_builds_what_dbt_builds_with_one_compile(tmp_path, monkeypatch, built):
    monkeypatch.setenv("BUDGETCURVES_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(_compiled, "SHIPPED_PLANS", tmp_path / "none shipped")
    compiled = _ingested(tmp_path, EXAMPLE_LOGS, "compiled")
    compiles = []
    real_compile = _compiled._compile
    monkeypatch.setattr(
        _compiled, "_compile", lambda *a, **k: compiles.append(a) or real_compile(*a, **k)
    )
    # the same sequence on a copy that keeps what it built (as the drop-in's kept
    # catalog does): each call builds only what its changed values reach
    incremental = tmp_path / "incremental.duckdb"
    shutil.copyfile(compiled, incremental)
    kept = Built("the example logs")
    folders = set()
    for index, variables in enumerate(SEQUENCE):
        plan = compiled_plan(variables, database_name(compiled))
        folders.add(plan.folder)
        with duckdb.connect(str(compiled)) as con:
            plan.execute(con)
        ran: dict[str, float] = {}
        with duckdb.connect(str(incremental)) as con:
            compiled_plan(variables, database_name(incremental)).execute(
                con, built=kept, timings=ran
            )
        if index > 0:  # the seeds and staging read no value: built by the first call only
            assert not {"model_info", "stg_inspect__samples"} & set(ran), (variables, ran)
        by_dbt = built([EXAMPLE_LOGS], variables, tmp_path / str(index) / "examples.duckdb")
        expected = _marts(by_dbt)
        assert len(expected["scores_by_limit"]) > 0 or variables.get("score_key")
        for got in (_marts(compiled), _marts(incremental)):
            _assert_marts_equal(got, expected, variables)
    assert len(compiles) == 1 and len(folders) == 1
    # the last values again: nothing is built, every test keeps its result
    ran = {}
    with duckdb.connect(str(incremental)) as con:
        results = compiled_plan(SEQUENCE[-1], database_name(incremental)).execute(
            con, built=kept, timings=ran
        )
    assert set(ran) == {"data tests"}
    assert [r.status for r in results] == ["pass"] * len(results) and len(results) > 40
    # the values did change the rows: steps 17 on every limit, one limit asked for
    with duckdb.connect(str(compiled)) as con:
        plan = compiled_plan({"steps": 3, "limits": ["total_time"]}, database_name(compiled))
        plan.execute(con)
        rows = con.execute(
            "select distinct limit_name, step_index from main.scores_by_limit order by all"
        ).fetchall()
    assert rows == [("total_time", 0), ("total_time", 1), ("total_time", 2)]


def _assert_marts_equal(
    got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame], variables: dict[str, Any]
) -> None:
    # the values did change the rows: an option's mart is filled when it is on
    if variables.get("estimator") or variables.get("paired_differences"):
        filled = (
            "scores_by_limit_cumulative_incidence"
            if variables.get("estimator")
            else "paired_differences_by_limit"
        )
        assert len(got[filled]) > 0, (variables, filled)
    for mart in ALL_MARTS:
        assert list(got[mart].dtypes) == list(expected[mart].dtypes), (variables, mart)
        pd.testing.assert_frame_equal(
            got[mart],
            expected[mart],
            check_exact=False,
            rtol=0,
            atol=TOLERANCE,
            obj=f"{mart} with {variables}",
        )


BAD_VALUES = [
    {"steps": 1},
    {"steps": "many"},
    {"steps": 10**6},
    {"scale": "cubic"},
    {"ci_level": 1.5},
    {"ci_level": "high"},
    {"scorer": 7},
    {"score_key": ""},
    {"statuses": []},
    {"statuses": [1, None]},
    {"limits": ["nope"]},
    {"limits": []},
    {"limits": ["output_tokens"], "extra_limits": ["input_tokens"]},
    {"se_method": "bootstrap"},
    {"ci_method": None},
    {"estimator": "kaplan_meier"},
    {"paired_differences": "yes"},
    {"reach_targets": [0.5]},
    {"reach_targets": {"relative": [1.5]}},
    {"reach_targets": {"absolute": [0]}},
    {"reach_targets": {"absolute": "high"}},
    {"reach_targets": {"relative": []}},
    {"reach_targets": {"median": [0.5]}},
]


@pytest.mark.parametrize("variables", BAD_VALUES, ids=[str(v) for v in BAD_VALUES])
def test_a_bad_value_is_refused_with_dbts_words_without_dbt(
    tmp_path, monkeypatch, capfd, variables
):
    monkeypatch.setenv("BUDGETCURVES_CACHE_DIR", str(tmp_path / "cache"))

    def no_dbt(*args, **kwargs):
        raise AssertionError("dbt ran for a bad value")

    monkeypatch.setattr(_compiled, "run_dbt", no_dbt)
    with pytest.raises(OptionError) as refused:
        compiled_plan(variables)
    assert isinstance(refused.value, ValueError)
    monkeypatch.undo()
    capfd.readouterr()
    with pytest.raises(DbtError):  # dbt's own check of the same vars
        run_dbt(["run-operation", "check_vars"], variables=variables, quiet=True)
    said = capfd.readouterr()
    assert str(refused.value) in " ".join((said.out + said.err).split())


def test_good_values_are_normalized_as_dbt_reads_them():
    options = check({"steps": " 7 ", "scale": "LOG", "ci_level": "0.9", "limits": "COST"})
    assert (options.steps, options.scale, options.ci_level, options.limits) == (
        7,
        "log",
        0.9,
        ("cost",),
    )
    options = check(
        {
            "se_method": "Clustered",
            "ci_method": "WILSON",
            "estimator": "Cumulative_Incidence",
            "reach_targets": {"absolute": 0.5, "relative": [1, 0.25]},
        }
    )
    assert (options.se_method, options.ci_method, options.estimator) == (
        "clustered",
        "wilson",
        "cumulative_incidence",
    )
    # as macros/reach_targets.sql lists them: relative first, each kind in the var's order
    assert options.reach_targets == (("relative", 1.0), ("relative", 0.25), ("absolute", 0.5))
    assert check({}).limits == (
        "total_tokens",
        "total_time",
        "working_time",
        "message_count",
        "cost",
    )
