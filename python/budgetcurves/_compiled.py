"""Answers without a dbt run: the project's SQL, compiled once by dbt, run by DuckDB.

The dbt models stay the only definition of the SQL. The first time a project, a
set of vars and a dbt version meet, dbt loads the seeds and the
staging views on a scratch database and compiles the project; what it compiled is
kept in the user's cache as a *plan*: every model's and data test's SQL in DAG
order, each model's materialization and enforced contract, and the seeds' rows as
Parquet. Every later call reads the plan and executes it on a DuckDB connection in
this process: no dbt import, no parse, no scheduling of sixty nodes.

What a plan executes is what ``dbt build`` runs on DuckDB: seeds, then views and
tables (a contracted table is created with its declared column types, then
filled), in one transaction; then the data tests, whose failures are counted with
each test's own ``fail_calc``, ``warn_if`` and ``error_if``, and a test of
severity ``error`` that fails is an error. dbt's unit tests check the SQL on
fixed rows, not the data: they stay with ``make test``, as in ``budgetcurves build``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from graphlib import CycleError, TopologicalSorter
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb

from ._options import OPTION_MODELS, Options, check, split
from ._project import PROJECT_DIR, PROJECT_IS_CHECKOUT, DbtError, _environment, cache_dir, run_dbt

#: Bumped when the plan's shape changes, so an old cache is never read as a new one.
PLAN_FORMAT = 1
#: What the compiled SQL depends on in the project (``analysis`` is not executed).
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests")
#: The database a plan runs in when no file is named (an in-memory DuckDB of this name).
MEMORY_DATABASE = "budgetcurves"
#: The catalog name every plan is compiled against (dbt writes the database's name into
#: every relation). A plan runs on a database of any name: this one quoted name is
#: replaced by that database's, so one plan serves every file and no new file name
#: costs a compile.
PLAN_CATALOG = "budgetcurves_plan_catalog"
#: Plans compiled before the user's first call, for the default shape: in a wheel by
#: its build hook (hatch_build.py, into the package's ``_plans``), in a checkout by
#: ``make setup`` (into ``target/plans``: generated files stay in target/). Read like
#: the cache (same keys), never written at run time; a plan for other versions is not
#: found there, and is compiled into the cache (once).
SHIPPED_PLANS = (
    PROJECT_DIR / "target" / "plans" if PROJECT_IS_CHECKOUT else Path(__file__).parent / "_plans"
)


class DataTestError(DbtError):
    """A data test of severity ``error`` found failing rows: the build failed, as
    ``dbt build`` would."""


@dataclass(frozen=True)
class Step:
    """One node of the plan: a seed, a model (view or table) or a data test."""

    unique_id: str
    kind: str  # "seed", "view", "table" or "test"
    name: str
    relation: str  # the quoted relation (for a test: the model it is attached to, or "")
    sql: str  # compiled SQL; for a seed, its Parquet file in the plan's folder
    depends_on: tuple[str, ...] = ()
    #: an enforced contract's columns, as (name, data_type), in order
    columns: tuple[tuple[str, str], ...] = ()
    #: a data test's configuration, as dbt reads it
    severity: str = "error"
    fail_calc: str = "count(*)"
    warn_if: str = "!= 0"
    error_if: str = "!= 0"
    limit: int | None = None


@dataclass
class TestResult:
    name: str
    failures: int
    status: str  # "pass", "warn" or "error"


@dataclass
class Built:
    """What a kept catalog holds (see :func:`kept_database`), as a build tool knows
    what is stale: each model's and data test's *stamp*, a hash of what it was built
    from (its SQL or bound option rows, the stamps of what it reads, and ``sources``,
    the landed rows'). Executing a plan with it runs only the steps whose stamp
    changed: a call that changes ``steps`` rebuilds the grid and what reads it, not
    the samples' models, and runs the data tests of what it rebuilt."""

    #: the stamp of the rows the sources hold (the caller's: e.g. a hash of the frame)
    sources: str
    #: what loading those rows said (the notes a caller repeats on every call)
    notes: tuple[str, ...] = ()
    stamps: dict[str, str] = field(default_factory=dict)
    tests: dict[str, tuple[str, TestResult]] = field(default_factory=dict)


@dataclass
class Plan:
    """The compiled project, ready to execute on a DuckDB connection."""

    folder: Path
    database: str
    steps: list[Step] = field(default_factory=list)
    #: the values the option relations are bound to; None: the compiled SQL's (the
    #: vars' defaults)
    options: Options | None = None

    def bound(self, options: Options) -> Plan:
        """This plan with its option relations (int_options...) holding ``options``."""
        return replace(self, options=options)

    def on(self, database: str) -> Plan:
        """This plan for a database named ``database``: every relation's catalog, which
        dbt wrote as the plan's, renamed (the SQL is otherwise the same)."""
        if database == self.database:
            return self
        old, new = _quote(self.database) + ".", _quote(database) + "."
        steps = [
            replace(
                step,
                relation=step.relation.replace(old, new),
                sql=step.sql if step.kind == "seed" else step.sql.replace(old, new),
            )
            for step in self.steps
        ]
        return Plan(self.folder, database, steps, self.options)

    def relation(self, name: str) -> str:
        """The quoted relation a model or seed of the plan builds."""
        for step in self.steps:
            if step.name == name and step.kind != "test":
                return step.relation
        raise ValueError(f"no model or seed named {name} in the project")

    def row_count(self, con: duckdb.DuckDBPyConnection, name: str) -> int:
        """How many rows the model or seed ``name`` holds in ``con``'s database."""
        row = con.execute(f"select count(*) from {self.relation(name)}").fetchone()
        assert row is not None  # an aggregate without group by returns one row
        return int(row[0])

    # ------------------------------------------------------------------ selection

    def select(self, *names: str) -> list[Step]:
        """The models and seeds ``names`` with everything upstream of them, in DAG
        order, then the data tests all of whose parents are among them; every step
        when no name is given."""
        if not names:
            return list(self.steps)
        by_id = {step.unique_id: step for step in self.steps}
        known = {step.name: step.unique_id for step in self.steps if step.kind != "test"}
        unknown = [name for name in names if name not in known]
        if unknown:
            raise ValueError(f"no model or seed named {', '.join(unknown)} in the project")
        wanted: set[str] = set()
        todo = [known[name] for name in names]
        while todo:
            unique_id = todo.pop()
            if unique_id in wanted or unique_id not in by_id:
                continue
            wanted.add(unique_id)
            todo.extend(by_id[unique_id].depends_on)
        tests = {
            step.unique_id
            for step in self.steps
            if step.kind == "test" and step.depends_on and set(step.depends_on) <= wanted
        }
        return [step for step in self.steps if step.unique_id in wanted | tests]

    # ------------------------------------------------------------------ execution

    def execute(
        self,
        con: duckdb.DuckDBPyConnection,
        *names: str,
        timings: dict[str, float] | None = None,
        built: Built | None = None,
    ) -> list[TestResult]:
        """Build ``names`` (and what they read; everything by default) on ``con``, whose
        catalog must be the plan's database, then run their data tests. ``timings``,
        when given, receives the seconds of each step by name (the tests as one).
        ``built``, when given, is what ``con``'s catalog already holds: a step whose
        stamp it records (and whose relation exists) is not run again, a test whose
        stamp it records keeps its result, and it is updated with what ran.

        Raises :class:`DataTestError` naming every failing error-severity test, and
        ``duckdb.Error`` when a model's SQL fails (the transaction is rolled back).
        """
        steps = self.select(*names)
        stamps = self._stamps(steps, built.sources) if built is not None else {}
        # as profiles.yml sets it for dbt: no model needs its rows in insertion order
        con.execute("set preserve_insertion_order = false")
        kinds = _existing_kinds(con, self.database)
        ran: list[str] = []
        con.execute("begin transaction")
        try:
            for step in steps:
                if step.kind == "test":
                    continue
                if (
                    built is not None
                    and step.relation in kinds
                    and built.stamps.get(step.unique_id) == stamps[step.unique_id]
                ):
                    continue
                started = time.perf_counter()
                if self.options is not None and step.name in OPTION_MODELS:
                    self._bind(con, step, kinds.get(step.relation))
                else:
                    for statement in self._statements(step, kinds.get(step.relation)):
                        con.execute(statement)
                ran.append(step.unique_id)
                if timings is not None:
                    timings[step.name] = time.perf_counter() - started
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            if built is not None:  # what the catalog holds is no longer known
                built.stamps.clear()
                built.tests.clear()
            raise
        if built is not None:
            built.stamps.update((unique_id, stamps[unique_id]) for unique_id in ran)
        started = time.perf_counter()
        results = self._tests(con, [step for step in steps if step.kind == "test"], stamps, built)
        if timings is not None:
            timings["data tests"] = time.perf_counter() - started
        failed = [r for r in results if r.status == "error"]
        if failed:
            raise DataTestError(
                f"{len(failed)} data test{'s' if len(failed) > 1 else ''} failed: "
                + "; ".join(f"{r.name} ({r.failures} failing rows)" for r in failed)
            )
        return results

    def _stamps(self, steps: list[Step], sources: str) -> dict[str, str]:
        """Each step's stamp (see :class:`Built`), in DAG order. A step that reads the
        options row takes the values of the options it reads, not the row's stamp: a
        call that changes ``steps`` leaves the samples' models as they are."""
        stamps: dict[str, str] = {}
        options = {s.unique_id: s for s in steps if s.name == "int_options"}
        values: dict[str, Any] = {}
        if self.options is not None:  # the options row, by column
            columns, rows = self.options.rows("int_options")
            values = dict(zip((c.split()[0] for c in columns.split(", ")), rows[0], strict=True))
        for step in steps:
            digest = hashlib.sha256(f"{sources}\0{step.kind}\0{step.sql}".encode())
            if self.options is not None and step.name in OPTION_MODELS:
                digest.update(repr(self.options.rows(step.name)).encode())
            for upstream in step.depends_on:
                if upstream in options and self.options is not None:
                    read = _options_read(step, options[upstream].relation, values)
                    digest.update(repr(read).encode())
                else:
                    digest.update(stamps.get(upstream, upstream).encode())
            stamps[step.unique_id] = digest.hexdigest()
        return stamps

    def _tests(
        self,
        con: duckdb.DuckDBPyConnection,
        tests: list[Step],
        stamps: Mapping[str, str],
        built: Built | None,
    ) -> list[TestResult]:
        """The tests' results: those ``built`` holds for the same stamp as they were,
        the others run (in one query)."""
        if built is None:
            return self._test(con, tests)
        kept = {
            test.unique_id: built.tests[test.unique_id][1]
            for test in tests
            if built.tests.get(test.unique_id, ("",))[0] == stamps[test.unique_id]
        }
        stale = [test for test in tests if test.unique_id not in kept]
        for test, result in zip(stale, self._test(con, stale), strict=True):
            kept[test.unique_id] = result
            if result.status != "error":  # a failure is found again next time
                built.tests[test.unique_id] = (stamps[test.unique_id], result)
        return [kept[test.unique_id] for test in tests]

    def _bind(self, con: duckdb.DuckDBPyConnection, step: Step, existing: str | None) -> None:
        """The option relation ``step`` as a table of this plan's options, in place of
        its compiled SQL (which holds the vars' defaults)."""
        assert self.options is not None
        columns, rows = self.options.rows(step.name)
        if existing == "VIEW":
            con.execute(f"drop view {step.relation}")
        con.execute(f"create or replace table {step.relation} ({columns})")
        marks = ", ".join("?" for _ in rows[0])
        con.executemany(f"insert into {step.relation} values ({marks})", rows)

    def _statements(self, step: Step, existing: str | None) -> Iterable[str]:
        # an object of the other kind is dropped first, as dbt does when a
        # model's materialization changes
        if existing == "VIEW" and step.kind != "view":
            yield f"drop view {step.relation}"
        elif existing == "BASE TABLE" and step.kind == "view":
            yield f"drop table {step.relation}"
        if step.kind == "view":
            yield f"create or replace view {step.relation} as (\n{step.sql}\n)"
        elif step.kind == "seed":
            rows = f"read_parquet({_literal(str(self.folder / step.sql))})"
            yield f"create or replace table {step.relation} as select * from {rows}"
        elif step.columns:  # an enforced contract: the declared types, then the rows
            names = ", ".join(_quote(name) for name, _ in step.columns)
            types = ", ".join(f"{_quote(name)} {data_type}" for name, data_type in step.columns)
            yield f"create or replace table {step.relation} ({types})"
            yield (
                f"insert into {step.relation} ({names})\n"
                f"select {names} from (\n{step.sql}\n) as model_subq"
            )
        else:
            yield f"create or replace table {step.relation} as (\n{step.sql}\n)"

    @staticmethod
    def _test(con: duckdb.DuckDBPyConnection, tests: list[Step]) -> list[TestResult]:
        """Every test in one query (DuckDB runs the branches in parallel), each
        wrapped as dbt's ``get_test_sql`` wraps it."""
        if not tests:
            return []
        branches = []
        for index, test in enumerate(tests):
            limit = f"\nlimit {int(test.limit)}" if test.limit is not None else ""
            branches.append(
                f"select {index} as test_index, {test.fail_calc} as failures, "
                f"{test.fail_calc} {test.warn_if} as should_warn, "
                f"{test.fail_calc} {test.error_if} as should_error\n"
                f"from (\n{test.sql}{limit}\n) as dbt_internal_test"
            )
        rows = con.execute("\nunion all\n".join(branches)).fetchall()
        results = []
        for index, failures, should_warn, should_error in sorted(rows):
            test = tests[index]
            if test.severity == "error" and should_error:
                status = "error"
            elif should_warn:
                status = "warn"
            else:
                status = "pass"
            results.append(TestResult(test.name, int(failures or 0), status))
        return results


def _options_read(step: Step, relation: str, values: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The options (name, value) of ``values`` (the options row) that ``step`` reads,
    whose every use is the scalar subquery ``(select NAME from RELATION)``
    (macros/options.sql, option_sql); all of them if the SQL reads the row in any
    other way."""
    uses = re.findall(r"\(select (\w+) from " + re.escape(relation) + r"\)", step.sql)
    if step.sql.count(relation) != len(uses) or not set(uses) <= values.keys():
        return sorted(values.items())
    return sorted((name, values[name]) for name in set(uses))


# ---------------------------------------------------------------------------- the cache


def project_fingerprint(project: Path = PROJECT_DIR) -> str:
    """A hash of every file the compiled SQL depends on: names and contents (read
    again only when a file's size or modification time changed, or one came or went)."""
    files: list[Path] = []
    for part in PROJECT_PARTS:
        path = project / part
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        files.extend(file for file in found if "__pycache__" not in file.parts)
    stats = tuple((str(file), *_stat(file)) for file in files)
    known = _FINGERPRINTS.get(project)
    if known is not None and known[0] == stats:
        return known[1]
    digest = hashlib.sha256()
    for file in files:
        if file.is_file():
            digest.update(file.relative_to(project).as_posix().encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    _FINGERPRINTS[project] = (stats, digest.hexdigest())
    return digest.hexdigest()


#: The last fingerprint of each project, with the stat of the files it was read from.
_FINGERPRINTS: dict[Path, tuple[tuple[tuple[str, int, int, int], ...], str]] = {}


def _stat(file: Path) -> tuple[int, int, int]:
    try:
        stat = file.stat()
    except OSError:
        return (-1, -1, -1)
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino)


def plan_key(
    variables: Mapping[str, Any],
    project: Path = PROJECT_DIR,
    kind: str = "plan",
) -> str:
    """What a plan is valid for: the project's files, the vars, the adapter and the
    versions involved (not the database's name: see :meth:`Plan.on`)."""
    identity = {
        "kind": kind,
        "format": PLAN_FORMAT,
        "dbt-core": _version("dbt-core"),
        "adapter": "duckdb",
        "dbt-duckdb": _version("dbt-duckdb"),
        "duckdb": duckdb.__version__,
        "project": project_fingerprint(project),
        "vars": dict(variables),
    }
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def compiled_plan(variables: Mapping[str, Any], database: str = MEMORY_DATABASE) -> Plan:
    """The plan for ``variables`` on a database named ``database``, its option
    relations bound to the value vars among them (budgetcurves._options). The SQL
    depends only on the other vars, the shape: read from the cache, or compiled by
    dbt and cached (a few seconds, once per shape, for every value and every
    database name).

    Raises :class:`budgetcurves._options.OptionError` (a ``ValueError``) naming a
    value var that is wrong, before anything runs, and
    :class:`budgetcurves._project.DbtError` when dbt rejects the project or a var
    of the shape (a var check failing at compile time names the var).
    """
    options = check(variables)
    shape, _ = split(variables)
    return _shape_plan(shape).on(database).bound(options)


def _shape_plan(shape: Mapping[str, Any]) -> Plan:
    """The compiled plan for the shape vars ``shape``: the shipped one, or the
    cache's, or compiled by dbt into the cache."""
    key = plan_key(shape)
    plan = _read_plan(SHIPPED_PLANS / key)
    if plan is not None:
        return plan
    root = cache_dir() / "compiled"
    folder = root / key
    plan = _read_plan(folder)
    if plan is not None:
        return plan
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".compiling-") as scratch:
        built = _compile(Path(scratch), shape, PLAN_CATALOG)
        try:  # the rename is atomic: a reader sees the whole plan or none
            built.rename(folder)
        except OSError:  # another process cached the same plan first: keep theirs
            if _read_plan(folder) is None:
                raise
    plan = _read_plan(folder)
    assert plan is not None
    return plan


def ship(root: Path, shape: Mapping[str, Any] | None = None) -> Path:
    """Compile the plan for ``shape`` (default: the default shape, no vars) into
    ``root``, named by its key, as the cache holds it: what the wheel's build hook
    and ``make setup`` run, so the user's first call finds its plan. Returns its
    folder (left as it is when already there)."""
    shape = dict(shape or {})
    folder = root / plan_key(shape)
    if _read_plan(folder) is not None:
        return folder
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=root, prefix=".compiling-") as scratch:
        _compile(Path(scratch), shape, PLAN_CATALOG).rename(folder)
    return folder


@functools.cache
def _version(distribution: str) -> str:
    """An installed distribution's version, read once per process (the metadata
    lookup is a large share of finding a plan)."""
    return version(distribution)


#: Plans read in this process, by folder, with their plan.json's stat: a plan is
#: never rewritten in place (a new one is a new folder), so a file of the same
#: modification time and size is the same plan.
_READ_PLANS: dict[Path, tuple[tuple[int, int], Plan]] = {}


def _read_plan(folder: Path) -> Plan | None:
    try:
        stat = (folder / "plan.json").stat()
    except OSError:
        return None
    known = _READ_PLANS.get(folder)
    if known is not None and known[0] == (stat.st_mtime_ns, stat.st_size):
        return known[1]
    try:
        text = (folder / "plan.json").read_text()
    except OSError:
        return None
    data = json.loads(text)
    steps = [
        Step(
            **{
                **step,
                "depends_on": tuple(step["depends_on"]),
                "columns": tuple(tuple(column) for column in step["columns"]),
            }
        )
        for step in data["steps"]
    ]
    plan = Plan(folder, data["database"], steps)
    _READ_PLANS[folder] = ((stat.st_mtime_ns, stat.st_size), plan)
    return plan


def _compile(scratch: Path, variables: Mapping[str, Any], database: str) -> Path:
    """Compile the project with dbt on a scratch database named ``database`` and
    write the plan to ``scratch/plan``: its ``plan.json`` and the seeds' Parquet.

    One dbt invocation as a rule (``dbt compile``): the seeds' rows do not depend
    on the vars, so they are loaded by ``dbt seed`` once per project and kept; the
    staging views are built first only when ``extra_limits`` is set, whose check
    reads their columns at compile time.
    """
    db = scratch / f"{database}.duckdb"
    paths = ["--target-path", str(scratch / "target"), "--log-path", str(scratch / "logs")]
    # the options as relations the plan fills from each call (macros/options.sql); a
    # dbt build writes them as literals, so a partial build uses the vars it is given
    with _environment({"BUDGETCURVES_OPTIONS_AS_DATA": "1"}):
        if variables.get("extra_limits"):
            run_dbt(
                ["run", "--select", "path:models/staging", *paths],
                db=db,
                variables=variables,
                quiet=True,
            )
        run_dbt(["compile", *paths], db=db, variables=variables, quiet=True)
    manifest = json.loads((scratch / "target" / "manifest.json").read_text())
    steps = _steps(manifest)
    out = scratch / "plan"
    shutil.copytree(_seed_rows(steps, db, paths), out / "seeds")
    plan = {"format": PLAN_FORMAT, "database": database, "steps": [asdict(s) for s in steps]}
    (out / "plan.json").write_text(json.dumps(plan, indent=1))
    return out


def _seed_rows(steps: list[Step], db: Path, paths: list[str]) -> Path:
    """The folder of every seed's rows as Parquet, for this project: loaded by
    ``dbt seed`` into ``db`` (with the seeds' configured column types) the first
    time, then kept beside the plans."""
    folder = cache_dir() / "seeds" / plan_key({}, kind="seeds")
    if folder.is_dir():
        return folder
    run_dbt(["seed", *paths], db=db, quiet=True)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent.parent, prefix=".seeding-"))
    with duckdb.connect(str(db), read_only=True) as con:
        for step in steps:
            if step.kind == "seed":
                target = _literal(str(scratch / Path(step.sql).name))
                con.execute(f"copy (select * from {step.relation}) to {target} (format parquet)")
    folder.parent.mkdir(parents=True, exist_ok=True)
    try:
        scratch.rename(folder)
    except OSError:  # another process kept the same rows first
        shutil.rmtree(scratch, ignore_errors=True)
    return folder


def _steps(manifest: Mapping[str, Any]) -> list[Step]:
    """The manifest's enabled seeds, models and data tests in an order where every
    node comes after what it reads (dbt's DAG); unit tests are left out."""
    nodes = {
        unique_id: node
        for unique_id, node in manifest["nodes"].items()
        if node["resource_type"] in ("seed", "model", "test")
        and node.get("config", {}).get("enabled", True)
    }
    steps: dict[str, Step] = {}
    for unique_id, node in nodes.items():
        depends_on = tuple(d for d in node["depends_on"].get("nodes", []) if d in nodes)
        config = node.get("config", {})
        kind = node["resource_type"]
        if kind == "seed":
            parquet = f"seeds/{node['name']}.parquet"
            steps[unique_id] = Step(unique_id, "seed", node["name"], node["relation_name"], parquet)
            continue
        sql = node.get("compiled_code")
        if sql is None:
            raise RuntimeError(f"dbt did not compile {unique_id}")
        if kind == "model":
            materialized = config.get("materialized")
            if materialized not in ("view", "table"):
                raise RuntimeError(f"{unique_id}: materialized {materialized!r} is not supported")
            contract = config.get("contract", {}).get("enforced", False)
            columns = tuple(
                (column["name"], column["data_type"])
                for column in node.get("columns", {}).values()
                if contract
            )
            relation = node["relation_name"]
            steps[unique_id] = Step(
                unique_id, materialized, node["name"], relation, sql, depends_on, columns
            )
        else:
            limit = config.get("limit")
            steps[unique_id] = Step(
                unique_id,
                "test",
                node["name"],
                "",
                sql,
                depends_on,
                severity=str(config.get("severity", "error")).lower(),
                fail_calc=config.get("fail_calc") or "count(*)",
                warn_if=config.get("warn_if") or "!= 0",
                error_if=config.get("error_if") or "!= 0",
                limit=int(limit) if limit is not None else None,
            )
    return _in_dag_order(steps)


def _in_dag_order(steps: Mapping[str, Step]) -> list[Step]:
    """A topological order, ties broken by kind then name (the lowest ready step
    first), so a plan is the same from run to run."""
    sorter = TopologicalSorter({uid: step.depends_on for uid, step in steps.items()})
    try:
        sorter.prepare()
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise RuntimeError(f"the project's DAG has a cycle: {cycle}") from None
    key = _sort_key(steps)
    ordered: list[Step] = []
    ready: list[str] = []
    while sorter.is_active():
        ready = sorted([*ready, *sorter.get_ready()], key=key)
        uid = ready.pop(0)
        ordered.append(steps[uid])
        sorter.done(uid)
    return ordered


def _sort_key(steps: Mapping[str, Step]) -> Callable[[str], tuple[int, str]]:
    order = {"seed": 0, "view": 1, "table": 1, "test": 2}
    return lambda uid: (order[steps[uid].kind], steps[uid].name)


def _existing_kinds(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, str]:
    """The objects already in ``database``, by quoted relation: 'BASE TABLE' or 'VIEW'."""
    rows = con.execute(
        "select database_name, schema_name, table_name, 'BASE TABLE' from duckdb_tables() "
        "where database_name = $database "
        "union all "
        "select database_name, schema_name, view_name, 'VIEW' from duckdb_views() "
        "where database_name = $database and not internal",
        {"database": database},
    ).fetchall()
    return {
        ".".join(_quote(part) for part in (catalog, schema, name)): kind
        for catalog, schema, name, kind in rows
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@contextmanager
def memory_database(threads: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to a new, empty in-memory catalog named as the plans for no file
    expect; the catalog is dropped when the ``with`` block ends. ``threads``: DuckDB's
    threads for this call (default: one per core).

    A DuckDB instance takes ~12 ms to open and as long to close, a large share of a
    call on a small frame: the catalogs are attached to one instance kept for the
    process (opened again in a forked child, as DuckDB is not fork-safe), each on its
    own connection, so temporary views and registered frames go with it. Calls are
    serialized: the catalog's name is the instance's (a kept catalog, see
    :func:`kept_database`, is dropped first).
    """
    with kept_database("", threads) as catalog:
        yield catalog.con


@dataclass
class KeptCatalog:
    """A call's in-memory catalog (see :func:`kept_database`)."""

    con: duckdb.DuckDBPyConnection
    #: what the catalog holds, when it was kept from an earlier call with the same key;
    #: None for a new, empty catalog. The caller sets it to keep the catalog after the
    #: call.
    built: Built | None


@contextmanager
def kept_database(key: str, threads: int | None = None) -> Iterator[KeptCatalog]:
    """:func:`memory_database`, but the catalog outlives the call when the caller
    sets ``built`` and the ``with`` block ends without an error: the next call with
    the same ``key`` (a hash of its rows and plan, say) gets it back with its
    ``built``, and executes only what changed. One catalog is kept per process: a
    call with another key, an empty key, or any error drops it.
    """
    global _KEPT
    with _INSTANCE_LOCK:
        instance = _instance()
        kept, _KEPT = _KEPT, None
        if kept is not None and kept[0] != os.getpid():
            kept = None  # the parent's catalog, in the parent's instance
        name = _quote(MEMORY_DATABASE)
        if kept is not None and (not key or kept[1] != key):
            instance.execute(f"detach {name}")
            kept = None
        if kept is None:
            instance.execute(f"attach ':memory:' as {name}")
        catalog: KeptCatalog | None = None
        try:  # from here on the catalog is detached whatever happens (Ctrl-C too)
            if threads is not None:
                instance.execute(f"set threads = {int(threads)}")
            con = instance.cursor()
            try:
                con.execute(f"use {name}")
                catalog = KeptCatalog(con, kept[2] if kept is not None else None)
                yield catalog
            except BaseException:
                catalog = None
                raise
            finally:
                con.close()
        finally:
            instance.execute("reset threads")
            if key and catalog is not None and catalog.built is not None:
                _KEPT = (os.getpid(), key, catalog.built)
            else:
                instance.execute(f"detach {name}")


_INSTANCE_LOCK = threading.Lock()
_INSTANCE: tuple[int, duckdb.DuckDBPyConnection] | None = None
#: The catalog kept from the last call (kept_database): the process, its key, what it holds.
_KEPT: tuple[int, str, Built] | None = None


def _instance() -> duckdb.DuckDBPyConnection:
    """The process's DuckDB instance of in-memory catalogs (see memory_database)."""
    global _INSTANCE
    if _INSTANCE is None or _INSTANCE[0] != os.getpid():
        _INSTANCE = (os.getpid(), duckdb.connect())
    return _INSTANCE[1]


def database_name(db: str | os.PathLike[str]) -> str:
    """The catalog name DuckDB (and so dbt-duckdb) gives a database file: its stem."""
    return Path(db).stem


def main(argv: list[str] | None = None) -> int:
    """``python -m budgetcurves._compiled ship [DIR]``: compile the default shape's
    plan into DIR (default: SHIPPED_PLANS, a checkout's ``target/plans``), as ``make
    setup`` does."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "ship" or len(args) > 2:
        print("usage: python -m budgetcurves._compiled ship [DIR]", file=sys.stderr)
        return 2
    folder = ship(Path(args[1]) if len(args) > 1 else SHIPPED_PLANS)
    print(f"plan for the default shape: {folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
