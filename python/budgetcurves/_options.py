"""The options that are values: the vars that change no SQL, only the data the
models read (the relations ``int_options``, ``int_options__statuses``,
``int_options__limits`` and ``int_options__reach_targets``, macros/options.sql).

On the dbt path those relations are built from the vars, checked by the project's
macros (macros/vars.sql, grid_options.sql, budget_limits.sql, curve_statistics.sql,
estimator.sql, reach_targets.sql). On the compiled
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
    "se_method": "sample",
    "ci_method": "normal",
    "reach_targets": {"relative": [0.25, 0.5, 0.75], "absolute": [0.5, 0.8]},
    "paired_differences": False,
    "estimator": "naive",
}
#: The largest ``steps`` (macros/grid_options.sql, grid_max_steps).
MAX_STEPS = 10_000
#: The built-in limits (macros/budget_limits.sql, builtin_budget_limits).
BUILTIN_LIMITS = ("total_tokens", "total_time", "working_time", "message_count", "cost")
#: The relations a plan binds from the options instead of running their SQL.
OPTION_MODELS = (
    "int_options",
    "int_options__statuses",
    "int_options__limits",
    "int_options__reach_targets",
)
#: The options that name one of a few methods, and the methods (macros/curve_statistics.sql,
#: macros/estimator.sql).
CHOICES: dict[str, tuple[str, ...]] = {
    "se_method": ("sample", "clustered"),
    "ci_method": ("normal", "wilson"),
    "estimator": ("naive", "cumulative_incidence"),
}
#: The kinds of reach target, in the order budget_to_reach numbers them.
TARGET_KINDS = ("relative", "absolute")


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
    se_method: str
    ci_method: str
    estimator: str
    paired_differences: bool
    #: (kind, target) pairs: kind relative or absolute
    reach_targets: tuple[tuple[str, float], ...]

    def rows(self, model: str) -> tuple[str, list[tuple[Any, ...]]]:
        """The columns (with their SQL types, as the model casts them) and the rows
        of the option relation ``model``."""
        if model == "int_options":
            columns = (
                "steps integer, scale varchar, ci_level double, scorer varchar, "
                "score_key varchar, se_method varchar, ci_method varchar, "
                "estimator varchar, paired_differences boolean"
            )
            row = (
                self.steps,
                self.scale,
                self.ci_level,
                self.scorer,
                self.score_key,
                self.se_method,
                self.ci_method,
                self.estimator,
                self.paired_differences,
            )
            return columns, [row]
        if model == "int_options__statuses":
            return "status varchar", [(status,) for status in self.statuses]
        if model == "int_options__limits":
            return "limit_name varchar", [(name,) for name in self.limits]
        if model == "int_options__reach_targets":
            return "target_kind varchar, target_fraction double", list(self.reach_targets)
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
        se_method=_choice("se_method", given["se_method"]),
        ci_method=_choice("ci_method", given["ci_method"]),
        estimator=_choice("estimator", given["estimator"]),
        paired_differences=_paired_differences(given["paired_differences"]),
        reach_targets=_reach_targets(given["reach_targets"]),
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


def _choice(name: str, value: Any) -> str:
    """One of the methods of ``name`` (CHOICES), read as Jinja's ``| string | lower``."""
    method = _text(value).lower()
    if method not in CHOICES[name]:
        raise OptionError(
            f"var '{name}' must be one of {', '.join(CHOICES[name])}, got '{_text(value)}'"
        )
    return method


def _paired_differences(value: Any) -> bool:
    if not isinstance(value, bool):
        raise OptionError(
            f"var 'paired_differences' must be true or false (unquoted), got '{_text(value)}'"
        )
    return value


def _reach_targets(value: Any) -> tuple[tuple[str, float], ...]:
    """The targets in the order macros/reach_targets.sql lists them: a mapping of
    ``relative`` (in (0, 1]) and/or ``absolute`` (> 0) lists of numbers (a lone
    number is a list of one)."""
    if not isinstance(value, Mapping) or not value or any(k not in TARGET_KINDS for k in value):
        raise OptionError(
            "var 'reach_targets' must be a mapping with lists `relative` and/or `absolute`, "
            f"got '{_text(value)}'"
        )
    targets = []
    for kind in (k for k in TARGET_KINDS if k in value):
        values = value[kind]
        # Jinja's `number` test holds for a boolean too: it is wrapped, then refused
        if isinstance(values, int | float):
            values = [values]
        if not isinstance(values, list | tuple):
            raise OptionError(
                f"var 'reach_targets': `{kind}` must be a list of numbers, got '{_text(values)}'"
            )
        for target in values:
            if not _is_number(target) or target <= 0 or (kind == "relative" and target > 1):
                bounds = "(0, 1]" if kind == "relative" else "(0, inf)"
                raise OptionError(
                    f"var 'reach_targets': {kind} target '{_text(target)}' "
                    f"must be a number in {bounds}"
                )
            targets.append((kind, float(target)))
    if not targets:
        raise OptionError("var 'reach_targets' names no target")
    return tuple(targets)
