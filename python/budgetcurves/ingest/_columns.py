"""Rows on columns: a log's samples -> its landing tables, one column at a time.

:func:`build` takes each field of every sample in one pass per field and hands the
values to Arrow in bulk, checking each column's types at once instead of each value
on its own. That is the shape of the work for the logs Inspect writes. Whatever is
out of the ordinary (a sample without an id or epoch, an id and epoch repeated, a
number given as text, NaN, a field of the wrong type) is not decided here: the log
is then built row by row by :func:`._rows._build`, which says what is wrong in the
same words as always, so the two ways give the same rows and notes for every log.
"""

from __future__ import annotations

import math
from collections import defaultdict
from operator import methodcaller
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ._landing import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile
from ._rows import (
    USAGE_FIELDS,
    _build,
    _build_notes,
    _first_scorer,
    _log_columns,
    _typed,
    error_text,
    eval_budgets,
    parsed_log,
)

_NONE = type(None)
_INTS = frozenset({int, _NONE})
_NUMBERS = frozenset({int, float, _NONE})
_TEXTS = frozenset({str, _NONE})
_IDS = frozenset({int, str})
_NO_USAGE: dict[str, Any] = {}
#: The landing columns a log gives all of its samples (:func:`._rows._log_columns`).
_CONSTANTS = pa.schema(
    [
        SAMPLES_SCHEMA.field(name)
        for name in _log_columns(defaultdict(str, budgets=eval_budgets(None)))
    ]
)


class _Irregular(Exception):
    """Something :func:`build` leaves to the row-by-row build, which names it."""


def _field(objects: list[dict[str, Any]], key: str) -> list[Any]:
    """``key`` of each object (None where it has none)."""
    return list(map(methodcaller("get", key), objects))


def _ints(values: list[Any]) -> pa.Array[Any]:
    """Whole numbers (or nulls) as int64; anything else is irregular (a float, a bool,
    text, a number past 64 bits: the row build reads or names each)."""
    if not _INTS.issuperset(map(type, values)):
        raise _Irregular
    return pa.array(values, pa.int64())


def _floats(values: list[Any]) -> pa.Array[Any]:
    """Numbers (or nulls) as float64, each finite; anything else is irregular."""
    if not _NUMBERS.issuperset(map(type, values)):
        raise _Irregular
    array = pa.array(values, pa.float64())
    total = pc.sum(array).as_py()  # a NaN or an infinity makes the sum one
    if total is not None and not math.isfinite(total):
        raise _Irregular
    return array


def _texts(values: list[Any]) -> pa.Array[Any]:
    if not _TEXTS.issuperset(map(type, values)):
        raise _Irregular
    return pa.array(values, pa.string())


def _sample_ids(samples: list[Any]) -> list[str]:
    ids = _field(samples, "id")
    kinds = set(map(type, ids))
    if kinds <= {str}:
        return ids
    if kinds <= _IDS:
        return [value if type(value) is str else str(value) for value in ids]
    raise _Irregular


def _epochs(samples: list[Any]) -> list[int]:
    epochs = _field(samples, "epoch")
    if epochs and (
        not {int}.issuperset(map(type, epochs)) or min(epochs) < 1 or max(epochs) >= 2**63
    ):
        raise _Irregular
    return epochs


def _score_columns(
    eval_id: str, ids: list[str], epochs: list[int], samples: list[Any], first: str | None
) -> pa.Table:
    """``sample_scores`` of the samples: a row per scorer (per key of a dict score),
    typed by :func:`._rows._typed` (once per distinct text, the common case)."""
    rows: list[tuple[Any, ...]] = []
    typed_text: dict[str, tuple[str, str | None]] = {}
    for sample_id, epoch, sample in zip(ids, epochs, samples, strict=True):
        scores = sample.get("scores")
        if not isinstance(scores, dict):
            if scores is None:
                continue
            raise _Irregular
        for scorer, score in scores.items():
            value = score.get("value") if isinstance(score, dict) else score
            pairs = value.items() if isinstance(value, dict) else ((None, value),)
            for key, inner in pairs:
                if type(inner) is str:
                    typed = typed_text.get(inner)
                    if typed is None:
                        typed = typed_text[inner] = _typed(inner)
                else:
                    typed = _typed(inner)
                rows.append((sample_id, epoch, scorer, key, scorer == first, *typed))
    columns: list[Any] = list(zip(*rows, strict=True)) if rows else [()] * 7
    if any(type(key) is not str for key in columns[3] if key is not None):
        raise _Irregular  # a key that is not text (no JSON object has one)
    return pa.table(
        [
            pa.repeat(pa.scalar(eval_id, pa.string()), len(rows)),
            *(
                pa.array(column, field.type)
                for column, field in zip(columns, list(SCORES_SCHEMA)[1:], strict=True)
            ),
        ],
        schema=SCORES_SCHEMA,
    )


def _sample_columns(
    log: dict[str, Any], ids: list[str], epochs: list[int], samples: list[Any]
) -> pa.Table:
    """``samples``: the columns each sample gives, then the log's own repeated."""
    model = log["model"]
    given = [usage or {} for usage in _field(samples, "model_usage")]
    usages = [
        usage if isinstance(usage, dict) else _NO_USAGE
        for usage in (u.get(model) if isinstance(u, dict) else None for u in given)
    ]
    limits = _field(samples, "limit")
    limits = [limit if isinstance(limit, dict) else _NO_USAGE for limit in limits]
    arrays: dict[str, pa.Array[Any]] = {
        "sample_id": pa.array(ids, pa.string()),
        "epoch": pa.array(epochs, pa.int64()),
        "sample_uuid": _texts(_field(samples, "uuid")),
        "total_cost": _floats(_field(usages, "total_cost")),
        "total_time": _floats(_field(samples, "total_time")),
        "working_time": _floats(_field(samples, "working_time")),
        "message_count": _ints(_field(samples, "message_count")),
        "error": _texts(list(map(error_text, _field(samples, "error")))),
        "limit_type": _texts(_field(limits, "type")),
        "limit_value": _floats(_field(limits, "limit")),
        "model_usage": pa.array(
            [orjson.dumps(usage).decode() if usage else None for usage in given], pa.string()
        ),
        "metadata": pa.array(
            [
                orjson.dumps(metadata, default=str).decode() if metadata else "{}"
                for metadata in _field(samples, "metadata")
            ],
            pa.string(),
        ),
    }
    for column, key in USAGE_FIELDS.items():
        arrays[column] = _ints(_field(usages, key))
    constants, count = _log_columns(log), len(samples)
    for field in _CONSTANTS:  # the log's own columns, repeated
        arrays[field.name] = pa.repeat(pa.scalar(constants[field.name], field.type), count)
    return pa.table([arrays[name] for name in SAMPLES_SCHEMA.names], schema=SAMPLES_SCHEMA)


def _tables(
    log: dict[str, Any], samples: list[Any], first: str | None
) -> tuple[pa.Table, pa.Table]:
    if not all(isinstance(sample, dict) for sample in samples):
        raise _Irregular
    ids, epochs = _sample_ids(samples), _epochs(samples)
    if len(set(zip(ids, epochs, strict=True))) != len(samples):
        raise _Irregular  # an id and epoch repeated: the row build keeps the first
    return (
        _sample_columns(log, ids, epochs, samples),
        _score_columns(log["eval_id"], ids, epochs, samples, first),
    )


def build(
    path: str,
    kind: str,
    log: dict[str, Any],
    results: dict[str, Any] | None,
    samples: list[Any],
    notes: list[str],
) -> ParsedFile:
    """The landing rows of one log's ``samples``, on columns where the log is regular,
    else row by row (:func:`._rows._build`); the same rows and notes either way."""
    first = _first_scorer(log["spec"], results, samples)
    try:
        tables = _tables(log, samples, first)
    except Exception:  # noqa: BLE001 - anything odd is the row build's to name
        return _build(path, kind, log, results, samples, notes)
    notes.extend(_build_notes(path, log))
    return parsed_log(path, kind, log, tables, notes)


def regular_tables(
    log: dict[str, Any], samples: list[Any], first: str | None
) -> tuple[pa.Table, pa.Table] | None:
    """:func:`build`'s tables (samples, scores) where the samples are regular, else None
    (the row build's to name); for readers that build a log's rows a batch at a time."""
    try:
        return _tables(log, samples, first)
    except Exception:  # noqa: BLE001 - anything odd is the row build's to name
        return None
