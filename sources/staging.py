"""From rows as received to typed figures mapped to province and indicator codes.

Every figure keeps the file, sheet and row it came from. Every row that cannot become a figure is
returned as a reject naming the file, row, column, the value found and what was expected. Nothing is
dropped silently: a row with an empty value is "not reported" and counted, never turned into zero.
"""

from __future__ import annotations

import difflib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from expectations.rules import Rules, default_rules
from sources.methodology import Indicator, Methodology
from sources.numbers import parse_number
from sources.provinces import ProvinceRegister, fold, name_key, unit_set_for
from sources.submissions import FIELDS, Problem, ReadResult, is_synthetic_origin, read_submission

RAW_SCHEMA = {
    "reporting_year": pl.Int32,
    "file_sha256": pl.String,
    "file_name": pl.String,
    "received_at": pl.Datetime("us", "UTC"),
    "sheet": pl.String,
    "row_number": pl.Int32,
    **{f"{name}_raw": pl.String for name in FIELDS},
    "value_is_number": pl.Boolean,
    "value_format": pl.String,
    "column_map": pl.String,
    "read_problem": pl.String,
}

FIGURE_SCHEMA = {
    "reporting_year": pl.Int32,
    "unit_set": pl.String,
    "province_code": pl.String,
    "province_name": pl.String,
    "indicator_code": pl.String,
    "pillar": pl.String,
    "value": pl.Float64,
    "unit": pl.String,
    "note": pl.String,
    "is_synthetic": pl.Boolean,
    "file_sha256": pl.String,
    "file_name": pl.String,
    "sheet": pl.String,
    "row_number": pl.Int32,
    "value_raw": pl.String,
    "flags": pl.String,
}

REJECT_SCHEMA = {
    "reporting_year": pl.Int32,
    "file_sha256": pl.String,
    "file_name": pl.String,
    "sheet": pl.String,
    "row_number": pl.Int32,
    "column_name": pl.String,
    "value": pl.String,
    "rule": pl.String,
    "severity": pl.String,
    "message": pl.String,
    "message_vi": pl.String,
    "expected": pl.String,
    "province_raw": pl.String,
    "indicator_raw": pl.String,
}


def raw_frame(inventory: pl.DataFrame, year: int, data_home: Path) -> pl.DataFrame:
    """Rows as received from the readable files of reporting year `year`, re-read from the archive
    (never from the inbox, which the province may have changed since)."""
    files = inventory.filter((pl.col("status") == "read") & (pl.col("reporting_year") == year))
    frames = [rows_frame(read_submission(data_home / f["archived_path"]), year, f["file_sha256"], f["file_name"], f["received_at"])
              for f in files.sort("received_at", "file_name").iter_rows(named=True)]
    return pl.concat(frames) if frames else pl.DataFrame(schema=RAW_SCHEMA)


def rows_frame(read: ReadResult, year: int, sha256: str, file_name: str, received_at: datetime | None) -> pl.DataFrame:
    """The rows of one read file, as raw.submissions holds them."""
    return pl.DataFrame([{
        "reporting_year": year, "file_sha256": sha256, "file_name": file_name, "received_at": received_at,
        "sheet": row.sheet, "row_number": row.row_number,
        **{f"{name}_raw": row.fields.get(name) for name in FIELDS},
        "value_is_number": row.value_is_number, "value_format": row.value_format,
        "column_map": json.dumps(row.columns, ensure_ascii=False, sort_keys=True),
        "read_problem": json.dumps(row.problem.__dict__, ensure_ascii=False) if row.problem else None,
    } for row in read.rows], schema=RAW_SCHEMA, orient="row")


@dataclass
class StagingResult:
    figures: pl.DataFrame
    rejects: pl.DataFrame
    not_reported: int


class _IndicatorIndex:
    def __init__(self, methodology: Methodology):
        self.methodology = methodology
        self.by_key: dict[str, Indicator] = {}
        for indicator in methodology.indicators:
            self.by_key[indicator.code] = indicator
            self.by_key[name_key(indicator.name_vi)] = indicator
            self.by_key[name_key(indicator.name_en)] = indicator
        self.unit_keys = {code: {fold(a).strip() for a in unit.aliases} | {fold(unit.symbol)}
                          for code, unit in methodology.units.items()}

    def find(self, written: str) -> Indicator | None:
        text = (written or "").strip()
        return self.by_key.get(text.lower()) or self.by_key.get(name_key(text))

    def suggest(self, written: str) -> str:
        close = difflib.get_close_matches((written or "").strip().lower(), [i.code for i in self.methodology.indicators], n=1, cutoff=0.75)
        return f"; did you mean '{close[0]}'?" if close else ""


def stage(raw: pl.DataFrame, year: int, methodology: Methodology, register: ProvinceRegister,
          rules: Rules | None = None) -> StagingResult:
    """Type and map the raw rows of one reporting year. Rows breaking an ERROR rule are quarantined;
    a WARN rule keeps the figure with a flag."""
    rules = rules or default_rules()
    indicators = _IndicatorIndex(methodology)
    figures: list[dict] = []
    rejects: list[dict] = []
    not_reported = 0

    for row in raw.sort("received_at", "file_name", "row_number").iter_rows(named=True):
        columns = json.loads(row["column_map"])

        def reject(rule: str, message: str, expected: str, field: str | None, value: object = None) -> None:
            column = columns.get(field, field) if field else None
            rejects.append({
                "reporting_year": year, "file_sha256": row["file_sha256"], "file_name": row["file_name"],
                "sheet": row["sheet"], "row_number": row["row_number"], "column_name": column,
                "value": None if value is None else str(value), "rule": rule, "severity": rules.severity(rule),
                "message": message, "message_vi": rules.message_vi(rule, value, column, row["row_number"]),
                "expected": expected, "province_raw": row["province_raw"], "indicator_raw": row["indicator_raw"],
            })

        if row["read_problem"]:
            problem = Problem(**json.loads(row["read_problem"]))
            reject(problem.rule, problem.message, problem.expected, problem.column, problem.value)
            continue

        if year >= date.today().year:
            reject("future_year", f"{year} is not over yet: figures are reported for a year that has ended",
                   f"a reporting year up to {date.today().year - 1}", "year", row["year_raw"] or year)
            continue
        year_raw = (row["year_raw"] or "").strip()
        if year_raw.removesuffix(".0") != str(year):
            reject("year_mismatch" if year_raw else "missing_year",
                   f"the row's year '{year_raw}' differs from the file's reporting year {year}" if year_raw else "the year is empty",
                   f"{year}: one file per province and reporting year", "year", year_raw)
            continue

        resolved = register.resolve(row["province_raw"] or "", year)
        if resolved.unit is None:
            reject(f"{resolved.kind}_province", resolved.error, f"a province name or code of the {unit_set_for(year)} units in force in {year}",
                   "province", row["province_raw"])
            continue

        indicator = indicators.find(row["indicator_raw"] or "")
        if indicator is None:
            reject("unknown_indicator", f"unknown indicator '{row['indicator_raw']}'{indicators.suggest(row['indicator_raw'])}",
                   "an indicator code of the catalogue (see `dti template`)", "indicator", row["indicator_raw"])
            continue
        if not indicator.reported:
            reject("derived_indicator", f"'{indicator.code}' is computed by the pipeline and is not reported",
                   "only reported indicators", "indicator", row["indicator_raw"])
            continue
        if not indicator.valid_in(year):
            until = f"ended in {indicator.valid_to}" if indicator.valid_to else f"starts in {indicator.valid_from}"
            reject("indicator_not_valid_for_year", f"indicator '{indicator.code}' {until} and is not reported for {year}",
                   f"an indicator valid in {year}", "indicator", row["indicator_raw"])
            continue

        if row["value_is_number"]:
            value = float(row["value_raw"])
            percent = "%" in (row["value_format"] or "")
            if percent:
                value *= 100
        else:
            parsed = parse_number(row["value_raw"])
            if parsed.error:
                reject("unreadable_number", parsed.error, f"a number in {methodology.units[indicator.unit].symbol}", "value", row["value_raw"])
                continue
            if parsed.value is None:
                not_reported += 1
                continue
            value, percent = parsed.value, parsed.percent

        unit_written = fold(row["unit_raw"] or "").strip()
        if unit_written and unit_written not in indicators.unit_keys[indicator.unit]:
            reject("unit_mismatch", f"unit '{row['unit_raw']}' does not match the catalogue unit of {indicator.code}",
                   f"{methodology.units[indicator.unit].symbol} (or leave the unit empty)", "unit", row["unit_raw"])
            continue
        if percent and not indicator.unit.startswith("percent"):
            reject("unit_mismatch", f"a percentage was given for {indicator.code}, which is measured in {indicator.unit}",
                   methodology.units[indicator.unit].symbol, "value", row["value_raw"])
            continue
        low, high = indicator.domain
        flags = None
        if not low <= value <= high:
            message = f"{value:g} is outside the possible range [{low:g}, {high:g}] of {indicator.code}"
            if rules.severity("out_of_domain") == "ERROR":
                reject("out_of_domain", message, f"a value from {low:g} to {high:g} {methodology.units[indicator.unit].symbol}",
                       "value", row["value_raw"])
                continue
            flags = f"out_of_domain: {message}"

        figures.append({
            "reporting_year": year, "unit_set": resolved.unit.unit_set, "province_code": resolved.unit.code,
            "province_name": resolved.unit.name, "indicator_code": indicator.code, "pillar": indicator.pillar,
            "value": value, "unit": indicator.unit, "note": row["note_raw"],
            "is_synthetic": is_synthetic_origin(row["data_origin_raw"]),
            "file_sha256": row["file_sha256"], "file_name": row["file_name"], "sheet": row["sheet"],
            "row_number": row["row_number"], "value_raw": row["value_raw"], "flags": flags,
            "_columns": columns,
        })

    kept = _resolve_duplicates(figures, rejects, year, rules)
    for figure in kept:
        figure.pop("_columns")
    return StagingResult(
        figures=pl.DataFrame(kept, schema=FIGURE_SCHEMA, orient="row"),
        rejects=pl.DataFrame(rejects, schema=REJECT_SCHEMA, orient="row"),
        not_reported=not_reported,
    )


def _resolve_duplicates(figures: list[dict], rejects: list[dict], year: int, rules: Rules) -> list[dict]:
    """One figure per province and indicator: within a file the first row counts; across files the
    later-received file counts. Every superseded row is kept among the rejects with the reason."""
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for figure in figures:  # already in received order
        groups[(figure["province_code"], figure["indicator_code"])].append(figure)
    kept = []
    for (_, indicator), rows in groups.items():
        last_file = rows[-1]["file_sha256"]
        winner = next(r for r in rows if r["file_sha256"] == last_file)
        kept.append(winner)
        for loser in rows:
            if loser is winner:
                continue
            same_file = loser["file_sha256"] == winner["file_sha256"]
            rule = "duplicate_row" if same_file else "superseded_by_later_file"
            rejects.append({
                "reporting_year": year, "file_sha256": loser["file_sha256"], "file_name": loser["file_name"],
                "sheet": loser["sheet"], "row_number": loser["row_number"],
                "column_name": loser["_columns"].get("indicator", "indicator"), "value": loser["value_raw"],
                "rule": rule, "severity": rules.severity(rule),
                "message_vi": rules.message_vi(rule, loser["value_raw"], loser["_columns"].get("indicator"), loser["row_number"]),
                "message": (f"{indicator} for {winner['province_name']} appears again; row {winner['row_number']} counts"
                            if same_file else
                            f"{indicator} for {winner['province_name']} {year} was sent again in {winner['file_name']} "
                            f"(row {winner['row_number']}), which was received later and counts"),
                "expected": "one value per province, indicator and year",
                "province_raw": loser["province_name"], "indicator_raw": indicator,
            })
    return sorted(kept, key=lambda r: (r["province_code"], r["indicator_code"]))


def file_rejects(inventory: pl.DataFrame, year: int | None, rules: Rules | None = None) -> pl.DataFrame:
    """The files of `year` that could not be read at all, as rejects (one row per file)."""
    rules = rules or default_rules()
    rejected = inventory.filter(pl.col("status") == "rejected")
    rejected = rejected.filter(pl.col("reporting_year").is_null() if year is None else pl.col("reporting_year") == year)
    rejected = rejected.with_columns(
        pl.col("problem_rule").map_elements(rules.severity, return_dtype=pl.String).alias("severity"),
        pl.struct("problem_rule", "problem_value", "problem_column", "problem_row").map_elements(
            lambda p: rules.message_vi(p["problem_rule"], p["problem_value"], p["problem_column"], p["problem_row"]),
            return_dtype=pl.String).alias("message_vi"))
    return rejected.select(
        pl.col("reporting_year"), "file_sha256", "file_name", pl.lit(None, pl.String).alias("sheet"),
        pl.col("problem_row").alias("row_number"), pl.col("problem_column").alias("column_name"),
        pl.col("problem_value").alias("value"), pl.col("problem_rule").alias("rule"), "severity",
        pl.col("problem_message").alias("message"), "message_vi", pl.col("problem_expected").alias("expected"),
        pl.col("declared_province").alias("province_raw"), pl.lit(None, pl.String).alias("indicator_raw"),
    ).cast(REJECT_SCHEMA)

