"""The fast .json reader (msgspec over an indented log, a few MB at a time) reads what
ijson reads, and leaves to ijson every log it cannot vouch for."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import msgspec
import pytest

from budgetcurves.ingest import _batches, _read, _stream

from ..conftest import EXAMPLE_LOGS, REAL_LOGS

JSON_LOGS = sorted(EXAMPLE_LOGS.glob("*.json")) + sorted(REAL_LOGS.glob("*.json"))

#: Chunk sizes that put chunk borders inside keys, escapes and samples.
CHUNKS = (7, 64, 1000, 4 * 2**20)


def _both(data: bytes) -> tuple[Any, Any]:
    """(the fast path's answer or None, ijson's answer or the exception it raised)."""
    try:
        fast = _stream._stream_indented(io.BytesIO(data))
    except _stream._FAST_ERRORS as exc:
        fast = exc
    try:
        slow = _stream._stream_ijson(io.BytesIO(data))
    except _stream._STREAM_ERRORS as exc:
        slow = exc
    return fast, slow


def test_the_struct_keeps_the_sample_fields_in_their_order():
    assert [f.name for f in msgspec.structs.fields(_stream._Sample)] == list(_stream._SAMPLE_FIELDS)


@pytest.mark.parametrize("path", JSON_LOGS, ids=lambda p: p.name)
@pytest.mark.parametrize("chunk", CHUNKS)
def test_every_example_and_real_log_reads_as_ijson_reads_it(path, chunk, monkeypatch):
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", chunk)
    fast, slow = _both(path.read_bytes())
    assert fast is not None, "the fast path should vouch for a log Inspect wrote"
    assert fast == slow
    assert [list(sample) for sample in fast[1]] == [list(sample) for sample in slow[1]]


def _log(samples: list[Any], indent: int = 2, **extra: Any) -> dict[str, Any]:
    doc = json.loads((JSON_LOGS[0]).read_text())
    doc = {k: v for k, v in doc.items() if k != "samples"}
    doc["samples"] = samples
    doc.update(extra)
    return doc


def _sample(ident: Any, **fields: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "epoch": 1,
        "input": "what is 1+1?",
        "messages": [{"role": "user", "content": "x"}],
        "scores": {"match": {"value": "C"}},
        "model_usage": {"m": {"input_tokens": 1, "output_tokens": 2, "total_tokens": 3}},
        "total_time": 1.5,
        **fields,
    }


#: Samples whose strings hold what the reader looks for: quotes, backslashes, braces,
#: brackets, the text of a sample separator, non-ASCII text, nested metadata.
HARD_SAMPLES = [
    _sample(1, metadata={"q": 'say "hi" \\ "}, {" ]', "deep": {"a": [{"b": {"c": [1, [2]]}}]}}),
    _sample(2, messages=[{"content": '\\"' * 40 + "\\" * 33}], error="\\\\\\"),
    _sample(3, metadata={"text": "\n    },\n    {\n  ]", "emoji": "é ✓ 😀"}),
    {},
    {"id": "only-id"},
    _sample("x", events=[{"data": '{"samples": [1, 2]}'}], limit={"type": "token", "limit": 9}),
    _sample(5, epoch=2, uuid="u", working_time=1, message_count=4, error=None),
]


@pytest.mark.parametrize("indent", [1, 2, 4])
@pytest.mark.parametrize("chunk", CHUNKS)
def test_hard_strings_at_every_chunk_border_read_as_ijson_reads_them(indent, chunk, monkeypatch):
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", chunk)
    data = json.dumps(_log(HARD_SAMPLES), indent=indent, ensure_ascii=False).encode()
    fast, slow = _both(data)
    assert fast is not None
    assert fast == slow
    assert len(fast[1]) == len(HARD_SAMPLES)


@pytest.mark.parametrize(
    "doc",
    [
        _log([]),
        _log([_sample(1)], reductions=[{"samples": [{"value": 1}, {"value": 2}]}]),
        # sorted keys: status and version after the samples
        dict(sorted(_log([_sample(1), _sample(2)]).items())),
        {"samples": [_sample(1)], "eval": _log([])["eval"], "status": "error"},
    ],
    ids=["no samples", "reductions after", "sorted keys", "samples first"],
)
def test_header_and_tail_read_as_ijson_reads_them(doc):
    fast, slow = _both(json.dumps(doc, indent=2).encode())
    assert fast is not None
    assert fast == slow


def _indented(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, indent=2).encode()


#: Logs the fast path must not vouch for; ijson decides what they hold.
REFUSED = {
    "compact": json.dumps(_log([_sample(1)])).encode(),
    "NaN in events": _indented(_log([_sample(1, events=[12345.5])])).replace(b"12345.5", b"NaN"),
    "Infinity in metadata": _indented(_log([_sample(1, metadata={"a": 12345.5})])).replace(
        b"12345.5", b"-Infinity"
    ),
    "bad UTF-8 in messages": _indented(_log([_sample(1, messages=["\x01"])])).replace(
        b"\\u0001", b"\xff"
    ),
    "lone surrogate": _indented(_log([_sample(1, events=["\ud800"])])),
    "not an object": _indented(_log([_sample(1), 7])),
    "second samples": _indented(_log([_sample(1)])) + b"",
    "truncated": _indented(_log([_sample(1), _sample(2)]))[:-400],
    "trailing data": _indented(_log([_sample(1)])) + b"{}",
    "missing comma in events": _indented(_log([_sample(1, events=[12345, 2])])).replace(
        b"12345,", b"12345"
    ),
    "CRLF": _indented(_log([_sample(1)])).replace(b"\n", b"\r\n"),
}
REFUSED["second samples"] = REFUSED["second samples"][:-2] + b',\n  "samples": [{}]\n}'


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_it_cannot_vouch_for_goes_to_ijson(name):
    data = REFUSED[name]
    fast, slow = _both(data)
    assert fast is None or isinstance(fast, Exception)
    try:
        merged = _stream._stream_json(io.BytesIO(data))
    except _stream._STREAM_ERRORS as exc:
        merged = exc
    if isinstance(slow, Exception):
        assert type(merged) is type(slow) and str(merged) == str(slow)
    else:
        assert merged == slow


def _read_both_ways(path: Path, monkeypatch: Any) -> list[Any]:
    """read_json_log on a streamed log with the fast path, then with ijson alone: for
    each, the rows and notes, or the error."""
    monkeypatch.setattr(_read, "STREAM_JSON_BYTES", 0)
    outcomes = []
    for indented in (_stream._stream_indented, lambda handle, kept=None: None):
        monkeypatch.setattr(_stream, "_stream_indented", indented)
        with open(path, "rb") as handle:
            try:
                parsed = _read.read_json_log(str(path), handle=handle)
            except _read.LogReadError as exc:
                outcomes.append(("error", exc.reason))
                continue
        outcomes.append((parsed.samples.to_pylist(), parsed.scores.to_pylist(), parsed.notes))
    return outcomes


@pytest.mark.parametrize("name", list(REFUSED))
def test_a_refused_log_gives_todays_rows_and_notes(name, tmp_path, monkeypatch):
    """read_json_log on a streamed log: the same rows, notes or error as with ijson."""
    path = tmp_path / "log.json"
    path.write_bytes(REFUSED[name])
    outcomes = _read_both_ways(path, monkeypatch)
    assert outcomes[0] == outcomes[1]


# --------------------------------------------------------------------------- batches


def _batched(monkeypatch: Any) -> list[int]:
    """The sizes of the batches built on columns from now on (the spy's list)."""
    sizes: list[int] = []
    regular = _batches.regular_tables

    def spy(log: Any, samples: list[Any], first: Any) -> Any:
        sizes.append(len(samples))
        return regular(log, samples, first)

    monkeypatch.setattr(_batches, "regular_tables", spy)
    return sizes


@pytest.mark.parametrize("path", JSON_LOGS, ids=lambda p: p.name)
@pytest.mark.parametrize("batch", [1, 3, 2048])
def test_every_log_built_a_batch_at_a_time_gives_todays_rows(path, batch, monkeypatch):
    monkeypatch.setattr(_batches, "BATCH_SAMPLES", batch)
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", 1000)
    sizes = _batched(monkeypatch)
    fast, slow = _read_both_ways(path, monkeypatch)
    assert fast == slow
    samples = len(fast[0])
    assert sum(sizes) == samples, "Inspect's logs are regular: built on columns"
    assert max(sizes) <= max(batch, 1) and len(sizes) >= samples // batch


def _no_scorers(samples: list[Any]) -> dict[str, Any]:
    doc = _log(samples)
    doc["eval"] = {k: v for k, v in doc["eval"].items() if k != "scorers"}
    doc.pop("results", None)
    return doc


def _unscored(ident: Any, **fields: Any) -> dict[str, Any]:
    return {k: v for k, v in _sample(ident, **fields).items() if k != "scores"}


#: Logs whose rows depend on more than one batch, or that a later batch makes irregular.
ACROSS_BATCHES = {
    "id and epoch repeated in a later batch": _log([_sample(1), _sample(2), _sample(1)]),
    "bad epoch in a later batch": _log([_sample(1), _sample(2), _sample(3, epoch="x")]),
    "no id in a later batch": _log([_sample(1), _sample(2), {"epoch": 1}]),
    "time as text in a later batch": _log([_sample(1), _sample(2), _sample(3, total_time="5")]),
    "first scorer from a later batch": _no_scorers(
        [_unscored(1), _unscored(2), _sample(3, scores={"b": 1, "a": 0}), _sample(4)]
    ),
    "no scorer at all": _no_scorers([_unscored(1), _unscored(2)]),
    "ids of two types": _log([_sample(1), _sample("1"), _sample(1.0, epoch=2)]),
    "dict scores in a later batch": _log(
        [_sample(1), _sample(2, scores={"m": {"value": {"x": 1}}})]
    ),
    "results not an object": _no_scorers([_sample(1)]) | {"results": [1]},
    "no samples": _log([]),
    "sorted keys": dict(sorted(_log([_sample(1), _sample(2)]).items())),
    "no eval": {k: v for k, v in _log([_sample(1)]).items() if k != "eval"},
}


@pytest.mark.parametrize("name", list(ACROSS_BATCHES))
@pytest.mark.parametrize("chunk", [64, 4 * 2**20])  # a batch of each sample, or of most
def test_what_spans_batches_gives_todays_rows_and_notes(name, chunk, tmp_path, monkeypatch):
    monkeypatch.setattr(_batches, "BATCH_SAMPLES", 1)
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", chunk)
    path = tmp_path / "log.json"
    path.write_bytes(_indented(ACROSS_BATCHES[name]))
    fast, slow = _read_both_ways(path, monkeypatch)
    assert fast == slow


def test_a_repeat_across_batches_is_read_again_whole(tmp_path, monkeypatch):
    """The batches are left, and the row build keeps the first and says so."""
    monkeypatch.setattr(_batches, "BATCH_SAMPLES", 1)
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", 64)
    sizes = _batched(monkeypatch)
    path = tmp_path / "log.json"
    path.write_bytes(_indented(ACROSS_BATCHES["id and epoch repeated in a later batch"]))
    fast, _ = _read_both_ways(path, monkeypatch)
    assert sizes == [1, 1, 1], "a batch of each sample was built, then left"
    assert [row["sample_id"] for row in fast[0]] == ["1", "2"]
    assert "1 sample(s) repeating an id and epoch: left out (the first of each is kept)" in fast[2]


class _ReadOnly:
    """A file object that can only ``read`` (as some remote files), counting the sizes."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        self.inner, self.sizes = io.BytesIO(data), sizes

    def read(self, size: int = -1) -> bytes:
        self.sizes.append(size)
        return self.inner.read(size)


class _Counted(io.BytesIO):
    """An in-memory file counting the sizes asked of ``readinto``."""

    def __init__(self, data: bytes, sizes: list[int]) -> None:
        super().__init__(data)
        self.sizes = sizes

    def readinto(self, buffer: Any) -> int:
        self.sizes.append(len(buffer))
        return super().readinto(buffer)


@pytest.mark.parametrize("handle_type", [_Counted, _ReadOnly])
def test_memory_holds_a_chunk_not_the_log(handle_type, monkeypatch):
    """Reads go a chunk at a time, and the samples come out as they went in."""
    samples = [_sample(i, events=[{"text": "x" * 500}] * 20) for i in range(200)]
    data = _indented(_log(samples))
    reads: list[int] = []
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", 2**16)
    header, kept = _stream._stream_indented(handle_type(data, reads))
    assert all(0 < size <= 2**16 for size in reads) and len(reads) > len(data) // 2**16
    assert [s["id"] for s in kept] == list(range(200))
    assert "events" not in kept[0] and header["status"] == "success"


def test_a_large_log_written_by_inspect_streams_as_it_is_read_whole(tmp_path, monkeypatch):
    """End to end through read_json_log: streamed (fast path) equals parsed whole."""
    doc = _log([_sample(i % 7 + 1, epoch=i // 7 + 1) for i in range(60)])
    path = Path(tmp_path / "log.json")
    path.write_text(json.dumps(doc, indent=2))
    whole = _read.read_json_log(str(path))
    monkeypatch.setattr(_read, "STREAM_JSON_BYTES", 0)
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", 512)
    with open(path, "rb") as handle:
        streamed = _read.read_json_log(str(path), handle=handle)
    assert streamed.samples.num_rows == 60
    assert streamed.samples.equals(whole.samples)
    assert streamed.scores.equals(whole.scores)
    assert streamed.notes == whole.notes


# --------------------------------------------------------------------------- two processes


@pytest.fixture
def split(monkeypatch):
    """Every streamed log of more than 1 KB of samples is read by two processes; the
    list records each time the parent took the child's samples."""
    monkeypatch.setattr(_stream, "SPLIT_BYTES", 1024)
    monkeypatch.setattr(_stream, "STREAM_CHUNK_BYTES", 256)  # the parent not yet past the middle
    monkeypatch.setattr(_stream, "_cores_free", lambda: True)
    merged: list[int] = []
    merge = _batches.Batches.merge

    def spy(self: Any, payload: bytes) -> None:
        merged.append(len(payload))
        merge(self, payload)

    monkeypatch.setattr(_batches.Batches, "merge", spy)
    return merged


def _odd_sample(ident: int) -> bytes:
    """A sample whose metadata holds, at the samples' own indent, what separates them."""
    return (
        b'    {\n      "id": %d,\n      "epoch": 1,\n      "metadata": {"list": [\n'
        b'    {"a": 1\n    },\n    {"b": 2}\n      ]},\n      "scores": {"m": 1}\n    }' % ident
    )


def _with_odd_sample(position: int, count: int = 9) -> bytes:
    data = _indented(_log([_sample(i, messages=["x" * 300]) for i in range(count)]))
    start = data.index(b'\n  "samples": [')
    cuts = [m.start() for m in re.compile(rb"\n    \{\n").finditer(data, start)][:count]
    ends = [data.index(b"\n    }", cut + 1) + 6 for cut in cuts]
    return data[: cuts[position] + 1] + _odd_sample(99) + data[ends[position] :]


def test_the_odd_sample_is_valid_json():
    doc = json.loads(_with_odd_sample(4))
    assert [s["id"] for s in doc["samples"]] == [0, 1, 2, 3, 99, 5, 6, 7, 8]


@pytest.mark.parametrize("path", JSON_LOGS, ids=lambda p: p.name)
def test_two_processes_read_every_log_as_ijson_reads_it(path, split, monkeypatch):
    fast, slow = _read_both_ways(path, monkeypatch)
    assert fast == slow
    if len(fast[0]) >= 10:  # (a log of one sample, or few, may have none to split at)
        assert split, "the child's samples were taken"


SPLIT_CASES = {
    **{f"separator inside sample {k}": _with_odd_sample(k) for k in range(9)},
    "bad epoch in the second half": _indented(
        _log([_sample(i, messages=["x" * 300]) for i in range(8)] + [_sample(9, epoch=0)])
    ),
    "id repeated across the halves": _indented(
        _log([_sample(i % 5, messages=["x" * 300]) for i in range(10)])
    ),
    "NaN in the second half": _indented(
        _log([_sample(i, messages=["x" * 300]) for i in range(8)] + [_sample(9, events=[1.5])])
    ).replace(b"1.5", b"NaN"),
    "truncated in the second half": _indented(
        _log([_sample(i, messages=["x" * 300]) for i in range(9)])
    )[:-700],
}


@pytest.mark.parametrize("name", list(SPLIT_CASES))
def test_what_the_child_cannot_read_the_parent_reads_alone(name, split, tmp_path, monkeypatch):
    path = tmp_path / "log.json"
    path.write_bytes(SPLIT_CASES[name])
    fast, slow = _read_both_ways(path, monkeypatch)
    assert fast == slow


def test_a_small_or_in_memory_log_is_read_by_one_process(split, monkeypatch):
    in_memory = _batches.Batches("log.json")
    assert _stream._stream_indented(io.BytesIO(JSON_LOGS[0].read_bytes()), in_memory)
    assert in_memory.parsed is not None and in_memory.parsed.samples.num_rows == 20
    assert not split
    monkeypatch.setattr(_stream, "SPLIT_BYTES", 2**30)
    fast, slow = _read_both_ways(JSON_LOGS[0], monkeypatch)
    assert fast == slow and not split
