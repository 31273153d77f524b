"""Parsing: one Inspect log (or samples_df export) -> Arrow tables in the landing shape.

Nothing here touches a database. Each reader returns a :class:`ParsedFile` holding
the rows of the landing tables ``samples`` and ``sample_scores`` for one file, or
raises :class:`LogReadError` naming the file and what was wrong with it. The members
of a zip are read by :mod:`._zip`, JSON by :mod:`._stream`, and the rows and their
notes built by :mod:`._rows`.

Decisions on imperfect input (each is also a note naming the file):

* a log of a format version not listed in :data:`KNOWN_FORMAT_VERSIONS` is read as
  the newest known one; when that fails, the error names the version;
* bytes that are not UTF-8 (or unpaired surrogate escapes) in a JSON document are
  replaced by U+FFFD, and the log is loaded;
* negative usage or times are loaded as they are (the landing tables keep what the
  log said) and read as missing by staging, so such a sample leaves that limit's
  curve only; missing usage is null, with the same effect;
* dict-valued scores are loaded one row per key (the dbt var ``score_key`` picks
  one); list-valued scores as one row of type ``list``; neither enters a curve
  without a key.
"""

from __future__ import annotations

import gc
import re
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from .._errors import LogReadError
from ._batches import Abandoned, Batches
from ._columns import build
from ._landing import ParsedFile
from ._rows import _int_or_none, _log_info, _needs_full_sample
from ._stream import _STREAM_ERRORS, _loads, _stream_json
from ._zip import Members, _read_member

#: Log format versions this code has seen (``version`` in the header): 1 and 2 are
#: written by inspect_ai up to 0.3.x, 3 by later releases. Others are read as 3.
KNOWN_FORMAT_VERSIONS = (1, 2, 3)

_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, OSError, NotImplementedError)
_CONTENT_ERRORS = (ValueError, TypeError, AttributeError, OverflowError, RecursionError)


def _version_problem(header: dict[str, Any]) -> str | None:
    """Why the header's format version is unfamiliar, or None (no version: an old log)."""
    raw = header.get("version")
    if raw is None or _int_or_none(raw) in KNOWN_FORMAT_VERSIONS:
        return None
    known = ", ".join(map(str, KNOWN_FORMAT_VERSIONS))
    return f"log format version {raw!r} is not one this code has seen ({known})"


def _read_error(path: str, exc: Exception, problem: str | None) -> LogReadError:
    """The error to report for ``exc``, naming an unfamiliar format version if any."""
    if isinstance(exc, LogReadError):
        error = exc
    elif isinstance(exc, _ZIP_ERRORS):
        error = LogReadError(path, f"corrupt .eval (zip) file: {exc}")
    else:
        error = LogReadError(path, f"unexpected content: {exc}")
    return error if problem is None else LogReadError(path, f"{error.reason} ({problem})")


def _read_as_latest(parsed: ParsedFile, problem: str | None) -> ParsedFile:
    if problem:
        parsed.notes.append(f"{problem}: read as version {KNOWN_FORMAT_VERSIONS[-1]}")
    return parsed


def read_eval_zip(path: str, fileobj: Any | None = None) -> ParsedFile:
    """Read an ``.eval`` log: header and sample summaries straight from the zip.

    A log still running (status ``started``) has no ``header.json``: its header is
    ``_journal/start.json`` and its samples so far ``_journal/summaries/*.json``.

    The members are found by one pass over the zip's central directory
    (:class:`._zip.Members`); a zip out of the ordinary, or a log that cannot be read
    that way, is read again with Python's zipfile, which names what is wrong.
    """
    if fileobj is not None and (members := Members.of(fileobj)) is not None:
        try:
            return _read_members(path, members.names, members.read)
        except Exception:  # noqa: BLE001 - zipfile's read below says what is wrong
            fileobj.seek(0)
    try:
        archive = zipfile.ZipFile(fileobj if fileobj is not None else path)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise LogReadError(path, f"not a readable .eval (zip) file: {exc}") from None
    with archive:
        return _read_members(
            path, set(archive.namelist()), lambda name: _read_member(archive, name)
        )


def _read_members(path: str, names: Collection[str], read: Callable[[str], bytes]) -> ParsedFile:
    """:func:`read_eval_zip` given the zip's member ``names`` and a ``read`` of one."""
    notes: list[str] = []
    problem: str | None = None
    try:

        def member(name: str) -> Any:
            return _loads(read(name), path, name, notes)

        if "header.json" in names:
            header = member("header.json")
            status = None
        elif "_journal/start.json" in names:
            header = member("_journal/start.json")
            status = "started"
        else:
            raise LogReadError(
                path, "not an Inspect log (zip has no header.json or _journal/start.json)"
            )
        if not isinstance(header, dict):
            raise LogReadError(path, "not an Inspect log (header is not a JSON object)")
        problem = _version_problem(header)
        log = _log_info(path, header, status)
        if "summaries.json" in names:
            summaries = member("summaries.json")
        else:
            journal = sorted(
                (n for n in names if n.startswith("_journal/summaries/")),
                key=lambda n: int(re.sub(r"\D", "", n.rsplit("/", 1)[-1]) or 0),
            )
            summaries = []
            for name in journal:
                part = member(name)
                if not isinstance(part, list):
                    raise LogReadError(path, f"zip member {name} is not a JSON list")
                summaries.extend(part)
            if not journal:
                summaries = [
                    member(n)
                    for n in sorted(names)
                    if n.startswith("samples/") and n.endswith(".json")
                ]
        if not isinstance(summaries, list):
            raise LogReadError(path, "sample summaries are not a JSON list")
        filled = []
        for summary in summaries:
            if isinstance(summary, dict) and _needs_full_sample(summary):
                name = f"samples/{summary.get('id')}_epoch_{summary.get('epoch')}.json"
                if name in names:
                    full = member(name)
                    if isinstance(full, dict):
                        summary = {
                            **full,
                            "scores": summary.get("scores") or full.get("scores"),
                        }
            filled.append(summary)
        parsed = build(path, "eval", log, header.get("results"), filled, notes)
    except (LogReadError, *_ZIP_ERRORS, *_CONTENT_ERRORS) as exc:
        raise _read_error(path, exc, problem) from None
    return _read_as_latest(parsed, problem)


#: A ``.json`` log larger than this is streamed (ijson): its samples are parsed one at
#: a time and only the fields a landing row needs are kept, so memory does not grow
#: with the messages and events the log holds. Smaller ones are parsed whole by
#: orjson, ten times as fast as ijson's C backend (and lenient on bad UTF-8).
STREAM_JSON_BYTES = 32 * 2**20


def read_json_log(
    path: str, data: bytes | None = None, handle: IO[bytes] | None = None
) -> ParsedFile:
    """Read a ``.json`` log (the whole EvalLog as one JSON document): from ``data``, or
    from ``handle`` (streamed when larger than :data:`STREAM_JSON_BYTES`)."""
    if handle is not None and data is None:
        size = handle.seek(0, 2)
        handle.seek(0)
        if size > STREAM_JSON_BYTES:
            try:
                return _read_json_stream(path, handle)
            except _STREAM_ERRORS:  # bad bytes, NaN...: read it whole, leniently
                handle.seek(0)
        data = handle.read()
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise LogReadError(path, f"cannot read: {exc.strerror or exc}") from None
    notes: list[str] = []
    doc = _loads(data, path, notes=notes)
    if not isinstance(doc, dict):
        raise LogReadError(path, "not an Inspect log (top level is not a JSON object)")
    problem = _version_problem(doc)
    try:
        log = _log_info(path, doc, None)
        samples = doc.get("samples") or []
        if not isinstance(samples, list):
            raise LogReadError(path, "'samples' is not a JSON list")
        parsed = build(path, "json", log, doc.get("results"), samples, notes)
    except (LogReadError, *_CONTENT_ERRORS) as exc:
        raise _read_error(path, exc, problem) from None
    return _read_as_latest(parsed, problem)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Python's cycle collector paused: a streamed log makes a few small objects per
    sample and no cycles, and a collection every few hundred of them (each walking
    every object alive) costs a sixth of the read."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _read_json_stream(path: str, handle: IO[bytes]) -> ParsedFile:
    """A streamed log's rows: built a batch of samples at a time (:mod:`._batches`)
    where the log is regular, else from all of its samples at once."""
    start = handle.tell()
    batches = Batches(path)
    with _no_gc():
        try:
            doc, samples = _stream_json(handle, batches)
        except Abandoned:
            handle.seek(start)
            doc, samples = _stream_json(handle)
    if not doc:
        raise LogReadError(path, "not an Inspect log (top level is not a JSON object)")
    problem = _version_problem(doc)
    if batches.parsed is not None:
        return _read_as_latest(batches.parsed, problem)
    try:
        log = _log_info(path, doc, None)
        return _read_as_latest(build(path, "json", log, doc.get("results"), samples, []), problem)
    except (LogReadError, *_CONTENT_ERRORS) as exc:
        raise _read_error(path, exc, problem) from None
