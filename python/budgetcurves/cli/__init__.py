"""The command line: wires ingest, dbt and the plot together; computes nothing itself."""

from ._main import main

__all__ = ["main"]
