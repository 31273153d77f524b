"""Ingest: find files, read the changed ones, write them; a summary of what happened."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ._export import read_samples_export
from ._read import EXPORT_SUFFIXES, LOG_SUFFIXES, LogReadError, ParsedFile, read_log
from ._write import FileStamp, ensure_landing, loaded_stamps, write_file


@dataclass
class IngestSummary:
    """What one ingest run did; ``errors`` name each bad file and why."""

    files_seen: int = 0
    files_read: int = 0
    files_unchanged: int = 0
    files_replaced: int = 0
    samples_added: int = 0
    seconds: float = 0.0
    errors: list[LogReadError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def files_bad(self) -> int:
        return len(self.errors)

    def line(self) -> str:
        return (
            f"ingest: {self.files_read} files read, {self.files_unchanged} unchanged, "
            f"{self.files_replaced} replaced, {self.files_bad} bad; "
            f"{self.samples_added} samples loaded in {self.seconds:.2f}s"
        )

    def as_dict(self) -> dict[str, object]:
        return {
            "files_seen": self.files_seen,
            "files_read": self.files_read,
            "files_unchanged": self.files_unchanged,
            "files_replaced": self.files_replaced,
            "files_bad": self.files_bad,
            "samples_added": self.samples_added,
            "seconds": round(self.seconds, 3),
            "errors": [{"file": e.path, "reason": e.reason} for e in self.errors],
        }


def discover(paths: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[LogReadError]]:
    """Files to ingest: logs in directories (recursive), or logs and exports named directly."""
    found: list[str] = []
    errors: list[LogReadError] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            logs = sorted(
                str(p.resolve())
                for p in path.rglob("*")
                if p.suffix.lower() in LOG_SUFFIXES and p.is_file()
            )
            if not logs:
                errors.append(LogReadError(str(path), "directory holds no .eval or .json logs"))
            found.extend(logs)
        elif path.is_file():
            if path.suffix.lower() in LOG_SUFFIXES + EXPORT_SUFFIXES:
                found.append(str(path.resolve()))
            else:
                errors.append(
                    LogReadError(
                        str(path),
                        f"unsupported file type '{path.suffix}' (expected .eval, .json, "
                        ".parquet or .csv)",
                    )
                )
        else:
            errors.append(LogReadError(str(path), "no such file or directory"))
    # one entry per file, in a stable order
    return list(dict.fromkeys(found)), errors


def read_any(path: str) -> ParsedFile:
    """Read one file: an Inspect log, or a samples_df export."""
    if Path(path).suffix.lower() in EXPORT_SUFFIXES:
        return read_samples_export(path)
    return read_log(path)


def _stamp(path: str) -> FileStamp:
    stat = os.stat(path)
    return FileStamp(stat.st_size, stat.st_mtime_ns)


def ingest(
    paths: Sequence[str | os.PathLike[str]],
    con: duckdb.DuckDBPyConnection,
    *,
    full_refresh: bool = False,
    on_note: Callable[[str], None] | None = None,
) -> IngestSummary:
    """Load logs into the landing tables of ``con``; unchanged files are not read again."""
    started = time.perf_counter()
    summary = IngestSummary()
    ensure_landing(con)
    files, summary.errors = discover(paths)
    summary.files_seen = len(files)
    known = loaded_stamps(con)
    note = on_note or summary.notes.append
    for path in files:
        try:
            stamp = _stamp(path)
        except OSError as exc:
            summary.errors.append(LogReadError(path, f"cannot stat: {exc.strerror or exc}"))
            continue
        if not full_refresh and known.get(path) == stamp:
            summary.files_unchanged += 1
            continue
        try:
            parsed = read_any(path)
        except LogReadError as exc:
            summary.errors.append(exc)
            continue
        taken = write_file(con, parsed, stamp)
        summary.files_read += 1
        summary.files_replaced += path in known
        summary.samples_added += parsed.samples.num_rows
        for text in parsed.notes:
            note(f"{path}: {text}")
        for other in taken:
            note(f"{path}: holds evals already loaded from {other}; its samples replace them")
    summary.seconds = time.perf_counter() - started
    return summary
