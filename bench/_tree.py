"""Peak memory of a process tree, sampled: what a command and everything it starts
(a JVM, a database server's backends) hold at once.

``wait4`` reports the largest single process a command reaped, which misses a JVM
that outlives its Python parent and a server that is not the command's child. This
samples, every quarter second, the proportional set size (PSS: shared pages split
between the processes sharing them, so a server's shared buffers count once) of the
command's descendants and of any process named in ``also`` (e.g. ``postgres``),
and keeps the largest sum. Linux only (``/proc``).
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

PROC = Path("/proc")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name is in parentheses and may hold spaces: the ppid follows it
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry.name))
    return tree


def _named(names: Sequence[str]) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() in names:
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def _pss_kb(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def tree_pss_kb(root: int, also: Sequence[str] = ()) -> int:
    """The summed PSS of ``root``, its descendants and the processes named ``also``."""
    tree = _children()
    pids, stack = {root}, [root]
    while stack:
        for child in tree.get(stack.pop(), ()):
            if child not in pids:
                pids.add(child)
                stack.append(child)
    pids.update(_named(also))
    return sum(_pss_kb(pid) for pid in pids)


def run_sampled(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    also: Sequence[str] = (),
    stdout: int | None = None,
) -> tuple[subprocess.CompletedProcess[bytes], float, float]:
    """Run ``command``; (the completed process, wall seconds, peak MB of its tree)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.25):
            peak[0] = max(peak[0], tree_pss_kb(process.pid, also))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    completed = subprocess.CompletedProcess(command, process.returncode, out, err)
    return completed, seconds, peak[0] / 1024
