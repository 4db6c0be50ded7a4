"""What the portal shows, read only from a release's own files (never the warehouse)."""

from __future__ import annotations

import polars as pl

from sources.release.charts import bar_chart, line_chart
from sources.release.maps import choropleth
from sources.release.releases import Release


def ranking_rows(release: Release, year: int) -> list[dict]:
    return release.table("ranking", year).to_dicts()


def score_map(
    rows: list[dict], title: str, lang: str, link: dict[str, str], no_data: str, highlight: str | None = None
) -> str:
    """The choropleth of a year's ranking: one shape per unit of its unit set (34 or 63), coloured by score."""
    unit_set = rows[0]["unit_set"] if rows else "34"
    scores = {row["province_code"]: row["score"] for row in rows}
    return choropleth(unit_set, scores, title, lang, link, highlight, no_data)


def scores_chart(rows: list[dict], title: str) -> str:
    return bar_chart([(row["province_name"], row["score"]) for row in rows], title)


def province(release: Release, year: int, code: str) -> dict | None:
    """One unit of a year's ranking, its scores over the years and its targets as of that year."""
    rows = release.table("ranking", year).filter(pl.col("province_code") == code).to_dicts()
    if not rows:
        return None
    row = rows[0]
    unit_set = row["unit_set"]
    history = release.table("pillar_history")
    series = "restated_34" if unit_set == "34" else "as_reported"
    mine = history.filter(
        (pl.col("series") == series) & (pl.col("unit_set") == unit_set) & (pl.col("province_code") == code)
    ).sort("reporting_year")
    # the targets as of the page's year: its own, those a former unit set (carried), the national ones
    gaps = (
        release.table("target_gaps", year)
        .filter((pl.col("unit_set") == unit_set) & (pl.col("province_code") == code))
        .sort("horizon_year", "subject")
    )
    return {"row": row, "unit_set": unit_set, "history": mine.to_dicts(), "gaps": gaps.to_dicts(), "series": series}


def history_chart(history: list[dict], columns: dict[str, str], title: str) -> str:
    """The index and pillar scores over the years; `columns`: score column -> its label."""
    return line_chart(
        {label: [(h["reporting_year"], h[column]) for h in history] for column, label in columns.items()}, title
    )
