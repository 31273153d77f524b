"""The wheel's build hook: dbt compiles the default shape's plan (budgetcurves._compiled)
into the wheel, so an installed package answers its first call without dbt.

The plan is keyed by the project's files and the versions of dbt-core, dbt-duckdb and
DuckDB in the build environment (the project's own dependencies, installed for the
hook); where the user's versions differ, the shipped plan is not found and the first
call compiles its own, once.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class PlanBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return  # a checkout's plan is `make setup`'s (python -m budgetcurves._compiled ship)
        root = Path(self.root)
        out = Path(tempfile.mkdtemp(prefix="budgetcurves-plans-"))
        saved = {
            k: os.environ.get(k) for k in ("BUDGETCURVES_CACHE_DIR", "BUDGETCURVES_PROJECT_DIR")
        }
        os.environ["BUDGETCURVES_CACHE_DIR"] = str(out / "cache")
        os.environ["BUDGETCURVES_PROJECT_DIR"] = str(root)
        sys.path.insert(0, str(root / "python"))
        try:
            from budgetcurves._compiled import ship

            ship(out / "plans")
        finally:
            sys.path.remove(str(root / "python"))
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        build_data["force_include"][str(out / "plans")] = "budgetcurves/_plans"
