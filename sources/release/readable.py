"""A release's tables as people read them in Excel and in a CSV: the codes of the warehouse (indicator and
pillar codes, units, statuses, value statuses...) replaced by their names in one language (indicator and
pillar names from the methodology, every other value from the catalog's vocabularies), the columns of the
other language left out, numbers rounded to what they mean (scores to the methodology's decimals, each
indicator value in its unit's decimals, ranks and counts as integers) and each gap said in words ("còn
thiếu 2,8 điểm phần trăm" / "vượt 1,2"). The Parquet files keep the codes and every digit."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from sources.catalog.catalog import catalog
from sources.index.methodology import Methodology
from sources.intake.numbers import say_number

# Columns of the other language: a Vietnamese reader gets the *_vi twin, an English reader the original.
OTHER_LANGUAGE = {
    "vi": {"indicator_name_en", "status", "status_reason", "flags", "traced_to"},
    "en": {"indicator_name_vi", "status_vi", "status_reason_vi", "flags_vi", "traced_to_vi", "quote_vi"},
}
# Codes a person does not read: they stay in the Parquet files.
CODES = {"indicator_code", "target_id"}
# column -> vocabulary of its values
VOCABULARY_OF = {
    "unit": "unit",
    "value_status": "value_status",
    "series": "series",
    "target_source": "target_source",
    "target_type": "target_type",
    "actual_basis": "actual_basis",
    "target_value_text": "target_value_text",
    "coverage": "coverage",
    "scenario": "scenario",
    "target_kind": "target_kind",
    "method": "method",
    "component_type": "component_type",
    "assessment": "assessment",
    "status_method": "status_method",
}
# Columns whose values are the code of an indicator, a pillar or the index: read as their names.
NAMED = ("ranking", "component_code")
# Columns the readable tables add to the release's tables (their headers are the catalog's).
ADDED_COLUMNS = ("gap_text",)
# Columns whose numbers are in the row's unit (decimals of the unit), and the fixed number formats of the others.
IN_UNIT = (
    "value",
    "target_value",
    "actual_value",
    "gap",
    "observed_pace",
    "required_pace",
    "trajectory_value",
    "gap_to_trajectory",
    "baseline_value",
    "value_from",
    "value_to",
    "value_change",
)
# Points of the index (scores, parts of a score's change, weights) and shares, beside the columns named *_score.
POINTS = (
    "score_from",
    "score_to",
    "weight_from",
    "weight_to",
    "value_part",
    "weight_part",
    "methodology_part",
    "indicator_part",
    "index_from",
    "index_to",
    "index_change",
    "non_additive_part",
    "score_needed",
    "gap_points",
    "normalised_points",
    "effective_weight",
    "score_gain",
)
SHARES = ("share_covered", "probability_now", "probability_planned")
INTEGERS = (
    "rank",
    "rank_p05",
    "rank_p95",
    "units_ranked",
    "reporting_year",
    "horizon_year",
    "actual_year",
    "from_year",
    "to_year",
    "rank_from",
    "rank_to",
    "step",
    "units",
    "growth_base_year",
)
INTEGER = "0"
RANK_CHANGE = "+0;-0;0"
SHARE = "0%"
GROWTH = "0.0%"


@dataclass(frozen=True)
class ReadableTable:
    """A table ready to be written: `frame` with readable values and the catalog's headers, and for each of
    its columns the Excel number format of its numbers (one per row for the columns in the row's unit)."""

    frame: pl.DataFrame
    formats: list[str | list[str] | None]
    met: list[bool]


def number_format(decimals: int) -> str:
    """Excel's format of a number with `decimals` decimals and thousands grouped."""
    return "#,##0" if decimals <= 0 else "#,##0." + "0" * decimals


def gap_in_words(gap: float | None, met: bool, unit: str | None, lang: str) -> str | None:
    """A gap as a reader says it: short of the target by X, ahead by X, exactly on target, or met within the
    tolerance of an "about" target."""
    if gap is None:
        return None
    terms = catalog()
    decimals = terms.unit_decimals.get(unit or "", 2)
    amount = say_number(abs(gap), decimals, lang)
    if unit:
        amount = f"{amount} {terms.term('gap_unit', unit, lang)}"
    if round(gap, decimals) == 0:
        key = "exact"
    elif met:
        key = "ahead" if gap < 0 else "met_within"
    else:
        key = "short"
    return terms.term("gap_words", key, lang).format(x=amount)


def _format_of(column: str, methodology: Methodology) -> str | None:
    if column in ("score", "score_rounded", *POINTS) or column.endswith("_score"):
        return number_format(methodology.score_decimals)
    if column in ("rank_change", "rank_difference"):
        return RANK_CHANGE
    if column in SHARES:
        return SHARE
    if column in ("annual_growth", "required_annual_growth"):
        return GROWTH
    if column == "progress_ratio":
        return "0.00"
    if column == "median_rank":
        return "0.0"
    if column in INTEGERS:
        return INTEGER
    if column.endswith("_rank"):
        return INTEGER
    return None


def readable(frame: pl.DataFrame, methodology: Methodology, lang: str = "vi") -> ReadableTable:
    """`frame` (a table of a release, with its codes) as a reader of `lang` reads it; see the module."""
    terms = catalog()
    names = {i.code: getattr(i, f"name_{lang}") for i in methodology.indicators}
    names |= {s.code: getattr(s, f"name_{lang}") for s in methodology.target_subjects}
    pillar_names = {p.code: getattr(p, f"name_{lang}") for p in methodology.pillars}
    components = names | pillar_names | {"index": terms.term("audit_node", "index", lang)}
    units = frame["unit"].to_list() if "unit" in frame.columns else [None] * frame.height
    decimals = [terms.unit_decimals.get(u or "", 2) for u in units]
    met = frame["status"].to_list() if "status" in frame.columns else [None] * frame.height
    met = [status == "target met" for status in met]
    columns = []
    for column in frame.columns:
        if column in OTHER_LANGUAGE[lang] or column in CODES:
            continue
        series = frame[column]
        if column in IN_UNIT:
            series = pl.Series(column, [None if v is None else round(v, d) for v, d in zip(series.to_list(), decimals)])
        elif (fixed := _format_of(column, methodology)) is not None and series.dtype.is_float():
            places = methodology.score_decimals if fixed.startswith("#,##0.") else 4
            series = series.round(places) + 0.0  # never "-0.0"
        elif column == "pillar":
            series = series.replace_strict(pillar_names, default=series)
        elif column == "subject":
            series = series.replace_strict(names, default=series)
        elif column in NAMED:
            series = series.replace_strict(components, default=series)
        elif column in VOCABULARY_OF:
            vocabulary = terms.vocabularies[VOCABULARY_OF[column]]
            series = series.replace_strict(
                {value: getattr(text, lang) for value, text in vocabulary.items()}, default=series
            )
        elif series.dtype == pl.Boolean:
            series = series.replace_strict(
                {True: terms.term("boolean", "true", lang), False: terms.term("boolean", "false", lang)},
                return_dtype=pl.Utf8,
            )
        columns.append(series)
        if column == "gap":
            columns.append(
                pl.Series(
                    ADDED_COLUMNS[0],
                    [gap_in_words(g, m, u, lang) for g, m, u in zip(frame["gap"].to_list(), met, units)],
                    dtype=pl.Utf8,
                )
            )
    readable_frame = pl.DataFrame(columns, schema=[(s.name, s.dtype) for s in columns] or None)
    formats: list[str | list[str] | None] = []
    for column in readable_frame.columns:
        if column in IN_UNIT:
            formats.append([number_format(d) for d in decimals])
        else:
            formats.append(_format_of(column, methodology))
    headers = terms.headers(lang, methodology)
    return ReadableTable(readable_frame.rename(headers, strict=False), formats, met)
