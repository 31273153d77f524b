"""Rows: one log's header and samples -> the landing rows of ``samples`` and
``sample_scores``, with the notes that name what was loaded but will not enter (all)
curves, or was left out."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .._errors import LogReadError
from ._landing import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile

#: Landing usage columns and the key of Inspect's ModelUsage each is read from.
USAGE_FIELDS = {
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "total_tokens": "total_tokens",
    "cache_read_tokens": "input_tokens_cache_read",
    "cache_write_tokens": "input_tokens_cache_write",
    "reasoning_tokens": "reasoning_tokens",
}

#: What one sample's odd field can raise: that sample is left out, the rest loaded.
_SAMPLE_ERRORS = (TypeError, AttributeError, OverflowError, KeyError)


def _int_or_none(value: Any) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float) and math.isfinite(value):
        value = int(value)
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return value
    return None


def _float_or_none(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        value = float(value)
        return value if math.isfinite(value) else None
    return None


def _scalar_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "dict"
    return "list"


def _scalar_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int) and value.bit_length() > 1024:  # beyond any double (and str())
        return "inf" if value > 0 else "-inf"
    if isinstance(value, (int, float)):
        return repr(value)
    return orjson.dumps(value).decode()


def _typed(value: Any) -> tuple[str, str | None]:
    """A score's (value_type, value_text) in ``sample_scores``."""
    text = _scalar_text(value)
    return ("non_finite" if _is_non_finite(value, text) else _scalar_type(value)), text


#: A decimal number as Python's float() and the macro score_to_float read one.
DECIMAL_NUMBER = re.compile(r"\s*[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?\s*")


def _is_non_finite(value: Any, text: str | None) -> bool:
    """Is ``value`` a number (or a numeric string) a double cannot hold: NaN, an
    infinity, or beyond its range (``1e309``, ``10**400``)? Such a score is loaded
    with the type ``non_finite``, named in a note and left out of the curves."""
    if isinstance(value, bool) or text is None:
        return False
    if isinstance(value, str) and not DECIMAL_NUMBER.fullmatch(value):
        return False
    if not isinstance(value, (int, float, str)):
        return False
    try:
        return not math.isfinite(float(text))
    except OverflowError:
        return True


def score_rows(
    key: tuple[str, str, int], scores: dict[str, Any] | None, first_scorer: str | None
) -> Iterator[tuple[Any, ...]]:
    """Rows of ``sample_scores`` for one sample's ``scores`` mapping.

    A dict-valued score becomes one row per key (``score_key``) so a var can pick
    one in SQL; a list stays one row of type ``list`` (named and left out later).
    """
    if not scores:
        return
    for scorer, score in scores.items():
        value = score.get("value") if isinstance(score, dict) else score
        is_first = scorer == first_scorer
        if isinstance(value, dict):
            for score_key, inner in value.items():
                yield (*key, scorer, str(score_key), is_first, *_typed(inner))
        else:
            yield (*key, scorer, None, is_first, *_typed(value))


def _scores_of(sample: dict[str, Any]) -> dict[str, Any] | None:
    """A sample's ``scores``: an object, or missing; anything else is a bad sample."""
    scores = sample.get("scores")
    if scores is None or isinstance(scores, dict):
        return scores
    raise _BadSample(f"'scores' is a {_scalar_type(scores)}, not an object")


def _shown(value: Any) -> str:
    """A value of a log, short enough to name it in one line."""
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def mistyped_note(column: str, count: int, examples: str) -> str:
    return (
        f"{count} sample(s) with a {column} that is not a number (e.g. {examples}): "
        f"read as missing, so left out of the {column} curve"
    )


def _first_scorer(
    spec: dict[str, Any], results: dict[str, Any] | None, samples: Iterable[dict[str, Any]]
) -> str | None:
    """The log's first scorer: the eval spec's order, else the results', else a sample's."""
    for scorer in spec.get("scorers") or []:
        if isinstance(scorer, dict) and scorer.get("name"):
            return str(scorer["name"])
    for score in (results or {}).get("scores") or []:
        if isinstance(score, dict) and score.get("name"):
            return str(score["name"])
    for sample in samples:
        scores = sample.get("scores") if isinstance(sample, dict) else None
        if scores and isinstance(scores, dict):
            return str(next(iter(scores)))
    return None


def _column(name: str, values: list[Any], arrow_type: pa.DataType) -> pa.Array[Any]:
    try:
        return pa.array(values, type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        bad = next((v for v in values if _wrong_type(v, arrow_type)), None)
        raise ValueError(
            f"field '{_FIELD_NAMES.get(name, name)}' holds {bad!r}, not a {arrow_type} ({exc})"
        ) from None


def _wrong_type(value: Any, arrow_type: pa.DataType) -> bool:
    try:
        pa.array([value], type=arrow_type)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return True
    return False


#: Landing columns named after the log field they come from, where the names differ.
_FIELD_NAMES = {"sample_uuid": "uuid", "sample_id": "id", "limit_type": "limit.type"}


class _Columns:
    """Column-wise accumulator for the landing rows of one file. The columns that are
    the same for every sample of a log (``constants``: its ids, task, model and
    budgets) are not gathered per sample but repeated once the rows are counted."""

    def __init__(self, constants: dict[str, Any]) -> None:
        self.constants = constants
        self.samples: dict[str, list[Any]] = {
            name: [] for name in SAMPLES_SCHEMA.names if name not in constants
        }
        self.scores: list[tuple[Any, ...]] = []
        self.count = 0

    def add(self, row: dict[str, Any]) -> None:
        for name, values in self.samples.items():
            values.append(row.get(name))
        self.count += 1

    def _array(self, name: str) -> pa.Array[Any]:
        arrow_type = SAMPLES_SCHEMA.field(name).type
        if name not in self.constants:
            return _column(name, self.samples[name], arrow_type)
        if not self.count:  # no sample: nothing is loaded, so nothing checked (as before)
            return _column(name, [], arrow_type)
        value = _column(name, [self.constants[name]], arrow_type)  # says what is wrong
        repeated: pa.Array[Any] = pa.repeat(value[0], self.count)
        return repeated

    def tables(self) -> tuple[pa.Table, pa.Table]:
        samples = pa.table(
            {n: self._array(n) for n in SAMPLES_SCHEMA.names},
            schema=SAMPLES_SCHEMA,
        )
        columns: list[tuple[Any, ...]] = (
            list(zip(*self.scores, strict=True)) if self.scores else [() for _ in SCORES_SCHEMA]
        )
        scores = pa.table(
            {
                f.name: pa.array(list(c), type=f.type)
                for f, c in zip(SCORES_SCHEMA, columns, strict=True)
            },
            schema=SCORES_SCHEMA,
        )
        return samples, scores


def _log_columns(log: dict[str, Any]) -> dict[str, Any]:
    """The landing columns one log gives all of its samples."""
    return {
        "eval_id": log["eval_id"],
        "log_file": log["log_file"],
        "source_log": log["log_file"],
        "log_status": log["status"],
        "run_id": log["run_id"],
        "eval_set_id": log["eval_set_id"],
        "task_id": log["task_id"],
        "task_name": log["task_name"],
        "model": log["model"],
        "eval_created": log["created"],
        **log.get("budgets", {}),
    }


def _sample_row(sample: dict[str, Any], log: dict[str, Any]) -> dict[str, Any]:
    """Landing row for one sample (summary or full sample) of a log, but for the
    columns of :func:`_log_columns`."""
    model = log["model"]
    usage_all = sample.get("model_usage") or {}
    usage = usage_all.get(model) if isinstance(usage_all, dict) else None
    usage = usage if isinstance(usage, dict) else {}
    limit = sample.get("limit")
    limit = limit if isinstance(limit, dict) else {}
    row = {
        "sample_id": sample_id_text(sample["id"]),
        "epoch": _epoch(sample.get("epoch")),
        "sample_uuid": sample.get("uuid"),
        "total_cost": _float_or_none(usage.get("total_cost")),
        "total_time": _float_or_none(sample.get("total_time")),
        "working_time": _float_or_none(sample.get("working_time")),
        "message_count": _int_or_none(sample.get("message_count")),
        "error": error_text(sample.get("error")),
        "limit_type": limit.get("type"),
        "limit_value": _float_or_none(limit.get("limit")),
        "model_usage": orjson.dumps(usage_all).decode() if usage_all else None,
        "metadata": orjson.dumps(sample.get("metadata") or {}, default=str).decode(),
    }
    for column, key in USAGE_FIELDS.items():
        row[column] = _int_or_none(usage.get(key)) if usage else None
    raw = {
        "total_time": sample.get("total_time"),
        "working_time": sample.get("working_time"),
        "message_count": sample.get("message_count"),
        "total_cost": usage.get("total_cost"),
        **{column: usage.get(key) for column, key in USAGE_FIELDS.items()},
    }
    # a value given but not a number ("0.5" as text): null, and said (_build)
    row[MISTYPED] = [(c, v) for c, v in raw.items() if v is not None and row[c] is None]
    return row


def error_text(error: Any) -> str | None:
    """A sample's error as text: full samples carry an EvalError object (its message)."""
    if isinstance(error, dict):
        error = error.get("message") or orjson.dumps(error).decode()
    return error if error is None or isinstance(error, str) else str(error)


#: The key of a landing row (not a column) listing the values that were not numbers.
MISTYPED = "_mistyped"


class _BadSample(ValueError):
    """A sample that cannot be loaded; the message says which field and why."""


def sample_id_text(value: Any) -> str:
    """A sample id as text: an id written as a whole-number float (``1.0``, as a
    spreadsheet or pandas writes an integer column with gaps) is the id ``1``."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _epoch(value: Any) -> int | None:
    """A sample's epoch: a whole number >= 1 (``2.0`` is 2); None when missing; any
    other value (``1.5``, ``0``, ``-1``, ``"1"``) makes the sample unreadable."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value < 2**63:
        raise _BadSample(f"epoch {value!r} is not a whole number >= 1")
    return int(value)


def _log_info(path: str, header: dict[str, Any], status: str | None) -> dict[str, Any]:
    spec = header.get("eval")
    if not isinstance(spec, dict) or not spec.get("eval_id") and not spec.get("task"):
        raise LogReadError(path, "not an Inspect log (no 'eval' header with a task and eval_id)")
    if not spec.get("model"):
        raise LogReadError(path, "not an Inspect log (the eval header names no model)")
    budget_notes: list[str] = []
    return {
        "log_file": path,
        "status": str(status or header.get("status") or "started"),
        "eval_id": _eval_id(path, spec),
        "run_id": spec.get("run_id"),
        "eval_set_id": spec.get("eval_set_id"),
        "task_id": spec.get("task_id"),
        "task_name": spec.get("task"),
        "model": str(spec["model"]),
        "created": spec.get("created"),
        "spec": spec,
        "version": _int_or_none(header.get("version")),
        "budgets": eval_budgets(spec.get("config"), budget_notes),
        "budget_notes": budget_notes,
    }


def _eval_id(path: str, spec: dict[str, Any]) -> str:
    """The eval's identity: its eval_id; in logs written before Inspect had eval ids,
    the task run's id (inspect_ai makes up a random eval_id for them at each read);
    with neither, the file's own path, so two such logs never share an identity."""
    for key in ("eval_id", "task_id", "run_id"):
        value = spec.get(key)
        if value is not None and value != "":
            if not isinstance(value, (str, int)) or isinstance(value, bool):
                raise LogReadError(path, f"field 'eval.{key}' is not a string: {value!r}")
            return str(value)
    return f"file:{path}"


def eval_budgets(config: Any, notes: list[str] | None = None) -> dict[str, Any]:
    """The eval's per-sample limits from its config (``eval.config``), as landing columns.
    A negative limit is no budget: left out (null), and said in ``notes``."""
    config = config if isinstance(config, dict) else {}
    budgets = {
        "eval_token_limit": _int_or_none(config.get("token_limit")),
        "eval_token_limit_type": config.get("token_limit_type"),
        "eval_message_limit": _int_or_none(config.get("message_limit")),
        "eval_time_limit": _float_or_none(config.get("time_limit")),
        "eval_working_limit": _float_or_none(config.get("working_limit")),
        "eval_cost_limit": _float_or_none(config.get("cost_limit")),
    }
    for column, value in budgets.items():
        if isinstance(value, (int, float)) and value < 0:
            budgets[column] = None
            if notes is not None:
                notes.append(negative_budget_note(column.removeprefix("eval_"), value))
    return budgets


def negative_budget_note(name: str, value: Any) -> str:
    return (
        f"the eval's {name} is negative ({value!r}): not a budget, so left out (the curves "
        "are drawn as for an eval without that limit)"
    )


def _needs_full_sample(summary: dict[str, Any]) -> bool:
    # Summaries written before Inspect 0.3.50 or so carry no usage or timing:
    # those fields are then only in the full sample.
    return "model_usage" not in summary and "total_time" not in summary


def _build_notes(path: str, log: dict[str, Any]) -> list[str]:
    """The notes on a log's header that every build of its rows gives first."""
    notes: list[str] = []
    if log["eval_id"] == f"file:{path}":
        notes.append(
            "the eval header has no eval_id, task_id or run_id: its samples are identified "
            f"by the file's path ({log['eval_id']})"
        )
    notes.extend(log.get("budget_notes", []))
    return notes


def _build(
    path: str,
    kind: str,
    log: dict[str, Any],
    results: dict[str, Any] | None,
    samples: list[dict[str, Any]],
    notes: list[str],
) -> ParsedFile:
    first = _first_scorer(log["spec"], results, samples)
    notes.extend(_build_notes(path, log))
    columns = _Columns(_log_columns(log))
    seen: set[tuple[str, int | None]] = set()
    no_id, no_epoch, repeated = "with no id", "with no epoch", "repeating an id and epoch"
    left_out = dict.fromkeys((no_id, no_epoch, repeated), 0)
    unreadable: list[str] = []  # "id/epoch: why" of each sample left out for a bad field
    mistyped: dict[str, list[str]] = {}
    for sample in samples:
        if not isinstance(sample, dict) or sample.get("id") is None:
            left_out[no_id] += 1
            continue
        try:
            row = _sample_row(sample, log)
            if row["epoch"] is None:
                left_out[no_epoch] += 1
                continue
            rows = list(
                score_rows(
                    (log["eval_id"], row["sample_id"], row["epoch"]),
                    _scores_of(sample),
                    first,
                )
            )
        except (_BadSample, *_SAMPLE_ERRORS) as exc:
            name = f"{_shown(sample.get('id'))}/{_shown(sample.get('epoch'))}"
            unreadable.append(f"{name}: {exc}")
            continue
        ident = (row["sample_id"], row["epoch"])
        if ident in seen:  # journals can repeat a summary; keep the first
            left_out[repeated] += 1
            continue
        seen.add(ident)
        for column, value in row.pop(MISTYPED):
            mistyped.setdefault(column, []).append(f"{row['sample_id']}/{row['epoch']}: {value!r}")
        columns.add(row)
        columns.scores.extend(rows)
    for why, count in left_out.items():
        if count:
            kept = " (the first of each is kept)" if why == repeated else ""
            notes.append(f"{count} sample(s) {why}: left out{kept}")
    if unreadable:
        shown = "; ".join(unreadable[:3]) + ("; ..." if len(unreadable) > 3 else "")
        notes.append(
            f"{len(unreadable)} sample(s) with a field that cannot be read, left out; the "
            f"rest are loaded ({shown})"
        )
    for column, examples in mistyped.items():
        notes.append(mistyped_note(column, len(examples), ", ".join(examples[:3])))
    return parsed_log(path, kind, log, columns.tables(), notes)


def parsed_log(
    path: str, kind: str, log: dict[str, Any], tables: tuple[pa.Table, pa.Table], notes: list[str]
) -> ParsedFile:
    """One log's file: its landing ``tables`` (samples, scores) and notes."""
    samples, scores = tables
    return ParsedFile(
        path, kind, log["status"], [log["eval_id"]], log["version"], samples, scores, notes
    )


# --------------------------------------------------------------------------- checks


def _examples(samples: pa.Table, mask: Any, limit: int = 3) -> str:
    rows = samples.filter(mask).slice(0, limit)
    pairs = zip(rows["sample_id"].to_pylist(), rows["epoch"].to_pylist(), strict=True)
    ids = [f"{sample_id}/{epoch}" for sample_id, epoch in pairs]
    return ", ".join(ids)


#: Usage and time columns whose negative values are noted (staging reads them as missing).
CHECKED_COLUMNS = ("total_tokens", "input_tokens", "output_tokens", "total_time", "working_time")


def usage_notes(
    total: int, negative: dict[str, tuple[int, str]], no_tokens: tuple[int, str]
) -> list[str]:
    """The notes on ``total`` samples given, per column, the count of negative values and
    examples (``sample_id/epoch, ...``), and the same for samples without total_tokens."""
    notes = []
    for column, (count, examples) in negative.items():
        if count:
            notes.append(
                f"{count} sample(s) with a negative {column} (e.g. {examples}):"
                " loaded as they are; staging reads them as missing, so they are left out of"
                " that limit's curve"
            )
    count, examples = no_tokens
    if count:
        notes.append(
            f"{count} of {total} samples have no token usage for the evaluated model "
            f"(e.g. {examples}): left out of the total_tokens curve"
        )
    return notes


#: Limit columns whose missing values are said (total_tokens has its own note).
MISSING_CHECKED = ("total_time", "working_time", "message_count")


def coverage_notes(
    total: int, missing: dict[str, tuple[int, str]], unscored: tuple[int, str]
) -> list[str]:
    """The notes on ``total`` samples given, per limit column, the count of samples
    without a value and examples, and the same for samples that are neither scored
    nor errored (no score at all: they enter no curve and no error count). A limit no
    sample has is one the log does not record (older Inspect): not said."""
    notes = [
        f"{count} of {total} samples have no {column} (e.g. {examples}): left out of the "
        f"{column} curve"
        for column, (count, examples) in missing.items()
        if 0 < count < total
    ]
    count, examples = unscored
    if count:
        notes.append(
            f"{count} of {total} samples have no score and no error (e.g. {examples}): left "
            "out of every curve"
        )
    return notes


def non_finite_note(scorer: str, count: int, examples: list[str] | None = None) -> str:
    shown = f", e.g. {', '.join(examples)}" if examples else ""
    return (
        f"scorer '{scorer}' gives {count} score(s) that are not finite numbers (NaN, "
        f"infinite, or beyond a double{shown}): left out of the curves"
    )


def _odd_scores(scores: pa.Table) -> bool:
    """Has any score a key, or a type said in a note (not finite, a list, a dict)?"""
    if scores["score_key"].null_count < scores.num_rows:
        return True
    odd = pa.array(["non_finite", "list", "dict"], pa.string())
    return bool(pc.any(pc.is_in(scores["value_type"], value_set=odd)).as_py())


def quality_notes(parsed: ParsedFile) -> list[str]:
    """Notes on values that are loaded but will not enter (all) curves, naming samples
    as ``sample_id/epoch``: negative or missing usage and times, dict or list scores."""
    samples = parsed.samples
    total = samples.num_rows
    if total == 0:
        return []
    status = []
    if parsed.status not in (None, "success"):
        status.append(
            f"log status '{parsed.status}': its {total} samples are loaded, and enter the "
            "marts only where the var statuses names it (default: success)"
        )

    def counted(mask: Any) -> tuple[int, str]:  # a boolean array (the stubs type pc's loosely)
        count = pc.sum(mask).as_py() or 0
        return count, _examples(samples, mask) if count else ""

    def negative(column: str) -> tuple[int, str]:
        least = pc.min(samples[column]).as_py()  # most logs have none: one pass says so
        if least is None or least >= 0:
            return 0, ""
        return counted(pc.fill_null(pc.less(samples[column], pa.scalar(0)), pa.scalar(False)))

    def missing(column: str) -> tuple[int, str]:
        if not samples[column].null_count:
            return 0, ""
        return counted(pc.is_null(samples[column]))

    notes = status + usage_notes(
        total, {column: negative(column) for column in CHECKED_COLUMNS}, missing("total_tokens")
    )
    scored = set(
        zip(parsed.scores["sample_id"].to_pylist(), parsed.scores["epoch"].to_pylist(), strict=True)
    )
    unscored = [
        (sid, epoch) not in scored and error is None
        for sid, epoch, error in zip(
            samples["sample_id"].to_pylist(),
            samples["epoch"].to_pylist(),
            samples["error"].to_pylist(),
            strict=True,
        )
    ]
    notes += coverage_notes(
        total,
        {column: missing(column) for column in MISSING_CHECKED},
        counted(pa.array(unscored, pa.bool_())) if any(unscored) else (0, ""),
    )
    scores = parsed.scores
    if scores.num_rows and _odd_scores(scores):
        # keyed by scorer; the ids are (sample id, epoch)
        keyed: dict[Any, tuple[set[Any], set[tuple[Any, Any]]]] = {}
        listed: dict[Any, set[tuple[Any, Any]]] = {}
        non_finite: dict[Any, list[str]] = {}
        for scorer, key, vtype, sid, epoch in zip(
            scores["scorer"].to_pylist(),
            scores["score_key"].to_pylist(),
            scores["value_type"].to_pylist(),
            scores["sample_id"].to_pylist(),
            scores["epoch"].to_pylist(),
            strict=True,
        ):
            if vtype == "non_finite":
                non_finite.setdefault(scorer, []).append(f"{sid}/{epoch}")
            if key is not None:
                keys, ids = keyed.setdefault(scorer, (set(), set()))
                keys.add(key)
                ids.add((sid, epoch))
            elif vtype in ("list", "dict"):
                listed.setdefault(scorer, set()).add((sid, epoch))
        for scorer, (keys, ids) in keyed.items():
            shown = ", ".join(sorted(keys)[:5]) + (", ..." if len(keys) > 5 else "")
            notes.append(
                f"scorer '{scorer}' gives dict-valued scores in {len(ids)} sample(s) (keys "
                f"{shown}): left out of the curves unless the dbt var score_key names a key"
            )
        for scorer, names in non_finite.items():
            notes.append(non_finite_note(scorer, len(names), names[:3]))
        for scorer, ids in listed.items():
            notes.append(
                f"scorer '{scorer}' gives list-valued scores in {len(ids)} sample(s): "
                "they are not scores and are left out of the curves"
            )
    return notes
