"""``budgetcurves ingest | build | plot | run | export``."""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import pickle
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from .. import __version__
from .._compiled import DataTestError
from .._errors import ForeignTable, WarehouseError, one_line
from .._project import DEFAULT_DB, PROJECT_DIR, DbtError, VarError, build_command, run_dbt

if TYPE_CHECKING:  # the ingest package is imported by the commands that use it
    from ..ingest import IngestSummary, Warehouse

#: Exit codes, one meaning each (the README's table): 0, all done.
EXIT_BAD_INPUT = 1  # some files or paths bad and named; every good one loaded
EXIT_USAGE = 2  # nothing done: a usage error (an option, a var, --out, not a database)
EXIT_NOTHING_READ = 3  # nothing could be read: every path given missing, empty or bad
EXIT_FAILED = 4  # dbt or the database failed (a failing test, a full disk)
EXIT_BUSY = 5  # nothing done: another process held the database past --wait; retry


class UserError(Exception):
    """A mistake in what the user asked for: printed as one line, no traceback."""


class DatabaseBusy(Exception):
    """Another process writes the database: nothing was done, and trying later will do."""


def _err(message: str) -> None:
    print(f"budgetcurves: error: {one_line(message)}", file=sys.stderr)


def _connect(db: str, wait: float) -> duckdb.DuckDBPyConnection:
    """Open ``db`` for writing, waiting up to ``wait`` seconds for another writer."""
    deadline = time.monotonic() + wait
    # as profiles.yml gives dbt: bounded memory (a large load spills to <db>.tmp), and
    # no DuckDB progress bar in the middle of ours or of a cron job's log
    config: dict[str, str | bool | int | float | list[str]] = {
        "memory_limit": os.environ.get("BUDGETCURVES_MEMORY_LIMIT", "2GB")
    }
    while True:
        try:
            con = duckdb.connect(db, config=config)
            con.execute("set enable_progress_bar = false")
            return con
        except duckdb.IOException as exc:
            if "could not set lock" not in str(exc).lower():  # not "in use": say why
                raise UserError(f"{db}: cannot open the database: {exc}") from None
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"{db}: the database is in use by another process (DuckDB allows one "
                    f"writer); waited {wait:g}s. Try again when it finishes."
                ) from None
            time.sleep(0.2)


# ----------------------------------------------------------------------------- commands


@contextmanager
def _open_warehouse(args: argparse.Namespace) -> Iterator[Warehouse]:
    """The landing tables of ``--target`` (docs/warehouses.md), closed on exit:
    ``duckdb``, the file ``--db``; any other name, that output of the dbt profile
    (``postgres``, ``spark``, ``spark_thrift``, ``databricks``, or one of the user's),
    opened by its type (``budgetcurves.ingest._targets``)."""
    target = getattr(args, "target", "duckdb")
    if target == "duckdb":
        from ..ingest import DuckDBWarehouse

        if args.db is None:
            raise UserError("--target duckdb: --db names the DuckDB file to load into")
        duck = DuckDBWarehouse(_connect(args.db, args.wait))
        try:
            yield duck
        finally:
            duck.close()
        return
    from ..ingest._targets import TargetError, open_target

    # pyspark 4 warns on every Arrow conversion that it has not been tested with pandas 3
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    with ExitStack() as stack:
        try:
            warehouse = stack.enter_context(open_target(target))
        except TargetError as exc:
            raise UserError(str(exc)) from None
        yield warehouse


def _check_paths(paths: Sequence[str], what: str) -> None:
    """A usage error, before the database is opened: an empty path (which Python
    takes for the working folder, loading or forgetting everything under it)."""
    if any(not path for path in paths):
        raise UserError(
            f"{what}: an empty path ('') names no file or folder; give '.' for the working folder"
        )


def cmd_ingest(args: argparse.Namespace) -> int:
    from ..ingest import ProgressBar, ingest

    _check_paths(args.logs, "LOGS")

    # a bar only on a terminal; cron and CI get the one summary line
    bar = ProgressBar() if not (args.quiet or args.json) and sys.stderr.isatty() else None
    try:
        with _open_warehouse(args) as warehouse:
            summary = ingest(
                args.logs,
                warehouse,
                full_refresh=args.full_refresh,
                prune=args.prune,
                on_progress=bar,
            )
    finally:
        if bar is not None:
            bar.close()
    return _report(summary, args)


def _report(
    summary: IngestSummary,
    args: argparse.Namespace,
    line: Callable[[IngestSummary], str] | None = None,
) -> int:
    """Print what an ingest or forget did (``line``: the summary line, default an
    ingest's); its exit code."""
    for error in summary.errors:
        _err(str(error))
    if args.json:
        print(json.dumps(summary.as_dict()))
    elif not args.quiet:
        for note in summary.notes:
            print(f"budgetcurves: note: {one_line(note)}", file=sys.stderr)
        print(one_line(line(summary) if line is not None else summary.line()))
    if summary.nothing_read:
        return EXIT_NOTHING_READ
    return EXIT_BAD_INPUT if summary.errors else 0


def cmd_forget(args: argparse.Namespace) -> int:
    from ..ingest import forget

    _check_paths(args.paths, "PATH")
    if getattr(args, "target", "duckdb") == "duckdb" and args.db and not Path(args.db).exists():
        # forgetting needs something loaded: a misspelt --db is not a new database
        raise UserError(f"{args.db}: no such database (nothing was loaded into it)")
    with _open_warehouse(args) as warehouse:
        summary = forget(args.paths, warehouse)
    return _report(summary, args, _forget_line)


def _forget_line(summary: IngestSummary) -> str:
    return (
        f"forget: {summary.files_pruned} files forgotten, {summary.samples_removed} samples "
        f"removed, {summary.files_bad} paths named no loaded file in {summary.seconds:.2f}s"
    )


def _project_vars() -> list[str]:
    """The vars the dbt project declares (dbt_project.yml)."""
    import yaml

    with open(PROJECT_DIR / "dbt_project.yml", encoding="utf-8") as handle:
        return list(yaml.safe_load(handle)["vars"])


def _build_vars(args: argparse.Namespace) -> dict[str, Any]:
    variables: dict[str, Any] = {}
    if args.vars:
        try:
            import yaml

            parsed = yaml.safe_load(args.vars)
        except Exception as exc:  # yaml's errors vary; the message names the problem
            raise UserError(f"--vars: not a YAML/JSON mapping: {exc}") from None
        if not isinstance(parsed, dict):
            raise UserError(f"--vars: expected a mapping like '{{steps: 50}}', got {args.vars!r}")
        known = _project_vars()
        for name in parsed:
            if name not in known:
                raise UserError(f"--vars: unknown var {name!r} (the vars are {', '.join(known)})")
        variables.update(parsed)
    for name, value in (("steps", args.steps), ("scale", args.scale), ("ci_level", args.ci)):
        if value is not None:
            variables[name] = value
    from .._options import OptionError, check

    try:  # the values' checks, as dbt's (the shape's are dbt's, when it compiles)
        check(variables)
    except OptionError as exc:
        raise UserError(str(exc)) from None
    return variables


def _check_database(args: argparse.Namespace) -> None:
    """Before dbt opens ``--db``: it exists, is a DuckDB database we may write, and is
    free (waiting up to ``--wait``); else one line saying which, not dbt's tracebacks."""
    if not Path(args.db).exists():
        raise UserError(f"{args.db}: no such database (run `budgetcurves ingest` first)")
    _connect(args.db, args.wait).close()


def _plain_dbt_output() -> None:
    """dbt's colours only on a terminal: a log file or CI gets no ANSI codes."""
    if not sys.stdout.isatty():
        os.environ.setdefault("DBT_USE_COLORS", "false")


def cmd_build(args: argparse.Namespace) -> int:
    _check_database(args)
    _plain_dbt_output()
    command = build_command(unit_tests=args.unit_tests)
    # --db names a DuckDB file: its target, whatever DBT_TARGET says (README)
    run_dbt(command, db=args.db, variables=_build_vars(args), quiet=args.quiet, target="duckdb")
    return 0


def _plot_out(args: argparse.Namespace) -> Path:
    """``--out`` checked: an image (.png, .svg, .pdf) or the interactive page (.html)."""
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".svg", ".pdf", ".html"):
        raise UserError(
            f"--out {out}: the file must end in .png, .svg or .pdf, or .html for a page"
        )
    return out


def cmd_plot(args: argparse.Namespace) -> int:
    from ..frames import read_scores
    from ..plot import scores_by_limit

    out = _plot_out(args)
    if out.suffix.lower() == ".html":
        return _plot_html(args, out)
    _check_size(args)
    try:
        frame = read_scores(args.db, limit=args.limit, facet=args.facet)
        _done_reading(args)
        plot = scores_by_limit(
            frame, title=args.title, width=args.width, height=args.height, dpi=args.dpi
        )
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    with _as_user_errors(out), _written_whole(out) as partial:
        plot.save(partial, verbose=False)
    if not args.quiet:
        print(f"plot: wrote {one_line(str(out))}")
    return 0


def _done_reading(args: argparse.Namespace) -> None:
    """Tell whoever waits (``run``'s :func:`_drawing_process`) that the database is
    closed: the figure's rows are read, only the drawing is left."""
    done = getattr(args, "done_reading", None)
    if done is not None:
        done()


@contextmanager
def _written_whole(out: Path) -> Iterator[Path]:
    """A temporary name beside ``out`` to write to, renamed to ``out`` only once
    written whole: a failure (a size matplotlib refuses, a full disk, Ctrl-C) leaves
    any earlier ``out`` as it was and no broken file."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.stem}.partial-{os.getpid()}{out.suffix}")
    try:
        yield partial
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def _as_user_errors(out: Path) -> Iterator[None]:
    """What reading the mart and writing ``out`` can meet, as one line each: no
    database or mart, or a bad option (the message says which); ``out`` unwritable."""
    try:
        yield
    except (ValueError, FileNotFoundError) as exc:
        raise UserError(str(exc)) from None
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write: {exc.strerror or exc}") from None


def _plot_html(args: argparse.Namespace, out: Path) -> int:
    """Every limit of the mart on one offline page (a selector picks the limit)."""
    from ..frames import limit_frames
    from ..plot._html import write_report

    with _as_user_errors(out), _written_whole(out) as partial:
        frames = limit_frames(args.db, args.facet)
        _done_reading(args)
        figures = write_report(frames, partial, title=args.title)
    if not args.quiet:
        print(f"plot: wrote {one_line(str(out))} ({figures} figures)")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from ..frames._mart import EXPORT_FORMATS, export_scores

    out = Path(args.out)
    if out.suffix.lower() not in EXPORT_FORMATS:
        raise UserError(f"--out {out}: the file must end in .csv or .parquet")
    with _as_user_errors(out), _written_whole(out) as partial:
        rows = export_scores(args.db, partial)
    if not args.quiet:
        print(f"export: wrote {rows} rows of scores_by_limit to {one_line(str(out))}")
    return 0


def build_compiled(args: argparse.Namespace, checkpoint: bool = True) -> None:
    """What ``cmd_build`` builds (models, seeds, data tests), from the SQL dbt compiled
    for these vars and this database (cached), executed by DuckDB in this process.
    ``checkpoint=False``: the build is closed in its write-ahead log, committed but not
    yet written into the file (:func:`_checkpoint` does, or whoever opens it next)."""
    from .._compiled import compiled_plan, database_name

    variables = _build_vars(args)
    plan = compiled_plan(variables, database_name(args.db))
    con = _connect(args.db, args.wait)
    try:
        plan.execute(con)
        rows = plan.row_count(con, "scores_by_limit")
        if not checkpoint:
            con.execute("pragma disable_checkpoint_on_shutdown")
    finally:
        con.close()
    if rows == 0:
        # why it is empty is dbt's to say (the on-run-end hook explain_empty_scores): a
        # dbt build on the same data, only on this path, names the reason and fails
        _plain_dbt_output()
        run_dbt(build_command(), db=args.db, variables=variables, quiet=args.quiet, target="duckdb")


#: The limits every build has (macros/budget_limits.sql builtin_budget_limits); the
#: var extra_limits adds more.
BUILTIN_LIMITS = ("total_tokens", "total_time", "working_time", "message_count", "cost")


def _check_limit(limit: str | None, variables: dict[str, Any]) -> None:
    """``--limit`` names a limit the build will have (a built-in one, or one of the
    var extra_limits), before ``run`` ingests and builds anything."""
    if limit is None:
        return
    extra = variables.get("extra_limits") or []
    extra = [extra] if isinstance(extra, str) else extra
    known = [*BUILTIN_LIMITS, *(str(name).lower() for name in extra)]
    chosen = variables.get("limits")
    if chosen:
        chosen = [chosen] if isinstance(chosen, str) else chosen
        known = [name for name in known if name in {str(c).lower() for c in chosen}]
    if limit.lower() not in known:
        raise UserError(
            f"--limit {limit!r} is not a limit of this build; limits: {', '.join(known)}"
        )


def _check_size(args: argparse.Namespace) -> None:
    """The figure's size, before ``run`` ingests and builds anything."""
    from .._figure import GOLDEN, check_size

    if Path(args.out).suffix.lower() == ".html":
        return
    height = args.width / GOLDEN if args.height is None else args.height
    try:
        check_size(args.width, height, args.dpi)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def cmd_run(args: argparse.Namespace) -> int:
    _plot_out(args)  # the options first: a mistake costs no ingest or build
    _check_paths(args.logs, "LOGS")
    _check_limit(args.limit, _build_vars(args))
    _check_size(args)
    with _drawing_process(args) as draw:
        status = cmd_ingest(args)
        if status == EXIT_NOTHING_READ:
            _err("run: nothing could be read from LOGS, so nothing was built or drawn")
            return status
        # the build's checkpoint (about 0.6 s at 1e6 samples) is left to be made while
        # the figure is drawn, once the drawing process has read its rows
        build_compiled(args, checkpoint=False)
        drawn = draw(lambda: _checkpoint(args.db))
    if drawn != 0:
        return drawn
    if not args.quiet:
        _say_headroom(args)
    return status


@contextmanager
def _drawing_process(
    args: argparse.Namespace,
) -> Iterator[Callable[[Callable[[], None]], int]]:
    """Start the process that draws ``run``'s figure (``cli/_draw.py``): it imports
    plotnine and matplotlib and draws a first figure on the other core while ``run``
    ingests and builds. Yields ``draw(while_drawing)``: send it the options, call
    ``while_drawing`` once it has read the figure's rows, and wait for its exit code,
    plot's own. Left without ``draw`` (a failure, Ctrl-C), it is stopped and waited
    for: nothing outlives the command."""
    import subprocess

    from .. import __file__ as package_init

    # the package this process runs, whatever put it on sys.path (a folder already on
    # it, site-packages say, keeps its place: before the standard library it could
    # shadow a module)
    root = str(Path(package_init).parents[1])
    start = (
        f"import sys\nif {root!r} not in sys.path: sys.path.insert(0, {root!r})\n"
        "from budgetcurves.cli._draw import run\nrun()"
    )
    # the child writes a byte to `read_done` once it has read the figure's rows and
    # closed the database (or closes it, exiting)
    read_done, told = os.pipe()
    try:
        child = subprocess.Popen(
            [sys.executable, "-c", start, Path(args.out).suffix.lower(), str(told)],
            stdin=subprocess.PIPE,
            pass_fds=(told,),
        )
    finally:
        os.close(told)
    stdin = child.stdin
    assert stdin is not None

    def draw(while_drawing: Callable[[], None]) -> int:
        """Draw, and run ``while_drawing`` once the figure's rows are read."""
        options = argparse.Namespace(**{k: v for k, v in vars(args).items() if k != "func"})
        if child.poll() is not None:  # it could not start: draw here, as plot would
            code = cmd_plot(args)
            while_drawing()
            return code
        for stream in (sys.stdout, sys.stderr):  # what we said so far comes first
            stream.flush()
        with suppress(BrokenPipeError):
            stdin.write(pickle.dumps(options))
            stdin.close()
        os.read(read_done, 1)  # b"" when it ended first
        while_drawing()
        code = child.wait()
        return code if code >= 0 else EXIT_FAILED  # < 0: killed (out of memory, say)

    try:
        yield draw
    finally:
        os.close(read_done)
        if child.returncode is None:
            stdin.close()
            child.kill()
            child.wait()


def _checkpoint(db: str) -> None:
    """Write what the log of ``db`` holds into the file, so that the file alone has
    every committed row (as a copy of it does). Another process that has the database
    open does it instead, on its own close."""
    with suppress(DatabaseBusy), _connect(db, 0) as con:
        con.execute("checkpoint")


def _say_headroom(args: argparse.Namespace) -> None:
    """Would more budget help? A line per model from budget_headroom, for the limit
    drawn: the gain over the last doubling, and what the eval's own limit leaves open."""
    from .._headroom import headroom_lines

    with duckdb.connect(args.db, read_only=True) as con:
        for line in headroom_lines(con, args.limit or "total_tokens"):
            print(one_line(line))


# ----------------------------------------------------------------------------- parser


def _seconds(text: str) -> float:
    """``--wait``: a finite number of seconds >= 0 (``nan`` would wait for ever)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds >= 0")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="budgetcurves",
        description="Success rate as a function of a resource budget, from Inspect logs.",
    )
    parser.add_argument("--version", action="version", version=f"budgetcurves {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def db_option(p: argparse.ArgumentParser, required: bool = True) -> None:
        if required:
            p.add_argument("--db", required=True, help="DuckDB file")
        else:
            p.add_argument(
                "--db",
                default=DEFAULT_DB,
                help=f"DuckDB file (default: {DEFAULT_DB} in the working directory)",
            )
        p.add_argument("--quiet", action="store_true", help="print errors only")

    def ingest_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "logs",
            nargs="+",
            metavar="LOGS",
            help=".eval/.json logs, directories of them, or a samples_df export (.parquet/.csv)",
        )
        p.add_argument("--full-refresh", action="store_true", help="re-read every log")
        p.add_argument(
            "--prune",
            action="store_true",
            help="remove the samples of loaded logs that are gone from LOGS (kept by default)",
        )
        wait_option(p)
        p.add_argument("--json", action="store_true", help="print the summary as JSON")

    def wait_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--wait",
            type=_seconds,
            default=60.0,
            help="seconds to wait for another writer (default 60)",
        )

    def build_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--steps", type=int, help="thresholds per limit (default 100)")
        p.add_argument("--scale", choices=["auto", "log", "linear"], help="grid spacing")
        p.add_argument("--ci", type=float, help="confidence level of the band (default 0.95)")
        p.add_argument("--vars", help="more dbt vars, as YAML/JSON: '{scorer: match}'")
        p.add_argument(
            "--unit-tests",
            action="store_true",
            help="run dbt's unit tests of the SQL as well (a plain `dbt build` does)",
        )

    def plot_options(p: argparse.ArgumentParser, out_required: bool = True) -> None:
        p.add_argument(
            "--out",
            required=out_required,
            help="output file: .png, .svg, .pdf, or .html (every limit, interactive)",
        )
        p.add_argument("--limit", help="total_tokens (default), total_time, working_time, ...")
        p.add_argument("--title")
        p.add_argument("--width", type=float, default=700, help="pixels (default 700)")
        p.add_argument("--height", type=float, help="pixels (default width / 1.618)")
        p.add_argument("--dpi", type=float, default=100, help="dots per inch (default 100)")
        p.add_argument(
            "--facet", help="a faceting of the mart to draw a panel per value of (task_name, ...)"
        )

    def target_option(p: argparse.ArgumentParser) -> None:
        p.add_argument("--db", help="DuckDB file (needed with --target duckdb, the default)")
        p.add_argument("--quiet", action="store_true", help="print errors only")
        p.add_argument(
            "--target",
            default="duckdb",
            help="the warehouse: the dbt profile's output of this name (default duckdb, "
            "with --db; postgres, spark, spark_thrift, databricks: docs/warehouses.md)",
        )

    p = sub.add_parser("ingest", help="load logs into the landing tables")
    target_option(p)
    ingest_options(p)
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser(
        "forget", help="remove the samples of loaded files: files, or every file in folders"
    )
    target_option(p)
    p.add_argument("paths", nargs="+", metavar="PATH", help="a loaded file or a folder of them")
    wait_option(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("build", help="run dbt build with the options as vars")
    db_option(p)
    build_options(p)
    wait_option(p)
    p.set_defaults(func=cmd_build)

    p = sub.add_parser("plot", help="draw the mart")
    db_option(p)
    plot_options(p)
    p.set_defaults(func=cmd_plot)

    p = sub.add_parser("export", help="write the scores_by_limit mart to .csv or .parquet")
    db_option(p)
    p.add_argument("--out", required=True, help="output file: .csv or .parquet")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("run", help="ingest + build + plot")
    db_option(p, required=False)
    ingest_options(p)
    build_options(p)
    plot_options(p)
    p.set_defaults(func=cmd_run)
    return parser


def _stop_helper_processes() -> None:
    """Stop multiprocessing's resource tracker, which dbt starts, and wait for it:
    left to notice our exit, it outlives the command (a zombie until reaped), and a
    command returns with nothing of its own still running."""
    import multiprocessing.resource_tracker as tracker
    from multiprocessing import util

    stop = getattr(tracker._resource_tracker, "_stop", None)  # Python >= 3.11
    if stop is not None and getattr(tracker._resource_tracker, "_pid", None) is not None:
        # first what the interpreter's exit runs first: dbt's semaphores unlinked and
        # unregistered, else the tracker reports them leaked and their finalizers fail
        util._run_finalizers(0)  # type: ignore[attr-defined]
        stop()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    finally:
        _stop_helper_processes()


def console() -> int:
    """The ``budgetcurves`` command: :func:`main` in a process that ends with it. What
    is left is frozen out of the garbage collector first: the interpreter's collections
    at exit (about 0.2 s after a 1e6-sample ingest) would only free memory the process
    gives back anyway. Not in :func:`main`, which a notebook or a test may call again."""
    code = main()
    gc.freeze()
    return code


def _run(args: argparse.Namespace) -> int:
    try:
        status: int = args.func(args)
        return status
    except (UserError, ForeignTable) as exc:
        _err(str(exc))
        return EXIT_USAGE
    except DatabaseBusy as exc:
        _err(str(exc))
        return EXIT_BUSY
    except DataTestError as exc:  # the compiled path's own words: no dbt output above
        _err(str(exc))
        return EXIT_FAILED
    except VarError:
        _err("a var is wrong, nothing was built: dbt's output above names it")
        return EXIT_USAGE
    except DbtError:
        _err("dbt build failed: dbt's output above says why")
        return EXIT_FAILED
    except (duckdb.Error, WarehouseError) as exc:
        _err(_database_failure(args, exc))
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


def _database_failure(args: argparse.Namespace, exc: Exception) -> str:
    """One line for the database failing under us (a full disk, above all)."""
    from ..ingest._duckdb import DISK_FULL

    target = getattr(args, "target", "duckdb")
    where = args.db if target == "duckdb" else f"--target {target}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if any(sign in str(exc) for sign in DISK_FULL):
        return (
            f"{where}: the disk is full (or the file past its size limit): {first}; "
            "what was written before is kept, the rest is loaded next run"
        )
    return f"{where}: the database failed: {first}"


if __name__ == "__main__":
    sys.exit(main())
