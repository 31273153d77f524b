"""dbt-duckdb plugin: the dbt-native path from Inspect logs to the landing tables.

Named in ``profiles.yml``; dbt-duckdb calls :meth:`Plugin.configure_connection`
once when it opens the database, before any model runs. It loads the logs named
with ``--vars '{inspect_logs: DIR}'`` (incrementally: unchanged files are not read
again) and nothing else: a plain ``dbt build`` builds what is loaded, so example
logs never mix with a user's own. When nothing named could be read (a missing
folder, no logs in it) dbt stops with that reason; bad files beside good ones are
named and the good ones build.

What it says goes through dbt's own logger (dbt-duckdb's plugins do the same), so
``--quiet``, ``--log-format json`` and the log file apply to it as to dbt's lines: the
summary and notes are info, a bad file an error (shown under ``--quiet`` too).
"""

from __future__ import annotations

from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger
from dbt_common.exceptions import DbtRuntimeError
from duckdb import DuckDBPyConnection

from ._errors import one_line
from .ingest import ensure_landing, ingest

#: dbt prints its lines as ``budgetcurves adapter: ...``
logger = AdapterLogger("budgetcurves")


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.logs = str(plugin_config.get("logs") or "").strip()

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        ensure_landing(conn)
        if not self.logs:
            return
        summary = ingest([self.logs], conn)
        logger.info(f"{one_line(self.logs)}: {summary.line()}")
        for note in summary.notes:
            logger.info(f"note: {one_line(note)}")
        if summary.nothing_read:
            reasons = "; ".join(str(error) for error in summary.errors)
            raise DbtRuntimeError(f"var inspect_logs: nothing could be read: {reasons}")
        for error in summary.errors:
            logger.error(f"error: {one_line(str(error))}")
