"""What the portal shows, read only from a release's own files (never the warehouse)."""

from __future__ import annotations

from functools import cache

import polars as pl

from sources.catalog.catalog import catalog
from sources.home import methodology_path
from sources.index.methodology import load_methodology
from sources.release.charts import bar_chart, line_chart, target_chart
from sources.release.maps import choropleth
from sources.release.readable import gap_in_words, say_number
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


@cache
def _subject_names(lang: str) -> dict[str, str]:
    """Indicator and target-subject names of the methodology in force (a code it does not know stays a code)."""
    methodology = load_methodology(methodology_path())
    return {i.code: getattr(i, f"name_{lang}") for i in methodology.indicators} | {
        s.code: getattr(s, f"name_{lang}") for s in methodology.target_subjects
    }


def targets(release: Release, year: int, unit_set: str, code: str, lang: str) -> list[dict]:
    """A unit's targets as of `year` as a reader reads them (names, units, the gap in words, the unit that
    set each one), each with a chart of its actual values over the years against the straight path from
    the first value to the target at its horizon."""
    terms, names = catalog(), _subject_names(lang)
    words = terms.words_in(lang)
    mine = (pl.col("unit_set") == unit_set) & (pl.col("province_code") == code)
    history = pl.concat(
        [release.table("target_gaps", y).filter(mine) for y in release.manifest["reporting_years"] if y <= year],
        how="diagonal_relaxed",
    )
    # releases written before the gaps were measured as of each year have no actual_year
    year_column = "actual_year" if "actual_year" in history.columns else "reporting_year"
    rows = []
    for g in (
        release.table("target_gaps", year)
        .filter(mine)
        .sort("target_source", "horizon_year", descending=[True, False])
        .iter_rows(named=True)
    ):
        unit = g["unit"] or ""
        decimals = terms.unit_decimals.get(unit, 2)
        symbol = terms.term("unit", unit, lang) if unit else ""
        aim = (
            say_number(g["target_value"], decimals, lang)
            if g["target_value"] is not None and g["target_type"] != "relative"
            else terms.term("target_value_text", g["target_value_text"] or "", lang)
        )
        points = (
            history.filter((pl.col("target_id") == g["target_id"]) & pl.col("actual_value").is_not_null())
            .select(pl.col(year_column), "actual_value")
            .unique()
            .sort(year_column)
            .rows()
        )
        name = names.get(g["subject"], g["subject"])
        chart = ""
        if points and g["target_value"] is not None and g["target_type"] in ("absolute", "rank"):
            chart = target_chart(
                points,
                (g["horizon_year"], g["target_value"]),
                f"{name}: {g['comparator']} {aim} {symbol} ({g['horizon_year']})",
                (words["actual"], words["path"]),
            )
        rows.append(
            {
                "id": g["target_id"],
                "name": name,
                "aim": f"{g['comparator'] or ''} {aim} {symbol}".strip(),
                "horizon": g["horizon_year"],
                "actual": (
                    f"{say_number(g['actual_value'], decimals, lang)} ({g[year_column]})"
                    if g["actual_value"] is not None
                    else ""
                ),
                "gap": gap_in_words(g["gap"], g["status"] == "target met", g["unit"], lang) or "",
                "gap_value": g["gap"],
                "status": g["status_vi"] if lang == "vi" else g["status"],
                "met": g["status"] == "target met",
                "source": terms.term("target_source", g["target_source"], lang),
                "set_by": g.get("set_by"),
                "document": g["document"] or "",
                "chart": chart,
            }
        )
    return rows
