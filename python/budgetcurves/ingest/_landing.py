"""The landing tables of the dbt source ``inspect``, once, for every engine.

:data:`TABLES` describes them (columns with a logical type, and keys) without any
engine's spelling; a :class:`Dialect` spells them for one engine. :func:`ensure_landing`
creates what is missing, and adds to a table made before a column existed the columns
it lacks (null for the rows already loaded), the same way on every engine.
:func:`ledger_rows` builds the rows of the ledger ``log_files``, whichever engine
writes them. :data:`SAMPLES_SCHEMA` and :data:`SCORES_SCHEMA` are the Arrow shape every
reader gives its rows in, and :class:`ParsedFile` one file's rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import orjson
import pyarrow as pa

from .._errors import ForeignTable
from ._files import FileStamp

SCHEMA = "inspect"

#: Landing columns of ``inspect.samples``; one row per sample (eval_id, sample_id, epoch).
_SAMPLES_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("eval_id", pa.string()),
    ("sample_id", pa.string()),
    ("epoch", pa.int64()),
    ("sample_uuid", pa.string()),
    ("log_file", pa.string()),
    ("source_log", pa.string()),
    ("log_status", pa.string()),
    ("run_id", pa.string()),
    ("eval_set_id", pa.string()),
    ("task_id", pa.string()),
    ("task_name", pa.string()),
    ("model", pa.string()),
    ("eval_created", pa.string()),
    ("input_tokens", pa.int64()),
    ("output_tokens", pa.int64()),
    ("total_tokens", pa.int64()),
    ("cache_read_tokens", pa.int64()),
    ("cache_write_tokens", pa.int64()),
    ("reasoning_tokens", pa.int64()),
    ("total_cost", pa.float64()),
    ("total_time", pa.float64()),
    ("working_time", pa.float64()),
    ("message_count", pa.int64()),
    ("error", pa.string()),
    ("limit_type", pa.string()),
    ("limit_value", pa.float64()),
    ("model_usage", pa.string()),
    ("metadata", pa.string()),
    # the eval's own per-sample limits (header eval.config), null where none was set
    ("eval_token_limit", pa.int64()),
    ("eval_token_limit_type", pa.string()),
    ("eval_message_limit", pa.int64()),
    ("eval_time_limit", pa.float64()),
    ("eval_working_limit", pa.float64()),
    ("eval_cost_limit", pa.float64()),
]
SAMPLES_SCHEMA = pa.schema(_SAMPLES_COLUMNS)

#: Landing columns of ``inspect.sample_scores``; one row per sample x scorer (x dict key).
_SCORES_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("eval_id", pa.string()),
    ("sample_id", pa.string()),
    ("epoch", pa.int64()),
    ("scorer", pa.string()),
    ("score_key", pa.string()),
    ("is_first_scorer", pa.bool_()),
    ("value_type", pa.string()),
    ("value_text", pa.string()),
]
SCORES_SCHEMA = pa.schema(_SCORES_COLUMNS)


@dataclass
class ParsedFile:
    """The landing rows of one file, with what the loader should know about it."""

    path: str
    kind: str  # "eval", "json" or "samples_df"
    status: str | None
    eval_ids: list[str]
    format_version: int | None
    samples: pa.Table
    scores: pa.Table
    notes: list[str] = field(default_factory=list)


def encode_eval_ids(eval_ids: Iterable[str]) -> str:
    """A file's eval ids as the ledger's ``eval_ids`` text: a JSON list, exact for any
    id (a comma in an id included)."""
    return orjson.dumps(list(eval_ids)).decode()


def decode_eval_ids(text: str | None) -> set[str]:
    """The eval ids of a ledger's ``eval_ids`` text (a JSON list; ledgers written
    before it was one joined the ids with commas)."""
    if not text:
        return set()
    if text.startswith("["):
        try:
            return {str(i) for i in orjson.loads(text)}
        except orjson.JSONDecodeError:
            pass
    return set(filter(None, text.split(",")))


@dataclass(frozen=True)
class Column:
    """A landing column: its name and logical type (a key of :attr:`Dialect.types`)."""

    name: str
    type: str
    #: filled with the time of loading where a writer leaves it out (PostgreSQL's COPY)
    stamped: bool = False
    #: how the column is stored where an engine lets a table say (DuckDB), a key of
    #: :attr:`Dialect.compressions`; "": the engine's own choice
    compression: str = ""


@dataclass(frozen=True)
class Table:
    """A landing table; ``key``: its primary key, on engines that have keys."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    #: the columns that say what a row is, which every release has written (see
    #: :func:`is_ours`)
    identity: tuple[str, ...] = ()

    @property
    def names(self) -> list[str]:
        return [column.name for column in self.columns]


#: The logical type of each Arrow type the readers write (text for the rest).
_LOGICAL = {
    pa.int64(): "bigint",
    pa.int32(): "integer",
    pa.float64(): "double",
    pa.bool_(): "boolean",
}

#: ``loaded_at``: when a row was loaded, in UTC without a time zone (what dbt's source
#: freshness expects).
LOADED_AT = Column("loaded_at", "timestamp", stamped=True)


def _columns(schema: pa.Schema) -> tuple[Column, ...]:
    return tuple(Column(f.name, _LOGICAL.get(f.type, "text")) for f in schema)


#: The ledger's columns but ``loaded_at``: what :func:`ledger_rows` builds.
_LEDGER_COLUMNS: list[tuple[str, pa.DataType]] = [
    ("log_file", pa.string()),
    ("file_kind", pa.string()),
    ("log_status", pa.string()),
    ("format_version", pa.int32()),
    ("eval_ids", pa.string()),
    ("sample_count", pa.int64()),
    ("file_size", pa.int64()),
    ("file_mtime_ns", pa.int64()),
    # an object store's ETag (remote logs): a rewrite within the same second, same size
    ("file_etag", pa.string()),
]
LEDGER_SCHEMA = pa.schema(_LEDGER_COLUMNS)

#: How DuckDB stores the columns that dominate a landing write, by measurement at 1e6
#: export rows: the uuids (each different) uncompressed, as compressing them cost about
#: 0.3 CPU-s for 14 MB; the raw JSON texts with zstd, which writes the usage in about
#: half the time of DuckDB's own choice (dictionary + FSST, 0.45 s) and in half the
#: disk (19 MB against 39; uncompressed: 186 MB).
_STORED = {"sample_uuid": "uncompressed", "model_usage": "zstd", "metadata": "zstd"}


def _stored(column: Column) -> Column:
    return replace(column, compression=_STORED.get(column.name, ""))


SAMPLES = Table(
    "samples",
    (*(_stored(column) for column in _columns(SAMPLES_SCHEMA)), LOADED_AT),
    identity=("eval_id", "sample_id", "epoch", "log_file"),
)
SCORES = Table(
    "sample_scores", _columns(SCORES_SCHEMA), identity=("eval_id", "sample_id", "epoch", "scorer")
)
LOG_FILES = Table(
    "log_files",
    (*_columns(LEDGER_SCHEMA), LOADED_AT),
    key=("log_file",),
    identity=("log_file", "eval_ids"),
)

#: A samples_df export's samples, as DuckDB lands them: the columns a sample has of its
#: own, the raw ``model_usage`` among them (writing a column costs 15 to 30 ms per 1e6
#: rows even when all null or constant). What a sample shares with its eval is in
#: :data:`EXPORT_EVALS`, once per eval; the staging view joins the two.
EXPORT_SAMPLE_COLUMNS = (
    "eval_id",
    "sample_id",
    "epoch",
    "sample_uuid",
    "input_tokens",
    "output_tokens",
    "total_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_cost",
    "total_time",
    "working_time",
    "message_count",
    "error",
    "limit_type",
    "model_usage",
)
#: The columns of :data:`SAMPLES` an export gives once per eval (from its header: the
#: same in each of the eval's rows).
EXPORT_EVAL_COLUMNS = (
    "eval_id",
    "log_file",
    "source_log",
    "log_status",
    "run_id",
    "eval_set_id",
    "task_id",
    "task_name",
    "model",
    "eval_created",
    "eval_token_limit",
    "eval_token_limit_type",
    "eval_message_limit",
    "eval_time_limit",
    "eval_working_limit",
    "eval_cost_limit",
)
_SAMPLE_COLUMN = {column.name: column for column in SAMPLES.columns}
EXPORT_SAMPLES = Table(
    "export_samples",
    tuple(_SAMPLE_COLUMN[name] for name in EXPORT_SAMPLE_COLUMNS),
    identity=("eval_id", "sample_id", "epoch"),
)
EXPORT_EVALS = Table(
    "export_evals",
    (*(_SAMPLE_COLUMN[name] for name in EXPORT_EVAL_COLUMNS), LOADED_AT),
    identity=("eval_id", "log_file"),
)

#: Every landing table, in the order they are created.
TABLES = (SAMPLES, SCORES, LOG_FILES, EXPORT_SAMPLES, EXPORT_EVALS)


def _landed_samples() -> str:
    """The SQL of :data:`LANDED_SAMPLES`."""
    exported = []
    for column in SAMPLES.columns:
        if column.name in EXPORT_SAMPLE_COLUMNS:
            exported.append(f"bc_s.{column.name}")
        elif column.name in EXPORT_EVAL_COLUMNS or column is LOADED_AT:
            exported.append(f"bc_e.{column.name}")
        else:
            spelled = {"text": "varchar", "double": "double precision"}[column.type]
            exported.append(f"cast(null as {spelled}) as {column.name}")
    names = ", ".join(SAMPLES.names)
    return (
        f"(select {names} from {SCHEMA}.samples union all select {', '.join(exported)} "
        f"from {SCHEMA}.{EXPORT_SAMPLES.name} as bc_s join {SCHEMA}.{EXPORT_EVALS.name} as bc_e "
        "on bc_s.eval_id = bc_e.eval_id)"
    )


#: Every landed sample (logs' and exports'), a row per sample in the columns of
#: :data:`SAMPLES`, as the staging view ``stg_inspect__samples`` reads them (before its
#: renames): a subquery, for DuckDB and PostgreSQL.
LANDED_SAMPLES = _landed_samples()


@dataclass(frozen=True)
class Dialect:
    """How one engine spells the landing tables."""

    name: str
    #: logical type -> the engine's type
    types: Mapping[str, str]
    #: the time now in UTC without a time zone, as a column default (None: no defaults)
    now_utc: str | None = None
    #: whether ``create table`` takes a primary key (plain Spark tables have none)
    keys: bool = True
    #: what follows ``create table (...)`` (Spark: the file format)
    table_options: str = ""
    #: whether one ``alter table`` adds many columns (Spark's ``add columns (...)``)
    #: or each column is added on its own, if not there yet (DuckDB, PostgreSQL)
    add_columns_at_once: bool = False
    #: how ``create table`` spells each :attr:`Column.compression` (absent: as any other)
    compressions: Mapping[str, str] = field(default_factory=dict)

    def column(self, column: Column) -> str:
        default = f" default {self.now_utc}" if column.stamped and self.now_utc else ""
        return f"{column.name} {self.types[column.type]}{default}"

    def create_table(self, table: Table) -> str:
        columns = [
            " ".join(filter(None, (self.column(c), self.compressions.get(c.compression))))
            for c in table.columns
        ]
        if self.keys and table.key:
            columns.append(f"primary key ({', '.join(table.key)})")
        body = ",\n  ".join(columns)
        options = f" {self.table_options}" if self.table_options else ""
        return f"create table if not exists {SCHEMA}.{table.name} (\n  {body}\n){options}"

    def add_columns(self, table: Table, missing: list[Column]) -> list[str]:
        spelled = [self.column(c) for c in missing]
        if self.add_columns_at_once:
            return [f"alter table {SCHEMA}.{table.name} add columns ({', '.join(spelled)})"]
        return [f"alter table {SCHEMA}.{table.name} add column if not exists {c}" for c in spelled]


_BASE_TYPES = {
    "text": "varchar",
    "integer": "integer",
    "bigint": "bigint",
    "double": "double",
    "boolean": "boolean",
    "timestamp": "timestamp",
}

_NOW_UTC = "timezone('UTC', current_timestamp)"

DUCKDB = Dialect(
    "duckdb",
    _BASE_TYPES,
    _NOW_UTC,
    compressions={name: f"using compression {name}" for name in ("uncompressed", "zstd")},
)
POSTGRES = Dialect(
    "postgres", {**_BASE_TYPES, "text": "text", "double": "double precision"}, _NOW_UTC
)
SPARK = Dialect(
    "spark",
    {**_BASE_TYPES, "text": "string", "integer": "int"},
    keys=False,
    table_options="using parquet",
    add_columns_at_once=True,
)


def is_ours(table: Table, present: set[str]) -> bool:
    """Did budgetcurves create the table ``present`` are the columns of? Every column
    of it is one of ours (an older release's table lacks some, never has others), and
    it has the columns that say what a row is: a table of this name made by anyone
    else (``create table inspect.samples (x int)``) is not, and is never written."""
    ours = {column.name for column in table.columns}
    lowered = {name.lower() for name in present}
    return lowered <= ours and set(table.identity) <= lowered


def migrate(
    dialect: Dialect, execute: Callable[[str], object], columns_of: Callable[[str], set[str]]
) -> set[str]:
    """Create the landing schema and tables when missing, and add to each table the
    columns it lacks (made before they existed: null for the rows already loaded).
    ``execute`` runs one statement; ``columns_of(table)``: the table's column names
    (empty when there is no such table). Returns the names of the tables it created
    (empty ones).

    Raises :class:`ForeignTable`, before anything is written, when a table of a
    landing table's name exists that budgetcurves did not create (:func:`is_ours`)."""
    existing = {table.name: columns_of(table.name) for table in TABLES}
    for table in TABLES:
        if existing[table.name] and not is_ours(table, existing[table.name]):
            raise ForeignTable(
                f"{SCHEMA}.{table.name} is a table budgetcurves did not create (its columns: "
                f"{', '.join(sorted(existing[table.name]))}): it is left as it is and nothing is "
                "loaded; use another database, or drop or rename that table"
            )
    execute(f"create schema if not exists {SCHEMA}")
    for table in TABLES:
        execute(dialect.create_table(table))
        present = existing[table.name] or columns_of(table.name)
        missing = [column for column in table.columns if column.name not in present]
        for statement in dialect.add_columns(table, missing) if missing else []:
            execute(statement)
    return {table.name for table in TABLES if not existing[table.name]}


def ledger_rows(files: Iterable[tuple[ParsedFile, FileStamp, int]]) -> pa.Table:
    """The ledger's rows (but ``loaded_at``) for files written with so many samples each."""
    return pa.Table.from_pylist(ledger_dicts(files), schema=LEDGER_SCHEMA)


def ledger_dicts(files: Iterable[tuple[ParsedFile, FileStamp, int]]) -> list[dict[str, Any]]:
    """:func:`ledger_rows` as a dict per file, by column name."""
    return [
        {
            "log_file": parsed.path,
            "file_kind": parsed.kind,
            "log_status": parsed.status,
            "format_version": parsed.format_version,
            # sorted: the same file's entry whatever order its reader found them in
            "eval_ids": encode_eval_ids(sorted(parsed.eval_ids)),
            "sample_count": samples,
            "file_size": stamp.size,
            "file_mtime_ns": stamp.mtime_ns,
            "file_etag": stamp.etag,
        }
        for parsed, stamp, samples in files
    ]
