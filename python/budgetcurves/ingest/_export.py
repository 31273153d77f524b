"""Parsing a ``samples_df`` export (parquet or CSV) into the landing shape.

An export made with ``samples_df(columns=SampleSummary + EvalInfo + EvalModel)``
has one row per sample, the scores as ``score_<scorer>`` columns and the usage of
every model as a JSON string. DuckDB does the reshaping column-wise: into the
landing tables of a DuckDB warehouse directly (:func:`export_queries`; the rows never
pass through Python, so a 1e8-row export loads in bounded memory), or in memory into
Arrow tables for the other warehouses (:func:`read_samples_export`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from ._read import DECIMAL_NUMBER, SAMPLES_SCHEMA, SCORES_SCHEMA, LogReadError, ParsedFile

REQUIRED = ("eval_id", "id", "epoch", "model")
_NUMERIC = (
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "FLOAT",
    "DOUBLE",
    "DECIMAL",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
)
_USAGE = {
    "input_tokens": "input_tokens",
    "output_tokens": "output_tokens",
    "total_tokens": "total_tokens",
    "cache_read_tokens": "input_tokens_cache_read",
    "cache_write_tokens": "input_tokens_cache_write",
    "reasoning_tokens": "reasoning_tokens",
}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class ExportQueries:
    """The landing rows of an export as SQL over a view of the file, so DuckDB can load
    them where they go without a trip through Python (and without holding them)."""

    samples: str  # the columns of SAMPLES_SCHEMA
    scores: str  # the columns of SCORES_SCHEMA
    eval_ids: str  # one column: the distinct eval ids
    notes: list[str]


def export_queries(
    con: duckdb.DuckDBPyConnection,
    path: str,
    local_path: str | None = None,
    table: pa.Table | None = None,
) -> ExportQueries:
    """Open the export ``path`` as the temporary view ``bc_export`` of ``con`` and return
    the queries over it; raises :class:`LogReadError` naming what is missing.

    ``local_path`` is where the bytes are when ``path`` (the name loaded into the
    landing tables) is remote; ``table``, an export already in memory as Arrow (a
    notebook's frame), which DuckDB then scans in place.
    """
    suffix = Path(path).suffix.lower()
    reader = "read_parquet" if suffix == ".parquet" else "read_csv"
    options = "" if suffix == ".parquet" else ", header = true, sample_size = -1"
    try:
        if table is not None:
            con.register("bc_export_table", table)
            source = "bc_export_table"
        else:
            source = f"{reader}({_literal(local_path or path)}{options})"
        con.execute(f"create or replace temp view bc_export as select * from {source}")
        described = con.execute("describe bc_export").fetchall()
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        what = "frame" if table is not None else f"{suffix[1:]} file"
        raise LogReadError(path, f"not a readable {what}: {first}") from None
    types = {row[0]: str(row[1]).upper() for row in described}
    missing = [c for c in REQUIRED if c not in types]
    if missing:
        raise LogReadError(path, "not a samples_df export: missing column(s) " + ", ".join(missing))
    score_columns = [c for c in types if c.startswith("score_")]
    if not score_columns:
        raise LogReadError(path, "not a samples_df export: no score_<scorer> column")
    notes: list[str] = []
    if len(score_columns) > 1:
        notes.append(
            "an export does not record each log's scorer order: a sample's first score "
            f"column with a value ({', '.join(score_columns)}) is taken as its first "
            "scorer; set the var `scorer` to choose"
        )

    def col(name: str, cast: str, default: str = "null") -> str:
        return f"cast({_quote(name)} as {cast})" if name in types else f"{default}"

    # a row without a sample's identity or model cannot enter a curve: counted, left out
    usable = (
        "eval_id is not null and cast(eval_id as varchar) <> '' and id is not null "
        "and try_cast(epoch as bigint) is not null and model is not null"
    )
    # fetchall: a result left unfinished blocks the connection's next query (DuckDB 2)
    ((unusable,),) = con.execute(f"select count(*) from bc_export where not ({usable})").fetchall()
    if unusable:
        notes.append(
            f"{unusable} row(s) without an eval_id, id, whole-number epoch or model: left out"
        )
    if "status" not in types:
        notes.append("no log status column: every sample is treated as from a 'success' log")
    if "task_name" not in types and "task" not in types:
        notes.append("no task name column (add EvalTask columns to the export)")
    usage_json = "cast(model_usage as varchar)" if "model_usage" in types else "null"
    # the evaluated model's usage, parsed once per row into a struct of texts (seven
    # json_extract_string calls with a path built per row take 6x as long)
    usage_struct = ", ".join(f'"{key}": "VARCHAR"' for key in (*_USAGE.values(), "total_cost"))
    model_usage = (
        f"json_transform(json_extract({usage_json}, "
        "'$.\"' || replace(cast(model as varchar), '\"', '\\\"') || '\"'), "
        f"'{{{usage_struct}}}')"
    )

    def usage(key: str, cast: str) -> str:
        return f'try_cast(bc_usage."{key}" as {cast})'

    task_name = (
        ("task_name" if "task_name" in types else "task")
        if ("task_name" in types or "task" in types)
        else None
    )
    select = {
        "eval_id": "cast(eval_id as varchar)",
        "sample_id": "cast(id as varchar)",
        "epoch": "cast(epoch as bigint)",
        "sample_uuid": col("sample_id", "varchar"),
        "log_file": _literal(path),
        "source_log": col("log", "varchar", _literal(path)),
        "log_status": col("status", "varchar", "'success'"),
        "run_id": col("run_id", "varchar"),
        "eval_set_id": col("eval_set_id", "varchar"),
        "task_id": col("task_id", "varchar"),
        "task_name": col(task_name, "varchar") if task_name else "null",
        "model": "cast(model as varchar)",
        "eval_created": col("created", "varchar"),
        "total_cost": usage("total_cost", "double"),
        "total_time": col("total_time", "double"),
        "working_time": col("working_time", "double"),
        "message_count": col("message_count", "bigint"),
        "error": col("error", "varchar"),
        "limit_type": col("limit", "varchar"),
        "limit_value": "cast(null as double)",
        "model_usage": usage_json,
        "metadata": "null",
        # the eval's limits, where the export has EvalConfiguration columns
        "eval_token_limit": col("token_limit", "bigint"),
        "eval_token_limit_type": col("token_limit_type", "varchar"),
        "eval_message_limit": col("message_limit", "bigint"),
        "eval_time_limit": col("time_limit", "double"),
        "eval_working_limit": col("working_limit", "double"),
        "eval_cost_limit": col("cost_limit", "double"),
    }
    for column, key in _USAGE.items():
        select[column] = usage(key, "bigint")
    projection = ",\n".join(
        f"cast({select[f.name]} as {_duck_type(f.type)}) as {f.name}" for f in SAMPLES_SCHEMA
    )
    samples = (
        f"select {projection} from "
        f"(select *, {model_usage} as bc_usage from bc_export where {usable}) as bc_export"
    )

    parts = []
    for index, name in enumerate(score_columns):
        duck_type = types[name]
        if duck_type == "BOOLEAN":
            vtype, text = "'boolean'", f"case when {_quote(name)} then 'true' else 'false' end"
        elif duck_type.startswith(_NUMERIC):
            number = f"cast({_quote(name)} as double)"
            vtype = f"case when isfinite({number}) then 'number' else 'non_finite' end"
            text = f"cast({number} as varchar)"
        else:
            # a numeric string a double cannot hold (1e309) is not a score either
            text = f"cast({_quote(name)} as varchar)"
            vtype = (
                f"case when regexp_full_match({text}, {_literal(DECIMAL_NUMBER.pattern)}) "
                f"and not isfinite(try_cast(trim({text}) as double)) "
                "then 'non_finite' else 'string' end"
            )
        # an export has no scorer order per log: a row's first scorer is its first
        # score column with a value (samples_df orders the columns by scorer)
        earlier = " and ".join(f"{_quote(c)} is null" for c in score_columns[:index])
        parts.append(
            f"select cast(eval_id as varchar) as eval_id, cast(id as varchar) as sample_id, "
            f"cast(epoch as bigint) as epoch, {_literal(name[len('score_') :])} as scorer, "
            f"cast(null as varchar) as score_key, {earlier or 'true'} as is_first_scorer, "
            f"{vtype} as value_type, {text} as value_text "
            f"from bc_export where {_quote(name)} is not null and {usable}"
        )
    return ExportQueries(
        samples=samples,
        scores=" union all ".join(parts),
        eval_ids=(
            f"select distinct cast(eval_id as varchar) as eval_id from bc_export where {usable}"
        ),
        notes=notes,
    )


def read_samples_export(path: str, local_path: str | None = None) -> ParsedFile:
    """Read a samples_df export into Arrow tables (for a warehouse other than DuckDB,
    which loads an export with :func:`export_queries` instead); raises
    :class:`LogReadError` naming what is missing."""
    con = duckdb.connect()
    try:
        queries = export_queries(con, path, local_path)
        try:
            samples = con.sql(queries.samples).to_arrow_table().cast(SAMPLES_SCHEMA)
            scores = con.sql(queries.scores).to_arrow_table()
            scores = pa.Table.from_arrays(scores.columns, schema=SCORES_SCHEMA)
            eval_ids = [r[0] for r in con.execute(queries.eval_ids).fetchall()]
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise LogReadError(path, f"could not read the export: {first}") from None
    finally:
        con.close()
    return ParsedFile(path, "samples_df", None, eval_ids, None, samples, scores, queries.notes)


def _duck_type(arrow_type: pa.DataType) -> str:
    if arrow_type == pa.int64():
        return "bigint"
    if arrow_type == pa.float64():
        return "double"
    if arrow_type == pa.bool_():
        return "boolean"
    return "varchar"
