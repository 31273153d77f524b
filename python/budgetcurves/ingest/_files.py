"""Finding log files, local or remote, and what identifies one version of each.

A path with a protocol (``s3://bucket/prefix``, ``gs://...``, ``memory://...``) is
read through fsspec, which is an optional dependency (``budgetcurves[remote]``);
anything else is a local path. Discovery returns each file with its
:class:`FileStamp` (size, modification time and, for object stores, the ETag),
which the ledger compares to decide what to read again.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from .._errors import LogReadError

LOG_SUFFIXES = (".eval", ".json")
EXPORT_SUFFIXES = (".parquet", ".csv")

#: JSON files Inspect writes into log directories that are not logs: the log
#: listing (``write_log_dir_manifest``) and the eval set's manifest. Skipped
#: silently in directories (named directly they are read, and rejected).
INSPECT_NON_LOGS = frozenset({"logs.json", "eval-set.json"})

_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


@dataclass(frozen=True)
class FileStamp:
    """What identifies one version of a file: size and mtime, and an object store's ETag."""

    size: int
    mtime_ns: int
    etag: str | None = None


@dataclass(frozen=True)
class Found:
    """A file to consider, under ``root`` (the path it was found from)."""

    path: str
    stamp: FileStamp
    root: str


def is_url(path: str) -> bool:
    return bool(_URL.match(path)) and not path.startswith("file://")


def display(path: str) -> str:
    """A path fit to print: bytes that are not UTF-8 shown as escapes."""
    return os.fsencode(path).decode("utf-8", "backslashreplace") if not is_url(path) else path


def _filesystem(url: str) -> tuple[Any, str]:
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - depends on the install
        raise LogReadError(
            url, "reading remote logs needs fsspec (pip install 'budgetcurves[remote]')"
        ) from None
    try:
        fs, stripped = url_to_fs(url)
    except (ImportError, ValueError) as exc:
        # e.g. s3:// without s3fs installed: fsspec says which package to install
        raise LogReadError(url, f"cannot open this location: {exc}") from None
    fs.invalidate_cache()  # listings are cached per process: a scheduled loop must see changes
    return fs, stripped


def _mtime_ns(info: dict[str, Any]) -> int:
    for key in ("LastModified", "mtime", "last_modified", "updated", "created"):
        value = info.get(key)
        if isinstance(value, datetime):
            return int(value.timestamp() * 1_000_000_000)
        if isinstance(value, (int, float)):
            return int(value * 1_000_000_000)
        if isinstance(value, str):
            try:
                return int(datetime.fromisoformat(value).timestamp() * 1_000_000_000)
            except ValueError:
                continue
    return 0


def _remote_stamp(info: dict[str, Any]) -> FileStamp:
    etag = info.get("ETag") or info.get("etag") or info.get("md5Hash")
    return FileStamp(int(info.get("size") or 0), _mtime_ns(info), str(etag) if etag else None)


def _local_stamp(path: str) -> FileStamp:
    stat = os.stat(path)
    return FileStamp(stat.st_size, stat.st_mtime_ns)


def stamp(path: str) -> FileStamp:
    """The file's current stamp (raises ``OSError``/``LogReadError`` when it is gone)."""
    if not is_url(path):
        return _local_stamp(path)
    fs, stripped = _filesystem(path)
    try:
        return _remote_stamp(fs.info(stripped))
    except FileNotFoundError:
        raise
    except Exception as exc:  # the remote filesystem's own errors vary
        raise OSError(str(exc)) from None


def _wanted(name: str, in_directory: bool) -> bool:
    lower = name.lower()
    if in_directory:
        return lower.endswith(LOG_SUFFIXES) and lower not in INSPECT_NON_LOGS
    return lower.endswith(LOG_SUFFIXES + EXPORT_SUFFIXES)


def _unsupported(path: str) -> LogReadError:
    suffix = Path(path).suffix or "(none)"
    return LogReadError(
        display(path),
        f"unsupported file type '{suffix}' (expected .eval, .json, .parquet or .csv)",
    )


def _bad_name(path: str) -> LogReadError | None:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return LogReadError(
            display(path), "the file name is not valid UTF-8: rename the file to load it"
        )
    return None


#: What an empty path is said to be: it names nothing (``Path("")`` is the working
#: folder, which the user did not name).
EMPTY_PATH = "an empty path names no file or folder (give '.' for the working folder)"


def local_path(raw: str) -> str:
    """The one name a local path is loaded and forgotten under: absolute, its folders
    resolved, but a file that is a symbolic link named as the link (as a folder's
    listing names it), not as its target: ``forget link.json`` forgets what
    ``ingest link.json`` or ``ingest folder/`` loaded from the link, never the target's
    samples loaded under the target's own name."""
    path = Path(os.path.abspath(raw))
    if path.is_dir() or not path.name:
        return str(path.resolve())
    return str(path.parent.resolve() / path.name)


def _discover_local(raw: str) -> tuple[list[Found], list[LogReadError]]:
    if not raw:
        return [], [LogReadError("''", EMPTY_PATH)]
    path = Path(raw)
    if path.is_dir():
        root = str(path.resolve())
        found, errors = [], []
        for child in sorted(path.resolve().rglob("*")):
            if not _wanted(child.name, True) or not child.is_file():
                continue
            name = str(child)
            if (error := _bad_name(name)) is not None:
                errors.append(error)
                continue
            try:
                found.append(Found(name, _local_stamp(name), root))
            except OSError:  # deleted between the listing and the stat
                continue
        if not found and not errors:
            errors.append(LogReadError(display(raw), "directory holds no .eval or .json logs"))
        return found, errors
    if path.is_file():
        name = local_path(raw)
        if not _wanted(name, False):
            return [], [_unsupported(raw)]
        if (error := _bad_name(name)) is not None:
            return [], [error]
        return [Found(name, _local_stamp(name), name)], []
    return [], [LogReadError(display(raw), "no such file or directory")]


def _discover_remote(url: str) -> tuple[list[Found], list[LogReadError]]:
    fs, stripped = _filesystem(url)
    try:
        if fs.isdir(stripped):
            listing = fs.find(stripped, detail=True)
            root = url.rstrip("/")
            found = [
                Found(fs.unstrip_protocol(name), _remote_stamp(info), root)
                for name, info in sorted(listing.items())
                if info.get("type", "file") == "file" and _wanted(name.rsplit("/", 1)[-1], True)
            ]
            if not found:
                return [], [LogReadError(url, "directory holds no .eval or .json logs")]
            return found, []
        if fs.isfile(stripped):
            if not _wanted(stripped, False):
                return [], [_unsupported(url)]
            return [Found(url, _remote_stamp(fs.info(stripped)), url)], []
    except Exception as exc:  # network and permission errors of each filesystem vary
        return [], [LogReadError(url, f"cannot list: {type(exc).__name__}: {exc}")]
    return [], [LogReadError(url, "no such file or directory")]


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[Found], list[LogReadError]]:
    """Files to ingest: logs in directories (recursive), or logs and exports named directly.

    In a directory only ``.eval`` and ``.json`` files are considered (not Inspect's
    own ``logs.json``/``eval-set.json``). Each problem (a path that does not exist,
    an empty directory, an unsupported file) is returned as an error naming it.
    """
    found: dict[str, Found] = {}
    errors: list[LogReadError] = []
    for raw in paths:
        text = os.fspath(raw)
        more, problems = _discover_remote(text) if is_url(text) else _discover_local(text)
        errors.extend(problems)
        for item in more:  # one entry per file, in a stable order
            found.setdefault(item.path, item)
    return list(found.values()), errors


def under(path: str, root: str) -> bool:
    """Is ``path`` the file ``root`` or inside the directory ``root``?"""
    if path == root:
        return True
    sep = "/" if is_url(root) else os.sep
    return path.startswith(root.rstrip(sep) + sep)


@contextmanager
def open_binary(path: str) -> Iterator[IO[bytes]]:
    """A seekable binary file object (a remote file reads only the ranges asked for)."""
    if not is_url(path):
        with open(path, "rb") as handle:
            yield handle
        return
    fs, stripped = _filesystem(path)
    with fs.open(stripped, "rb") as handle:
        yield handle


#: Characters DuckDB's file readers take as a glob pattern in a path.
_GLOB = re.compile(r"[*?\[\]{}]")


@contextmanager
def local_copy(path: str) -> Iterator[str]:
    """A local path that names only this file, for readers that need one (exports read
    by DuckDB): a remote file is copied; a local one whose name DuckDB would read as a
    glob pattern (``x*.csv``) is linked from a plain name, since a path is a path."""
    if not is_url(path) and not _GLOB.search(path):
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="budgetcurves-") as folder:
        target = os.path.join(folder, "export" + Path(path).suffix.lower())
        if not is_url(path):
            os.symlink(os.path.abspath(path), target)
        else:
            with open_binary(path) as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
        yield target
