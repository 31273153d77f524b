"""JSON documents of a log: parsed whole by orjson (leniently where its bytes are not
UTF-8 or it holds NaN), or streamed by ijson, one sample in memory at a time."""

from __future__ import annotations

import json
import math
import re
from typing import IO, Any

import ijson
import orjson

from .._errors import LogReadError

#: What ijson raises on bytes orjson's lenient fallback reads (bad UTF-8, NaN).
_STREAM_ERRORS = (ijson.JSONError, UnicodeDecodeError)


def _loads(
    data: bytes, path: str, member: str | None = None, notes: list[str] | None = None
) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        where = f" (zip member {member})" if member else ""
        lenient = _loads_lenient(data)
        if lenient is None:
            raise LogReadError(path, f"invalid JSON{where}: {exc}") from None
        doc, problem = lenient
        if notes is not None:
            notes.append(f"{problem}{where}; loaded")
        return doc


_SURROGATE = re.compile("[\ud800-\udfff]")


def _loads_lenient(data: bytes) -> tuple[Any, str] | None:
    """Parse JSON that orjson refuses for its encoding: invalid UTF-8 bytes or
    unpaired surrogate escapes (a model's output cut inside an emoji)."""
    try:
        text = data.decode("utf-8")
        problem = (
            "unpaired surrogate escapes replaced by U+FFFD"
            if re.search(r"\\u[dD][89a-fA-F]", text)
            else "non-standard JSON (NaN, Infinity or huge numbers) read leniently"
        )
    except UnicodeDecodeError as exc:
        text = data.decode("utf-8", "replace")
        problem = f"bytes that are not UTF-8 (first at byte {exc.start}) replaced by U+FFFD"
    try:
        doc = json.loads(text, parse_int=_parse_int)
    except (ValueError, RecursionError):
        return None
    return _clean_strings(doc), problem


def _parse_int(text: str) -> int | float:
    """An integer of JSON; one too long for Python's int() (4300 digits) is beyond any
    double anyway: an infinity, which the score and usage readers name or leave out."""
    try:
        return int(text)
    except ValueError:
        return -math.inf if text.startswith("-") else math.inf


def _clean_strings(value: Any) -> Any:
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_clean_strings(v) for v in value]
    if isinstance(value, dict):
        return {_clean_strings(k): _clean_strings(v) for k, v in value.items()}
    return value


#: The fields of a full sample that a landing row uses (see _sample_row, score_rows).
_SAMPLE_FIELDS = (
    "id",
    "epoch",
    "uuid",
    "scores",
    "model_usage",
    "total_time",
    "working_time",
    "message_count",
    "error",
    "limit",
    "metadata",
)


#: The top-level fields of a log that every log has and its landing rows need
#: (``version`` and ``results`` are read too where they come before the samples).
_HEADER_FIELDS = frozenset({"status", "eval"})


def _stream_json(handle: IO[bytes]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The log's top-level fields but ``samples``, and its samples cut down to
    :data:`_SAMPLE_FIELDS`, one sample in memory at a time.

    Inspect writes the header first, so the first pass usually stops at ``samples``;
    a log whose keys were reordered (``sort_keys``, ``jq -S``) puts ``status`` and
    ``version`` after them, and the pass goes on past the samples to read them."""
    header: dict[str, Any] = {}
    key: Any = None
    builder, depth = None, 0
    for prefix, event, value in ijson.parse(handle, use_float=True):
        if builder is None:
            if prefix == "" and event == "map_key":
                if value == "samples" and header.keys() >= _HEADER_FIELDS:
                    break
                key = None if value == "samples" else value
                continue
            if prefix != key or key is None:
                continue
            builder, depth = ijson.ObjectBuilder(), 0  # the value of `key` starts
        builder.event(event, value)
        depth += event in ("start_map", "start_array")
        depth -= event in ("end_map", "end_array")
        if depth == 0:
            header[key], builder = builder.value, None
    handle.seek(0)
    samples = [
        {k: sample[k] for k in _SAMPLE_FIELDS if k in sample}
        if isinstance(sample, dict)
        else sample
        for sample in ijson.items(handle, "samples.item", use_float=True)
    ]
    return header, samples
