"""A province's profile, the page a leader takes to a meeting: rank and interval, its place on the map, the
index and pillars over the years, its own targets, those a former unit set (carried to it, labelled with
that unit) and the national ones, each gap in words and a chart per target of the actual values against
the straight path to the target. The portal shows it; every release holds it as a PDF per unit of the
latest year, printed locally by Chromium's headless print-to-PDF (nothing is downloaded)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import polars as pl
from playwright.sync_api import sync_playwright

from sources.catalog.catalog import catalog, pillar_labels
from sources.index.methodology import Methodology
from sources.intake.numbers import say_number
from sources.release.charts import line_chart, target_chart
from sources.release.maps import choropleth
from sources.release.readable import gap_in_words
from sources.release.report import TEMPLATES

CHROMIUM = ("chromium", "/usr/bin/chromium", "chromium-browser")
PDF_SECONDS = 120  # the most one page may take to load and print


def subject_names(methodology: Methodology, lang: str) -> dict[str, str]:
    """Indicator and target-subject names in `lang` by code."""
    return {i.code: getattr(i, f"name_{lang}") for i in methodology.indicators} | {
        s.code: getattr(s, f"name_{lang}") for s in methodology.target_subjects
    }


def target_rows(
    gaps_by_year: dict[int, pl.DataFrame], year: int, unit_set: str, code: str, lang: str, names: dict[str, str]
) -> list[dict]:
    """A unit's targets as of `year` as a reader reads them (names, units, the gap in words, the unit that
    set each one), each with a chart of its actual values over the years (as known each year up to `year`)
    against the straight path from the first value to the target at its horizon."""
    terms = catalog()
    words = terms.words_in(lang)
    mine = (pl.col("unit_set") == unit_set) & (pl.col("province_code") == code)
    history = pl.concat([frame.filter(mine) for y, frame in gaps_by_year.items() if y <= year], how="diagonal_relaxed")
    # releases written before the gaps were measured as of each year have no actual_year
    year_column = "actual_year" if "actual_year" in history.columns else "reporting_year"
    rows = []
    current = gaps_by_year[year].filter(mine).sort("target_source", "horizon_year", descending=[True, False])
    for g in current.iter_rows(named=True):
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
        if points and None not in (g["target_value"], g["horizon_year"]) and g["target_type"] in ("absolute", "rank"):
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


def score_map(
    rows: list[dict], title: str, lang: str, link: dict[str, str] | None, no_data: str, highlight: str | None = None
) -> str:
    """The choropleth of a year's ranking: one shape per unit of its unit set (34 or 63), coloured by score."""
    unit_set = rows[0]["unit_set"] if rows else "34"
    return choropleth(unit_set, {r["province_code"]: r["score"] for r in rows}, title, lang, link, highlight, no_data)


def history_lines(history: pl.DataFrame, unit_set: str, code: str) -> list[dict]:
    """A unit's index and pillar scores over the years (for a current unit: restated on the 34 units)."""
    series = "restated_34" if unit_set == "34" else "as_reported"
    return (
        history.filter(
            (pl.col("series") == series) & (pl.col("unit_set") == unit_set) & (pl.col("province_code") == code)
        )
        .sort("reporting_year")
        .to_dicts()
    )


def history_chart(history: list[dict], columns: dict[str, str], title: str) -> str:
    """The index and pillar scores over the years; `columns`: score column -> its label."""
    return line_chart(
        {label: [(h["reporting_year"], h[column]) for h in history] for column, label in columns.items()}, title
    )


def profile_page(
    manifest: dict,
    year: int,
    ranking: pl.DataFrame,
    history: pl.DataFrame,
    gaps_by_year: dict[int, pl.DataFrame],
    code: str,
    methodology: Methodology,
    lang: str = "vi",
) -> str:
    """One unit's profile as a self-contained page (inline styles and SVG) laid out for A4."""
    t = catalog().words_in(lang)
    rows = ranking.to_dicts()
    row = next(r for r in rows if r["province_code"] == code)
    lines = {"score": t["score"], **pillar_labels(manifest["pillars"], lang)}
    mine = history_lines(history, row["unit_set"], code)
    return TEMPLATES.get_template("profile.html").render(
        t=t,
        lang=lang,
        manifest=manifest,
        year=year,
        row=row,
        map=score_map(rows, t["map_title"].format(year=year), lang, None, t["not_ranked"], highlight=code),
        chart=history_chart(mine, lines, f"{t['history']}: {row['province_name']}"),
        targets=target_rows(gaps_by_year, year, row["unit_set"], code, lang, subject_names(methodology, lang)),
    )


def chromium() -> str | None:
    """Debian's Chromium (scripts/ensure-chromium.sh installs it), or None."""
    return next((found for name in CHROMIUM if (found := shutil.which(name))), None)


def print_pdfs(pages: dict[str, str], folder: Path) -> list[Path]:
    """Print each page (file name -> HTML) to an A4 PDF in `folder` with one headless Chromium (Debian's,
    driven by Playwright: nothing is downloaded) for all of them; each page is written to a private
    temporary folder and opened from disk, with no network."""
    executable = chromium()
    if executable is None:
        raise FileNotFoundError("chromium not found: run scripts/ensure-chromium.sh")
    printed = []
    with tempfile.TemporaryDirectory(prefix="dti-profiles-") as scratch, sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(PDF_SECONDS * 1000)
            for name, html in pages.items():
                source = Path(scratch) / f"{Path(name).stem}.html"
                source.write_text(html, encoding="utf-8")
                page.goto(source.as_uri())
                page.pdf(path=folder / name, print_background=True, prefer_css_page_size=True)
                printed.append(folder / name)
        finally:
            browser.close()
    return printed
