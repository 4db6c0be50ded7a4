"""What the portal shows, read only from a release's own files (never the warehouse)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl

from sources.charts import bar_chart, line_chart
from sources.release import Release

PILLARS = ("government", "economy", "society")


@lru_cache(maxsize=64)
def _read(path: Path, _mtime: float) -> pl.DataFrame:
    return pl.read_parquet(path)


def table(release: Release, name: str, year: int | None = None) -> pl.DataFrame:
    """A table of the release (ranking, target_gaps, indicator_values, pillar_history) from its Parquet file."""
    entry = next(e for e in release.manifest["files"]
                 if e["table"] == name and e["year"] == year and e["format"] == "parquet")
    path = release.folder / entry["name"]
    return _read(path, path.stat().st_mtime)


def ranking_rows(release: Release, year: int) -> list[dict]:
    return table(release, "ranking", year).to_dicts()


def scores_chart(rows: list[dict], title: str) -> str:
    return bar_chart([(row["province_name"], row["score"]) for row in rows], title)


def province(release: Release, year: int, code: str) -> dict | None:
    """One unit of a year's ranking, its scores over the years and its targets."""
    rows = table(release, "ranking", year).filter(pl.col("province_code") == code).to_dicts()
    if not rows:
        return None
    row = rows[0]
    unit_set = row["unit_set"]
    history = table(release, "pillar_history")
    series = "restated_34" if unit_set == "34" else "as_reported"
    mine = history.filter((pl.col("series") == series) & (pl.col("unit_set") == unit_set)
                          & (pl.col("province_code") == code)).sort("reporting_year")
    gaps = pl.concat([table(release, "target_gaps", y) for y in release.manifest["reporting_years"]], how="diagonal_relaxed")
    gaps = gaps.filter((pl.col("unit_set") == unit_set) & (pl.col("province_code") == code)).sort("horizon_year", "subject")
    return {"row": row, "unit_set": unit_set, "history": mine.to_dicts(), "gaps": gaps.to_dicts(), "series": series}


def history_chart(history: list[dict], names: dict[str, str], title: str) -> str:
    columns = {"score": names["score"], **{f"{p}_score": names[p] for p in PILLARS}}
    return line_chart({label: [(h["reporting_year"], h[column]) for h in history] for column, label in columns.items()}, title)
