"""The command line: wires ingest, dbt and the plot together; computes nothing itself."""

from ._main import console, main

__all__ = ["console", "main"]
