"""JSON documents of a log: parsed whole by orjson (leniently where its bytes are not
UTF-8 or it holds NaN), or streamed a few MB at a time: by msgspec where the log is
indented as Inspect writes it, else by ijson, one sample in memory at a time."""

from __future__ import annotations

import codecs
import json
import math
import re
from typing import IO, Any

import ijson
import msgspec
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
    :data:`_SAMPLE_FIELDS`, one chunk of a few MB in memory at a time: by
    :func:`_stream_indented` where it can vouch for the log, else by ijson."""
    start = handle.tell()
    try:
        fast = _stream_indented(handle)
    except _FAST_ERRORS:
        fast = None
    if fast is not None:
        return fast
    handle.seek(start)
    return _stream_ijson(handle)


def _stream_ijson(handle: IO[bytes]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """:func:`_stream_json` by ijson (any JSON; ~50 MB/s, as it builds every sample whole).

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


# --------------------------------------------------------------------------- fast path
#
# A log as Inspect (or jq, or json.dump(indent=...)) writes it puts each sample of the
# top-level ``samples`` list on lines of its own, indented twice the indent of the
# top-level keys; a raw newline is never inside a JSON string, so a guess at where the
# samples start and end costs a find over the bytes. The guess is then proved: each
# piece is parsed strictly (msgspec checks every byte of it, building objects only for
# the fields kept), and pieces that each parse, glued by the commas and brackets the
# guess assumed, can only be the document itself. A piece that does not parse (a wrong
# guess, NaN, bad escapes, a sample that is not an object...) sends the whole log to
# ijson, so what is read and said is what ijson reads and says.

#: Bytes read at a time; memory holds one or two of these (or the largest sample).
STREAM_CHUNK_BYTES = 4 * 2**20

#: A header (the fields before ``samples``) or tail longer than this goes to ijson.
_HEAD_LIMIT = 64 * 2**20


#: What the fast path raises on a log it cannot read; ijson then says what is wrong.
_FAST_ERRORS = (msgspec.DecodeError, orjson.JSONDecodeError, RecursionError, UnicodeDecodeError)


class _Sample(msgspec.Struct):
    """The fields of :data:`_SAMPLE_FIELDS`; msgspec skips (and checks) the others."""

    id: Any = msgspec.UNSET
    epoch: Any = msgspec.UNSET
    uuid: Any = msgspec.UNSET
    scores: Any = msgspec.UNSET
    model_usage: Any = msgspec.UNSET
    total_time: Any = msgspec.UNSET
    working_time: Any = msgspec.UNSET
    message_count: Any = msgspec.UNSET
    error: Any = msgspec.UNSET
    limit: Any = msgspec.UNSET
    metadata: Any = msgspec.UNSET


class _Tail(msgspec.Struct):
    """The top-level fields after the samples: checked, and skipped but a second one."""

    samples: Any = msgspec.UNSET


_SAMPLES = msgspec.json.Decoder(list[_Sample])
_TAIL = msgspec.json.Decoder(_Tail)
_INDENT = re.compile(rb"\{\n( +)\"")
_EMPTY = re.compile(rb"\s*\]")
_TAIL_START = re.compile(rb"\s*([,}])")


class _Chunks:
    """A log's bytes, a chunk at a time, each checked to be UTF-8 as ijson checks them
    (msgspec checks only the strings it keeps)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.read_bytes = 0

    def read(self) -> bytes:
        chunk = self.handle.read(STREAM_CHUNK_BYTES)
        self.read_bytes += len(chunk)
        if not chunk.isascii() or self.utf8.getstate()[0]:
            self.utf8.decode(chunk, final=not chunk)  # raises UnicodeDecodeError
        return chunk


def _decoded_into(samples: list[dict[str, Any]], buffer: bytearray, stop: int) -> bool:
    """Parse ``buffer[:stop]`` as the samples it holds (it starts at a newline before the
    first, ``buffer[stop]`` is the comma or newline after the last), as one JSON list."""
    if buffer[0] != ord("\n") or buffer[stop] not in b",\n":
        return False
    after, buffer[0], buffer[stop] = buffer[stop], ord("["), ord("]")
    try:
        with memoryview(buffer) as view:
            parsed = _SAMPLES.decode(view[: stop + 1])
    except (msgspec.DecodeError, RecursionError):
        return False
    finally:
        buffer[0], buffer[stop] = ord("\n"), after
    samples += [_kept(sample) for sample in parsed]
    return True


def _stream_indented(handle: IO[bytes]) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """:func:`_stream_json` for an indented log, or None where it cannot vouch for it."""
    chunks = _Chunks(handle)
    head = chunks.read()
    match = _INDENT.match(head)
    if match is None:
        return None
    indent = match.group(1)
    key, item = b"\n" + indent + b'"samples": [', b"\n" + indent * 2
    between, last = item + b"},\n" + indent * 2 + b"{", item + b"}\n" + indent + b"]"
    at = head.find(key)
    while at < 0:
        more = chunks.read()
        if not more or len(head) > _HEAD_LIMIT:
            return None
        head += more
        at = head.find(key, len(head) - len(more) - len(key))
    header = orjson.loads(head[: at - 1] + b"}" if head[at - 1] == ord(",") else head[:at] + b"}")
    if not isinstance(header, dict):
        return None
    buffer = bytearray(head[at + len(key) :])
    samples: list[dict[str, Any]] = []
    del head
    empty = _EMPTY.match(buffer)
    if empty is not None:
        close = empty.end() - 1
    else:
        more = b"-"
        while True:
            cut = buffer.rfind(between)
            if cut >= 0:
                stop = cut + len(item) + 1
                if not _decoded_into(samples, buffer, stop):
                    break  # the samples end in this buffer, or a bad sample
                del buffer[: stop + 1]
            if not more or len(buffer) > _HEAD_LIMIT:
                break
            more = chunks.read()
            buffer += more
        end = buffer.find(last)
        if end < 0 or not _decoded_into(samples, buffer, end + len(item) + 1):
            return None
        close = end + len(last) - 1
    while len(buffer) <= _HEAD_LIMIT and (more := chunks.read()):
        buffer += more
    tail = _TAIL_START.match(buffer, close + 1)
    if len(buffer) > _HEAD_LIMIT or tail is None:
        return None
    start = tail.start(1) if tail.group(1) == b"," else close
    buffer[start] = ord("{")
    with memoryview(buffer) as view:
        if header.keys() >= _HEADER_FIELDS:  # checked; ijson's first pass stops at samples
            second = _TAIL.decode(view[start:]).samples is not msgspec.UNSET
        else:  # ijson's first pass goes on, and keeps every field after the samples too
            rest = orjson.loads(view[start:])
            second = "samples" in rest
            header.update(rest)
    return None if second else (header, samples)  # a second `samples`: ijson reads both


def _kept(sample: _Sample) -> dict[str, Any]:
    values = zip(_SAMPLE_FIELDS, msgspec.structs.astuple(sample), strict=True)
    return {name: value for name, value in values if value is not msgspec.UNSET}
