"""Load and validate a methodology file (indicator catalogue, pillars, units, thresholds).

Validation errors name the file, the place in it and what was expected, so an analyst editing the YAML
can fix it without reading this code.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

Comparator = Literal[">", "≥", "≈", "≤", "="]
Direction = Literal["positive", "negative"]


class MethodologyError(ValueError):
    """A methodology file that cannot be used, with every problem found in it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Pillar(_Strict):
    code: str
    name_vi: str
    name_en: str


class Unit(_Strict):
    symbol: str
    aliases: list[str]


class NationalTarget(_Strict):
    comparator: Comparator
    value: float


class Derivation(_Strict):
    numerator: str
    denominator: Literal["population"]
    per: float = Field(gt=0)


class Indicator(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_vi: str
    name_en: str
    pillar: str
    unit: str
    direction: Direction
    kind: Literal["share", "count", "rate"]
    valid_from: int = Field(ge=2000, le=2100)
    valid_to: int | None = Field(default=None, ge=2000, le=2100)
    domain: tuple[float, float]
    goalposts: tuple[float, float]
    reported: bool = True
    derived_from: Derivation | None = None
    national_targets: dict[int, NationalTarget] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Indicator:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        if self.domain[0] >= self.domain[1]:
            raise ValueError(f"domain {list(self.domain)} must be [min, max] with min < max")
        if self.goalposts[0] == self.goalposts[1]:
            raise ValueError(f"goalposts {list(self.goalposts)} must differ")
        if not self.reported and self.derived_from is None:
            raise ValueError("an indicator with reported: false needs derived_from")
        return self

    def valid_in(self, year: int) -> bool:
        return self.valid_from <= year and (self.valid_to is None or year <= self.valid_to)


class TargetSubject(_Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_vi: str
    name_en: str
    unit: str


class Coverage(_Strict):
    min_indicator_share_per_province: float = Field(ge=0, le=1)
    min_province_share_per_indicator: float = Field(ge=0, le=1)


class Methodology(_Strict):
    version: str
    name: str
    title_vi: str
    title_en: str
    pillars: list[Pillar]
    units: dict[str, Unit]
    indicators: list[Indicator]
    target_subjects: list[TargetSubject] = Field(default_factory=list)
    coverage: Coverage

    @field_validator("indicators")
    @classmethod
    def _unique_codes(cls, indicators: list[Indicator]) -> list[Indicator]:
        seen: set[str] = set()
        for indicator in indicators:
            if indicator.code in seen:
                raise ValueError(f"indicator code {indicator.code!r} appears twice")
            seen.add(indicator.code)
        return indicators

    @model_validator(mode="after")
    def _references_resolve(self) -> Methodology:
        pillars = {p.code for p in self.pillars}
        codes = {i.code for i in self.indicators}
        problems = []
        for indicator in self.indicators:
            if indicator.pillar not in pillars:
                problems.append(f"indicator {indicator.code}: pillar {indicator.pillar!r} is not one of {sorted(pillars)}")
            if indicator.unit not in self.units:
                problems.append(f"indicator {indicator.code}: unit {indicator.unit!r} is not one of {sorted(self.units)}")
            if indicator.derived_from and indicator.derived_from.numerator not in codes:
                problems.append(f"indicator {indicator.code}: derived_from.numerator {indicator.derived_from.numerator!r} is not an indicator")
        for subject in self.target_subjects:
            if subject.code in codes:
                problems.append(f"target subject {subject.code} is also an indicator")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    def reported_in(self, year: int) -> list[Indicator]:
        """The indicators a province reports for `year`, in catalogue order."""
        return [i for i in self.indicators if i.reported and i.valid_in(year)]

    @cached_property
    def known_subjects(self) -> set[str]:
        """Every code a target may name: indicators and target-only subjects."""
        return set(self.by_code) | {s.code for s in self.target_subjects}


def _describe(error: ValidationError, raw: dict) -> list[str]:
    lines = []
    for item in error.errors():
        where = []
        node: object = raw
        for part in item["loc"]:
            if isinstance(node, list) and isinstance(part, int) and part < len(node):
                node = node[part]
                code = node.get("code") if isinstance(node, dict) else None
                where.append(f"[{part}]" + (f" ({code})" if code else ""))
            else:
                node = node.get(part) if isinstance(node, dict) else None
                where.append(f".{part}" if where else str(part))
        lines.append(f"{''.join(where) or '(top level)'}: {item['msg']}")
    return lines


def load_methodology(path: Path) -> Methodology:
    """Read and validate a methodology file; raise MethodologyError listing every problem."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MethodologyError(f"{path}: methodology file not found") from exc
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise MethodologyError(f"{path}: expected a mapping at the top level, found {type(raw).__name__}")
    try:
        return Methodology.model_validate(raw)
    except ValidationError as exc:
        details = "\n".join(f"  - {line}" for line in _describe(exc, raw))
        raise MethodologyError(f"{path}: {exc.error_count()} problem(s) in the methodology file:\n{details}") from exc
