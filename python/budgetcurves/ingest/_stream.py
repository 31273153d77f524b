"""JSON documents of a log: parsed whole by orjson (leniently where its bytes are not
UTF-8 or it holds NaN), or streamed a few MB at a time: by msgspec where the log is
indented as Inspect writes it, else by ijson, one sample in memory at a time."""

from __future__ import annotations

import codecs
import json
import math
import multiprocessing
import os
import re
import signal
import sys
from typing import IO, Any

import ijson
import msgspec
import numpy as np
import orjson

from .._errors import LogReadError
from ._parallel import _die_with_parent

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


def _stream_json(
    handle: IO[bytes], kept: Kept | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The log's top-level fields but ``samples``, and its samples cut down to
    :data:`_SAMPLE_FIELDS`, one chunk of a few MB in memory at a time: by
    :func:`_stream_indented` (into ``kept``) where it can vouch for the log, else by
    ijson (into the list returned)."""
    start = handle.tell()
    try:
        fast = _stream_indented(handle, kept)
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
_NEWLINE, _OPEN, _CLOSE = b"\n[]"


class Kept:
    """Where :func:`_stream_indented` puts the samples it keeps: here, in a list.
    A subclass may build rows a batch at a time instead (:mod:`._batches`)."""

    def __init__(self) -> None:
        self.samples: list[dict[str, Any]] = []

    def start(self, header: dict[str, Any]) -> None:
        """The log's fields before ``samples``, before any sample is added."""

    def add(self, samples: list[dict[str, Any]]) -> None:
        self.samples += samples

    def end(self) -> None:
        """Every sample was added, and the log proved whole."""

    def half(self) -> Kept | None:
        """A sink for the samples of the log's second half, read by a forked process
        (:class:`_Half`), or None where this one cannot take them in bulk."""
        return None

    def payload(self) -> bytes:
        """In the forked process: what :meth:`merge` takes, once its samples are added."""
        raise NotImplementedError

    def merge(self, payload: bytes) -> None:
        """The samples of the second half (:meth:`payload`), after every one added."""
        raise NotImplementedError


class _Buffer:
    """A log's bytes, read a chunk at a time into one bytearray that is reused (so
    memory holds one or two chunks, or the largest sample), each chunk checked to be
    UTF-8 as ijson checks it (msgspec checks only the strings it keeps). The bytes not
    yet consumed are ``data[lo:hi]``; a read may move them to the front."""

    def __init__(self, handle: IO[bytes] | _PRead, position: int = 0) -> None:
        self.handle = handle
        self.readinto: Any = getattr(handle, "readinto", None)
        self.data = bytearray(2 * STREAM_CHUNK_BYTES)
        self.lo = self.hi = 0
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.position = position  # the file's offset of data[hi]
        self.limit: int | None = None  # an offset not to read past (see _Half)

    def offset(self, index: int) -> int:
        """The file's offset of ``data[index]``."""
        return self.position - self.hi + index

    def restart(self, position: int) -> None:
        """Hold nothing, and read on from the file's offset ``position``."""
        self.handle.seek(position)
        self.position, self.lo, self.hi, self.limit = position, 0, 0, None

    def read(self) -> int:
        """Read a chunk after the bytes held; the bytes read (0 at the end, or at the
        limit)."""
        size, held = STREAM_CHUNK_BYTES, self.hi - self.lo
        if self.limit is not None:
            size = min(size, self.limit - self.position)
            if size <= 0:
                return 0
        if len(self.data) - self.hi < size and self.lo:  # move what is held to the front
            self.data[:held] = self.data[self.lo : self.hi]
            self.lo, self.hi = 0, held
        if len(self.data) - self.hi < size:  # a header or sample larger than a chunk
            self.data += bytes(self.hi + size - len(self.data))
        with memoryview(self.data) as view:
            if self.readinto is not None:
                count: int = self.readinto(view[self.hi : self.hi + size])
            else:
                chunk = self.handle.read(size)
                count = len(chunk)
                view[self.hi : self.hi + count] = chunk
        end = self.hi + count
        if self.utf8.getstate()[0] or (
            count and np.frombuffer(self.data, np.uint8, count, self.hi).max() >= 0x80
        ):
            self.utf8.decode(bytes(self.data[self.hi : end]), final=not count)  # may raise
        self.hi = end
        self.position += count
        return count

    def find(self, sub: bytes, start: int | None = None) -> int:
        return self.data.find(sub, self.lo if start is None else start, self.hi)


def _decoded_into(kept: Kept, held: _Buffer, stop: int) -> bool:
    """Parse ``data[lo:stop]`` as the samples it holds (it starts at a newline before
    the first, ``data[stop]`` is the comma or newline after the last), as one JSON
    list, and consume it."""
    data, lo = held.data, held.lo
    if data[lo] != _NEWLINE or data[stop] not in b",\n":
        return False
    after, data[lo], data[stop] = data[stop], _OPEN, _CLOSE
    try:
        with memoryview(data) as view:
            parsed = _SAMPLES.decode(view[lo : stop + 1])
    except (msgspec.DecodeError, RecursionError):
        return False
    finally:
        data[lo], data[stop] = _NEWLINE, after
    held.lo = stop + 1
    kept.add([_kept(sample) for sample in parsed])
    return True


class _Layout:
    """What a log indented by ``indent`` puts between its samples, and after them."""

    def __init__(self, indent: bytes) -> None:
        self.item = b"\n" + indent * 2
        self.between = self.item + b"},\n" + indent * 2 + b"{"
        self.last = self.item + b"}\n" + indent + b"]"


def _samples(held: _Buffer, kept: Kept, layout: _Layout, half: _Half | None) -> int | None:
    """Decode the samples held from ``lo`` (a newline before the first) to the end of
    the list, into ``kept``; the index of its closing bracket, or None where the pieces
    do not parse. At the limit, the forked ``half`` adds the samples after it."""
    item, between = layout.item, layout.between
    more = 1
    while True:
        cut = held.data.rfind(between, held.lo, held.hi)
        if cut >= 0 and not _decoded_into(kept, held, cut + len(item) + 1):
            break  # the samples end in this buffer, or a bad sample
        if not more or held.hi - held.lo > _HEAD_LIMIT:
            break
        more = held.read()
        if not more and half is not None:  # at the limit: the rest is the forked half's
            close = half.join(held, kept)
            if close is not None:
                return close
            half, more = None, held.read()  # read on alone
    end = held.find(layout.last)
    if end < 0 or not _decoded_into(kept, held, end + len(item) + 1):
        return None
    return end + len(layout.last) - 1


#: Samples of more bytes than this are read by two processes, where two cores are free.
SPLIT_BYTES = 64 * 2**20

#: How far past the middle of the samples the first sample to start is looked for.
_SPLIT_SEARCH = 16 * 2**20


class _PRead:
    """A file read from an offset of its own, as a forked process reads the file it
    shares with its parent (whose offset it must not move)."""

    def __init__(self, fd: int, position: int) -> None:
        self.fd, self.position = fd, position

    def readinto(self, buffer: memoryview) -> int:
        count = os.preadv(self.fd, [buffer], self.position)
        self.position += count
        return count

    def read(self, size: int) -> bytes:
        data = os.pread(self.fd, size, self.position)
        self.position += len(data)
        return data

    def seek(self, position: int) -> int:
        self.position = position
        return position


def _cores_free() -> bool:
    """Two cores for this process, which is not itself one of several readers."""
    if not sys.platform.startswith("linux") or multiprocessing.parent_process() is not None:
        return False
    return len(os.sched_getaffinity(0)) > 1


def _sample_after(fd: int, middle: int, layout: _Layout) -> int | None:
    """The offset of the newline before the first sample to start after ``middle`` (a
    guess, which the pieces' parsing proves or refutes), if within a few MB."""
    step, overlap = 2**20, len(layout.between)
    for start in range(middle, middle + _SPLIT_SEARCH, step):
        cut = os.pread(fd, step + overlap, start).find(layout.between)
        if cut >= 0:
            return start + cut + len(layout.item) + 2
    return None


class _Half:
    """The samples after the middle of a large log, read by a forked process while this
    one reads those before: the parent stops at the first sample to start after the
    middle (its ``limit``), the child reads from there to the end of the list and
    hands back what its :meth:`Kept.half` made of them, and where the file's offset of
    the list's closing bracket. Whatever goes wrong in the child (a piece that does not
    parse, a guess that was wrong, a sample the sink refuses), the parent reads the
    rest itself, as if there had been no child: the split only saves time."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid, self.pipe = pid, pipe

    @classmethod
    def fork(cls, handle: IO[bytes], held: _Buffer, kept: Kept, layout: _Layout) -> _Half | None:
        other = kept.half()
        if other is None or not _cores_free():
            return None
        try:
            fd = handle.fileno()
            size = os.fstat(fd).st_size
        except (OSError, AttributeError, ValueError):
            return None  # not a file (in memory, remote)
        first = held.offset(held.lo)
        if size - first < SPLIT_BYTES:
            return None
        boundary = _sample_after(fd, first + (size - first) // 2, layout)
        if boundary is None or boundary <= held.position:
            return None
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: never returns, never runs the parent's code
            try:
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops it
                os.close(read)
                cls._child(write, fd, boundary, other, layout)
            finally:
                os._exit(0)
        os.close(write)
        held.limit = boundary
        return cls(pid, read)

    @staticmethod
    def _child(pipe: int, fd: int, boundary: int, kept: Kept, layout: _Layout) -> None:
        answer = b""
        try:
            _die_with_parent(os.getppid())
            held = _Buffer(_PRead(fd, boundary), boundary)
            held.read()
            close = _samples(held, kept, layout, None)
            if close is not None:
                answer = held.offset(close).to_bytes(8, "little") + kept.payload()
        except BaseException:  # noqa: BLE001, S110 - the parent reads the rest itself
            pass
        with os.fdopen(pipe, "wb") as out:
            out.write(answer)

    def join(self, held: _Buffer, kept: Kept) -> int | None:
        """At the limit: decode the samples held (up to the comma before the child's
        first), add the child's, and go on after them; the index of the list's closing
        bracket, or None (the limit lifted) where the parent must read on alone."""
        mine = held.hi > held.lo and _decoded_into(kept, held, held.hi - 1)
        answer = self.close()
        held.limit = None
        if not mine or len(answer) < 8:
            return None
        kept.merge(answer[8:])
        held.restart(int.from_bytes(answer[:8], "little"))
        held.read()
        return 0

    def close(self, kill: bool = False) -> bytes:
        """The child's answer (empty where it failed or was killed), once it exited."""
        if self.pipe < 0:
            return b""
        if kill:
            os.kill(self.pid, signal.SIGKILL)
        with os.fdopen(self.pipe, "rb") as pipe:
            answer = pipe.read()
        self.pipe = -1
        os.waitpid(self.pid, 0)
        return answer


def _stream_indented(
    handle: IO[bytes], kept: Kept | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]] | None:
    """:func:`_stream_json` for an indented log, or None where it cannot vouch for it.
    The samples go to ``kept`` as they are read (the list of :class:`Kept` if None)."""
    kept = Kept() if kept is None else kept
    held = _Buffer(handle)
    held.read()
    match = _INDENT.match(held.data, 0, held.hi)
    if match is None:
        return None
    indent = match.group(1)
    key = b"\n" + indent + b'"samples": ['
    at = held.find(key)
    while at < 0:  # the header is held from the front (lo stays 0) until it is parsed
        before = held.hi
        if not held.read() or held.hi > _HEAD_LIMIT:
            return None
        at = held.find(key, max(0, before - len(key)))
    comma = held.data[at - 1] == ord(",")
    header = orjson.loads(held.data[: at - 1 if comma else at] + b"}")
    if not isinstance(header, dict):
        return None
    kept.start(header)
    held.lo = at + len(key)
    empty = _EMPTY.match(held.data, held.lo, held.hi)
    if empty is None:
        layout = _Layout(indent)
        half = _Half.fork(handle, held, kept, layout)
        try:
            close = _samples(held, kept, layout, half)
        finally:
            if half is not None:
                half.close(kill=True)  # not joined: the parent failed first
        if close is None:
            return None
        held.lo = close
    else:
        held.lo = empty.end() - 1
    while held.hi - held.lo <= _HEAD_LIMIT and held.read():  # the tail is held from lo
        pass
    tail = _TAIL_START.match(held.data, held.lo + 1, held.hi)
    if held.hi - held.lo > _HEAD_LIMIT or tail is None:
        return None
    start = tail.start(1) if tail.group(1) == b"," else held.lo
    held.data[start] = ord("{")
    with memoryview(held.data) as view:
        rest = view[start : held.hi]
        if header.keys() >= _HEADER_FIELDS:  # checked; ijson's first pass stops at samples
            second = _TAIL.decode(rest).samples is not msgspec.UNSET
        else:  # ijson's first pass goes on, and keeps every field after the samples too
            after = orjson.loads(rest)
            second = "samples" in after
            header.update(after)
        del rest
    if second:  # a second `samples`: ijson reads both
        return None
    kept.end()
    return header, kept.samples


def _kept(sample: _Sample) -> dict[str, Any]:
    values = zip(_SAMPLE_FIELDS, msgspec.structs.astuple(sample), strict=True)
    return {name: value for name, value in values if value is not msgspec.UNSET}
