"""Errors that cross the package's layers, in a module that imports nothing, so the
CLI can catch them without importing the loader (pyarrow and the readers) for every
command."""

from __future__ import annotations

import re

#: Characters that would break a printed line or forge another one (a newline in a
#: file name), or drive the terminal (escape sequences): printed as escapes.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def one_line(text: str) -> str:
    """``text`` fit for one line of output: control characters as escapes (``\\n``),
    so a file name or a log's value can neither split a message nor forge another."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode(), text)


class WarehouseError(Exception):
    """An engine could not do what it was asked, with its driver's words.

    ``fatal``: the engine itself is in trouble (a full disk, a lost connection), so
    every further file would fail too: stop, and say it once.
    """

    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


class ForeignTable(Exception):
    """A landing table's name is taken by a table budgetcurves did not create (a
    user's own ``inspect.samples``): it is never written, and nothing is loaded."""


class LogReadError(Exception):
    """A file that could not be read as an Inspect log; the message says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason

    def __reduce__(self) -> tuple[type[LogReadError], tuple[str, str]]:
        # picklable, so a worker process can hand one back
        return (type(self), (self.path, self.reason))
