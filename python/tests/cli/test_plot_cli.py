"""`budgetcurves plot` and `budgetcurves export`: every output format, and one-line errors."""

from __future__ import annotations

import re

import duckdb
import pandas as pd
import pytest

from budgetcurves import __version__
from budgetcurves.cli import main

from ..conftest import read_mart


def _error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("budgetcurves: error: ")
    return lines[0]


def test_png_at_width_and_dpi(example_db, tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "p.png"
    args = ["plot", "--db", str(example_db), "--out", str(out), "--width", "500", "--dpi", "200"]
    assert main(args) == 0
    assert capsys.readouterr().out.strip() == f"plot: wrote {out}"
    with Image.open(out) as image:
        assert image.size[0] == 500
        assert abs(image.size[1] - 500 / 1.618) < 1


def test_svg_and_pdf_in_the_same_inches(example_db, tmp_path):
    svg, pdf = tmp_path / "p.svg", tmp_path / "p.pdf"
    size = ["--width", "700", "--height", "350", "--quiet"]
    assert main(["plot", "--db", str(example_db), "--out", str(svg), *size]) == 0
    assert main(["plot", "--db", str(example_db), "--out", str(pdf), *size]) == 0
    assert re.search(r'<svg[^>]* width="504pt" height="252pt"', svg.read_text())
    assert re.search(rb"/MediaBox \[ *0 0 504 252 *\]", pdf.read_bytes())


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_the_mart(example_db, tmp_path, capsys, suffix):
    out = tmp_path / f"scores{suffix}"
    assert main(["export", "--db", str(example_db), "--out", str(out)]) == 0
    mart = read_mart(example_db)
    assert f"wrote {len(mart)} rows" in capsys.readouterr().out
    with duckdb.connect() as con:
        back = con.execute(f"select * from '{out}'").df()
    # a CSV does not know the type of a column that is null throughout (eval_budget
    # where no eval set a limit): read it back as the mart's
    back = back.astype({c: mart[c].dtype for c in back.columns if back[c].isna().all()})
    keys = ["limit_name", "facet_name", "facet_value", "model", "step_index"]
    pd.testing.assert_frame_equal(
        back.sort_values(keys).reset_index(drop=True),
        mart.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plot", "--out", "x.gif"], r"--out x\.gif: the file must end in \.png, \.svg or \.pdf"),
        (["plot", "--out", "x.png", "--limit", "tokens"], r"limit 'tokens' is not in the mart; "),
        (["plot", "--out", "x.png", "--facet", "difficulty"], "facet 'difficulty' is not in"),
        (["plot", "--out", "x.png", "--width", "0"], "must be positive"),
        (["export", "--out", "x.json"], r"must end in \.csv or \.parquet"),
    ],
)
def test_user_mistakes_are_one_line(example_db, tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    assert main([*args, "--db", str(example_db)]) == 2
    assert re.search(message, _error_line(capsys))


@pytest.mark.parametrize("command", ["plot", "export"])
def test_a_missing_database_is_one_line(tmp_path, capsys, command):
    out = tmp_path / ("x.png" if command == "plot" else "x.csv")
    assert main([command, "--db", str(tmp_path / "none.duckdb"), "--out", str(out)]) == 2
    assert "none.duckdb: no such database" in _error_line(capsys)


def test_an_unwritable_output_is_one_line(example_db, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["plot", "--db", str(example_db), "--out", str(blocker / "x.png")]) == 2
    assert "cannot write" in _error_line(capsys)


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"budgetcurves {__version__}"
