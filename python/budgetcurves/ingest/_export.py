"""Parsing a ``samples_df`` export (parquet or CSV) into the landing shape.

An export made with ``samples_df(columns=SampleSummary + EvalInfo + EvalModel)``
has one row per sample, the scores as ``score_<scorer>`` columns and the usage of
every model as a JSON string. DuckDB (in memory, never the warehouse) does the
reshaping column-wise, so a million-row export is read in about a second.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from ._read import SAMPLES_SCHEMA, SCORES_SCHEMA, LogReadError, ParsedFile

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


def read_samples_export(path: str, local_path: str | None = None) -> ParsedFile:
    """Read a samples_df export; raises :class:`LogReadError` naming what is missing.

    ``local_path`` is where the bytes are when ``path`` (the name loaded into the
    landing tables) is remote.
    """
    suffix = Path(path).suffix.lower()
    con = duckdb.connect()
    try:
        reader = "read_parquet" if suffix == ".parquet" else "read_csv"
        options = "" if suffix == ".parquet" else ", header = true, sample_size = -1"
        try:
            source = _literal(local_path or path)
            con.execute(f"create view src as select * from {reader}({source}{options})")
            described = con.execute("describe src").fetchall()
        except duckdb.Error as exc:
            first = str(exc).strip().splitlines()[0]
            raise LogReadError(path, f"not a readable {suffix[1:]} file: {first}") from None
        types = {row[0]: str(row[1]).upper() for row in described}
        missing = [c for c in REQUIRED if c not in types]
        if missing:
            raise LogReadError(
                path, "not a samples_df export: missing column(s) " + ", ".join(missing)
            )
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

        if "status" not in types:
            notes.append("no log status column: every sample is treated as from a 'success' log")
        if "task_name" not in types and "task" not in types:
            notes.append("no task name column (add EvalTask columns to the export)")
        usage_json = "cast(model_usage as varchar)" if "model_usage" in types else "null"

        def usage(key: str, cast: str) -> str:
            path_expr = "'$.\"' || replace(model, '\"', '\\\"') || '\".'" + f" || '{key}'"
            return f"try_cast(json_extract_string({usage_json}, {path_expr}) as {cast})"

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
        samples = con.sql(f"select {projection} from src").to_arrow_table()
        samples = samples.cast(SAMPLES_SCHEMA)

        parts = []
        for index, name in enumerate(score_columns):
            duck_type = types[name]
            if duck_type == "BOOLEAN":
                vtype, text = "'boolean'", f"case when {_quote(name)} then 'true' else 'false' end"
            elif duck_type.startswith(_NUMERIC):
                vtype, text = "'number'", f"cast(cast({_quote(name)} as double) as varchar)"
            else:
                vtype, text = "'string'", f"cast({_quote(name)} as varchar)"
            # an export has no scorer order per log: a row's first scorer is its first
            # score column with a value (samples_df orders the columns by scorer)
            earlier = " and ".join(f"{_quote(c)} is null" for c in score_columns[:index])
            parts.append(
                f"select cast(eval_id as varchar), cast(id as varchar), cast(epoch as bigint), "
                f"{_literal(name[len('score_') :])}, cast(null as varchar), "
                f"{earlier or 'true'}, {vtype}, {text} from src where {_quote(name)} is not null"
            )
        scores = con.sql(" union all ".join(parts)).to_arrow_table()
        scores = pa.Table.from_arrays(scores.columns, schema=SCORES_SCHEMA)
        eval_ids = [
            r[0]
            for r in con.execute("select distinct cast(eval_id as varchar) from src").fetchall()
        ]
    except duckdb.Error as exc:
        first = str(exc).strip().splitlines()[0]
        raise LogReadError(path, f"could not read the export: {first}") from None
    finally:
        con.close()
    return ParsedFile(path, "samples_df", None, eval_ids, None, samples, scores, notes)


def _duck_type(arrow_type: pa.DataType) -> str:
    if arrow_type == pa.int64():
        return "bigint"
    if arrow_type == pa.float64():
        return "double"
    if arrow_type == pa.bool_():
        return "boolean"
    return "varchar"
