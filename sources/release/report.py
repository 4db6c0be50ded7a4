"""The static report of a release: its rankings and charts in one self-contained HTML file (inline styles,
inline SVG, no link to anything outside) that can be sent by e-mail."""

from __future__ import annotations

from pathlib import Path

import jinja2
import polars as pl

from sources.catalog.labels import words
from sources.release.charts import bar_chart, line_chart

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)


def render_report(by_year: dict[int, dict[str, pl.DataFrame]], history: pl.DataFrame, manifest: dict,
                  audits: dict[int, list[tuple[str, pl.DataFrame]]] | None = None) -> str:
    """The report; `audits` holds per year the audit's tables (sources/index/audit.py: audit_report)."""
    t = words("vi")
    audit = {year: [(title, frame.columns, frame.rows()) for title, frame in blocks]
             for year, blocks in (audits or {}).items() if blocks}
    years = [(year, frames["ranking"].to_dicts()) for year, frames in sorted(by_year.items(), reverse=True)]
    charts = {year: bar_chart([(r["province_name"], r["score"]) for r in rows], t["chart_scores"].format(year=year))
              for year, rows in years}
    bands = {year: "rank_p05" in frames["ranking"].columns for year, frames in by_year.items()}
    means = (history.filter(pl.col("series") == "restated_34").group_by("reporting_year")
             .agg(pl.col("score", "government_score", "economy_score", "society_score").mean()).sort("reporting_year"))
    trend = line_chart({t[name]: list(zip(means["reporting_year"], means[column]))
                        for name, column in (("score", "score"), ("government", "government_score"),
                                             ("economy", "economy_score"), ("society", "society_score"))},
                       f"{t['history']} (34)") if means.height else ""
    return TEMPLATES.get_template("report.html").render(
        t=t, en=words("en"), manifest=manifest, years=years, charts=charts, bands=bands, trend=trend, audit=audit,
        lang="vi")
