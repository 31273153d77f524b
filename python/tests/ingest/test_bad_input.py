"""Bad input: every malformed case is named with its problem, and the rest is loaded."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from budgetcurves.ingest import KNOWN_FORMAT_VERSIONS, LogReadError, ingest

from ._logs import EVAL_LOGS, JSON_LOGS, clone_log, eval_members, write_eval


def _run(*paths, con=None, **kwargs):
    con = con or duckdb.connect()
    return ingest([str(p) for p in paths], con, **kwargs), con


def _count(con, sql="select count(*) from inspect.samples") -> int:
    return con.execute(sql).fetchone()[0]


def _reasons(summary) -> dict[str, str]:
    return {Path(e.path).name: e.reason for e in summary.errors}


def test_an_unknown_format_version_is_read_and_named(tmp_path):
    log = clone_log(EVAL_LOGS[0], tmp_path / "v9.eval", "v9", version=9)
    summary, con = _run(log)
    assert summary.errors == [] and summary.samples_added == 20
    assert any("format version 9" in n and "read as version" in n for n in summary.notes)
    assert con.execute("select format_version from inspect.log_files").fetchone() == (9,)


def test_an_unknown_format_version_that_cannot_be_read_is_named(tmp_path):
    log = clone_log(JSON_LOGS[0], tmp_path / "v9.json", "v9", version=9)
    doc = json.loads(log.read_text())
    doc["samples"] = {"changed": "shape"}
    log.write_text(json.dumps(doc))
    summary, _ = _run(log)
    (error,) = summary.errors
    assert "'samples' is not a JSON list" in error.reason
    assert "format version 9" in error.reason
    assert str(max(KNOWN_FORMAT_VERSIONS)) in error.reason


def _insert_after_first(data: bytes, marker: bytes, extra: bytes) -> bytes:
    at = data.index(marker) + len(marker)
    return data[:at] + extra + data[at:]


def test_bytes_that_are_not_utf8_are_replaced_and_the_log_loaded(tmp_path):
    marker = b'"input": "'
    latin1 = clone_log(JSON_LOGS[0], tmp_path / "latin1.json", "latin1")
    latin1.write_bytes(_insert_after_first(latin1.read_bytes(), marker, b"caf\xe9 "))
    surrogate = clone_log(JSON_LOGS[0], tmp_path / "surrogate.json", "surrogate")
    surrogate.write_bytes(_insert_after_first(surrogate.read_bytes(), marker, b"\\ud83d cut "))
    bad_eval = clone_log(EVAL_LOGS[0], tmp_path / "bytes.eval", "bytes")
    members = eval_members(bad_eval)
    members["summaries.json"] = _insert_after_first(members["summaries.json"], marker, b"\xff")
    write_eval(bad_eval, members)
    summary, con = _run(tmp_path)
    assert summary.errors == []
    assert summary.samples_added == 60
    notes = "\n".join(summary.notes)
    assert f"{latin1}: bytes that are not UTF-8 (first at byte" in notes
    assert f"{surrogate}: unpaired surrogate escapes replaced by U+FFFD" in notes
    assert f"{bad_eval}: bytes that are not UTF-8" in notes and "zip member summaries.json" in notes
    inputs = con.execute(
        "select count(*) from inspect.samples where metadata is not null and eval_id = 'latin1'"
    ).fetchone()
    assert inputs == (20,)


def test_negative_and_missing_usage_are_loaded_and_named(tmp_path):
    def change(sample):
        usage = next(iter(sample.get("model_usage", {}).values()), None)
        if sample["id"] == 1 and usage:
            usage["total_tokens"] = -5
        if sample["id"] == 2:
            sample["model_usage"] = {}
        if sample["id"] == 3:
            sample["total_time"] = -1.0
        return sample

    log = clone_log(JSON_LOGS[0], tmp_path / "usage.json", "u", sample=change)
    summary, con = _run(log)
    assert summary.errors == []
    notes = "\n".join(summary.notes)
    assert "2 sample(s) with a negative total_tokens (e.g. 1/1, 1/2)" in notes
    assert "2 sample(s) with a negative total_time (e.g. 3/1, 3/2)" in notes
    assert "2 of 20 samples have no token usage" in notes
    # the landing table keeps what the log said (staging reads negatives as missing)
    assert _count(con, "select count(*) from inspect.samples where total_tokens < 0") == 2


def test_dict_and_list_scores_are_named(tmp_path):
    def change(sample):
        if sample["id"] in (1, 2):
            sample["scores"]["match"]["value"] = {"accuracy": 1, "style": "C"}
        if sample["id"] == 3:
            sample["scores"]["match"]["value"] = [1, 0]
        return sample

    log = clone_log(JSON_LOGS[0], tmp_path / "dict.json", "d", sample=change)
    summary, con = _run(log)
    notes = "\n".join(summary.notes)
    assert "scorer 'match' gives dict-valued scores in 4 sample(s) (keys accuracy, style)" in notes
    assert "score_key" in notes
    assert "scorer 'match' gives list-valued scores in 2 sample(s)" in notes


def test_paths_that_hold_no_logs_are_named(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("not a log")
    (other / "logs.json").write_text("{}")  # Inspect's listing of a log folder
    summary, _ = _run(empty, other, tmp_path / "missing", EXAMPLE := EVAL_LOGS[0])
    assert summary.samples_added == 20
    reasons = _reasons(summary)
    assert reasons == {
        "empty": "directory holds no .eval or .json logs",
        "other": "directory holds no .eval or .json logs",
        "missing": "no such file or directory",
    }
    assert EXAMPLE.exists()


def test_a_file_named_directly_must_be_a_log_or_an_export(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    summary, _ = _run(text)
    assert "unsupported file type '.txt'" in summary.errors[0].reason


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_a_file_name_that_is_not_utf8_is_named(tmp_path):
    folder = tmp_path / "logs"
    folder.mkdir()
    shutil.copy(EVAL_LOGS[0], folder)
    bad = os.path.join(os.fsencode(folder), b"caf\xe9.json")
    with open(bad, "wb") as handle:
        handle.write(JSON_LOGS[0].read_bytes())
    summary, con = _run(folder)
    assert summary.samples_added == 20
    (error,) = summary.errors
    assert error.path.endswith("caf\\xe9.json") and "not valid UTF-8" in error.reason
    str(error).encode("utf-8")  # printable


def test_a_log_that_changes_while_being_read_waits_for_the_next_run(tmp_path, monkeypatch):
    from budgetcurves.ingest import _ingest

    folder = tmp_path / "logs"
    log = clone_log(EVAL_LOGS[0], folder / "live.eval", "live")
    real = _ingest.read_any

    def half_written(path):
        if path == str(log):
            log.write_bytes(log.read_bytes()[:100])  # Inspect rewriting it right now
            raise LogReadError(path, "corrupt .eval (zip) file: truncated")
        return real(path)

    monkeypatch.setattr(_ingest, "read_any", half_written)
    summary, con = _run(folder)
    assert summary.errors == []
    assert any("changed while being read" in n for n in summary.notes)
    monkeypatch.undo()
    clone_log(EVAL_LOGS[0], log, "live")
    assert _run(folder, con=con)[0].samples_added == 20


# --------------------------------------------------------------------------- fuzz

_GOOD_SAMPLES = 20 + 20  # the two good logs below: arithmetic, 10 samples x 2 epochs

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def _mutate(doc, data, depth=0):
    """One random change somewhere in a JSON document: delete or replace a value."""
    if isinstance(doc, dict) and doc and depth < 6:
        key = data.draw(st.sampled_from(sorted(doc)))
        action = data.draw(st.sampled_from(["descend", "delete", "replace"]))
        if action == "descend":
            doc[key] = _mutate(doc[key], data, depth + 1)
        elif action == "delete":
            del doc[key]
        else:
            doc[key] = data.draw(_json_values)
        return doc
    if isinstance(doc, list) and doc and depth < 6:
        index = data.draw(st.integers(0, len(doc) - 1))
        doc[index] = _mutate(doc[index], data, depth + 1)
        return doc
    return data.draw(_json_values)


def _mangle(source: Path, target: Path, data) -> None:
    """Write a mangled copy of ``source``: a JSON change, truncation or flipped bytes."""
    how = data.draw(st.sampled_from(["json", "truncate", "flip"]))
    if how == "json":
        if source.suffix == ".json":
            target.write_text(json.dumps(_mutate(json.loads(source.read_text()), data)))
        else:
            members = eval_members(source)
            name = data.draw(st.sampled_from(sorted(members)))
            changed = _mutate(json.loads(members[name]), data)
            members[name] = json.dumps(changed).encode()
            write_eval(target, members)
        return
    raw = bytearray(source.read_bytes())
    if how == "truncate":
        raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    target.write_bytes(bytes(raw))


@pytest.fixture(scope="module")
def fuzz_logs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    return {
        "good_eval": clone_log(EVAL_LOGS[0], folder / "good" / "a.eval", "good-a"),
        "good_json": clone_log(JSON_LOGS[0], folder / "good" / "b.json", "good-b"),
        "victim_eval": clone_log(EVAL_LOGS[2], folder / "victim.eval", "victim-eval"),
        "victim_json": clone_log(JSON_LOGS[1], folder / "victim.json", "victim-json"),
    }


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzz_mangled_logs_never_crash_ingest_nor_lose_a_good_sample(
    tmp_path_factory, fuzz_logs, data
):
    folder = tmp_path_factory.mktemp("mangled")
    good = folder / "good"
    shutil.copytree(fuzz_logs["good_eval"].parent, good)
    source = fuzz_logs[data.draw(st.sampled_from(["victim_eval", "victim_json"]))]
    _mangle(source, folder / f"mangled{source.suffix}", data)
    con = duckdb.connect()
    summary = ingest([str(folder)], con)  # must not raise
    good_count = _count(
        con, "select count(*) from inspect.samples where eval_id in ('good-a', 'good-b')"
    )
    assert good_count == _GOOD_SAMPLES
    for error in summary.errors:
        assert error.path.endswith("mangled" + source.suffix)
        assert not error.reason.startswith("unexpected error"), error
    # whatever was loaded keeps the keys unique
    dupes = _count(
        con,
        "select count(*) from (select eval_id, sample_id, epoch from inspect.samples "
        "group by all having count(*) > 1)",
    )
    assert dupes == 0
    # and a second run changes nothing
    again = ingest([str(folder)], con)
    assert again.files_read == 0 or again.errors


def test_fuzz_fixture_is_what_the_fuzz_test_counts(fuzz_logs):
    summary, _ = _run(fuzz_logs["good_eval"].parent)
    assert summary.samples_added == _GOOD_SAMPLES


def test_a_zip_with_other_members_only_is_named(tmp_path):
    with zipfile.ZipFile(tmp_path / "other.eval", "w") as archive:
        archive.writestr("readme.txt", "nothing")
    summary, _ = _run(tmp_path / "other.eval")
    assert "not an Inspect log" in summary.errors[0].reason
