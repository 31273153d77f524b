"""Ingest: find files, read the changed ones, write them; a summary of what happened.

What a run does with each file it finds, by the ledger ``inspect.log_files``:

* unchanged (same size, mtime and, remote, ETag): not read again;
* new or changed: read, and its samples replace in one transaction every earlier
  row of the same file and of the same evals (a rewritten log, a finished eval
  that was loaded while running, an ``eval-retry`` of it);
* bad: named with the problem, and skipped; the rest is loaded. A file that
  changed while it was being read is left for the next run instead;
* gone from disk (under a path given that still lists logs): its samples are
  kept, with a note, unless ``prune``; ``full_refresh`` reads every file again.
"""

from __future__ import annotations

import functools
import gc
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ParamSpec, TypeVar

import duckdb
import pyarrow as pa

from .._errors import LogReadError
from ._duckdb import DuckDBWarehouse
from ._export import read_samples_export
from ._files import (
    EMPTY_PATH,
    EXPORT_SUFFIXES,
    FileStamp,
    Found,
    display,
    is_url,
    local_copy,
    local_path,
    open_binary,
    stamp,
    under,
)
from ._files import discover as _discover
from ._landing import ParsedFile
from ._parallel import read_in_order
from ._read import read_eval_zip, read_json_log
from ._rows import quality_notes
from ._ship import pack, unpack
from ._warehouse import (
    ReadsExports,
    Replaced,
    Warehouse,
    WarehouseError,
    transaction,
)

P = ParamSpec("P")
R = TypeVar("R")

#: Called after each file with (files done, files found, the summary so far).
Progress = Callable[[int, int, "IngestSummary"], None]

#: Called with each note as it is made.
Note = Callable[[str], None]


@dataclass
class IngestSummary:
    """What one ingest run did; ``errors`` name each bad file and why."""

    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    files_replaced: int = 0
    files_missing: int = 0
    files_pruned: int = 0
    samples_added: int = 0
    samples_removed: int = 0
    samples_replaced: int = 0  # of samples_removed, those a file of this run replaced
    seconds: float = 0.0
    errors: list[LogReadError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Files whose evals a file of this run took over (their samples were replaced).
    taken_from: set[str] = field(default_factory=set, repr=False)

    @property
    def files_bad(self) -> int:
        return len(self.errors)

    @property
    def nothing_read(self) -> bool:
        """Something was wrong and no file given could be read or was already loaded
        (a misspelt path, an empty folder, only bad files): not "some files bad"."""
        return bool(self.errors) and not (
            self.files_read or self.files_unchanged or self.files_pruned
        )

    def line(self) -> str:
        gone = ""
        if self.files_pruned:
            gone = f", {self.files_pruned} pruned"
        elif self.files_missing:
            gone = f", {self.files_missing} gone (samples kept; --prune removes them)"
        # samples that replaced loaded ones (a rewritten log, a copy, a moved file) are
        # said apart, so that a run never seems to have added a sample twice
        replaced = f" ({self.samples_replaced} replaced)" if self.samples_replaced else ""
        return (
            f"ingest: {self.files_read} files read, {self.files_unchanged} unchanged, "
            f"{self.files_replaced} replaced, {self.files_bad} bad{gone}; "
            f"{self.samples_added} samples loaded{replaced} in {self.seconds:.2f}s"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "files_seen": self.files_seen,
            "files_read": self.files_read,
            "files_unchanged": self.files_unchanged,
            "files_replaced": self.files_replaced,
            "files_bad": self.files_bad,
            "files_missing": self.files_missing,
            "files_pruned": self.files_pruned,
            "samples_added": self.samples_added,
            "samples_removed": self.samples_removed,
            "samples_replaced": self.samples_replaced,
            "seconds": round(self.seconds, 3),
            "errors": [{"file": e.path, "reason": e.reason} for e in self.errors],
            "notes": list(self.notes),
        }


def discover(paths: Sequence[str | os.PathLike[str]]) -> tuple[list[str], list[LogReadError]]:
    """Files to ingest (logs in directories, recursively; logs and exports named
    directly), and each problem with the paths given."""
    found, errors = _discover(paths)
    return [item.path for item in found], errors


def read_any(path: str) -> ParsedFile:
    """Read one file, local or remote: an Inspect log, or a samples_df export."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix in EXPORT_SUFFIXES:
            with local_copy(path) as local:
                return read_samples_export(path, local)
        if suffix == ".eval":
            with open_binary(path) as handle:
                return read_eval_zip(path, handle)
        if suffix == ".json":
            with open_binary(path) as handle:
                return read_json_log(path, handle=handle)
    except OSError as exc:
        raise LogReadError(path, f"cannot read: {exc.strerror or exc}") from None
    raise LogReadError(path, f"unsupported file type '{suffix}' (expected .eval or .json)")


def _gone(path: str) -> bool:
    try:
        stamp(path)
    except FileNotFoundError:
        return True
    except (OSError, LogReadError):
        return False  # cannot tell (permissions, network): not gone
    return False


def _changed(item: Found) -> bool:
    try:
        return stamp(item.path) != item.stamp
    except (OSError, LogReadError):
        return True


def as_warehouse(target: object) -> Warehouse:
    """``target`` as a :class:`Warehouse`: a DuckDB connection is wrapped, a warehouse kept."""
    if isinstance(target, duckdb.DuckDBPyConnection):
        return DuckDBWarehouse(target)
    if isinstance(target, Warehouse):
        return target
    raise TypeError(
        f"expected a DuckDB connection or a Warehouse (PostgresWarehouse, SparkWarehouse), "
        f"got {type(target).__name__}"
    )


def _older_objects_frozen(run: Callable[P, R]) -> Callable[P, R]:
    """Leave the objects made before a run (the imported modules of pyarrow and DuckDB,
    a notebook's own) out of the garbage collector's passes during it: a full pass
    would walk them all, tens of milliseconds each time, to find the run's garbage;
    any of them that became garbage meanwhile is collected after the run. Nothing
    changes when the caller froze objects of its own (theirs to thaw)."""

    @functools.wraps(run)
    def frozen(*args: P.args, **kwargs: P.kwargs) -> R:
        if gc.get_freeze_count():
            return run(*args, **kwargs)
        gc.freeze()
        try:
            return run(*args, **kwargs)
        finally:
            gc.unfreeze()

    return frozen


@_older_objects_frozen
def ingest(
    paths: Sequence[str | os.PathLike[str]],
    con: duckdb.DuckDBPyConnection | Warehouse,
    *,
    full_refresh: bool = False,
    prune: bool = False,
    on_note: Callable[[str], None] | None = None,
    on_progress: Progress | None = None,
    workers: int | None = None,
) -> IngestSummary:
    """Load logs into the landing tables of ``con``; unchanged files are not read again.

    Files are read by ``workers`` processes (default: one per core) when there are
    many; they are written one at a time, in order.

    ``con`` is a DuckDB connection or a :class:`Warehouse` (DuckDB, PostgreSQL,
    Spark). A file the warehouse fails to write is named in ``errors`` and the run
    goes on; a failure of the warehouse itself (a full disk, a lost connection)
    raises :class:`WarehouseError`. The warehouse is flushed at the end.

    Each file is written in one transaction (consecutive new files share one), so an
    interrupted run (even ``kill -9``) leaves every file either loaded whole or as it
    was before.
    """
    started = time.perf_counter()
    summary = IngestSummary()

    def note(text: str) -> None:
        summary.notes.append(text)
        if on_note is not None:
            on_note(text)

    warehouse = as_warehouse(con)
    warehouse.ensure_landing()
    found, summary.errors = _discover(paths)
    summary.files_seen = len(found)
    known = warehouse.loaded_stamps()
    present = {item.path for item in found}
    roots = {item.root for item in found}
    missing = sorted(
        path
        for path in known
        if path not in present and any(under(path, root) for root in roots) and _gone(path)
    )
    summary.files_missing = len(missing)
    reread: set[str] = set()
    if missing and prune:
        held = warehouse.loaded_eval_ids()
        pruned_evals: set[str] = set()
        for path in missing:
            if _forget_one(warehouse, path, summary):
                pruned_evals |= held.get(path, set())
        # a file holding the same evals as a pruned one (a copy) is read again, so
        # its samples come back
        reread = {path for path in present if held.get(path, set()) & pruned_evals}
    if on_progress is not None:
        on_progress(0, len(found), summary)
    # DuckDB loads an export itself; the rest is read in worker processes, in order
    exporter = warehouse if isinstance(warehouse, ReadsExports) else None
    todo = {
        item.path
        for item in found
        if full_refresh or item.path in reread or known.get(item.path) != item.stamp
    }
    to_read = [
        item.path
        for item in found
        if item.path in todo and not (exporter is not None and _is_export(item.path))
    ]
    results = read_in_order(to_read, _read_one, workers, (pack, unpack), _convert_once)
    batch = _NewFiles(warehouse, known, summary, note, lambda done: None)
    if on_progress is not None:
        batch.progress = lambda done: on_progress(done, len(found), summary)
    for done, item in enumerate(found, start=1):
        if item.path not in todo:
            summary.files_unchanged += 1
        elif exporter is not None and _is_export(item.path):
            batch.flush()
            _load_export(exporter, item, known, summary, note)
            batch.reload()  # the export's evals: a log of them later in the run replaces them
        else:
            parsed = next(results)
            if not batch.add(item, parsed):
                batch.flush()
                _write_one(warehouse, item, parsed, known, summary, note)
                batch.held(parsed)
        batch.done(done)
    batch.flush()
    if missing and not prune:
        _gone_files(warehouse, missing, summary, note)
    warehouse.flush()
    summary.seconds = time.perf_counter() - started
    return summary


def _gone_files(
    warehouse: Warehouse, missing: list[str], summary: IngestSummary, note: Note
) -> None:
    """Note the loaded files gone from disk: a file whose every eval another file now
    holds was moved (or copied), its samples already replaced, and leaves the ledger;
    the others' samples are kept until ``--prune``."""
    held = warehouse.loaded_eval_ids()
    elsewhere = set().union(*(ids for path, ids in held.items() if path not in missing))
    moved = [p for p in missing if p in summary.taken_from and held.get(p, set()) <= elsewhere]
    for path in moved:
        with transaction(warehouse):  # its samples were replaced: only the ledger entry goes
            warehouse.forget(path)
        note(f"{display(path)}: gone from disk; its evals are loaded from another file now")
    kept = [p for p in missing if p not in moved]
    summary.files_missing = len(kept)
    if kept:
        shown = ", ".join(display(p) for p in kept[:3]) + (", ..." if len(kept) > 3 else "")
        note(
            f"{len(kept)} loaded file(s) are gone from disk ({shown}): their samples "
            "are kept; --prune removes them"
        )


class _NewFiles:
    """Consecutive files new to the warehouse, written in one transaction.

    A file is new when the ledger has neither its path nor any of its evals: then no
    loaded row can be its own or its evals' (every row comes with its ledger entry),
    so nothing is deleted and the warehouse is not scanned, however large. A commit
    per file costs more than reading a small log; a batch keeps each file whole or
    absent, as one transaction per file does. Progress is reported once written.

    A transaction has a fixed cost (DuckDB's commit alone is ~20 ms) that a batch of
    small logs does not cover: the first batch holds :attr:`FIRST_FILES` files or
    :attr:`FIRST_SAMPLES` samples, so progress is said soon (and large logs are
    written while the next ones are read, not all at the end), and each next one
    twice as many, up to :attr:`MAX_FILES` files or :attr:`MAX_SAMPLES` samples.
    """

    FIRST_FILES = 16
    FIRST_SAMPLES = 2_000
    MAX_FILES = 512
    MAX_SAMPLES = 200_000

    def __init__(
        self,
        warehouse: Warehouse,
        known: dict[str, FileStamp],
        summary: IngestSummary,
        note: Note,
        progress: Callable[[int], None],
    ) -> None:
        self.warehouse, self.known, self.summary, self.note = warehouse, known, summary, note
        self.progress = progress
        self.loaded_ids: set[str] = set()
        # the ledger's evals are read when the first file is offered, not before: a run
        # in which nothing changed does not scan the ledger a second time
        self.ledger_read = False
        self.files: list[tuple[Found, ParsedFile]] = []
        self.ids: set[str] = set()
        self.samples = 0
        self.waiting: list[int] = []
        self.limit = self.FIRST_FILES
        self.sample_limit = self.FIRST_SAMPLES

    def reload(self) -> None:
        """Read the evals the ledger holds again (after a file was written directly),
        when a file is next offered."""
        self.ledger_read = False

    def _loaded(self) -> set[str]:
        if not self.ledger_read:
            for ids in self.warehouse.loaded_eval_ids().values():
                self.loaded_ids |= ids
            self.ledger_read = True
        return self.loaded_ids

    def add(self, item: Found, parsed: ParsedFile | LogReadError) -> bool:
        """Take ``parsed`` into the batch if it is new; False: write it on its own."""
        if isinstance(parsed, LogReadError) or item.path in self.known:
            return False
        ids = set(parsed.eval_ids)
        if ids & self._loaded() or ids & self.ids:
            return False
        self.files.append((item, parsed))
        self.ids |= ids
        self.samples += parsed.samples.num_rows
        return True

    def held(self, parsed: ParsedFile | LogReadError) -> None:
        if not isinstance(parsed, LogReadError):
            self.loaded_ids |= set(parsed.eval_ids)

    def done(self, done: int) -> None:
        """File number ``done`` is dealt with: reported now, or once its batch is written."""
        self.waiting.append(done)
        if not self.files or self._full():
            self.flush()

    def _full(self) -> bool:
        return len(self.files) >= self.limit or self.samples >= self.sample_limit

    def flush(self) -> None:
        if self._full():
            self.limit = min(2 * self.limit, self.MAX_FILES)
            self.sample_limit = min(2 * self.sample_limit, self.MAX_SAMPLES)
        files, self.files = self.files, []
        self.loaded_ids |= self.ids
        self.ids, self.samples = set(), 0
        if files:
            try:
                with transaction(self.warehouse):
                    for item, parsed in files:
                        self.warehouse.replace(parsed, item.stamp, new=True)
            except WarehouseError as exc:  # one of them cannot be written: find which, one by one
                if exc.fatal:
                    raise
                for item, parsed in files:
                    _write_one(self.warehouse, item, parsed, self.known, self.summary, self.note)
            else:
                for item, parsed in files:
                    written = Replaced(parsed.samples.num_rows)
                    _loaded(item, self.known, written, parsed.notes, self.summary, self.note)
        for done in self.waiting:
            self.progress(done)
        self.waiting.clear()


def forget(
    paths: Sequence[str | os.PathLike[str]], con: duckdb.DuckDBPyConnection | Warehouse
) -> IngestSummary:
    """Remove the samples of every loaded file that is one of ``paths`` or under one of
    them (a folder), whether or not it still exists; each path that names no loaded
    file is an error. ``files_pruned`` and ``samples_removed`` say what was removed."""
    started = time.perf_counter()
    summary = IngestSummary()
    warehouse = as_warehouse(con)
    warehouse.ensure_landing()
    known = warehouse.loaded_stamps()
    for raw in (os.fspath(path) for path in paths):
        if not raw:
            summary.errors.append(LogReadError("''", EMPTY_PATH))
            continue
        root = raw.rstrip("/") if is_url(raw) else local_path(raw)
        matches = sorted(path for path in known if under(path, root))
        if not matches:
            summary.errors.append(
                LogReadError(display(raw), "no loaded file is this file or in this folder")
            )
        for path in matches:
            _forget_one(warehouse, path, summary)
            del known[path]
    warehouse.flush()
    summary.seconds = time.perf_counter() - started
    return summary


def _forget_one(warehouse: Warehouse, path: str, summary: IngestSummary) -> bool:
    """Remove one loaded file's samples; False (the error named) if the warehouse failed."""
    try:
        with transaction(warehouse):
            summary.samples_removed += warehouse.forget(path)
    except WarehouseError as exc:
        if exc.fatal:
            raise
        summary.errors.append(LogReadError(display(path), f"could not be removed: {exc}"))
        return False
    summary.files_pruned += 1
    return True


def _is_export(path: str) -> bool:
    return Path(path).suffix.lower() in EXPORT_SUFFIXES


def _convert_once() -> None:
    """A first conversion to Arrow: pyarrow then imports pandas (when installed; about
    0.3 s of CPU), which the writer needs anyway. Done before the workers are forked,
    they share it instead of each importing it again."""
    pa.array([0], pa.int64())


def _read_one(path: str) -> ParsedFile | LogReadError:
    """Read one file (in a worker process when there are many): the parsed file with
    its quality notes, or the error naming what is wrong with it."""
    try:
        parsed = read_any(path)
    except LogReadError as exc:
        return exc
    except Exception as exc:  # a reader's bug must not stop a scheduled run
        return LogReadError(path, f"unexpected error while reading: {type(exc).__name__}: {exc}")
    parsed.notes.extend(quality_notes(parsed))
    return parsed


def _unreadable(item: Found, exc: LogReadError, summary: IngestSummary, note: Note) -> None:
    if _changed(item):  # being written (a running eval): the next run reads it
        note(f"{item.path}: changed while being read ({exc.reason}); it is read again next run")
    else:
        summary.errors.append(exc)


def _write_one(
    warehouse: Warehouse,
    item: Found,
    parsed: ParsedFile | LogReadError,
    known: dict[str, FileStamp],
    summary: IngestSummary,
    note: Note,
) -> None:
    if isinstance(parsed, LogReadError):
        _unreadable(item, parsed, summary, note)
        return
    try:
        with transaction(warehouse):
            # stamped as it was before reading: if it changed meanwhile, the next run reads it
            replaced = warehouse.replace(parsed, item.stamp)
    except WarehouseError as exc:
        _not_written(item, exc, summary)
        return
    _loaded(item, known, replaced, parsed.notes, summary, note)


def _not_written(item: Found, exc: WarehouseError, summary: IngestSummary) -> None:
    if exc.fatal:
        raise exc  # the warehouse itself is in trouble: stop
    summary.errors.append(LogReadError(item.path, f"could not be written: {exc}"))


def _load_export(
    warehouse: ReadsExports,
    item: Found,
    known: dict[str, FileStamp],
    summary: IngestSummary,
    note: Note,
) -> None:
    """A samples_df export read by the warehouse itself, straight into the landing tables."""
    try:
        with local_copy(item.path) as local, transaction(warehouse):
            replaced = warehouse.replace_export(item.path, item.stamp, local)
    except OSError as exc:
        _unreadable(
            item, LogReadError(item.path, f"cannot read: {exc.strerror or exc}"), summary, note
        )
        return
    except LogReadError as exc:
        _unreadable(item, exc, summary, note)
        return
    except WarehouseError as exc:
        _not_written(item, exc, summary)
        return
    _loaded(item, known, replaced, replaced.notes, summary, note)


def _loaded(
    item: Found,
    known: dict[str, FileStamp],
    replaced: Replaced,
    notes: list[str],
    summary: IngestSummary,
    note: Note,
) -> None:
    path = item.path
    summary.files_read += 1
    summary.files_replaced += path in known
    summary.samples_added += replaced.added
    summary.samples_removed += replaced.removed
    summary.samples_replaced += replaced.removed
    for text in notes:
        note(f"{path}: {text}")
    summary.taken_from.update(replaced.taken)
    for other in replaced.taken:
        note(f"{path}: holds evals already loaded from {other}; its samples replace them")
