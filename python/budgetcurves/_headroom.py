"""The answer in words: would more budget buy more success? One line per model from
the mart ``budget_headroom`` (what ``budgetcurves run`` prints after the figure)."""

from __future__ import annotations

import duckdb

#: What a limit is called in a sentence ("over the last doubling of tokens") and what
#: the eval's own limit on it is ("the eval's token limit"); other columns: their name.
_WORDS = {
    "total_tokens": ("tokens", "token"),
    "message_count": ("messages", "message"),
    "total_time": ("total time", "time"),
    "working_time": ("working time", "working time"),
    "cost": ("cost", "cost"),
}


def _words(limit: str) -> tuple[str, str]:
    name = limit.replace("_", " ")
    return _WORDS.get(limit, (name, name))


def headroom_lines(con: duckdb.DuckDBPyConnection, limit: str) -> list[str]:
    """Per model (the unfaceted curves of ``limit``): the gain over the last doubling
    with its band, and what the eval's own budget leaves open. Empty where the
    database has no ``budget_headroom`` (built before it existed)."""
    try:
        rows = con.execute(
            """select model, gain_last_doubling, gain_ci_lower, gain_ci_upper, ci_level,
                censored_count, sample_count, rate_if_censored_succeed
            from main.budget_headroom
            where limit_name = ? and facet_name = 'all'
            order by model""",
            [limit],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    of, limit_word = _words(limit)
    lines = []
    for model, gain, lower, upper, level, censored, n, optimistic in rows:
        band = f" ({lower:+.2f} to {upper:+.2f}, {level:.0%})" if lower is not None else ""
        line = f"{model}: {gain:+.2f}{band} over the last doubling of {of}"
        if censored:
            line += f"; {censored} of {n} samples stopped by the eval's {limit_word} limit" + (
                f": up to {optimistic:.2f} with more" if optimistic is not None else ""
            )
        lines.append(line)
    return lines
