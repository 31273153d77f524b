"""Making test logs from the example logs: new evals, running and failed ones, broken ones.

Every log is a copy of one in ``examples/logs`` with a new eval id (and whatever a
test changes in its samples), so no test runs Inspect. ``.eval`` copies are
written with Deflate, which Inspect and the reader accept as well as Zstandard.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from budgetcurves.ingest._zip import _read_member

from ..conftest import EXAMPLE_LOGS

Sample = dict[str, Any]

EVAL_LOGS = sorted(EXAMPLE_LOGS.glob("*.eval"))
JSON_LOGS = sorted(EXAMPLE_LOGS.glob("*.json"))


def eval_members(path: Path) -> dict[str, bytes]:
    """Every member of an .eval zip, decompressed."""
    with zipfile.ZipFile(path) as archive:
        return {name: _read_member(archive, name) for name in archive.namelist()}


def write_eval(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _is_summary_list(name: str) -> bool:
    return name == "summaries.json" or name.startswith("_journal/summaries/")


def clone_log(
    source: Path,
    target: Path,
    eval_id: str,
    *,
    status: str | None = None,
    started: bool = False,
    sample: Callable[[Sample], Sample | None] | None = None,
    version: Any = None,
) -> Path:
    """Copy ``source`` to ``target`` as the eval ``eval_id``.

    ``sample`` rewrites each sample (summary or full; None drops it); ``status``
    sets the log's status; ``started`` keeps only what a running eval's .eval
    holds (``_journal/start.json`` and ``_journal/summaries/*.json``);
    ``version`` sets the format version.
    """
    change = sample or (lambda s: s)

    def header(doc: dict[str, Any]) -> dict[str, Any]:
        doc["eval"]["eval_id"] = eval_id
        doc["eval"]["run_id"] = f"run-{eval_id}"
        doc["eval"]["task_id"] = f"task-{eval_id}"
        if status is not None and "status" in doc:
            doc["status"] = status
        if version is not None:
            doc["version"] = version
        return doc

    if source.suffix == ".json":
        doc = header(json.loads(source.read_bytes()))
        doc["samples"] = [s for s in (change(x) for x in doc.get("samples") or []) if s]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(doc))
        return target

    members = eval_members(source)
    out: dict[str, bytes] = {}
    for name, data in members.items():
        if started and not name.startswith("_journal/"):
            continue
        if name in ("header.json", "_journal/start.json"):
            doc = header(json.loads(data))
        elif _is_summary_list(name):
            doc = [s for s in (change(x) for x in json.loads(data)) if s]
        elif name.startswith("samples/"):
            doc = change(json.loads(data))
            if doc is None:
                continue
            name = f"samples/{doc['id']}_epoch_{doc['epoch']}.json"
        else:
            out[name] = data
            continue
        out[name] = json.dumps(doc).encode()
    return write_eval(target, out)


def errored(ids: set[str]) -> Callable[[Sample], Sample]:
    """A sample rewrite: the samples with these ids end in an error, with no score."""

    def change(sample: Sample) -> Sample:
        if str(sample.get("id")) in ids:
            sample = {k: v for k, v in sample.items() if k != "scores"}
            sample["error"] = "RuntimeError: the model crashed"
        return sample

    return change


def scaled_tokens(factor: float) -> Callable[[Sample], Sample]:
    """A sample rewrite: every model's token counts times ``factor``."""

    def change(sample: Sample) -> Sample:
        for usage in (sample.get("model_usage") or {}).values():
            for key, value in list(usage.items()):
                if key.endswith("tokens") and isinstance(value, int):
                    usage[key] = max(1, int(value * factor))
        return sample

    return change


def first_samples(count: int) -> Callable[[Sample], Sample | None]:
    """A sample rewrite: keep the first ``count`` sample ids (all their epochs)."""
    seen: list[str] = []

    def change(sample: Sample) -> Sample | None:
        key = str(sample.get("id"))
        if key not in seen:
            seen.append(key)
        return sample if seen.index(key) < count else None

    return change


def campaign_logs(folder: Path, count: int, prefix: str = "gen") -> list[Path]:
    """``count`` logs of distinct evals cloned round-robin from the examples."""
    sources = EVAL_LOGS + JSON_LOGS
    made = []
    for index in range(count):
        source = sources[index % len(sources)]
        eval_id = f"{prefix}{index:04d}"
        target = folder / f"2025-01-02T00-00-00_{eval_id}{source.suffix}"
        made.append(clone_log(source, target, eval_id, sample=scaled_tokens(1 + (index % 5) / 4)))
    return made
