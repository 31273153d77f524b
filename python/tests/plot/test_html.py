"""``budgetcurves plot --out report.html``: the page's numbers are the mart's, and in a
real headless Chromium it loads offline, shows the curves, answers hover, legend
clicks and the limit selector.

The browser tests need Chromium and its driver from Debian's packages (``make
browser`` installs them; CI runs it). Without them they are skipped, except under
CI, where a missing browser is a failure.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from budgetcurves.cli import main
from budgetcurves.frames import limit_frames, read_scores
from budgetcurves.plot._html import report_figures

from .make_fixtures import load

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def page(example_db, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html") / "report.html"
    assert main(["plot", "--db", str(example_db), "--out", str(out), "--quiet"]) == 0
    return out


def _figures(page: Path) -> dict:
    text = page.read_text()
    start = text.index("const figures = ") + len("const figures = ")
    return json.JSONDecoder().raw_decode(text[start:])[0]


def _mart(db: Path, limit: str) -> pd.DataFrame:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select * from main.scores_by_limit where limit_name = ? and facet_name = 'all' "
            "order by model, limit_value",
            [limit],
        ).df()


def test_a_figure_per_limit_of_the_mart(page, example_db):
    with duckdb.connect(str(example_db), read_only=True) as con:
        limits = [
            r[0]
            for r in con.execute(
                "select distinct limit_name from main.scores_by_limit order by 1"
            ).fetchall()
        ]
    assert list(_figures(page)) == limits
    options = re.findall(r'<option value="([^"]+)"( selected)?>', page.read_text())
    assert [name for name, _ in options] == limits
    assert [name for name, selected in options if selected] == ["total_tokens"]


def test_the_curves_carry_the_marts_numbers(page, example_db):
    figure = _figures(page)["total_tokens"]
    lines = [t for t in figure["data"] if t.get("mode") == "lines"]
    mart = _mart(example_db, "total_tokens")
    assert len(lines) == mart.model.nunique()
    for trace, (_, rows) in zip(lines, mart.groupby("model", sort=True), strict=True):
        assert trace["x"] == rows.limit_value.tolist()
        assert trace["y"] == rows.success_rate.tolist()
        band = [
            [lo, hi, n]
            for lo, hi, n in zip(rows.ci_lower, rows.ci_upper, rows.sample_count, strict=True)
        ]
        assert trace["customdata"] == band
        assert trace["name"].endswith(f"(n={rows.sample_count.max()})")
    assert figure["layout"]["xaxis"]["type"] == "log"
    assert figure["layout"]["xaxis"]["title"]["text"] == "Tokens (log scale)"


def _names(db: Path) -> dict[str, str]:
    """Display names, as read_scores gives them (the example build may have no seed)."""
    frame = read_scores(db, "total_tokens")
    return dict(zip(frame.model, frame.model_display_name, strict=True))


def test_a_limit_without_a_model_says_so(page, example_db):
    notes = _figures(page)["message_count"]["notes"]
    assert f"No samples for this limit: {_names(example_db)['mockllm/model-c']}" in notes
    assert notes[0].startswith("95% band: normal")


def test_nothing_on_the_page_comes_from_elsewhere(page):
    text = page.read_text()
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)\s*=""", text)
    assert "@import" not in text


def _mart_db(tmp_path: Path, frame: pd.DataFrame) -> Path:
    db = tmp_path / "mart.duckdb"
    with duckdb.connect(str(db)) as con:
        con.register("frame", frame)
        con.execute("create table main.scores_by_limit as select * from frame")
    return db


def test_a_faceting_gets_a_figure_per_limit_and_value(tmp_path):
    frame = pd.concat([load("total_tokens_by_task.csv"), load("total_tokens.csv")])
    db = _mart_db(tmp_path, frame.drop(columns="model_display_name"))
    figures = report_figures(limit_frames(db, facet="task_name"))
    assert list(figures) == ["total_tokens · arithmetic", "total_tokens · geography"]
    rows = frame[(frame.facet_value == "geography") & (frame.model == "mockllm/model-b")]
    line = [t for t in figures["total_tokens · geography"]["data"] if t.get("mode")][1]
    assert line["y"] == rows.sort_values("limit_value").success_rate.tolist()
    assert list(report_figures(limit_frames(db))) == ["total_tokens"]  # the all rows


def test_names_are_text_not_markup(tmp_path):
    frame = load("total_tokens.csv").drop(columns="model_display_name")
    frame["model"] = frame.model.str.replace("mockllm/model-a", "<b>x</b>")
    figure = report_figures(limit_frames(_mart_db(tmp_path, frame)))["total_tokens"]
    names = {t["name"] for t in figure["data"] if t.get("mode")}
    assert "&lt;b&gt;x&lt;/b&gt; (n=31)" in names
    assert not any("<b>x" in t["hovertemplate"] for t in figure["data"] if t.get("mode"))


def test_ticks_in_the_limits_unit(page):
    figures = _figures(page)
    assert figures["message_count"]["layout"]["xaxis"]["tickformat"] == ",d"
    assert figures["cost"]["layout"]["xaxis"]["tickformat"] == "$~g"
    assert figures["total_time"]["layout"]["xaxis"]["ticksuffix"] == " s"
    steps = {t["line"]["shape"] for t in figures["message_count"]["data"]}
    assert steps == {"hv"}
    assert {t["line"]["shape"] for t in figures["total_time"]["data"]} == {"linear"}


def test_an_empty_mart_is_one_line(tmp_path, capsys):
    db = tmp_path / "empty.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute("create table main.scores_by_limit (limit_name varchar, model varchar)")
    assert main(["plot", "--db", str(db), "--out", str(tmp_path / "r.html")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("budgetcurves: error: ") and "\n" not in err


# ----------------------------------------------------------------------------- browser


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make browser` installs it")
        pytest.skip("needs chromium and chromedriver (make browser)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,900",
        # any request that tries to leave the machine fails, and is logged below
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(DRIVER))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def loaded(browser, page):
    browser.get(page.as_uri())
    browser.implicitly_wait(10)
    browser.find_element("css selector", "#plot .main-svg")
    return browser


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.mark.slow
def test_loads_with_no_console_error_and_no_request_out(loaded, page):
    errors = [e for e in loaded.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
    outside = [u for u in _requests(loaded) if not u.startswith(("file:", "data:", "blob:"))]
    assert outside == []


@pytest.mark.slow
def test_the_screenshot_shows_the_curves(loaded):
    from PIL import Image

    from budgetcurves.plot import model_colors

    image = Image.open(io.BytesIO(loaded.get_screenshot_as_png())).convert("RGB")
    colors = {color for _, color in image.getcolors(maxcolors=1 << 20)}
    assert len(colors) > 50  # not a blank page
    for hex_color in model_colors(
        ["mockllm/model-a", "mockllm/model-b", "mockllm/model-c"]
    ).values():
        assert tuple(int(hex_color[i : i + 2], 16) for i in (1, 3, 5)) in colors, hex_color


def _hover(driver, trace: int, point: int) -> str:
    """Move the mouse (real input events) onto a point of a trace; the hover box's text."""
    x, y = driver.execute_script(
        """
        const gd = document.getElementById("plot");
        const [trace, point] = arguments;
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const box = gd.getBoundingClientRect();
        const data = gd.data[trace];
        return [box.left + xa._offset + xa.l2p(xa.d2l(data.x[point])),
                box.top + ya._offset + ya.l2p(ya.d2l(data.y[point]))];
        """,
        trace,
        point,
    )
    for dx in (-3, 0):  # a move, then onto the point: plotly hovers on mouse moves
        driver.execute_cdp_cmd(
            "Input.dispatchMouseEvent", {"type": "mouseMoved", "x": x + dx, "y": y}
        )
    return driver.execute_script(
        "const h = document.querySelector('.hoverlayer'); return h ? h.textContent : '';"
    )


@pytest.mark.slow
def test_hovering_a_curve_shows_its_numbers(loaded, example_db):
    mart = _mart(example_db, "total_tokens")
    rows = mart[mart.model == "mockllm/model-c"].reset_index(drop=True)
    point = len(rows) - 5  # Model C above the others here: the closest curve
    row = rows.iloc[point]
    text = _hover(loaded, 5, point)  # band, line per model: Model C's line is trace 5
    assert _names(example_db)["mockllm/model-c"] in text
    assert f"Tokens: {row.limit_value:,.6g}" in text  # the threshold, not a rounded tick
    assert f"success rate: {row.success_rate:.3f}" in text
    assert f"95% band: {row.ci_lower:.3f} to {row.ci_upper:.3f}" in text
    assert f"n: {row.sample_count}" in text


@pytest.mark.slow
def test_a_legend_click_highlights_a_model(loaded, example_db):
    names = list(_names(example_db).values())
    entries = loaded.find_elements("css selector", ".legend .traces")
    assert [e.text for e in entries] == [f"{name} (n=31)" for name in names]
    entries[1].click()
    opacity = loaded.execute_script(
        "return document.getElementById('plot').data.map((t) => [t.legendgroup, t.opacity]);"
    )
    assert {(g, o) for g, o in opacity} == {(names[0], 0.15), (names[1], 1), (names[2], 0.15)}
    loaded.find_elements("css selector", ".legend .traces")[1].click()  # again: all
    opacity = loaded.execute_script(
        "return document.getElementById('plot').data.map((t) => t.opacity);"
    )
    assert set(opacity) == {1}


@pytest.mark.slow
def test_the_selector_shows_another_limit(loaded, example_db):
    names = list(_names(example_db).values())
    from selenium.webdriver.support.ui import Select

    Select(loaded.find_element("id", "limit")).select_by_value("message_count")
    title = loaded.find_element("css selector", ".g-xtitle").text
    assert title == "Messages"
    notes = loaded.find_element("id", "notes").text
    assert f"No samples for this limit: {names[2]}" in notes
    entries = loaded.find_elements("css selector", ".legend .traces")
    assert [e.text for e in entries] == [f"{name} (n=31)" for name in names[:2]]
