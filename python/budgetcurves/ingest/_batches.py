"""A streamed ``.json`` log's landing tables, built a batch of samples at a time.

:class:`Batches` takes the samples :func:`._stream._stream_indented` keeps and turns
each batch of them into rows on columns (:func:`._columns.regular_tables`) as soon as
it is full, so memory holds the rows built and one batch of samples, not every
sample's fields. The rows are those :func:`._columns.build` gives for all the samples
at once: the first scorer is the same (the eval spec's, else the first sample with
scores, which no earlier batch had), and an id and epoch given twice, across batches
or in one, is found. What the columns leave to the row build (anything irregular)
raises :class:`Abandoned`: the log is then read again and built whole, which names it.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ._columns import regular_tables
from ._landing import ParsedFile
from ._rows import _build_notes, _first_scorer, _log_info, parsed_log
from ._stream import _HEADER_FIELDS, Kept

#: Samples built into rows at once (their kept fields are a few KB each).
BATCH_SAMPLES = 2048


class Abandoned(Exception):  # noqa: N818 - not an error: the log is read the other way
    """A batch the columns leave to the row build: build the log whole instead."""


class Batches(Kept):
    """Rows a batch at a time where the header before the samples holds what every row
    needs (its ``eval`` and ``status``, as Inspect writes them); else the samples are
    kept, as :class:`._stream.Kept` keeps them, for a build of the whole log."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.log: dict[str, Any] | None = None
        self.results: Any = None
        self.first: str | None = None
        self.pending: list[dict[str, Any]] = []
        self.built: list[tuple[pa.Table, pa.Table]] = []
        self.parsed: ParsedFile | None = None

    def start(self, header: dict[str, Any]) -> None:
        if not header.keys() >= _HEADER_FIELDS:
            return  # the fields after the samples count too: build the whole log
        try:
            log, results = _log_info(self.path, header, None), header.get("results")
            self.first = _first_scorer(log["spec"], results, [])
        except Exception:  # noqa: BLE001 - the whole log's build says what is wrong
            return
        self.log, self.results = log, results

    def add(self, samples: list[dict[str, Any]]) -> None:
        if self.log is None:
            super().add(samples)
            return
        self.pending += samples
        if len(self.pending) >= BATCH_SAMPLES:
            self._flush()

    def _flush(self) -> None:
        assert self.log is not None
        if self.first is None:  # no sample before this batch had a score
            self.first = _first_scorer(self.log["spec"], self.results, self.pending)
        tables = regular_tables(self.log, self.pending, self.first)
        if tables is None:
            raise Abandoned
        self.built.append(tables)
        self.pending = []

    def half(self) -> Batches | None:
        if self.log is None or self.first is None:
            return None  # no batch of the second half could know the first scorer
        other = Batches(self.path)
        other.log, other.results, other.first = self.log, self.results, self.first
        return other

    def payload(self) -> bytes:
        sink = pa.BufferOutputStream()
        for table in self._tables():
            with pa.ipc.new_stream(sink, table.schema) as stream:
                stream.write_table(table)
        return bytes(sink.getvalue())

    def merge(self, payload: bytes) -> None:
        if self.pending:
            self._flush()  # these samples come first
        reader = pa.BufferReader(payload)
        samples, scores = (pa.ipc.open_stream(reader).read_all() for _ in range(2))
        self.built.append((samples, scores))

    def _tables(self) -> tuple[pa.Table, pa.Table]:
        """The rows of every sample added: (samples, scores)."""
        if self.pending or not self.built:
            self._flush()
        samples = pa.concat_tables([samples for samples, _ in self.built]).combine_chunks()
        scores = pa.concat_tables([scores for _, scores in self.built]).combine_chunks()
        return samples, scores

    def end(self) -> None:
        if self.log is None:
            return
        samples, scores = self._tables()
        ids = zip(samples["sample_id"].to_pylist(), samples["epoch"].to_pylist(), strict=True)
        if len(set(ids)) != samples.num_rows:
            raise Abandoned  # an id and epoch in two batches: the row build keeps the first
        notes = _build_notes(self.path, self.log)
        self.parsed = parsed_log(self.path, "json", self.log, (samples, scores), notes)
