"""Handing a worker's parsed files back to the writer as Arrow IPC, not pickle.

A worker reads a few files a task (:func:`._parallel.read_in_order`). Pickling each
file's two Arrow tables costs more than half a millisecond a log, in the worker and
in the writer, which does nothing else meanwhile: the schema and every column are
pickled one by one. :func:`pack` writes the task's tables as two IPC streams instead
(the schema once, each file's rows one record batch), and :func:`unpack` gives the
same files back, their tables read from those streams without a copy.

A file whose tables are not in the landing shape (no reader gives one, but nothing
here relies on it) and a :class:`LogReadError` travel as they are.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from .._errors import LogReadError
from ._landing import SAMPLES_SCHEMA, SCORES_SCHEMA, ParsedFile

#: A file whose rows are in the streams: its path, kind, status, eval ids, format
#: version and notes, then how many record batches of each stream are its own.
_Fields = tuple[str, str, str | None, list[str], int | None, list[str], int, int]
#: One file of a packed task: its fields, or the file (or error) sent as it is.
_Packed = _Fields | ParsedFile | LogReadError


def _fields(parsed: ParsedFile, batches: tuple[int, int]) -> _Fields:
    p = parsed
    return (p.path, p.kind, p.status, p.eval_ids, p.format_version, p.notes, *batches)


def _stream(schema: pa.Schema, tables: list[pa.Table]) -> tuple[pa.Buffer, list[int]]:
    """``tables`` as one IPC stream, and how many record batches each one is."""
    sink = pa.BufferOutputStream()
    counts = []
    with pa.ipc.new_stream(sink, schema) as writer:
        for table in tables:
            batches = table.to_batches()
            for batch in batches:
                writer.write_batch(batch)
            counts.append(len(batches))
    return sink.getvalue(), counts


def pack(
    results: list[ParsedFile | LogReadError],
) -> tuple[list[_Packed], pa.Buffer | None, pa.Buffer | None]:
    """A task's results, their landing tables as two IPC streams (see :func:`unpack`)."""
    shipped = [
        r
        for r in results
        if isinstance(r, ParsedFile)
        and r.samples.schema.equals(SAMPLES_SCHEMA, check_metadata=True)
        and r.scores.schema.equals(SCORES_SCHEMA, check_metadata=True)
    ]
    if not shipped:
        return list(results), None, None
    samples, sample_batches = _stream(SAMPLES_SCHEMA, [r.samples for r in shipped])
    scores, score_batches = _stream(SCORES_SCHEMA, [r.scores for r in shipped])
    batches = zip(sample_batches, score_batches, strict=True)
    counts = dict(zip(map(id, shipped), batches, strict=True))
    packed: list[_Packed] = [
        _fields(r, counts[id(r)]) if isinstance(r, ParsedFile) and id(r) in counts else r
        for r in results
    ]
    return packed, samples, scores


def unpack(
    task: tuple[list[_Packed], pa.Buffer | None, pa.Buffer | None],
) -> list[ParsedFile | LogReadError]:
    """The results :func:`pack` was given, in order."""
    packed, samples, scores = task
    sample_batches = _batches(samples)
    score_batches = _batches(scores)
    results: list[ParsedFile | LogReadError] = []
    for item in packed:
        if not isinstance(item, tuple):
            results.append(item)
            continue
        path, kind, status, eval_ids, version, notes, in_samples, in_scores = item
        samples_of = _take(SAMPLES_SCHEMA, sample_batches, in_samples)
        scores_of = _take(SCORES_SCHEMA, score_batches, in_scores)
        results.append(
            ParsedFile(path, kind, status, eval_ids, version, samples_of, scores_of, notes)
        )
    return results


def _batches(buffer: pa.Buffer | None) -> list[pa.RecordBatch]:
    if buffer is None:
        return []
    batches = list(pa.ipc.open_stream(buffer))
    batches.reverse()  # taken from the end, in order
    return batches


def _take(schema: pa.Schema, batches: list[Any], count: int) -> pa.Table:
    return pa.Table.from_batches([batches.pop() for _ in range(count)], schema)
