"""Tests of the scripts under scripts/, each loaded as a module."""

from __future__ import annotations

import importlib.util
from types import ModuleType

from budgetcurves._project import PROJECT_DIR


def load_script(name: str) -> ModuleType:
    """scripts/<name>.py as a module (the scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(
        f"{name}_script", PROJECT_DIR / "scripts" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
