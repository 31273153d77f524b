"""Every macro of macros/ is documented in macros/_macros.yml, with its arguments
named as the macro names them (dbt's validate_macro_args checks the same at parse,
as warnings)."""

from __future__ import annotations

import re

import yaml

from budgetcurves._project import PROJECT_DIR

_SIGNATURE = re.compile(r"{%-?\s*macro\s+(\w+)\s*\(([^)]*)\)")


def _defined() -> dict[str, list[str]]:
    macros = {}
    for path in sorted((PROJECT_DIR / "macros").glob("*.sql")):
        for name, arguments in _SIGNATURE.findall(path.read_text()):
            macros[name] = [a.split("=")[0].strip() for a in arguments.split(",") if a.strip()]
    return macros


def _documented() -> dict[str, dict]:
    entries = yaml.safe_load((PROJECT_DIR / "macros" / "_macros.yml").read_text())["macros"]
    return {entry["name"]: entry for entry in entries}


def test_every_macro_is_documented_with_its_arguments():
    defined, documented = _defined(), _documented()
    assert sorted(defined) == sorted(documented)
    for name, arguments in defined.items():
        entry = documented[name]
        assert entry.get("description", "").strip(), name
        described = [a["name"] for a in entry.get("arguments", [])]
        assert described == arguments, name
        assert all(a.get("type") and a.get("description") for a in entry.get("arguments", [])), name
