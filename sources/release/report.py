"""The static report of a release: its rankings and charts in one self-contained HTML file (inline styles,
inline SVG, no link to anything outside) that can be sent by e-mail."""

from __future__ import annotations

from pathlib import Path

import jinja2
import polars as pl

from sources.catalog.catalog import catalog, pillar_labels
from sources.intake.numbers import say_number
from sources.release.charts import bar_chart, line_chart

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)


def number(value: float | None, decimals: int, lang: str) -> str:
    """The templates' `number` filter: a number as a reader of `lang` writes it (nothing for no value)."""
    return "" if value is None else say_number(value, decimals, lang)


TEMPLATES.filters["number"] = number


def render_report(
    by_year: dict[int, dict[str, pl.DataFrame]],
    history: pl.DataFrame,
    manifest: dict,
    audits: dict[int, list[tuple[str, pl.DataFrame]]] | None = None,
) -> str:
    """The report in Vietnamese, with the pillars the manifest lists (those of the release's methodology);
    `audits` holds per year the audit's tables (sources/index/audit.py: audit_report)."""
    t = catalog().words_in("vi")
    pillars = pillar_labels(manifest["pillars"], "vi")
    audit = {
        year: [(title, frame.columns, frame.rows()) for title, frame in blocks]
        for year, blocks in (audits or {}).items()
        if blocks
    }
    years = [(year, frames["ranking"].to_dicts()) for year, frames in sorted(by_year.items(), reverse=True)]
    charts = {
        year: bar_chart([(r["province_name"], r["score"]) for r in rows], t["chart_scores"].format(year=year))
        for year, rows in years
    }
    bands = {year: "rank_p05" in frames["ranking"].columns for year, frames in by_year.items()}
    lines = {"score": t["score"], **pillars}
    means = (
        history.filter(pl.col("series") == "restated_34")
        .group_by("reporting_year")
        .agg(pl.col(*lines).mean())
        .sort("reporting_year")
    )
    trend = (
        line_chart(
            {label: list(zip(means["reporting_year"], means[column])) for column, label in lines.items()},
            f"{t['history']} (34)",
        )
        if means.height
        else ""
    )
    return TEMPLATES.get_template("report.html").render(
        t=t,
        en=catalog().words_in("en"),
        manifest=manifest,
        years=years,
        charts=charts,
        bands=bands,
        trend=trend,
        pillars=pillars,
        audit=audit,
        lang="vi",
    )
