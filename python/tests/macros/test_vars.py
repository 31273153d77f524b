"""The vars check knows exactly the vars dbt_project.yml declares, with its defaults,
and fails on a bad one naming it."""

from __future__ import annotations

import json

import pytest
import yaml

from budgetcurves._project import PROJECT_DIR, VarError, run_dbt


def test_known_vars_are_the_declared_ones(render):
    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    known = json.loads(render("{{ tojson(known_vars()) }}"))
    assert sorted(known) == sorted(declared)


def test_the_unit_tests_defaults_are_the_declared_ones(render):
    """The unit tests read each var they do not pin from var_defaults (project_var):
    the same values dbt_project.yml gives a build."""
    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert json.loads(render("{{ tojson(var_defaults()) }}")) == declared


# Every bad var, each case a compile (the vars are checked before anything is built:
# a misspelt name by the on-run-start hook, a bad value by the var's own macro while the
# models compile). One case per var; the words are the start of the var's own message.
BAD_VARS = [
    ({"stepz": 5}, "unknown var 'stepz'"),
    ({"steps": 1}, "var 'steps' must be a whole number from 2 to 10000"),
    ({"scale": "cubic"}, "var 'scale' must be one of auto, log, linear"),
    ({"ci_level": 2}, "var 'ci_level' must be a number strictly between 0 and 1"),
    ({"scorer": 7}, "var 'scorer' must be a name"),
    ({"score_key": 7}, "var 'score_key' must be a name"),
    ({"statuses": [1, None]}, "var 'statuses' must be a non-empty list of log statuses"),
    ({"inspect_logs": 7}, "var 'inspect_logs' must be a name"),
    ({"extra_limits": ["no such column"]}, "var 'extra_limits'"),
    ({"limits": ["tokens"]}, "var 'limits': 'tokens' is not a limit"),
    ({"facet": "difficulty"}, "var 'facet'"),
    ({"where": "1 = 1; drop table x"}, "var 'where' must be one SQL condition"),
    ({"se_method": "bootstrap"}, "var 'se_method' must be one of sample, clustered"),
    ({"ci_method": "agresti"}, "var 'ci_method' must be one of normal, wilson"),
    ({"reach_targets": {"relative": [1.5]}}, "var 'reach_targets'"),
    ({"paired_differences": "false"}, "var 'paired_differences' must be true or false"),
    ({"estimator": "kaplan_meier"}, "var 'estimator' must be one of naive, cumulative_incidence"),
]


@pytest.mark.parametrize(("variables", "words"), BAD_VARS, ids=[next(iter(v)) for v, _ in BAD_VARS])
def test_bad_vars_fail_naming_the_var(tmp_path, variables, words, capsys):
    with pytest.raises(VarError) as refused:
        run_dbt(
            ["compile", "--select", "scores_by_limit", "budget_to_reach"],
            db=tmp_path / "x.duckdb",
            variables=variables,
        )
    assert words in capsys.readouterr().out
    assert refused.value.var == next(iter(variables))


def test_every_var_has_a_bad_case():
    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert {name for variables, _ in BAD_VARS for name in variables} - {"stepz"} == set(declared)
