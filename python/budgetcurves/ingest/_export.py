"""Parsing a ``samples_df`` export (parquet or CSV) into the landing shape.

An export made with ``samples_df(columns=SampleSummary + EvalInfo + EvalModel)``
has one row per sample, the scores as ``score_<scorer>`` columns and the usage of
every model as a JSON string. DuckDB does the reshaping column-wise: into the
landing tables of a DuckDB warehouse directly (:func:`export_queries`; the rows never
pass through Python, so a 1e8-row export loads in bounded memory), or in memory into
Arrow tables for the other warehouses (:func:`read_samples_export`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from .._errors import LogReadError
from ._landing import (
    EXPORT_EVAL_COLUMNS,
    EXPORT_SAMPLE_COLUMNS,
    SAMPLES_SCHEMA,
    SCORES_SCHEMA,
    ParsedFile,
)
from ._rows import DECIMAL_NUMBER, USAGE_FIELDS, mistyped_note, negative_budget_note

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
#: Numeric types that hold fractions: an id of one of them written ``1.0`` is the id 1.
_FRACTIONAL = ("FLOAT", "DOUBLE", "DECIMAL")
#: The columns of an export that are read as numbers: a value that is not one is
#: null (said in a note), never a failed load.
_NUMBERS = {
    "total_time": "double",
    "working_time": "double",
    "message_count": "bigint",
}
#: The export columns the columns of an eval come from (with the limits, _BUDGETS).
_EVAL_SOURCES = (
    "log",
    "status",
    "run_id",
    "eval_set_id",
    "task_id",
    "task_name",
    "task",
    "model",
    "created",
    "token_limit_type",
)
#: The eval's limits (EvalConfiguration columns), landing column -> export column.
_BUDGETS = {
    "eval_token_limit": ("token_limit", "bigint"),
    "eval_message_limit": ("message_limit", "bigint"),
    "eval_time_limit": ("time_limit", "double"),
    "eval_working_limit": ("working_limit", "double"),
    "eval_cost_limit": ("cost_limit", "double"),
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
    #: the columns of EXPORT_SAMPLE_COLUMNS (``inspect.export_samples``)
    export_samples: str = ""
    #: one row per eval: the columns of EXPORT_EVAL_COLUMNS, and ``bc_is_constant``,
    #: whether every row of the eval has the same value in each of them (an export
    #: made by ``samples_df`` does: they come from the eval's header)
    export_evals: str = ""


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

    def number(name: str, cast: str) -> str:
        return f"try_cast({_quote(name)} as {cast})" if name in types else "null"

    # a row without a sample's identity or model cannot enter a curve: counted, left out;
    # an epoch is a whole number >= 1 (1.5 is not rounded onto epoch 2)
    epoch_number = "try_cast(epoch as double)"
    usable = (
        "eval_id is not null and cast(eval_id as varchar) <> '' and id is not null "
        f"and {epoch_number} >= 1 and {epoch_number} = floor({epoch_number}) "
        f"and {epoch_number} < 9e18 and model is not null"
    )
    # an id written as a whole-number float (1.0: pandas with a gap in an integer
    # column) is the id a log writes (1)
    sample_id = "cast(id as varchar)"
    if types["id"].startswith(_FRACTIONAL):
        sample_id = (
            "case when id = trunc(id) and abs(id) < 1e18 then cast(cast(id as bigint) as varchar) "
            "else cast(id as varchar) end"
        )
    key = f"cast(eval_id as varchar), {sample_id}, cast(epoch as bigint)"
    named_key = (
        f"cast(eval_id as varchar) as eval_id, {sample_id} as sample_id, "
        "cast(epoch as bigint) as epoch"
    )
    # the counts in one pass over the file: a hash of the keys costs a tenth of the
    # window that picks one row of each repeated sample, so the window runs only when
    # a sample is repeated (1e6 rows: 0.1 s against 0.8 s). The distinct keys are
    # counted by their 64-bit hashes (0.13 s against 0.19 s for the keys themselves):
    # fewer hashes than rows is a repeat or a collision, and the keys then count again
    float_id_count = (
        f"count(*) filter (where {usable} and cast(id as varchar) <> {sample_id})"
        if sample_id != "cast(id as varchar)"
        else "0"
    )
    # the typed-value checks, on the rows loaded
    checks = [
        (column, f"{_quote(column)} is not null and {number(column, cast)} is null")
        for column, cast in _NUMBERS.items()
        if column in types
    ] + [
        (source, f"{number(source, cast)} < 0")
        for source, cast in _BUDGETS.values()
        if source in types
    ]

    def checked(rows: str, where: str = "true") -> str:
        """Each check's count and three examples, over ``rows`` where ``where``."""
        return ", ".join(
            f"count(*) filter (where {where} and {check}), "
            f"min(cast({_quote(column)} as varchar), 3) filter (where {where} and {check})"
            for column, check in checks
        )

    # fetchall: a result left unfinished blocks the connection's next query (DuckDB 2).
    # The checks in the same scan: they are over the usable rows unless a sample repeats
    counted = con.execute(
        f"""select count(*) filter (where not ({usable})), count(*) filter (where {usable}),
        count(distinct hash({key})) filter (where {usable}), {float_id_count}
        {", " + checked("bc_export", usable) if checks else ""}
        from bc_export"""
    ).fetchall()[0]
    unusable, usable_rows, samples_kept, float_ids = counted[:4]
    check_counts = counted[4:]
    if samples_kept < usable_rows:
        ((samples_kept,),) = con.execute(
            f"select count(distinct ({key})) from bc_export where {usable}"
        ).fetchall()
    repeated = usable_rows - samples_kept
    con.execute("drop table if exists bc_rows")  # a table of an earlier export's rows
    if repeated:
        # the rows loaded: the usable ones, a repeated sample once (any of its rows; the
        # same one for its scores, by the row's hash), as a log's repeated summary is. A
        # table, not a view: the checks, samples and scores below each read it
        rows = "bc_rows"
        con.execute(
            f"create temp table {rows} as select * from bc_export as bc_row where {usable} "
            f"qualify row_number() over (partition by {key} order by hash(bc_row)) = 1"
        )
    elif suffix == ".parquet" or table is not None:
        # columnar and cheap to scan again: each query below reads the file itself
        rows = "bc_usable"
        con.execute(f"create or replace temp view {rows} as select * from bc_export where {usable}")
    else:  # a CSV is parsed once
        rows = "bc_rows"
        con.execute(f"create temp table {rows} as select * from bc_export where {usable}")
    if unusable:
        notes.append(
            f"{unusable} row(s) without an eval_id, id, whole-number epoch >= 1 or model: left out"
        )
    if repeated:
        notes.append(
            f"{repeated} row(s) repeating an eval_id, id and epoch: left out (one row of "
            "each sample is kept)"
        )
    if float_ids:
        notes.append(
            f"{float_ids} id(s) written as whole-number floats (1.0): read as whole numbers "
            "(1), as a log writes them"
        )
    if checks:
        counts = (
            con.execute(f"select {checked(rows)} from {rows}").fetchall()[0]
            if repeated
            else check_counts
        )
        for index, (column, _) in enumerate(checks):
            count, examples = counts[2 * index], counts[2 * index + 1]
            if not count:
                continue
            if column in _NUMBERS:
                shown = ", ".join(repr(value) for value in examples or [])
                notes.append(mistyped_note(column, count, shown))
            else:
                notes.append(
                    f"{count} row(s): " + negative_budget_note(column, (examples or ["?"])[0])
                )
    if "status" not in types:
        notes.append("no log status column: every sample is treated as from a 'success' log")
    if "task_name" not in types and "task" not in types:
        notes.append("no task name column (add EvalTask columns to the export)")
    usage_json = "cast(model_usage as varchar)" if "model_usage" in types else "null"
    # the evaluated model's usage, parsed once per row into a struct of texts (seven
    # json_extract_string calls with a path built per row take 6x as long)
    usage_struct = ", ".join(
        f'"{key}": "VARCHAR"' for key in (*USAGE_FIELDS.values(), "total_cost")
    )
    # json_extract takes the model's name as the key itself (no path built per row),
    # but for a name DuckDB would read as a path ('$...', '/...') or the whole document ('')
    model = "cast(model as varchar)"
    key = (
        f"case when {model} = '' or left({model}, 1) in ('$', '/') then "
        f"'$.\"' || replace({model}, '\"', '\\\"') || '\"' else {model} end"
    )
    model_usage = f"json_transform(json_extract({usage_json}, {key}), '{{{usage_struct}}}')"

    def usage(key: str, cast: str) -> str:
        return f'try_cast(bc_usage."{key}" as {cast})'

    task_name = (
        ("task_name" if "task_name" in types else "task")
        if ("task_name" in types or "task" in types)
        else None
    )
    select = {
        "eval_id": "cast(eval_id as varchar)",
        "sample_id": sample_id,
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
        **{column: number(column, cast) for column, cast in _NUMBERS.items()},
        # samples_df writes "" where a sample has no error (inspect_ai's default)
        "error": f"nullif({col('error', 'varchar')}, '')",
        "limit_type": col("limit", "varchar"),
        "limit_value": "cast(null as double)",
        "model_usage": usage_json,
        "metadata": "null",
        # the eval's limits, where the export has EvalConfiguration columns
        # (a negative limit is no budget: null, and said above)
        **{
            column: f"case when {number(source, cast)} >= 0 then {number(source, cast)} end"
            for column, (source, cast) in _BUDGETS.items()
        },
        "eval_token_limit_type": col("token_limit_type", "varchar"),
    }
    for column, key in USAGE_FIELDS.items():
        select[column] = usage(key, "bigint")
    duck_types = {f.name: _duck_type(f.type) for f in SAMPLES_SCHEMA}

    def projection(names: Iterable[str]) -> str:
        return ",\n".join(f"cast({select[name]} as {duck_types[name]}) as {name}" for name in names)

    with_usage = f"(select *, {model_usage} as bc_usage from {rows}) as bc_export"
    samples = f"select {projection(duck_types)} from {with_usage}"
    narrow = f"select {projection(EXPORT_SAMPLE_COLUMNS)} from {with_usage}"
    # an eval's columns from its rows' one value of each export column they are made
    # of (the first, by min; constant when min = max and none or all are null)
    sources = sorted(
        {*_EVAL_SOURCES, *(source for source, _ in _BUDGETS.values())}
        & (types.keys() - {"eval_id"})
    )
    grouped = ", ".join(f"min({_quote(name)}) as {_quote(name)}" for name in sources)
    constant = " and ".join(
        f"((min({_quote(name)}) = max({_quote(name)}) and count({_quote(name)}) = count(*)) "
        f"or count({_quote(name)}) = 0)"
        for name in sources
    )
    evals = (
        f"select {projection(EXPORT_EVAL_COLUMNS)}, bc_is_constant from (select eval_id"
        f"{', ' + grouped if grouped else ''}, {constant or 'true'} as bc_is_constant "
        f"from {rows} group by eval_id) as bc_export"
    )

    parts = []
    strings = []
    present_of = {name: _present(name, types[name]) for name in score_columns}
    for index, name in enumerate(score_columns):
        duck_type = types[name]
        present = present_of[name]
        if duck_type == "BOOLEAN":
            vtype, text = "'boolean'", f"case when {_quote(name)} then 'true' else 'false' end"
        elif duck_type.startswith(_NUMERIC):
            as_number = f"cast({_quote(name)} as double)"
            vtype = f"case when isfinite({as_number}) then 'number' else 'non_finite' end"
            text = f"cast({as_number} as varchar)"
        else:
            # a numeric string a double cannot hold (1e309) is not a score either
            text = f"cast({_quote(name)} as varchar)"
            vtype = (
                f"case when regexp_full_match({text}, {_literal(DECIMAL_NUMBER.pattern)}) "
                f"and not isfinite(try_cast(trim({text}) as double)) then 'non_finite' "
                f"when {_json(text, 'ARRAY')} then 'list' else 'string' end"
            )
            strings.append((index, name, text))
        parts.append(
            f"select {named_key}, {_literal(name[len('score_') :])} as scorer, "
            f"cast(null as varchar) as score_key, {_first(present_of, index)} as "
            f"is_first_scorer, {vtype} as value_type, {text} as value_text "
            f"from {rows} where {present} and not {_json(text, 'OBJECT')}"
        )
    for index, name, text in strings:
        # a dict's JSON text: a row per key, as a log's dict-valued score loads
        parts.append(
            "select bc_dict.eval_id, bc_dict.sample_id, bc_dict.epoch, "
            f"{_literal(name[len('score_') :])} as scorer, bc_entry.key as score_key, "
            f"bc_dict.is_first_scorer, {_JSON_TYPE} as value_type, "
            "case when bc_entry.type = 'VARCHAR' then json_extract_string(bc_entry.value, '$') "
            "when bc_entry.type <> 'NULL' then cast(bc_entry.value as varchar) end as value_text "
            f"from (select {named_key}, {_first(present_of, index)} as is_first_scorer, "
            f"{text} as bc_text from {rows} where {_json(text, 'OBJECT')}) as bc_dict, "
            "json_each(bc_dict.bc_text) as bc_entry"
        )
    return ExportQueries(
        samples=samples,
        scores=" union all ".join(parts),
        eval_ids=f"select distinct cast(eval_id as varchar) as eval_id from {rows}",
        notes=notes,
        export_samples=narrow,
        export_evals=evals,
    )


def _json(text: str, kind: str) -> str:
    """Is ``text`` the JSON text of an ``OBJECT`` or ``ARRAY``?"""
    valid = f"case when json_valid({text}) then {text} end"  # json_type fails on the rest
    return f"coalesce(json_type({valid}) = '{kind}', false)"


#: A JSON value's score type, as a log's reader types the value (``_typed``).
_JSON_TYPE = (
    "case bc_entry.type when 'VARCHAR' then 'string' when 'BOOLEAN' then 'boolean' "
    "when 'NULL' then 'null' when 'OBJECT' then 'dict' when 'ARRAY' then 'list' "
    "else case when isfinite(try_cast(bc_entry.value as double)) then 'number' "
    "else 'non_finite' end end"
)


def _present(name: str, duck_type: str) -> str:
    """Does the score column ``name`` hold a score in a row? Not when null, nor, in a
    text column, when ``'nan'`` or empty: samples_df writes a sample without this score
    so, where its log has no score at all."""
    if duck_type == "BOOLEAN" or duck_type.startswith(_NUMERIC):
        return f"{_quote(name)} is not null"
    text = f"cast({_quote(name)} as varchar)"
    return f"({text} is not null and lower(trim({text})) not in ('nan', ''))"


def _first(present_of: dict[str, str], index: int) -> str:
    """Whether the score column ``index`` is a row's first scorer: an export has no
    scorer order per log, so a row's first scorer is its first score column with a
    value (samples_df orders the columns by scorer)."""
    earlier = " and ".join(f"not {present}" for present in list(present_of.values())[:index])
    return earlier or "true"


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
