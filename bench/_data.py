"""Benchmark data: a samples_df-style export of N samples, and many small .eval logs.

The export has the shape of ``samples_df(columns=SampleSummary + EvalInfo + EvalModel)``
(compare ``examples/samples.parquet``): one row per sample and epoch, the score as a
``score_match`` column of ``C``/``I``/``P`` strings, the usage of the evaluated model and a
grader as a JSON string. 8 models x 25 tasks = 200 evals, 2 epochs each. DuckDB writes it
from ``range(N)``; every draw is a hash of the row number, so a size always gives the
same file.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

MODELS = (
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "anthropic/claude-3-5-sonnet-latest",
    "anthropic/claude-3-5-haiku-latest",
    "google/gemini-1.5-pro",
    "google/gemini-1.5-flash",
    "mistral/mistral-large-latest",
    "together/meta-llama/Llama-3.3-70B-Instruct-Turbo",
)
TASKS = 25
EPOCHS = 2
EVALS = len(MODELS) * TASKS


def _uniform(seed: str) -> str:
    """A uniform draw in (0, 1) from the row number ``i`` and a constant ``seed``."""
    return f"((hash(i, {seed}) % 1000000007) + 0.5) / 1000000007.0"


def _normal(seed_a: str, seed_b: str) -> str:
    """A standard normal draw (Box-Muller)."""
    return f"(sqrt(-2 * ln({_uniform(seed_a)})) * cos(2 * pi() * {_uniform(seed_b)}))"


def export_sql(n: int) -> str:
    per_eval = math.ceil(n / EVALS)
    models = ", ".join(f"('{m}', {k})" for k, m in enumerate(MODELS))
    return f"""
    with
    models(model, model_index) as (values {models}),
    evals as (
        select
            e as eval_index,
            model,
            model_index,
            e % {TASKS} as task_index,
            substr(md5('eval' || e), 1, 22) as eval_id,
            substr(md5('run' || (e // {TASKS})), 1, 22) as run_id,
            substr(md5('task' || e), 1, 22) as task_id
        from range({EVALS}) as r(e)
        inner join models on models.model_index = e // {TASKS}
    ),
    rows as (
        select
            i,
            i // {per_eval} as eval_index,
            i % {per_eval} as position,
            -- each model spends around its own budget; tasks shift it a little
            exp(5.0 + 0.45 * (i // {per_eval} // {TASKS}) + 0.04 * ((i // {per_eval}) % {TASKS})
                + 0.9 * {_normal("1", "2")}) as spend,
            {_uniform("3")} as u_score,
            {_uniform("4")} as u_split,
            {_uniform("5")} as u_time,
            {_uniform("6")} as u_work,
            {_uniform("7")} as u_grader
        from range({n}) as r(i)
    ),
    drawn as (
        select
            rows.*,
            evals.*,
            greatest(1, cast(spend * (0.5 + 0.4 * u_split) as bigint)) as input_tokens,
            greatest(1, cast(spend * (0.5 - 0.4 * u_split) as bigint) + 1) as output_tokens,
            cast(150 + 100 * u_grader as bigint) as grader_input_tokens,
            cast(10 + 20 * u_grader as bigint) as grader_output_tokens
        from rows
        inner join evals using (eval_index)
    )
    select
        substr(md5('sample' || i), 1, 22) as sample_id,
        eval_id,
        cast(null as varchar) as eval_set_id,
        run_id,
        task_id,
        'logs/2025-01-01T00-00-00_task-' || task_index || '_' || replace(model, '/', '-')
            || '.eval' as log,
        timestamptz '2025-01-01 00:00:00+00' as created,
        'task-' || task_index as task_name,
        model,
        cast(position // {EPOCHS} + 1 as varchar) as id,
        cast(position % {EPOCHS} + 1 as bigint) as epoch,
        case
            when u_score < 0.05 then 'P'
            -- the chance of success grows with the tokens spent
            when u_score < 0.15 + 0.7 / (1 + exp(-(ln(input_tokens + output_tokens) - 6.5)))
                then 'C'
            else 'I'
        end as score_match,
        '{{"' || model || '": {{"input_tokens": ' || input_tokens || ', "output_tokens": '
            || output_tokens || ', "total_tokens": ' || (input_tokens + output_tokens)
            || '}}, "mockllm/grader": {{"input_tokens": ' || grader_input_tokens
            || ', "output_tokens": ' || grader_output_tokens || ', "total_tokens": '
            || (grader_input_tokens + grader_output_tokens) || '}}}}' as model_usage,
        input_tokens + output_tokens + grader_input_tokens + grader_output_tokens
            as total_tokens,
        round((input_tokens + output_tokens) * 0.004 * (0.5 + u_time) + 0.2, 3) as total_time,
        round((input_tokens + output_tokens) * 0.004 * (0.5 + u_time) * (0.6 + 0.35 * u_work)
            + 0.1, 3) as working_time,
        cast(2 + 2 * (i % 3) as bigint) as message_count,
        '' as error,
        cast(null as varchar) as "limit"
    from drawn
    """


def write_export(n: int, path: Path, *, threads: int = 2) -> Path:
    """Write the export of ``n`` samples to ``path`` (parquet), unless it is already there."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    con = duckdb.connect()
    try:
        con.execute(f"set threads = {threads}")
        con.execute("set enable_progress_bar = false")
        # rows in the order of i without a sort (1e8 rows would sort 25 GB): the
        # scan of range() and the join with the few evals keep their input's order
        con.execute("set preserve_insertion_order = true")
        con.execute(f"copy ({export_sql(n)}) to '{partial}' (format parquet, compression zstd)")
    finally:
        con.close()
    partial.rename(path)
    return path


# ----------------------------------------------------------------------------- .eval logs

TEMPLATE_LOG = Path(__file__).resolve().parents[1] / "examples" / "logs"


def write_eval_logs(
    directory: Path, logs: int, samples_per_log: int, *, seed: int = 0, fmt: str = "eval"
) -> list[Path]:
    """Write ``logs`` Inspect logs of ``samples_per_log`` samples (2 epochs) each.

    Each log is a real example log (messages, events and all) with new ids, model,
    usage, times and scores, written by inspect_ai itself, so samples_df reads them
    as it reads any log. A directory already holding the logs is kept.
    """
    import random

    from inspect_ai.log import read_eval_log, write_eval_log
    from inspect_ai.model import ModelUsage
    from inspect_ai.scorer import Score

    suffix = ".eval" if fmt == "eval" else ".json"
    paths = [
        directory / f"2025-01-01T00-00-{index % 60:02d}_task-{index}_{seed}{suffix}"
        for index in range(logs)
    ]
    if all(p.exists() for p in paths):
        return paths
    directory.mkdir(parents=True, exist_ok=True)
    template = read_eval_log(str(next(TEMPLATE_LOG.glob("*arithmetic_model-a.eval"))))
    sample = template.samples[0]
    rng = random.Random(f"logs-{seed}")
    for index, path in enumerate(paths):
        model = MODELS[index % len(MODELS)]
        ident = f"{seed:04d}{index:06d}"
        spec = template.eval.model_copy(
            update={
                "eval_id": f"bencheval{ident}",
                "run_id": f"benchrun{seed:04d}",
                "task_id": f"benchtask{ident}",
                "task": f"task-{index % TASKS}",
                "model": model,
            }
        )
        samples = []
        for position in range(samples_per_log):
            spend = math.exp(5.0 + 0.45 * MODELS.index(model) + 0.9 * rng.gauss(0, 1))
            input_tokens = max(1, int(spend * 0.7))
            output_tokens = max(1, int(spend * 0.3))
            total_time = round(spend * 0.004 * (0.5 + rng.random()) + 0.2, 3)
            value = (
                "C" if rng.random() < 0.15 + 0.7 / (1 + math.exp(6.5 - math.log(spend))) else "I"
            )
            samples.append(
                sample.model_copy(
                    update={
                        "id": position // 2 + 1,
                        "epoch": position % 2 + 1,
                        "uuid": f"benchsample{ident}{position:06d}",
                        "scores": {
                            "match": Score(value=value, answer="42"),
                            "graded": Score(value="C" if rng.random() < 0.5 else "I"),
                        },
                        "model_usage": {
                            model: ModelUsage(
                                input_tokens=input_tokens,
                                output_tokens=output_tokens,
                                total_tokens=input_tokens + output_tokens,
                            ),
                            "mockllm/grader": ModelUsage(
                                input_tokens=200, output_tokens=20, total_tokens=220
                            ),
                        },
                        "total_time": total_time,
                        "working_time": round(total_time * (0.6 + 0.35 * rng.random()), 3),
                    }
                )
            )
        log = template.model_copy(update={"eval": spec, "samples": samples, "location": str(path)})
        write_eval_log(log, str(path), format=fmt)
    return paths
