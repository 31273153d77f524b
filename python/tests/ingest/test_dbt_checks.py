"""What dbt makes of imperfect logs once they are loaded: warnings that count and name
them, staging that reads impossible values as missing, and the var ``score_key``."""

from __future__ import annotations

import duckdb

from budgetcurves._project import run_dbt
from budgetcurves.ingest import ingest

from ._logs import JSON_LOGS, clone_log

_WARN_TESTS = (
    "assert_no_negative_usage",
    "assert_working_time_within_total_time",
    "assert_dict_and_list_scores_are_named",
)


def _imperfect(sample):
    usage = next(iter(sample["model_usage"].values()))
    if sample["id"] == 1:
        usage["total_tokens"] = -7  # impossible: read as missing
    if sample["id"] == 2:
        sample["working_time"] = sample["total_time"] + 5  # Inspect has had such bugs
    if sample["id"] in (3, 4):
        sample["scores"]["match"]["value"] = {"correct": 1, "partial": "P"}
    return sample


def test_imperfect_samples_warn_with_counts_and_score_key_picks_a_key(tmp_path):
    logs = tmp_path / "logs"
    clone_log(JSON_LOGS[0], logs / "imperfect.json", "imperfect", sample=_imperfect)
    db = tmp_path / "checks.duckdb"
    with duckdb.connect(str(db)) as con:
        assert ingest([str(logs)], con).errors == []
    selection = ["+int_samples__scored", "+int_curves__error_counts", *_WARN_TESTS]
    # cautious: not the tests that also read models left unbuilt (the mart)
    build = ["build", "--indirect-selection", "cautious", "--select"]
    result = run_dbt([*build, *selection], db=db, quiet=True)
    warned = {r.node.name: (str(r.status), r.failures) for r in result.result}
    # each warns (the build still succeeds) with its count of samples (2 epochs each)
    assert warned["assert_no_negative_usage"] == ("warn", 2)
    assert warned["assert_working_time_within_total_time"] == ("warn", 2)
    assert warned["assert_dict_and_list_scores_are_named"] == ("warn", 4)
    with duckdb.connect(str(db), read_only=True) as con:
        staged = con.execute(
            "select count(*) from main.stg_inspect__samples where total_tokens is null"
        ).fetchone()
        scored = con.execute("select count(*) from main.int_samples__scored").fetchone()
    assert staged == (2,)
    assert scored == (16,)  # the dict-scored samples are left out
    # score_key picks the dict's key: they come back, and the warning goes
    result = run_dbt(
        [*build, "int_samples__scored", "assert_dict_and_list_scores_are_named"],
        db=db,
        variables={"score_key": "partial"},
        quiet=True,
    )
    assert {str(r.status) for r in result.result} == {"success", "pass"}
    with duckdb.connect(str(db), read_only=True) as con:
        picked = con.execute(
            "select score from main.int_samples__scored where sample_id in ('3', '4')"
        ).fetchall()
    assert picked == [(0.5,)] * 4
