"""From rows as received to typed figures mapped to province and indicator codes.

Every figure keeps the file, sheet and row it came from. Every row that cannot become a figure is
returned as a reject naming the file, row, column, the value found and what was expected. Nothing is
dropped silently: a row with an empty value is "not reported" and counted, never turned into zero.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import polars as pl

from sources.index.methodology import Indicator, Methodology
from sources.intake.numbers import Domain, number_text, parse_number
from sources.intake.rules import Rules, default_rules
from sources.intake.submissions import FIELDS, Problem, ReadResult, is_synthetic_origin, read_submission
from sources.reference.provinces import ProvinceRegister, Unit, fold, name_key, unit_set_for

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
    frames = [
        rows_frame(
            read_submission(data_home / f["archived_path"]), year, f["file_sha256"], f["file_name"], f["received_at"]
        )
        for f in files.sort("received_at", "file_name").iter_rows(named=True)
    ]
    return pl.concat(frames) if frames else pl.DataFrame(schema=RAW_SCHEMA)


def rows_frame(read: ReadResult, year: int, sha256: str, file_name: str, received_at: datetime | None) -> pl.DataFrame:
    """The rows of one read file, as raw.submissions holds them."""
    return pl.DataFrame(
        [
            {
                "reporting_year": year,
                "file_sha256": sha256,
                "file_name": file_name,
                "received_at": received_at,
                "sheet": row.sheet,
                "row_number": row.row_number,
                **{f"{name}_raw": row.fields.get(name) for name in FIELDS},
                "value_is_number": row.value_is_number,
                "value_format": row.value_format,
                "column_map": json.dumps(row.columns, ensure_ascii=False, sort_keys=True),
                "read_problem": json.dumps(row.problem.__dict__, ensure_ascii=False) if row.problem else None,
            }
            for row in read.rows
        ],
        schema=RAW_SCHEMA,
        orient="row",
    )


FIRST_REPORTING_YEAR = 2021


def reporting_range(today: date | None = None) -> tuple[int, int]:
    """The reporting years figures are accepted for: from 2021 to the last year that has ended."""
    today = today or date.today()
    return FIRST_REPORTING_YEAR, today.year - 1


def rule_facts(rule: str, today: date | None = None) -> dict[str, object]:
    """Facts a rule's Vietnamese message needs that do not depend on the row: the reporting range of
    year_out_of_range (for a whole file found outside it, e.g. by the inbox)."""
    if rule == "year_out_of_range":
        first, last = reporting_range(today)
        return {"first": first, "last": last}
    return {}


def _written_year(text: str) -> int | None:
    return int(text.removesuffix(".0")) if re.fullmatch(r"\d{4}(\.0)?", text) else None


# Where the province a file speaks for comes from: (English, Vietnamese), the same fact.
_BASIS = {
    "declared": ("declared in the workbook", "tỉnh khai ở đầu bảng tính"),
    "file_name": ("named in the file name", "tỉnh ghi trong tên tệp"),
    "rows": ("the province of most of its rows", "tỉnh của đa số các dòng trong tệp"),
}
_LABEL_CELL = re.compile(r"^[A-Z]{1,3}[0-9]+ \(")  # "C3 (Tỉnh/Thành phố:)": a header cell, not a column


@dataclass(frozen=True)
class FileProvince:
    unit: Unit
    basis: str  # a key of _BASIS


def _name_keys(register: ProvinceRegister) -> dict[str, dict[str, str]]:
    keys = _NAME_KEYS.get(id(register))
    if keys is None:
        keys = {"63": {}, "34": {}}
        for variant in register.variants():
            keys[variant["unit_set"]].setdefault(variant["match_key"], variant["code"])
        _NAME_KEYS[id(register)] = keys
    return keys


_NAME_KEYS: dict[int, dict[str, dict[str, str]]] = {}


def province_in_file_name(file_name: str, year: int, register: ProvinceRegister) -> Unit | None:
    """The province a file's name names among the units in force in `year` (`..._khanhhoa_2024.csv`,
    `bao_cao_Khanh_Hoa.csv`): runs of up to four consecutive words of the folded name matched against
    every way the province is written. None when no province, or more than one, is named."""
    unit_set = unit_set_for(year)
    stem = file_name.rsplit(".", 1)[0] if "." in file_name else file_name
    words = [w for w in re.split(r"[^a-z0-9]+", fold(stem)) if w and not w.isdigit()]
    keys = _name_keys(register)[unit_set]
    found = {
        keys[key]
        for i in range(len(words))
        for n in range(1, 5)
        if i + n <= len(words) and (key := "".join(words[i : i + n])) in keys
    }
    return register.unit(unit_set, found.pop()) if len(found) == 1 else None


def file_provinces(
    raw: pl.DataFrame, year: int, register: ProvinceRegister, declared: Mapping[str, str | None] | None = None
) -> dict[str, FileProvince]:
    """The province each file (by SHA-256) speaks for: the workbook's declared province (given in
    `declared`, or seen on rows whose province came from the header cell), else the province named in the
    file name, else the province of most of its rows (tie: the first row's). Files with none are absent."""
    declared = declared or {}
    found: dict[str, FileProvince] = {}
    for (sha,), rows in raw.sort("row_number").group_by("file_sha256", maintain_order=True):
        written = declared.get(sha)
        if not written:
            from_header = [
                r["province_raw"]
                for r in rows.iter_rows(named=True)
                if r["sheet"] is not None and _LABEL_CELL.match(json.loads(r["column_map"]).get("province") or "")
            ]
            written = from_header[0] if from_header else None
        unit = register.resolve(written, year).unit if written else None
        if unit is not None:
            found[sha] = FileProvince(unit, "declared")
            continue
        unit = province_in_file_name(rows["file_name"][0], year, register)
        if unit is not None:
            found[sha] = FileProvince(unit, "file_name")
            continue
        codes = Counter(
            resolved.code
            for text in rows["province_raw"].to_list()
            if text and (resolved := register.resolve(text, year).unit) is not None
        )
        if codes:
            found[sha] = FileProvince(register.unit(unit_set_for(year), codes.most_common(1)[0][0]), "rows")
    return found


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
        self.unit_keys = {
            code: {fold(a).strip() for a in unit.aliases} | {fold(unit.symbol)}
            for code, unit in methodology.units.items()
        }

    def find(self, written: str) -> Indicator | None:
        text = (written or "").strip()
        return self.by_key.get(text.lower()) or self.by_key.get(name_key(text))

    def suggest(self, written: str) -> str:
        close = self._closest(written)
        return f"; did you mean '{close.code}'?" if close else ""

    def suggest_vi(self, written: str) -> str:
        """The same suggestion as `suggest`, in Vietnamese, with the indicator's name."""
        close = self._closest(written)
        return f" Có phải là '{close.code}' ({close.name_vi})?" if close else ""

    def _closest(self, written: str) -> Indicator | None:
        close = difflib.get_close_matches(
            (written or "").strip().lower(), [i.code for i in self.methodology.indicators], n=1, cutoff=0.75
        )
        return next(i for i in self.methodology.indicators if i.code == close[0]) if close else None


def indicator_facts(indicator: Indicator, methodology: Methodology) -> dict[str, object]:
    """The facts a Vietnamese message names about an indicator: its name and code, the unit expected and its
    possible range (the placeholders {indicator}, {unit}, {low} and {high} of sources/intake/rules.yaml)."""
    low, high = indicator.domain
    return {
        "indicator": f"{indicator.name_vi} ({indicator.code})",
        "unit": methodology.units[indicator.unit].symbol,
        "low": number_text(low, ","),
        "high": number_text(high, ","),
    }


def stage(
    raw: pl.DataFrame,
    year: int,
    methodology: Methodology,
    register: ProvinceRegister,
    rules: Rules | None = None,
    declared: Mapping[str, str | None] | None = None,
    today: date | None = None,
) -> StagingResult:
    """Type and map the raw rows of one reporting year. Rows breaking an ERROR rule are quarantined;
    a WARN rule keeps the figure with a flag. A file speaks for one province (see `file_provinces`;
    `declared` maps a workbook's SHA-256 to the province in its header cell) and one year: its rows for
    another province or year are quarantined."""
    rules = rules or default_rules()
    indicators = _IndicatorIndex(methodology)
    first, last = reporting_range(today)
    provinces = file_provinces(raw, year, register, declared)
    figures: list[dict] = []
    rejects: list[dict] = []
    not_reported = 0

    for row in raw.sort("received_at", "file_name", "row_number").iter_rows(named=True):
        columns = json.loads(row["column_map"])

        def reject(
            rule: str, message: str, expected: str, field: str | None, value: object = None, **facts: object
        ) -> None:
            column = columns.get(field, field) if field else None
            rejects.append(
                {
                    "reporting_year": year,
                    "file_sha256": row["file_sha256"],
                    "file_name": row["file_name"],
                    "sheet": row["sheet"],
                    "row_number": row["row_number"],
                    "column_name": column,
                    "value": None if value is None else str(value),
                    "rule": rule,
                    "severity": rules.severity(rule),
                    "message": message,
                    "message_vi": rules.message_vi(rule, value, column, row["row_number"], **facts),
                    "expected": expected,
                    "province_raw": row["province_raw"],
                    "indicator_raw": row["indicator_raw"],
                }
            )

        if row["read_problem"]:
            problem = Problem(**json.loads(row["read_problem"]))
            reject(problem.rule, problem.message, problem.expected, problem.column, problem.value)
            continue

        if year > last:
            reject(
                "future_year",
                f"{year} is not over yet: figures are reported for a year that has ended",
                f"a reporting year up to {last}",
                "year",
                row["year_raw"] or year,
            )
            continue
        year_raw = (row["year_raw"] or "").strip()
        written = _written_year(year_raw)
        row_outside = written is not None and not first <= written <= last
        if row_outside or year < first:
            outside = written if row_outside else year
            reject(
                "year_out_of_range",
                f"the year {outside} is outside the reporting range {first}–{last}: figures are "
                f"accepted for the years from {first} to the last year that has ended",
                f"a reporting year from {first} to {last} (the last year that has ended)",
                "year",
                year_raw or year,
                first=first,
                last=last,
            )
            continue
        if year_raw.removesuffix(".0") != str(year):
            reject(
                "year_mismatch" if year_raw else "missing_year",
                f"the row's year '{year_raw}' differs from the file's reporting year {year}"
                if year_raw
                else "the year is empty",
                f"{year}: one file per province and reporting year",
                "year",
                year_raw,
            )
            continue

        resolved = register.resolve(row["province_raw"] or "", year)
        if resolved.unit is None:
            reject(
                f"{resolved.kind}_province",
                resolved.error,
                f"a province name or code of the {unit_set_for(year)} units in force in {year}",
                "province",
                row["province_raw"],
                detail=resolved.error_vi,
            )
            continue

        own = provinces.get(row["file_sha256"])
        if own is not None and own.unit.code != resolved.unit.code:
            basis_en, basis_vi = _BASIS[own.basis]
            reject(
                "province_mismatch",
                f"the file is {own.unit.name}'s ({basis_en}); this row is for {resolved.unit.name}: "
                f"one file per province and reporting year, send {resolved.unit.name}'s figures in a file of their own",
                f"rows for {own.unit.name} only: one file per province and reporting year ({resolved.unit.name} "
                "sends its own file)",
                "province",
                row["province_raw"],
                file_province=own.unit.name,
                row_province=resolved.unit.name,
                basis=basis_vi,
            )
            continue

        indicator = indicators.find(row["indicator_raw"] or "")
        if indicator is None:
            reject(
                "unknown_indicator",
                f"unknown indicator '{row['indicator_raw']}'{indicators.suggest(row['indicator_raw'])}",
                "an indicator code of the catalogue (see `dti template`)",
                "indicator",
                row["indicator_raw"],
                suggestion=indicators.suggest_vi(row["indicator_raw"]),
            )
            continue
        if not indicator.reported:
            reject(
                "derived_indicator",
                f"'{indicator.code}' is computed by the pipeline and is not reported",
                "only reported indicators",
                "indicator",
                row["indicator_raw"],
                **indicator_facts(indicator, methodology),
            )
            continue
        if not indicator.valid_in(year):
            until = f"ended in {indicator.valid_to}" if indicator.valid_to else f"starts in {indicator.valid_from}"
            reject(
                "indicator_not_valid_for_year",
                f"indicator '{indicator.code}' {until} and is not reported for {year}",
                f"an indicator valid in {year}",
                "indicator",
                row["indicator_raw"],
                until=f"đã kết thúc năm {indicator.valid_to}"
                if indicator.valid_to
                else f"bắt đầu từ năm {indicator.valid_from}",
                year=year,
                **indicator_facts(indicator, methodology),
            )
            continue

        if row["value_is_number"]:
            value = float(row["value_raw"])
            percent = "%" in (row["value_format"] or "")
            if percent:
                value *= 100
        else:
            domain = Domain.of(indicator)
            parsed = parse_number(row["value_raw"], domain)
            if parsed.ambiguous:
                decimal, thousands = parsed.readings
                reject(
                    "ambiguous_number",
                    parsed.error,
                    f"one reading only: a value from {number_text(domain.low)} to {number_text(domain.high)} "
                    f"{methodology.units[indicator.unit].symbol} without thousands separators, with a decimal comma",
                    "value",
                    row["value_raw"],
                    decimal=number_text(decimal, ","),
                    thousands=number_text(thousands, ","),
                    separator=parsed.separator,
                    indicator=indicator.code,
                    low=number_text(domain.low, ","),
                    high=number_text(domain.high, ","),
                )
                continue
            if parsed.error:
                reject(
                    "unreadable_number",
                    parsed.error,
                    f"a number in {methodology.units[indicator.unit].symbol}",
                    "value",
                    row["value_raw"],
                    **indicator_facts(indicator, methodology),
                )
                continue
            if parsed.value is None:
                not_reported += 1
                continue
            value, percent = parsed.value, parsed.percent

        unit_written = fold(row["unit_raw"] or "").strip()
        if unit_written and unit_written not in indicators.unit_keys[indicator.unit]:
            reject(
                "unit_mismatch",
                f"unit '{row['unit_raw']}' does not match the catalogue unit of {indicator.code}",
                f"{methodology.units[indicator.unit].symbol} (or leave the unit empty)",
                "unit",
                row["unit_raw"],
                **indicator_facts(indicator, methodology),
            )
            continue
        if percent and not indicator.unit.startswith("percent"):
            reject(
                "unit_mismatch",
                f"a percentage was given for {indicator.code}, which is measured in {indicator.unit}",
                methodology.units[indicator.unit].symbol,
                "value",
                row["value_raw"],
                **indicator_facts(indicator, methodology),
            )
            continue
        low, high = indicator.domain
        flags = None
        if not low <= value <= high:
            message = f"{value:g} is outside the possible range [{low:g}, {high:g}] of {indicator.code}"
            if rules.severity("out_of_domain") == "ERROR":
                reject(
                    "out_of_domain",
                    message,
                    f"a value from {low:g} to {high:g} {methodology.units[indicator.unit].symbol}",
                    "value",
                    row["value_raw"],
                    **indicator_facts(indicator, methodology),
                )
                continue
            flags = f"out_of_domain: {message}"

        figures.append(
            {
                "reporting_year": year,
                "unit_set": resolved.unit.unit_set,
                "province_code": resolved.unit.code,
                "province_name": resolved.unit.name,
                "indicator_code": indicator.code,
                "pillar": indicator.pillar,
                "value": value,
                "unit": indicator.unit,
                "note": row["note_raw"],
                "is_synthetic": is_synthetic_origin(row["data_origin_raw"]),
                "file_sha256": row["file_sha256"],
                "file_name": row["file_name"],
                "sheet": row["sheet"],
                "row_number": row["row_number"],
                "value_raw": row["value_raw"],
                "flags": flags,
                "_columns": columns,
            }
        )

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
            rejects.append(
                {
                    "reporting_year": year,
                    "file_sha256": loser["file_sha256"],
                    "file_name": loser["file_name"],
                    "sheet": loser["sheet"],
                    "row_number": loser["row_number"],
                    "column_name": loser["_columns"].get("indicator", "indicator"),
                    "value": loser["value_raw"],
                    "rule": rule,
                    "severity": rules.severity(rule),
                    "message_vi": rules.message_vi(
                        rule, loser["value_raw"], loser["_columns"].get("indicator"), loser["row_number"]
                    ),
                    "message": (
                        f"{indicator} for {winner['province_name']} appears again; row {winner['row_number']} counts"
                        if same_file
                        else f"{indicator} for {winner['province_name']} {year} was sent again in {winner['file_name']} "
                        f"(row {winner['row_number']}), which was received later and counts"
                    ),
                    "expected": "one value per province, indicator and year",
                    "province_raw": loser["province_name"],
                    "indicator_raw": indicator,
                }
            )
    return sorted(kept, key=lambda r: (r["province_code"], r["indicator_code"]))


def file_rejects(inventory: pl.DataFrame, year: int | None, rules: Rules | None = None) -> pl.DataFrame:
    """The files of `year` that could not be read at all, as rejects (one row per file)."""
    rules = rules or default_rules()
    rejected = inventory.filter(pl.col("status") == "rejected")
    rejected = rejected.filter(pl.col("reporting_year").is_null() if year is None else pl.col("reporting_year") == year)
    rejected = rejected.with_columns(
        pl.col("problem_rule").map_elements(rules.severity, return_dtype=pl.String).alias("severity"),
        pl.struct("problem_rule", "problem_value", "problem_column", "problem_row")
        .map_elements(
            lambda p: rules.message_vi(
                p["problem_rule"],
                p["problem_value"],
                p["problem_column"],
                p["problem_row"],
                **rule_facts(p["problem_rule"]),
            ),
            return_dtype=pl.String,
        )
        .alias("message_vi"),
    )
    return rejected.select(
        pl.col("reporting_year"),
        "file_sha256",
        "file_name",
        pl.lit(None, pl.String).alias("sheet"),
        pl.col("problem_row").alias("row_number"),
        pl.col("problem_column").alias("column_name"),
        pl.col("problem_value").alias("value"),
        pl.col("problem_rule").alias("rule"),
        "severity",
        pl.col("problem_message").alias("message"),
        "message_vi",
        pl.col("problem_expected").alias("expected"),
        pl.col("declared_province").alias("province_raw"),
        pl.lit(None, pl.String).alias("indicator_raw"),
    ).cast(REJECT_SCHEMA)
