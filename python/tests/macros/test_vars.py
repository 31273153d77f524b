"""The vars check knows exactly the vars dbt_project.yml declares, with its defaults."""

from __future__ import annotations

import json

import yaml

from budgetcurves._project import PROJECT_DIR


def test_known_vars_are_the_declared_ones(render):
    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    known = json.loads(render("{{ tojson(known_vars()) }}"))
    assert sorted(known) == sorted(declared)


def test_the_unit_tests_defaults_are_the_declared_ones(render):
    """The unit tests read each var they do not pin from var_defaults (project_var):
    the same values dbt_project.yml gives a build."""
    declared = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert json.loads(render("{{ tojson(var_defaults()) }}")) == declared
