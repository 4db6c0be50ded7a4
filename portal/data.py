"""What the portal shows, read only from a release's own files (never the warehouse)."""

from __future__ import annotations

from functools import cache

import polars as pl

from sources.home import methodology_path
from sources.index.methodology import Methodology, load_methodology
from sources.release.charts import bar_chart
from sources.release.profiles import EXPLAINED, Names, explained, history_lines, subject_names, target_rows
from sources.release.releases import Release


def ranking_rows(release: Release, year: int) -> list[dict]:
    return release.table("ranking", year).to_dicts()


def scores_chart(rows: list[dict], title: str) -> str:
    return bar_chart([(row["province_name"], row["score"]) for row in rows], title)


def province(release: Release, year: int, code: str) -> dict | None:
    """One unit of a year's ranking, its scores over the years and its targets as of that year."""
    rows = release.table("ranking", year).filter(pl.col("province_code") == code).to_dicts()
    if not rows:
        return None
    row = rows[0]
    unit_set = row["unit_set"]
    # the targets as of the page's year: its own, those a former unit set (carried), the national ones
    gaps = release.table("target_gaps", year).filter(
        (pl.col("unit_set") == unit_set) & (pl.col("province_code") == code)
    )
    return {
        "row": row,
        "unit_set": unit_set,
        "history": history_lines(release.table("pillar_history"), unit_set, code),
        "gaps": gaps.sort("horizon_year", "subject").to_dicts(),
        "series": "restated_34" if unit_set == "34" else "as_reported",
    }


@cache
def _methodology() -> Methodology:
    """The methodology in force: the names of indicators and target subjects (a code it does not know stays a
    code) and the decimals of a score."""
    return load_methodology(methodology_path())


def _names(lang: str) -> dict[str, str]:
    return subject_names(_methodology(), lang)


def targets(release: Release, year: int, unit_set: str, code: str, lang: str) -> list[dict]:
    """A unit's targets as of `year` as a reader reads them, each with its chart (sources/release/profiles.py)."""
    gaps = {y: release.table("target_gaps", y) for y in release.manifest["reporting_years"]}
    return target_rows(gaps, year, unit_set, code, lang, _names(lang))


def sections(release: Release, year: int, code: str, lang: str) -> dict:
    """Why the unit's rank changed, what it takes to reach its targets and its strengths and weaknesses, from
    the release's tables of `year` (sources/release/profiles.py; a release without them leaves them out)."""
    frames = {name: release.table(name, year) for name in EXPLAINED if release.has(name, year)}
    methodology = _methodology()
    names = Names.of(methodology, release.manifest["pillars"], lang)
    return explained(frames, code, names, methodology.score_decimals)
