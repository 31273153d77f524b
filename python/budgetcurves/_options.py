"""The options that are values: the vars that change no SQL, only the data the
models read (the relations ``int_options``, ``int_options__statuses`` and
``int_options__limits``, macros/options.sql).

On the dbt path those relations are built from the vars, checked by the project's
macros (macros/vars.sql, grid_options.sql, budget_limits.sql). On the compiled
path a plan is compiled once per *shape* (the other vars) and these relations are
bound from the call's arguments, checked here first, so a bad value is refused
with the same words as dbt's, before anything runs and without dbt.
python/tests/models/test_options.py holds the two checks to the same messages and
the defaults to dbt_project.yml's.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

#: The vars that are values, with their defaults (dbt_project.yml's).
VALUE_DEFAULTS: dict[str, Any] = {
    "steps": 100,
    "scale": "auto",
    "ci_level": 0.95,
    "scorer": None,
    "score_key": None,
    "statuses": ["success"],
    "limits": None,
}
#: The largest ``steps`` (macros/grid_options.sql, grid_max_steps).
MAX_STEPS = 10_000
#: The built-in limits (macros/budget_limits.sql, builtin_budget_limits).
BUILTIN_LIMITS = ("total_tokens", "total_time", "working_time", "message_count", "cost")
#: The relations a plan binds from the options instead of running their SQL.
OPTION_MODELS = ("int_options", "int_options__statuses", "int_options__limits")


class OptionError(ValueError):
    """A var's value is wrong; the message names it as dbt's check does."""


@dataclass(frozen=True)
class Options:
    """The checked values of one call, as the option relations hold them."""

    steps: int
    scale: str
    ci_level: float
    scorer: str | None
    score_key: str | None
    statuses: tuple[str, ...]
    limits: tuple[str, ...]

    def rows(self, model: str) -> tuple[str, list[tuple[Any, ...]]]:
        """The columns (with their SQL types, as the model casts them) and the rows
        of the option relation ``model``."""
        if model == "int_options":
            columns = (
                "steps integer, scale varchar, ci_level double, scorer varchar, score_key varchar"
            )
            row = (self.steps, self.scale, self.ci_level, self.scorer, self.score_key)
            return columns, [row]
        if model == "int_options__statuses":
            return "status varchar", [(status,) for status in self.statuses]
        if model == "int_options__limits":
            return "limit_name varchar", [(name,) for name in self.limits]
        raise ValueError(f"{model} is not an option relation")


def split(variables: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The vars that make the SQL's shape (a plan's key) and those that are values."""
    shape = {k: v for k, v in variables.items() if k not in VALUE_DEFAULTS}
    values = {k: v for k, v in variables.items() if k in VALUE_DEFAULTS}
    return shape, values


def check(variables: Mapping[str, Any]) -> Options:
    """The value vars among ``variables`` (defaults for the others), checked as the
    project's macros check them. Raises :class:`OptionError` naming the var."""
    given = {**VALUE_DEFAULTS, **{k: v for k, v in variables.items() if k in VALUE_DEFAULTS}}
    return Options(
        steps=_steps(given["steps"]),
        scale=_scale(given["scale"]),
        ci_level=_ci_level(given["ci_level"]),
        scorer=_optional_name("scorer", given["scorer"]),
        score_key=_optional_name("score_key", given["score_key"]),
        statuses=_statuses(given["statuses"]),
        limits=_limits(given["limits"], _extra_limits(variables.get("extra_limits"))),
    )


def _text(value: Any) -> str:
    """A value as Jinja's ``~`` writes it into a message (Python's ``str``)."""
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _steps(value: Any) -> int:
    steps = value
    if isinstance(steps, str) and re.fullmatch(r"[+-]?\d+", steps.strip()):
        steps = int(steps.strip())
    if not _is_number(steps) or steps != int(steps) or not 2 <= steps <= MAX_STEPS:
        raise OptionError(
            f"var 'steps' must be a whole number from 2 to {MAX_STEPS}, got '{_text(steps)}'"
        )
    return int(steps)


def _scale(value: Any) -> str:
    scale = _text(value).lower()
    if scale not in ("auto", "log", "linear"):
        raise OptionError(f"var 'scale' must be one of auto, log, linear, got '{_text(value)}'")
    return scale


def _ci_level(value: Any) -> float:
    level = value
    if isinstance(level, str):
        try:
            level = float(level.strip())
        except ValueError:
            level = -1.0
    if not _is_number(level) or not (0 < level < 1) or math.isnan(level):
        raise OptionError(
            f"var 'ci_level' must be a number strictly between 0 and 1, got '{_text(value)}'"
        )
    return float(level)


def _optional_name(name: str, value: Any) -> str | None:
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise OptionError(
            f"var '{name}' must be a name (a non-empty string) or null, got '{_text(value)}'"
        )
    return value


def _statuses(value: Any) -> tuple[str, ...]:
    statuses = [value] if isinstance(value, str) else value
    if (
        not isinstance(statuses, Sequence)
        or isinstance(statuses, Mapping)
        or not statuses
        or not all(isinstance(s, str) and s.strip() for s in statuses)
    ):
        raise OptionError(
            "var 'statuses' must be a non-empty list of log statuses (strings), "
            f"got '{_text(value)}'"
        )
    return tuple(statuses)


def _extra_limits(value: Any) -> list[str]:
    """The extra limits as the SQL's shape names them (checked by dbt when compiling;
    here only read, and taken as none when they are not a list of names)."""
    extra = [value] if isinstance(value, str) else value
    if not isinstance(extra, list | tuple) or not all(isinstance(n, str) for n in extra):
        return []
    return [name.lower() for name in extra]


def _limits(value: Any, extra: list[str]) -> tuple[str, ...]:
    available = [*BUILTIN_LIMITS, *extra]
    if value is None:
        return tuple(available)
    chosen = [value] if isinstance(value, str) else value
    if not isinstance(chosen, list | tuple) or not chosen:
        raise OptionError(
            f"var 'limits' must be a non-empty list of limits ({', '.join(available)}), "
            f"got '{_text(value)}'"
        )
    for name in chosen:
        if not isinstance(name, str) or name.lower() not in available:
            raise OptionError(
                f"var 'limits': '{_text(name)}' is not a limit; limits: {', '.join(available)}"
            )
    wanted = {name.lower() for name in chosen}
    return tuple(name for name in available if name in wanted)
