"""Errors that cross the package's layers, in a module that imports nothing, so the
CLI can catch them without importing the loader (pyarrow and the readers) for every
command."""

from __future__ import annotations


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
