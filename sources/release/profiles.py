"""A province's profile, the page a leader takes to a meeting: rank and interval, its place on the map, the
index and pillars over the years, its own targets, those a former unit set (carried to it, labelled with
that unit) and the national ones, each gap in words and a chart per target of the actual values against
the straight path to the target. The portal shows it; every release holds it as a PDF per unit of the
latest year, printed locally by Chromium's headless print-to-PDF (nothing is downloaded)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from playwright.sync_api import sync_playwright

from sources.catalog.catalog import catalog, pillar_labels
from sources.index.methodology import Methodology
from sources.intake.numbers import say_number, say_share
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
        if (
            points
            and None not in (g["target_value"], g["horizon_year"])
            and g["target_type"] in ("absolute", "rank", "score")
        ):
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
                "path": _against_path(g.get("gap_to_trajectory"), unit, decimals, lang),
                "path_value": g.get("gap_to_trajectory"),
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


def _against_path(ahead: float | None, unit: str, decimals: int, lang: str) -> str:
    """Where the latest value stands against the straight path from the baseline to the target (the EU
    Digital Decade's trajectory, marts.target_gaps.gap_to_trajectory), in words."""
    if ahead is None:
        return ""
    terms = catalog()
    words = terms.words_in(lang)
    if round(ahead, decimals) == 0:
        return words["on_path"]
    amount = say_number(abs(ahead), decimals, lang)
    if unit:
        amount = f"{amount} {terms.term('gap_unit', unit, lang)}"
    return words["path_ahead" if ahead > 0 else "path_behind"].format(x=amount)


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


# The release's tables behind the sections on why the rank changed, what it takes to reach a target and the
# strengths and weaknesses (sql/exports/), each of one reporting year.
EXPLAINED = ("score_change_attribution", "target_paths", "province_strengths")
LARGEST = 3  # parts named on each side of a change


def _signed(value: float, decimals: int, lang: str) -> str:
    """A change as a reader writes it: '+' before a gain, '-' before a loss, no sign on what rounds to zero."""
    shown = round(value, decimals)
    return ("+" if shown > 0 else "") + say_number(shown if shown != 0 else 0.0, decimals, lang)


@dataclass(frozen=True)
class Names:
    """What the sections call the codes: indicators (with the English name beside on a Vietnamese page),
    pillars and the index, in the page's language."""

    lang: str
    indicators: dict[str, str]
    english: dict[str, str]
    pillars: dict[str, str]

    @classmethod
    def of(cls, methodology: Methodology, manifest_pillars: list[dict[str, str]], lang: str) -> Names:
        return cls(
            lang,
            subject_names(methodology, lang),
            subject_names(methodology, "en") if lang == "vi" else {},
            {p["code"]: p[f"name_{lang}"] for p in manifest_pillars}
            | {"index": catalog().term("audit_node", "index", lang)},
        )

    def indicator(self, code: str) -> dict:
        return {"name": self.indicators.get(code, code), "name_en": self.english.get(code)}


def why_changed(attribution: pl.DataFrame, code: str, names: Names, decimals: int) -> dict:
    """Why a unit's index score and rank moved from the year before (the release's score_change_attribution
    of the year): the change, the largest parts up and down named, the other indicators' parts summed and
    the part not split by indicator (shown when it is not zero at the shown decimals): together the change.
    Who it overtook and who overtook it. No row: no earlier year to compare with."""
    lang, terms = names.lang, catalog()
    rows = attribution.filter(pl.col("province_code") == code).sort("indicator_part", descending=True)
    if rows.is_empty():
        return {"rows": []}
    first = rows.row(0, named=True)
    up = rows.filter(pl.col("indicator_part") > 0).head(LARGEST)
    down = rows.filter(pl.col("indicator_part") < 0).sort("indicator_part").head(LARGEST)
    named = set(up["indicator_code"]) | set(down["indicator_code"])
    rest = rows.filter(~pl.col("indicator_code").is_in(named))

    def part(row: dict) -> dict:
        return names.indicator(row["indicator_code"]) | {"part": _signed(row["indicator_part"], decimals, lang)}

    words = terms.words_in(lang)
    shown = [("up", part(r)) for r in up.iter_rows(named=True)]
    shown += [("down", part(r)) for r in down.iter_rows(named=True)]
    if rest.height:
        shown.append(
            (
                "rest",
                {
                    "name": words["why_rest"].format(n=rest.height),
                    "part": _signed(rest["indicator_part"].sum(), decimals, lang),
                },
            )
        )
    if round(first["non_additive_part"], decimals) != 0:
        shown.append(
            ("rest", {"name": words["why_non_additive"], "part": _signed(first["non_additive_part"], decimals, lang)})
        )
    return {
        "rows": shown,
        "score": words["why_score"].format(
            from_year=first["from_year"],
            to_year=first["to_year"],
            before=say_number(first["index_from"], decimals, lang),
            after=say_number(first["index_to"], decimals, lang),
            change=_signed(first["index_change"], decimals, lang),
        ),
        "change": _signed(first["index_change"], decimals, lang),
        "rank": words["why_rank"].format(before=first["rank_from"] or "–", after=first["rank_to"] or "–"),
        "series": words["why_series"].format(series=terms.term("series", first["series"], lang)),
        "overtook": first["overtook"] or words["nobody"],
        "overtaken_by": first["overtaken_by"] or words["nobody"],
    }


def target_plans(paths: pl.DataFrame, code: str, names: Names, decimals: int) -> list[dict]:
    """What it takes to reach each of a unit's rank and score targets (the release's target_paths): per
    target and scenario where it stands, the improvement needed and the indicators to move, each in its own
    unit, the index engine's check, the probability of reaching it, and the method."""
    lang, terms = names.lang, catalog()
    words = terms.words_in(lang)
    rows = paths.filter(pl.col("province_code") == code)
    plans = []
    for (target_id,), target in rows.group_by("target_id", maintain_order=True):
        head = target.row(0, named=True)
        level = say_number(head["target_level"], 0 if head["target_kind"] == "rank" else decimals, lang)
        scenarios = []
        for (scenario,), one in target.group_by("scenario", maintain_order=True):
            s = one.row(0, named=True)
            steps = []
            for step in one.filter(pl.col("step").is_not_null()).sort("step").iter_rows(named=True):
                places = terms.unit_decimals.get(step["unit"] or "", 2)
                symbol = terms.term("unit", step["unit"], lang) if step["unit"] else ""
                # a change of a percentage is in percentage points
                moved = terms.term("gap_unit", step["unit"], lang) if step["unit"] else ""
                steps.append(
                    names.indicator(step["indicator_code"])
                    | {
                        "now": f"{say_number(step['value_from'], places, lang)} {symbol}".strip(),
                        "needed": f"{say_number(step['value_to'], places, lang)} {symbol}".strip(),
                        "change": f"{_signed(step['value_change'], places, lang)} {moved}".strip(),
                    }
                )
            if steps:
                verdict = words["plan_reaches"] if s["reaches_target"] else words["plan_short"]
                outcome = words["plan_check"].format(
                    score=say_number(s["planned_score"], decimals, lang) if s["planned_score"] is not None else "–",
                    rank=s["planned_rank"] or "–",
                    verdict=verdict,
                )
            else:
                outcome = words["plan_reached"] if s["reaches_target"] else words["plan_infeasible"]
            scenarios.append(
                {
                    "name": terms.term("scenario", scenario, lang),
                    "now": words["plan_now"].format(
                        score=say_number(s["current_score"], decimals, lang) if s["current_score"] is not None else "–",
                        rank=s["current_rank"] or "–",
                        needed=say_number(s["score_needed"], decimals, lang) if s["score_needed"] is not None else "–",
                    ),
                    "needed": words["plan_needed"].format(points=say_number(s["gap_points"], decimals, lang))
                    if steps
                    else "",
                    "steps": steps,
                    "outcome": outcome,
                    "probability": (
                        words["plan_probability"].format(
                            planned=say_share(s["probability_planned"], lang), now=say_share(s["probability_now"], lang)
                        )
                        if s["probability_planned"] is not None
                        else ""
                    ),
                }
            )
        plans.append(
            {
                "id": target_id,
                "title": words["plan_target"].format(
                    kind=terms.term("target_kind", head["target_kind"], lang),
                    ranking=names.pillars.get(head["ranking"], head["ranking"]),
                    comparator=head["comparator"],
                    value=level,
                    horizon=head["horizon_year"],
                ),
                "holder": words["plan_holder"].format(holder=head["target_holder_name"]),
                "document": head["document"] or "",
                "quote": head["quote_vi"] or "",
                "scenarios": scenarios,
                "method": terms.term("method", head["method"], lang),
            }
        )
    return plans


def strengths(table: pl.DataFrame, code: str, names: Names, decimals: int) -> dict:
    """A unit's strengths and weaknesses (the indicators it ranks far above or below its index rank) and each
    pillar's score, rank and compound annual growth (the release's province_strengths)."""
    lang = names.lang
    rows = table.filter(pl.col("province_code") == code)

    def listed(assessment: str, descending: bool) -> list[dict]:
        chosen = rows.filter(pl.col("assessment") == assessment).sort("rank_difference", descending=descending)
        return [
            names.indicator(r["component_code"])
            | {"rank": f"{r['component_rank']}/{r['units']}", "index_rank": r["index_rank"]}
            for r in chosen.iter_rows(named=True)
            if r["component_type"] == "indicator"
        ]

    words = catalog().words_in(lang)
    pillars = [
        {
            "name": names.pillars.get(r["component_code"], r["component_code"]),
            "score": say_number(r["component_score"], decimals, lang),
            "rank": f"{r['component_rank']}/{r['units']}",
            "growth": (
                f"{_signed(100 * r['annual_growth'], 1, lang)}% {words['growth_since'].format(year=r['growth_base_year'])}"
                if r["annual_growth"] is not None
                else "–"
            ),
        }
        for r in rows.filter(pl.col("component_type") == "pillar").iter_rows(named=True)
    ]
    return {"strong": listed("strength", True), "weak": listed("weakness", False), "pillars": pillars}


def explained(frames: dict[str, pl.DataFrame], code: str, names: Names, decimals: int) -> dict:
    """The three sections of a unit's page from its year's tables (`EXPLAINED`); a table the release does not
    hold (a release written before them) leaves its section out."""
    sections = {"why": why_changed, "plans": target_plans, "strengths": strengths}
    return {
        key: build(frames[table], code, names, decimals) if table in frames else None
        for (key, build), table in zip(sections.items(), EXPLAINED)
    }


def profile_page(
    manifest: dict,
    year: int,
    frames: dict[str, pl.DataFrame],
    history: pl.DataFrame,
    gaps_by_year: dict[int, pl.DataFrame],
    code: str,
    methodology: Methodology,
    lang: str = "vi",
) -> str:
    """One unit's profile as a self-contained page (inline styles and SVG) laid out for A4, from the tables
    of its year (`frames`: ranking and the `EXPLAINED` ones), the history and the gaps of every year."""
    t = catalog().words_in(lang)
    rows = frames["ranking"].to_dicts()
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
        **explained(frames, code, Names.of(methodology, manifest["pillars"], lang), methodology.score_decimals),
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
