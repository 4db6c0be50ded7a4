"""`dti validate`: one submission checked before it is sent, against the same reader, staging rules and
contract as the pipeline, with a report in Vietnamese or English."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from expectations import contracts
from sources.catalog.catalog import catalog
from sources.home import methodology_path
from sources.index.methodology import Methodology, load_methodology
from sources.intake.rules import Rules, default_rules
from sources.intake.staging import indicator_facts, rows_frame, rule_facts, stage
from sources.intake.submissions import read_submission, size_problem
from sources.intake.text import safe_text
from sources.reference.provinces import ProvinceRegister


@dataclass
class Finding:
    rule: str
    severity: str
    row: int | None
    column: str | None
    value: str | None
    message_en: str
    message_vi: str
    expected: str


@dataclass
class Report:
    file: Path
    year: int | None = None
    province: str | None = None
    figures: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(f.severity == "ERROR" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "WARN" for f in self.findings)


def validate_file(path: Path, methodology: Methodology, register: ProvinceRegister, rules: Rules) -> Report:
    # A file over the byte limit is refused from its size, never read into memory.
    data = None if size_problem(path.stat().st_size, rules) else path.read_bytes()
    read = read_submission(path, data, rules)
    report = Report(path, read.reporting_year, read.declared_province)
    if read.problem and not read.rows:
        p = read.problem
        report.findings.append(
            Finding(
                p.rule,
                rules.severity(p.rule),
                p.row,
                p.column,
                p.value,
                p.message,
                rules.message_vi(p.rule, p.value, p.column, p.row, **rule_facts(p.rule)),
                p.expected,
            )
        )
        return report
    if report.year is None:
        report.findings.append(
            Finding(
                "missing_year",
                rules.severity("missing_year"),
                None,
                "year",
                None,
                "no reporting year found in the file",
                rules.message_vi("missing_year", row="—"),
                "the reporting year in the year column or the workbook header",
            )
        )
        return report
    sha256 = hashlib.sha256(data).hexdigest()
    raw = rows_frame(read, report.year, sha256, path.name, None)
    result = stage(raw, report.year, methodology, register, rules, declared={sha256: read.declared_province})
    for r in result.rejects.sort("row_number").iter_rows(named=True):
        report.findings.append(
            Finding(
                r["rule"],
                r["severity"],
                r["row_number"],
                r["column_name"],
                r["value"],
                r["message"],
                r["message_vi"],
                r["expected"],
            )
        )
    for violation in contracts.violations(contracts.staged_figures(methodology, register), result.figures).iter_rows(
        named=True
    ):
        row = (
            result.figures.row(violation["index"], named=True)["row_number"] if violation["index"] is not None else None
        )
        report.findings.append(
            Finding(
                "figures_match_contract",
                rules.severity("figures_match_contract"),
                row,
                violation["column"],
                violation["failure_case"],
                f"contract: {violation['check']}",
                f"Vi phạm ràng buộc dữ liệu: {violation['check']}",
                violation["check"],
            )
        )
    for figure in result.figures.filter(pl.col("flags").is_not_null()).iter_rows(named=True):
        indicator = methodology.by_code[figure["indicator_code"]]
        report.findings.append(
            Finding(
                "out_of_domain",
                rules.severity("out_of_domain"),
                figure["row_number"],
                "value",
                figure["value_raw"],
                figure["flags"],
                rules.message_vi(
                    "out_of_domain",
                    figure["value_raw"],
                    "value",
                    figure["row_number"],
                    **indicator_facts(indicator, methodology),
                ),
                "kept with a flag",
            )
        )
    report.figures = result.figures.height
    report.findings.extend(_completeness(report, result.rejects.height, result.figures, methodology, rules))
    return report


def _completeness(
    report: Report, rejected: int, figures: pl.DataFrame, methodology: Methodology, rules: Rules
) -> list[Finding]:
    """A file with no figure and no faulty row (an empty template) is an ERROR: nothing would be sent. A file
    with figures that leaves out indicators of its year gets a WARN naming each one (they count as not
    reported and the province's coverage drops)."""
    year = report.year
    if figures.is_empty():
        if rejected:
            return []
        return [
            Finding(
                "empty_submission",
                rules.severity("empty_submission"),
                None,
                "value",
                None,
                f"the file holds no figure: fill in the values of the {year} indicators before sending it",
                rules.message_vi("empty_submission", year=year),
                f"a value for each indicator of {year}",
            )
        ]
    given = set(figures["indicator_code"])
    missing = [i for i in methodology.reported_in(year) if i.code not in given]
    if not missing:
        return []
    return [
        Finding(
            "missing_indicators",
            rules.severity("missing_indicators"),
            None,
            "indicator",
            None,
            f"{len(missing)} indicator(s) of {year} missing: " + "; ".join(f"{i.name_en} ({i.code})" for i in missing),
            rules.message_vi(
                "missing_indicators",
                year=year,
                count=len(missing),
                missing="; ".join(f"{i.name_vi} ({i.code})" for i in missing),
            ),
            f"a value for each of the {len(missing) + len(given)} indicators of {year}",
        )
    ]


def check_submission(path: Path) -> Report:
    """`dti validate`: the file at `path` checked with what the pipeline itself runs on (the methodology of
    DTI_METHODOLOGY or the default, the province register, the rules of DTI_RULES or the bundled ones)."""
    return validate_file(path, load_methodology(methodology_path()), ProvinceRegister(), default_rules())


def render(report: Report, lang: str = "vi") -> str:
    """The report as text; whatever came from the file is shown with its control characters escaped."""
    return "\n".join(safe_text(line) for line in _lines(report, lang))


def _lines(report: Report, lang: str) -> list[str]:
    t = catalog().words_in(lang)
    lines = [f"{t['file']}: {report.file.name}", f"{t['year']}: {report.year or '—'}"]
    if report.province:
        lines.append(f"{t['province']}: {report.province}")
    for f in report.findings:
        where = ", ".join(
            part
            for part in (
                f"{t['row']} {f.row}" if f.row is not None else None,
                f"{t['column']} {f.column}" if f.column else None,
                f"{t['value']} '{f.value}'" if f.value not in (None, "") else None,
            )
            if part
        )
        message = f.message_vi if lang == "vi" else f.message_en
        lines.append(f"[{t[f.severity]}] {f.rule}" + (f" ({where})" if where else "") + f": {message}")
        if lang == "en":
            lines.append(f"    {t['expected']}: {f.expected}")
    if not report.errors:
        lines.append(t["ok"].format(n=report.figures))
    if report.findings:
        lines.append(t["summary"].format(errors=report.errors, warnings=report.warnings, n=report.figures))
    return lines
