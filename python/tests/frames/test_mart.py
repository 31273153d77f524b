"""read_scores and export_scores on a small hand-made mart: the filters run in the query."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from budgetcurves.frames import export_scores, limit_frames, read_scores

from ..plot.make_fixtures import load

MODELS = {
    "mockllm/model-a": "Model A",
    "mockllm/model-b": "Model B",
    "mockllm/model-c": "Model C",
}


@pytest.fixture()
def mart() -> pd.DataFrame:
    """Two limits, the `all` rows and a task_name faceting, as the mart holds them."""
    frames = [load("total_tokens.csv"), load("total_time.csv"), load("total_tokens_by_task.csv")]
    return pd.concat(frames, ignore_index=True).drop(columns="model_display_name")


@pytest.fixture()
def db(tmp_path, mart):
    path = tmp_path / "mart.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table main.scores_by_limit as select * from mart")
        con.execute(
            "create table main.model_info as select * from (values "
            "('mockllm/model-a', 'Model A', 'Inspect mock'), "
            "('mockllm/model-b', 'Model B', 'Inspect mock'), "
            "('mockllm/model-c', 'Model C', 'Inspect mock'), "
            "('openai/gpt-4o', 'GPT-4o', 'OpenAI')"
            ") as t(model, display_name, organization)"
        )
    return path


def test_one_limit_with_display_names(db):
    frame = read_scores(db)
    assert set(frame.limit_name) == {"total_tokens"}
    assert set(frame.facet_name) == {"all"}
    assert dict(zip(frame.model, frame.model_display_name, strict=True)) == MODELS
    assert len(frame) == 150
    assert list(frame.groupby("model").step_index.apply(list).iloc[0]) == list(range(50))


def test_limit_frames_reads_every_limit_as_read_scores_does(db, mart):
    frames = limit_frames(db, facet="task_name")
    assert list(frames) == ["total_time", "total_tokens"]  # the mart's order, by name
    by_task = mart[(mart.limit_name == "total_tokens") & (mart.facet_name == "task_name")]
    assert len(frames["total_tokens"]) == len(by_task)
    assert frames["total_time"].empty  # no task_name rows for this limit in the mart
    pd.testing.assert_frame_equal(limit_frames(db)["total_time"], read_scores(db, "total_time"))


def test_takes_an_open_connection_and_leaves_it_open(db):
    with duckdb.connect(str(db), read_only=True) as con:
        assert len(read_scores(con, "total_time")) == 150
        assert con.execute("select 1").fetchone() == (1,)


def test_unknown_models_keep_their_name(db):
    with duckdb.connect(str(db)) as con:
        con.execute("delete from main.model_info where model = 'mockllm/model-b'")
    names = read_scores(db).groupby("model").model_display_name.first().to_dict()
    assert names == {**MODELS, "mockllm/model-b": "mockllm/model-b"}


def test_without_the_seed_every_model_keeps_its_name(db):
    with duckdb.connect(str(db)) as con:
        con.execute("drop table main.model_info")
    frame = read_scores(db)
    assert (frame.model_display_name == frame.model).all()


def test_a_shared_display_name_falls_back_to_the_models(db):
    with duckdb.connect(str(db)) as con:
        con.execute(
            "update main.model_info set display_name = 'Mock' where model <> 'openai/gpt-4o'"
        )
    frame = read_scores(db)
    assert (frame.model_display_name == frame.model).all()
    # reading one of them alone, its display name is no longer shared
    one = read_scores(db, models=["mockllm/model-a"])
    assert set(one.model_display_name) == {"Mock"}


def test_models_by_inspect_or_display_name(db):
    frame = read_scores(db, models=["mockllm/model-a", "Model C"])
    assert sorted(frame.model.unique()) == ["mockllm/model-a", "mockllm/model-c"]


def test_a_faceting(db):
    frame = read_scores(db, facet="task_name")
    assert set(frame.facet_name) == {"task_name"}
    assert sorted(frame.facet_value.unique()) == ["arithmetic", "geography"]


def test_tasks_read_the_task_faceting(db):
    frame = read_scores(db, tasks=["geography"])
    assert set(zip(frame.facet_name, frame.facet_value, strict=True)) == {
        ("task_name", "geography")
    }
    with pytest.raises(ValueError, match="tasks= keeps rows of the 'task_name' faceting"):
        read_scores(db, facet="all", tasks=["geography"])


def test_unknown_limit_and_facet_name_what_there_is(db):
    with pytest.raises(
        ValueError, match="limit 'cost' is not in the mart; limits: total_time, total_tokens"
    ):
        read_scores(db, "cost")
    with pytest.raises(
        ValueError, match="facet 'metadata.level' is not in the mart; facets: all, task_name"
    ):
        read_scores(db, facet="metadata.level")


def test_no_database_no_mart_empty_mart(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such database"):
        read_scores(tmp_path / "missing.duckdb")
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    with pytest.raises(ValueError, match="no scores_by_limit mart"):
        read_scores(empty)
    with duckdb.connect(str(empty)) as con:
        con.execute("create table main.scores_by_limit (limit_name varchar, facet_name varchar)")
    with pytest.raises(ValueError, match="empty"):
        read_scores(empty)


def test_not_a_database(tmp_path):
    junk = tmp_path / "junk.duckdb"
    junk.write_text("not a database")
    with pytest.raises(ValueError, match="cannot open the database"):
        read_scores(junk)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_export_writes_the_whole_mart(db, mart, tmp_path, suffix):
    out = tmp_path / "out" / f"scores{suffix}"
    assert export_scores(db, out) == len(mart)
    with duckdb.connect() as con:
        back = con.execute(f"select * from '{out}'").df()
    assert list(back.columns) == list(mart.columns)
    keys = ["limit_name", "facet_name", "facet_value", "model", "step_index"]
    assert back[keys].equals(back[keys].sort_values(keys).reset_index(drop=True))
    pd.testing.assert_frame_equal(
        back.sort_values(keys).reset_index(drop=True),
        mart.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )


def test_export_wants_csv_or_parquet(db, tmp_path):
    with pytest.raises(ValueError, match=r"must end in \.csv or \.parquet"):
        export_scores(db, tmp_path / "scores.json")


def test_a_model_without_rows_for_the_limit_is_named(tmp_path, mart):
    """Model C has token rows but none for time: the time frame says so, by display name."""
    path = tmp_path / "gap.duckdb"
    rows = mart[~((mart.model == "mockllm/model-c") & (mart.limit_name == "total_time"))]
    with duckdb.connect(str(path)) as con:
        con.register("rows", rows)
        con.execute("create table main.scores_by_limit as select * from rows")
        con.execute(
            "create table main.model_info as select * from (values "
            "('mockllm/model-c', 'Model C', 'Inspect mock')) as t(model, display_name, org)"
        )
    assert read_scores(path, "total_time").attrs["models_without_samples"] == ["Model C"]
    assert read_scores(path, "total_tokens").attrs["models_without_samples"] == []
    # filtered out on purpose is not missing
    frame = read_scores(path, "total_time", models=["mockllm/model-a"])
    assert frame.attrs["models_without_samples"] == []
