"""model_colors: the same colour for a model in every run, distinct within a plot."""

from __future__ import annotations

import itertools
import subprocess
import sys

from hypothesis import given
from hypothesis import strategies as st

from budgetcurves.plot import PALETTE, model_colors
from budgetcurves.plot._colors import home_slot

names = st.lists(st.text(min_size=1, max_size=30), min_size=1, max_size=25, unique=True)


def test_fixed_across_versions_and_machines():
    """SHA-1 of the name, not Python's salted hash: pinned, so a change is deliberate."""
    assert model_colors(["openai/gpt-4o"]) == {"openai/gpt-4o": "#E69F00"}
    assert model_colors(["mockllm/model-a"]) == {"mockllm/model-a": "#D55E00"}


def test_the_same_in_another_process():
    code = "from budgetcurves.plot import model_colors; print(model_colors(['a/b', 'c/d']))"
    runs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert runs == {str(model_colors(["a/b", "c/d"])) + "\n"}


@given(names)
def test_depends_on_the_set_only(models):
    assert model_colors(models) == model_colors(reversed(models)) == model_colors(models * 2)


@given(names)
def test_distinct_up_to_the_palette_size(models):
    colors = model_colors(models)
    assert len(set(colors.values())) == min(len(models), len(PALETTE))


@given(names, st.data())
def test_a_model_keeps_its_home_colour_unless_an_earlier_name_took_it(models, data):
    """Subsets: a model's colour moves only when a model earlier by name, in the same
    plot, holds its home colour (or the palette is full)."""
    subset = data.draw(st.lists(st.sampled_from(models), min_size=1, unique=True))
    colors = model_colors(subset)
    for model in subset:
        taken = {colors[m] for m in subset if m < model}
        home = PALETTE[home_slot(model)]
        if home not in taken:
            assert colors[model] == home


def test_models_that_do_not_collide_keep_their_colours_in_every_subset():
    models = ["openai/gpt-4o", "mockllm/model-a", "anthropic/claude-sonnet-4-20250514"]
    assert len({home_slot(m) for m in models}) == len(models)
    full = model_colors(models)
    for size in (1, 2):
        for subset in itertools.combinations(models, size):
            assert model_colors(subset) == {m: full[m] for m in subset}


def test_a_collision_moves_the_later_name_to_the_next_free_colour():
    slots = {}
    for i in itertools.count():
        name = f"m{i}"
        slots.setdefault(home_slot(name), []).append(name)
        pair = next((v for v in slots.values() if len(v) == 2), None)
        if pair:
            break
    first, second = sorted(pair)
    home = home_slot(first)
    assert model_colors([first, second]) == {
        first: PALETTE[home],
        second: PALETTE[(home + 1) % len(PALETTE)],
    }
    assert model_colors([second]) == {second: PALETTE[home]}


def test_more_models_than_colours_reuse_home_colours():
    models = [f"provider/model-{i}" for i in range(len(PALETTE) + 3)]
    colors = model_colors(models)
    assert set(colors.values()) == set(PALETTE)
