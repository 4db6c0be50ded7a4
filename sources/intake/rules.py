"""The validation rules: severity (ERROR or WARN) and Vietnamese message of every rule, read from
`sources/intake/rules.yaml` (or the file named by DTI_RULES), so which rule blocks is configuration."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

RULES_FILE = Path(__file__).resolve().parent / "rules.yaml"
Severity = Literal["ERROR", "WARN"]
# Rules whose row still holds a usable value: only these may be WARN (kept and flagged).
# missing_indicators is about a whole file whose rows are all usable.
MAY_WARN = {"out_of_domain", "implausible_change", "superseded_by_later_file", "duplicate_row", "missing_indicators"}
CHECKS = {
    "raw_rows_match_contract",
    "figures_match_contract",
    "quarantine_is_complete",
    "provinces_report_enough_indicators",
    "indicators_reported_by_enough_provinces",
    "values_change_plausibly",
    "submissions_are_not_duplicated",
    "marts_match_contract",
    "rankings_are_sane",
}


class RulesError(ValueError):
    """A rules file that cannot be used."""


class RowRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    severity: Severity
    vi: str


class Plausibility(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    max_change_z: float = Field(gt=0)
    min_change: float = Field(ge=0)
    max_own_change_ratio: float = Field(gt=1)


class Limits(BaseModel):
    """What a submission file may hold, checked before or while it is read (see rules.yaml)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    max_file_bytes: int = Field(gt=0)
    max_rows_per_file: int = Field(gt=0)
    max_columns: int = Field(gt=0)
    max_cell_chars: int = Field(gt=0)
    max_sheet_rows: int = Field(gt=0)
    max_cells: int = Field(gt=0)
    max_inflated_bytes: int = Field(gt=0)
    max_compression_ratio: float = Field(gt=1)


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    row_rules: dict[str, RowRule]
    checks: dict[str, Severity]
    plausibility: Plausibility
    limits: Limits

    @model_validator(mode="after")
    def _complete(self) -> Rules:
        problems = [
            f"row rule {name}: WARN is not possible, the row holds no usable value (only {sorted(MAY_WARN)})"
            for name, rule in self.row_rules.items()
            if rule.severity == "WARN" and name not in MAY_WARN
        ]
        if set(self.checks) != CHECKS:
            problems.append(
                f"checks must list exactly {sorted(CHECKS)}; missing {sorted(CHECKS - set(self.checks))}, "
                f"unknown {sorted(set(self.checks) - CHECKS)}"
            )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def max_rows_per_file(self) -> int:
        return self.limits.max_rows_per_file

    def severity(self, rule: str) -> Severity:
        if rule in self.row_rules:
            return self.row_rules[rule].severity
        return self.checks[rule]

    def message_vi(
        self, rule: str, value: object = None, column: str | None = None, row: int | None = None, **facts: object
    ) -> str:
        """The rule's Vietnamese message; `facts` fill the rule's own placeholders (e.g. {decimal} and
        {thousands} of ambiguous_number). A placeholder left without its fact shows as written."""
        template = self.row_rules[rule].vi
        return template.format_map(
            _Facts(value="" if value is None else value, column=column or "", row="" if row is None else row, **facts)
        )


class _Facts(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def rules_path() -> Path:
    return Path(os.environ.get("DTI_RULES", RULES_FILE))


def load_rules(path: Path | None = None) -> Rules:
    path = path or rules_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Rules.model_validate(raw)
    except FileNotFoundError as exc:
        raise RulesError(f"{path}: rules file not found") from exc
    except (yaml.YAMLError, ValidationError) as exc:
        raise RulesError(f"{path}: {exc}") from exc


@cache
def default_rules() -> Rules:
    return load_rules()
