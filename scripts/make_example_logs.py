"""Generate the small example Inspect logs committed under ``examples/logs/``.

The budgetcurves project computes "success rate vs resource limit" curves from Inspect AI
eval logs.  To test and demo it without any real model API, this script runs real
``inspect_ai.eval(...)`` calls against the offline ``mockllm`` provider, with scripted
answers and scripted token usage, and writes:

* ``examples/logs/2025-01-01T00-00-00_<task>_<model>.eval`` / ``.json`` -- one log per
  (task, model):

  ========== =========================== ======== ================================== ======
  task       sample ids                  epochs   scorers (in order)                 format
  ========== =========================== ======== ================================== ======
  arithmetic integers 1..10              2        ``match`` (C/I), ``graded`` (C/I)  both
  geography  strings ("france", ...)     1        ``partial_match`` (C/I/P)          both
  ========== =========================== ======== ================================== ======

  Models ``mockllm/model-a`` and ``mockllm/model-b`` are written in the ``.eval`` (zip)
  format, ``mockllm/model-c`` in the ``.json`` format, so both readers get exercised.

* ``examples/samples.parquet`` -- ``inspect_ai.analysis.samples_df`` of those logs with
  ``SampleSummary + EvalInfo + EvalModel`` columns (one row per sample and epoch).  The
  only change from samples_df's output: the ``log`` column holds paths relative to the
  working directory (``examples/logs/...``) instead of absolute paths of this machine.

Why the fixed timestamp prefix in the file names: Inspect only recognises a ``.json`` file
as a log when its name starts with an ISO timestamp (``inspect_ai.log._file.is_log_file``);
``samples_df``/``evals_df`` silently return nothing for ``<task>_<model>.json``.  ``.eval``
files are recognised by extension alone, but use the same prefix for uniformity.  The
prefix is a constant (not the run's ``created`` time) so regenerating keeps the names.

Design of the scripted data (all deterministic: every random draw comes from a
``random.Random`` seeded with a string naming the model, task, sample and epoch):

* Each model draws per-sample total tokens log-uniformly from its own range
  (model-a 50..2,000; model-b 200..8,000; model-c 500..20,000), so the pooled data span
  2.6 orders of magnitude and a log-scale grid applies.  The chance of a correct answer
  grows with the tokens spent, so curves rise with the budget.
* Larger budgets are spent over several turns (1 to 3 generate calls per sample; the
  solver keeps asking until the model writes ``ANSWER:``), so per-sample usage is a sum
  over calls, as in real agent logs.
* The ``graded`` scorer calls a second model, the ``grader`` model role
  (``mockllm/grader``), so ``model_usage`` holds two models for arithmetic samples: the
  evaluated model's tokens must be told apart from the grader's.  The grader mostly agrees
  with ``match`` but flips its verdict with probability 0.15 per sample, so the choice of scorer
  (the first one, ``match``, by default) changes the curve.
* Each model call sleeps ``total_tokens * 10us`` (at most 0.2 s), so ``total_time`` and
  ``working_time`` loosely track tokens (scheduling overhead of the concurrent samples is
  of the same size).  Timings, ids (eval_id, run_id, task_id, sample uuids) and
  timestamps come from the actual run and change on every regeneration; answers, scores
  and token counts do not.

Run from the repository root::

    .venv/bin/python scripts/make_example_logs.py [--out examples/logs]

The output directory (and the parquet file next to it) is deleted and regenerated.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import re
import shutil
import sys
import tempfile
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import anyio
from inspect_ai import Task, eval, task
from inspect_ai.dataset import Sample
from inspect_ai.model import (
    ChatMessage,
    ChatMessageUser,
    GenerateConfig,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.scorer import (
    CORRECT,
    INCORRECT,
    PARTIAL,
    Score,
    Target,
    accuracy,
    match,
    scorer,
    stderr,
)
from inspect_ai.solver import Generate, TaskState, solver
from inspect_ai.tool import ToolChoice, ToolInfo

if TYPE_CHECKING:
    import pandas as pd

# --------------------------------------------------------------------------------------
# Datasets
# --------------------------------------------------------------------------------------

# (id, question, answer, wrong answer) -- integer sample ids
ARITHMETIC = [
    (1, "What is 17 + 25?", "42", "32"),
    (2, "What is 9 * 8?", "72", "81"),
    (3, "What is 144 / 12?", "12", "14"),
    (4, "What is 1000 - 357?", "643", "743"),
    (5, "What is 23 * 19?", "437", "427"),
    (6, "What is 2 ** 10?", "1024", "2048"),
    (7, "What is 91 + 909?", "1000", "1100"),
    (8, "What is 7 * 7 * 7?", "343", "349"),
    (9, "What is 5050 / 50?", "101", "110"),
    (10, "What is 12 * 12 + 1?", "145", "144"),
]

# (id, country, capital, currency) -- string sample ids
GEOGRAPHY = [
    ("france", "France", "Paris", "euro"),
    ("japan", "Japan", "Tokyo", "yen"),
    ("brazil", "Brazil", "Brasilia", "real"),
    ("india", "India", "New Delhi", "rupee"),
    ("kenya", "Kenya", "Nairobi", "shilling"),
    ("poland", "Poland", "Warsaw", "zloty"),
    ("mexico", "Mexico", "Mexico City", "peso"),
    ("egypt", "Egypt", "Cairo", "pound"),
    ("norway", "Norway", "Oslo", "krone"),
    ("vietnam", "Vietnam", "Hanoi", "dong"),
    ("peru", "Peru", "Lima", "sol"),
]

# Wrong answers the mock models give for geography questions.
WRONG_CAPITAL = "Springfield"
WRONG_CURRENCY = "dollar"

# --------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    """Scripted behaviour of one mock model."""

    name: str  # mockllm model name, e.g. "model-a" -> "mockllm/model-a"
    min_tokens: int  # per-sample total tokens are log-uniform in [min_tokens, max_tokens]
    max_tokens: int
    skill: float  # probability of a correct answer at max_tokens
    log_format: Literal["eval", "json"]


PROFILES = [
    Profile("model-a", 50, 2_000, 0.55, "eval"),
    Profile("model-b", 200, 8_000, 0.75, "eval"),
    Profile("model-c", 500, 20_000, 0.95, "json"),
]
GRADER = "mockllm/grader"
GRADER_ERROR_RATE = 0.15
SECONDS_PER_TOKEN = 1e-5  # simulated latency: 20,000 tokens -> 0.2 s
# .json logs need a leading ISO timestamp in their name to be found by Inspect (see above).
LOG_NAME_PREFIX = "2025-01-01T00-00-00"

# Which (task, sample id, epoch) the current model call belongs to.  Set by the solver and
# the grader scorer; read by the mock models' output functions.
_CURRENT: ContextVar[tuple[str, str | int, int]] = ContextVar("_CURRENT")


@dataclass(frozen=True)
class Plan:
    """What a model does on one sample/epoch: outcome and per-turn token usage."""

    outcome: Literal["correct", "partial", "wrong"]
    usages: list[ModelUsage]


def _rng(*parts: object) -> random.Random:
    # str seeds are hashed with sha512 by random.Random: stable across runs and processes.
    return random.Random("|".join(str(p) for p in parts))


def _split(total: int, parts: int) -> list[int]:
    base, rest = divmod(total, parts)
    return [base + (1 if i < rest else 0) for i in range(parts)]


def make_plan(profile: Profile, task_name: str, sample_id: str | int, epoch: int) -> Plan:
    rng = _rng(profile.name, task_name, sample_id, epoch)
    lo, hi = math.log(profile.min_tokens), math.log(profile.max_tokens)
    log_total = rng.uniform(lo, hi)
    total = round(math.exp(log_total))
    # success probability rises from 30% to 100% of `skill` across the model's range
    p_correct = profile.skill * (0.3 + 0.7 * (log_total - lo) / (hi - lo))
    draw = rng.random()
    if draw < p_correct:
        outcome = "correct"
    elif task_name == "geography" and draw < p_correct + 0.5 * (1 - p_correct):
        outcome = "partial"
    else:
        outcome = "wrong"
    turns = 1 if total < 2_000 else 2 if total < 8_000 else 3
    usages = []
    for turn_total in _split(total, turns):
        output_tokens = max(1, round(turn_total * rng.uniform(0.1, 0.4)))
        input_tokens = turn_total - output_tokens
        usages.append(
            ModelUsage(
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                total_tokens=turn_total,
            )
        )
    return Plan(outcome, usages)


def final_answer(task_name: str, sample_id: str | int, outcome: str) -> str:
    if task_name == "arithmetic":
        _, _, right, wrong = next(r for r in ARITHMETIC if r[0] == sample_id)
        return right if outcome == "correct" else wrong
    _, _, capital, currency = next(r for r in GEOGRAPHY if r[0] == sample_id)
    if outcome == "correct":
        return f"{capital}; {currency}"
    if outcome == "partial":
        # deterministic choice of which half is right
        if len(capital) % 2:
            return f"{capital}; {WRONG_CURRENCY}"
        return f"{WRONG_CAPITAL}; {currency}"
    return f"{WRONG_CAPITAL}; {WRONG_CURRENCY}"


def mock_model_outputs(profile: Profile):
    """A mockllm ``custom_outputs`` callable replaying the scripted plan of ``profile``."""
    model = f"mockllm/{profile.name}"

    async def outputs(
        input: list[ChatMessage],
        tools: list[ToolInfo],
        tool_choice: ToolChoice,
        config: GenerateConfig,
    ) -> ModelOutput:
        task_name, sample_id, epoch = _CURRENT.get()
        plan = make_plan(profile, task_name, sample_id, epoch)
        turn = sum(1 for m in input if m.role == "assistant")
        usage = plan.usages[turn]
        if turn < len(plan.usages) - 1:
            content = f"Working on it (step {turn + 1})..."
        else:
            content = f"ANSWER: {final_answer(task_name, sample_id, plan.outcome)}"
        await anyio.sleep(usage.total_tokens * SECONDS_PER_TOKEN)
        output = ModelOutput.from_content(model=model, content=content)
        output.usage = usage
        return output

    return outputs


async def grader_outputs(
    input: list[ChatMessage],
    tools: list[ToolInfo],
    tool_choice: ToolChoice,
    config: GenerateConfig,
) -> ModelOutput:
    """The ``mockllm/grader`` model: compares answer and target, with scripted mistakes."""
    task_name, sample_id, epoch = _CURRENT.get()
    prompt = input[-1].text
    target = re.search(r"^TARGET: (.*)$", prompt, re.M)
    answer = re.search(r"^ANSWER: (.*)$", prompt, re.M)
    right = bool(target and answer and target.group(1).strip() == answer.group(1).strip())
    # the seed includes the evaluated model name (hashed prompt) so mistakes differ by model
    digest = hashlib.sha256(prompt.encode()).hexdigest()[:8]
    rng = _rng("grader", task_name, sample_id, epoch, digest)
    if rng.random() < GRADER_ERROR_RATE:
        right = not right
    input_tokens = 150 + rng.randrange(0, 100)
    output_tokens = 5 + rng.randrange(0, 20)
    await anyio.sleep((input_tokens + output_tokens) * SECONDS_PER_TOKEN)
    output = ModelOutput.from_content(model=GRADER, content=f"GRADE: {'C' if right else 'I'}")
    output.usage = ModelUsage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=input_tokens + output_tokens,
    )
    return output


# --------------------------------------------------------------------------------------
# Solver, scorers, tasks
# --------------------------------------------------------------------------------------


@solver
def answer_in_turns(max_turns: int = 5):
    """Generate until the model writes ``ANSWER:``, nudging it between turns."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        _CURRENT.set((state.metadata["task"], state.sample_id, state.epoch))
        for _ in range(max_turns):
            state = await generate(state)
            if "ANSWER:" in state.output.completion:
                break
            state.messages.append(ChatMessageUser(content="Continue."))
        return state

    return solve


def _extract_answer(completion: str) -> str:
    found = re.search(r"ANSWER:\s*(.*)", completion)
    return found.group(1).strip() if found else ""


@scorer(metrics=[accuracy(), stderr()])
def partial_match():
    """C if both ';'-separated parts of the target are right, P if one is, I otherwise."""

    async def score(state: TaskState, target: Target) -> Score:
        answer = _extract_answer(state.output.completion)
        expected = [p.strip().lower() for p in target.text.split(";")]
        given = [p.strip().lower() for p in answer.split(";")]
        hits = sum(1 for e, g in zip(expected, given, strict=False) if e == g)
        value = CORRECT if hits == len(expected) else PARTIAL if hits else INCORRECT
        return Score(value=value, answer=answer, explanation=f"{hits}/{len(expected)} parts")

    return score


@scorer(metrics=[accuracy(), stderr()])
def graded():
    """Ask the ``grader`` model role whether the answer matches the target."""

    async def score(state: TaskState, target: Target) -> Score:
        _CURRENT.set((state.metadata["task"], state.sample_id, state.epoch))
        answer = _extract_answer(state.output.completion)
        prompt = (
            f"Question: {state.input_text}\n"
            f"TARGET: {target.text}\n"
            f"ANSWER: {answer}\n"
            "Reply with GRADE: C if the answer is correct, else GRADE: I."
        )
        result = await get_model(role="grader").generate(prompt)
        value = CORRECT if "GRADE: C" in result.completion else INCORRECT
        return Score(value=value, answer=answer, explanation=result.completion)

    return score


@task
def arithmetic() -> Task:
    return Task(
        dataset=[
            Sample(
                id=sid,
                input=question + " Finish with 'ANSWER: <number>'.",
                target=answer,
                metadata={"task": "arithmetic", "operands": len(re.findall(r"\d+", question))},
            )
            for sid, question, answer, _ in ARITHMETIC
        ],
        solver=answer_in_turns(),
        scorer=[match(numeric=True), graded()],
        epochs=2,
    )


@task
def geography() -> Task:
    return Task(
        dataset=[
            Sample(
                id=sid,
                input=(
                    f"Name the capital city and the currency of {country}. "
                    "Finish with 'ANSWER: <capital>; <currency>'."
                ),
                target=f"{capital}; {currency}",
                metadata={"task": "geography", "country": country},
            )
            for sid, country, capital, currency in GEOGRAPHY
        ],
        solver=answer_in_turns(),
        scorer=partial_match(),
        epochs=1,
    )


# --------------------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------------------


def run_evals(tmp_dir: Path) -> list[Path]:
    """Run every (task, model) pair into ``tmp_dir``; return the written log paths."""
    grader = get_model(GRADER, custom_outputs=grader_outputs)
    paths: list[Path] = []
    for log_format in ("eval", "json"):
        models = [
            get_model(f"mockllm/{p.name}", custom_outputs=mock_model_outputs(p))
            for p in PROFILES
            if p.log_format == log_format
        ]
        logs = eval(
            [arithmetic(), geography()],
            model=models,
            model_roles={"grader": grader},
            log_dir=str(tmp_dir / log_format),
            log_format=log_format,
            display="none",
            log_level="warning",
            max_samples=32,
        )
        for log in logs:
            if log.status != "success":
                raise RuntimeError(f"eval failed: {log.eval.task} {log.eval.model}: {log.error}")
            paths.append(Path(log.location))
    return paths


def stable_name(path: Path) -> str:
    """``<prefix>_<task>_<model>.<ext>`` for an Inspect log file."""
    from inspect_ai.log import read_eval_log

    header = read_eval_log(str(path), header_only=True)
    model = header.eval.model.split("/", 1)[-1]
    return f"{LOG_NAME_PREFIX}_{header.eval.task}_{model}{path.suffix}"


def write_samples_parquet(log_paths: list[Path], parquet: Path) -> pd.DataFrame:
    from inspect_ai.analysis import EvalInfo, EvalModel, SampleSummary, samples_df

    # EvalTask columns (task_name, task_display_name, task_version, ...) also exist in this
    # inspect_ai version but are not exported here: EvalInfo already has task_id, and
    # budgetcurves identifies tasks from the logs themselves.
    df = samples_df(
        [str(p) for p in log_paths],
        columns=SampleSummary + EvalInfo + EvalModel,
        quiet=True,
    )
    # samples_df makes log paths absolute; keep them relative so the file is portable.
    df["log"] = [_relative(p) for p in df["log"]]
    df.to_parquet(parquet, index=False)
    return df


def _relative(path: str) -> str:
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path


def check_and_summarize(df: pd.DataFrame) -> None:
    """Run inspect_viz's reference curve computation and print a short summary."""
    from inspect_viz.view import scores_by_limit_df

    # score_match is the first scorer of `arithmetic`, score_partial_match the only scorer of
    # `geography`; scores_by_limit_df drops rows where the score is missing (other task).
    for score in ("score_match", "score_partial_match"):
        for limit in ("total_tokens", "total_time", "working_time"):
            # scores_by_limit_df mutates its input (dropna(inplace=True)): pass a copy
            curve = scores_by_limit_df(df.copy(), score=score, limit=limit)
            if curve.empty or curve["success_rate"].isna().all():
                raise RuntimeError(f"scores_by_limit_df gave no curve for {score}/{limit}")

    # samples_df's total_tokens sums every model in model_usage (grader included);
    # scores_by_limit_df, like budgetcurves, counts the evaluated model only.
    own = df.apply(lambda r: json.loads(r["model_usage"])[r["model"]]["total_tokens"], axis=1)
    summary = (
        df.assign(task=df["metadata_task"], own_tokens=own)
        .groupby(["model", "task"], sort=True)
        .agg(
            rows=("own_tokens", "size"),
            min_tokens=("own_tokens", "min"),
            max_tokens=("own_tokens", "max"),
            max_time=("total_time", "max"),
        )
        .reset_index()
    )
    print(f"{len(df)} sample rows from {df['log'].nunique()} logs")
    print(summary.to_string(index=False))
    print(
        f"evaluated-model tokens per sample: {own.min()}..{own.max()} "
        f"({math.log10(own.max() / own.min()):.1f} orders of magnitude); "
        f"samples_df total_tokens (all models): "
        f"{df['total_tokens'].min()}..{df['total_tokens'].max()}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="examples/logs", type=Path, help="output log dir")
    args = parser.parse_args(argv)
    out: Path = args.out
    parquet = out.parent / "samples.parquet"

    stray_logs = Path("logs")
    had_logs_dir = stray_logs.exists()

    with tempfile.TemporaryDirectory(prefix="budgetcurves-logs-") as tmp:
        written = run_evals(Path(tmp))
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        final = []
        for path in written:
            target = out / stable_name(path)
            if target.exists():
                raise RuntimeError(f"duplicate log name {target}")
            shutil.move(str(path), target)
            final.append(target)

    if not had_logs_dir and stray_logs.is_dir():
        shutil.rmtree(stray_logs)

    final.sort()
    df = write_samples_parquet(final, parquet)
    for path in [*final, parquet]:
        print(f"wrote {path} ({path.stat().st_size / 1024:.1f} KiB)")
    check_and_summarize(df)
    return 0


if __name__ == "__main__":
    sys.exit(main())
