"""Replaying a finished ``dbt build`` without dbt: the SQL alone.

After a build, ``target/manifest.json`` holds every node's compiled SQL and
``target/run_results.json`` the order they ran in. Replaying the models (into new
relations beside dbt's) and the data tests on one DuckDB connection times what the
engine does, so ``build wall time - replay`` is what dbt itself adds.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb


@dataclass
class Node:
    unique_id: str
    name: str
    kind: str  # model, test, seed, unit_test
    materialized: str
    relation: str | None
    sql: str
    depends_on: list[str]


def load_nodes(target: Path) -> list[Node]:
    """The nodes of the last build, in the order dbt finished them."""
    manifest = json.loads((target / "manifest.json").read_text())
    results = json.loads((target / "run_results.json").read_text())["results"]
    nodes = []
    for result in results:
        node = manifest["nodes"].get(result["unique_id"])
        if node is None:
            continue
        nodes.append(
            Node(
                unique_id=node["unique_id"],
                name=node["name"],
                kind=node["resource_type"],
                materialized=node.get("config", {}).get("materialized", ""),
                relation=node.get("relation_name"),
                sql=node.get("compiled_code") or "",
                depends_on=node.get("depends_on", {}).get("nodes", []),
            )
        )
    return nodes


def _substitute(sql: str, names: dict[str, str]) -> str:
    for relation, replacement in names.items():
        sql = sql.replace(relation, replacement)
    return sql


def replay(
    con: duckdb.DuckDBPyConnection,
    nodes: list[Node],
    *,
    tests: bool = True,
    names: dict[str, str] | None = None,
    only: set[str] | None = None,
) -> dict[str, float]:
    """Run the models (into temp relations) and tests; seconds per node name.

    ``names`` maps relations to others (to point a model at a restricted input);
    ``only`` limits the replay to those node names.
    """
    names = dict(names or {})
    seconds: dict[str, float] = {}
    for node in nodes:
        if only is not None and node.name not in only:
            continue
        if node.kind == "model" and node.relation:
            target = f"bench_{node.name}"
            kind = "view" if node.materialized == "view" else "table"
            sql = _substitute(node.sql, names)
            started = time.perf_counter()
            con.execute(f"create or replace temp {kind} {target} as {sql}")
            seconds[node.name] = time.perf_counter() - started
            names[node.relation] = target
        elif node.kind == "test" and tests:
            sql = _substitute(node.sql, names)
            started = time.perf_counter()
            con.execute(f"select count(*) from ({sql}) as test").fetchone()
            seconds[node.name] = time.perf_counter() - started
    return seconds


def downstream(nodes: list[Node], start: str, end: str) -> set[str]:
    """Names of the models on some path from model ``start`` to model ``end``."""
    by_id = {n.unique_id: n for n in nodes if n.kind == "model"}
    by_name = {n.name: n for n in by_id.values()}
    reaches: dict[str, bool] = {}

    def leads_to_end(uid: str) -> bool:
        if uid not in reaches:
            node = by_id[uid]
            reaches[uid] = node.name == end or any(
                leads_to_end(u) for u in by_id if uid in by_id[u].depends_on
            )
        return reaches[uid]

    found, stack = set(), [by_name[start].unique_id]
    while stack:
        uid = stack.pop()
        for other, node in by_id.items():
            if uid in node.depends_on and other not in found and leads_to_end(other):
                found.add(other)
                stack.append(other)
    return {by_id[u].name for u in found}


def relation_of(nodes: list[Node], name: str) -> str:
    for node in nodes:
        if node.name == name and node.relation:
            return node.relation
    raise KeyError(name)
