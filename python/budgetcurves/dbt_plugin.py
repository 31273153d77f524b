"""dbt-duckdb plugin: the dbt-native path from Inspect logs to the landing tables.

Named in ``profiles.yml``; dbt-duckdb calls :meth:`Plugin.configure_connection`
once when it opens the database, before any model runs. It loads the logs given
with ``--vars '{inspect_logs: DIR}'`` (incrementally: unchanged files are not read
again), or, when the database holds no samples yet, the committed example logs,
so ``dbt build`` works on a fresh clone and on a database ``ingest`` has filled.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from .ingest import ensure_landing, ingest


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.logs = str(plugin_config.get("logs") or "").strip()
        self.default_logs = str(plugin_config.get("default_logs") or "").strip()
        load = str(plugin_config.get("load_examples", "true")).strip().lower()
        self.load_examples = load not in ("false", "0", "no", "")

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        ensure_landing(conn)
        logs = self.logs
        if not logs:
            (count,) = conn.execute("select count(*) from inspect.samples").fetchone()
            if count or not self.load_examples or not Path(self.default_logs).exists():
                return
            logs = self.default_logs
        summary = ingest([logs], conn)
        print(f"budgetcurves plugin: {logs}: {summary.line()}", file=sys.stderr)
        for error in summary.errors:
            print(f"budgetcurves plugin: error: {error}", file=sys.stderr)
        for note in summary.notes:
            print(f"budgetcurves plugin: note: {note}", file=sys.stderr)
