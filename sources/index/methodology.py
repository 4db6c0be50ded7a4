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
Normalisation = Literal["goalposts", "minmax", "zscore", "rank"]
Aggregation = Literal["arithmetic", "geometric"]
Imputation = Literal["none", "carry_forward", "pillar_mean"]
Restatement = Literal["population_weighted_mean", "sum", "unweighted_mean"]
Kind = Literal["share", "count", "rate", "index_score"]


class MethodologyError(ValueError):
    """A methodology file that cannot be used, with every problem found in it."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(_Strict):
    """A pillar or the index: a weighted aggregate of its children (indicators or other nodes)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_vi: str
    name_en: str
    aggregation: Aggregation = "arithmetic"
    min_share: float = Field(ge=0, le=1, description="share of the children valid that year that must be reported")
    children: dict[str, float]

    @field_validator("children")
    @classmethod
    def _positive_weights(cls, children: dict[str, float]) -> dict[str, float]:
        if not children:
            raise ValueError("a node needs at least one child")
        bad = {code: weight for code, weight in children.items() if not weight > 0}
        if bad:
            raise ValueError(f"weights must be > 0, found {bad}")
        return children

    def normalised_weights(self) -> dict[str, float]:
        total = sum(self.children.values())
        return {code: weight / total for code, weight in self.children.items()}


class GapStatus(_Strict):
    """Thresholds that turn progress towards a target into a status (documented in the methodology file).
    `method` chooses how: `project` (the thresholds below, on the linear pace of sql/warehouse/30_target_gaps.sql)
    or `open_sdg` (Statistics Canada's measure adopted by Open SDG, sql/warehouse/00_progress.sql: compound
    annual growth against the growth required, thresholds 0.95 / 0.60 / 0)."""

    method: Literal["project", "open_sdg"] = "project"
    on_track_min_ratio: float = Field(gt=0)
    acceleration_min_ratio: float = Field(gt=0)
    approx_tolerance: float = Field(ge=0, lt=1)

    @model_validator(mode="after")
    def _ordered(self) -> GapStatus:
        if self.acceleration_min_ratio >= self.on_track_min_ratio:
            raise ValueError("acceleration_min_ratio must be below on_track_min_ratio")
        return self


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
    code: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    name_vi: str
    name_en: str
    pillar: str | None = None
    unit: str
    direction: Direction
    kind: Kind
    normalisation: Normalisation | None = None
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
        worst, best = self.goalposts
        if (best > worst) != (self.direction == "positive") or worst == best:
            order = "worst < best" if self.direction == "positive" else "worst > best"
            raise ValueError(
                f"goalposts [{worst:g}, {best:g}] are [worst, best]: a {self.direction} indicator needs {order}"
            )
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


class Uncertainty(_Strict):
    """The Monte Carlo of rank uncertainty: which of the methodology's choices are drawn, and how."""

    samples: int = Field(default=10_000, ge=100, le=1_000_000)
    seed: int = Field(default=20250701, ge=0)
    weight_perturbation: float = Field(
        default=0.25, ge=0, lt=1, description="each weight is multiplied by a uniform draw in [1 - p, 1 + p]"
    )
    normalisations: list[Normalisation] = Field(default=["goalposts", "minmax", "rank"], min_length=1)
    aggregations: list[Aggregation] = Field(default=["arithmetic", "geometric"], min_length=1)
    imputations: list[Literal["none", "carry_forward"]] = Field(default=["none", "carry_forward"], min_length=1)
    interval: tuple[float, float] = (5.0, 95.0)

    @model_validator(mode="after")
    def _drawable(self) -> Uncertainty:
        if "zscore" in self.normalisations and "geometric" in self.aggregations:
            raise ValueError(
                "normalisations lists zscore and aggregations geometric: a geometric mean needs positive scores"
            )
        low, high = self.interval
        if not 0 <= low < high <= 100:
            raise ValueError(
                f"interval {list(self.interval)} must be [low, high] percentiles with 0 <= low < high <= 100"
            )
        return self


class Outliers(_Strict):
    """Outlier treatment of the reported values before they are normalised, by COINr's `Treat` rule (the
    JRC's practice): an indicator whose sample skewness and excess kurtosis across the provinces of a year
    are both beyond the thresholds is winsorised one extreme at a time, up to `winmax` points; if it still
    fails, the original values are log-transformed instead. `none` (the default) leaves values as reported."""

    treatment: Literal["none", "winsorise_then_log"] = "none"
    winmax: int = Field(default=5, ge=1, description="most points winsorised per indicator and year")
    skew_thresh: float = Field(
        default=2.0, gt=0, description="absolute skewness beyond which an indicator may hold outliers"
    )
    kurt_thresh: float = Field(default=3.5, description="excess kurtosis beyond which an indicator may hold outliers")


class Methodology(_Strict):
    version: str
    name: str
    title_vi: str
    title_en: str
    source: str | None = None
    index: Node
    pillars: list[Node]
    normalisation: Normalisation = "goalposts"
    imputation: Imputation = "none"
    geometric_floor: float = Field(default=0.01, gt=0, lt=1)
    score_decimals: int = Field(default=4, ge=1, le=8)
    restatement: dict[Kind, Restatement]
    gap_status: GapStatus
    units: dict[str, Unit]
    indicators: list[Indicator]
    target_subjects: list[TargetSubject] = Field(default_factory=list)
    # The index's main indicators ("8 chỉ số chính" of the official DTI), for targets such as "at least k of
    # the 8 main indicators in the top 10" (target subject main_indicators_in_top_<n>): scored indicators.
    main_indicators: list[str] = Field(default_factory=list)
    coverage: Coverage
    uncertainty: Uncertainty = Field(default_factory=Uncertainty)
    outliers: Outliers = Field(default_factory=Outliers)

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
        pillars = {p.code: p for p in self.pillars}
        codes = {i.code for i in self.indicators}
        problems = self._framework_problems()
        scored = {child for node in self.nodes for child in node.children}
        for indicator in self.indicators:
            if indicator.pillar is not None and indicator.pillar not in pillars:
                problems.append(
                    f"indicator {indicator.code}: pillar {indicator.pillar!r} is not one of {sorted(pillars)}"
                )
            elif (
                indicator.pillar is not None
                and indicator.code in scored
                and indicator.code not in pillars[indicator.pillar].children
            ):
                problems.append(
                    f"indicator {indicator.code}: its pillar {indicator.pillar} does not list it among its children"
                )
            if indicator.unit not in self.units:
                problems.append(
                    f"indicator {indicator.code}: unit {indicator.unit!r} is not one of {sorted(self.units)}"
                )
            if indicator.derived_from and indicator.derived_from.numerator not in codes:
                problems.append(
                    f"indicator {indicator.code}: derived_from.numerator {indicator.derived_from.numerator!r} is not an indicator"
                )
        leaves = {child for node in self.nodes for child in node.children if child in codes}
        for code in self.main_indicators:
            if code not in leaves:
                problems.append(f"main_indicators: {code!r} is not a scored indicator")
        for subject in self.target_subjects:
            if subject.code in codes:
                problems.append(f"target subject {subject.code} is also an indicator")
        missing_rules = {i.kind for i in self.indicators} - set(self.restatement)
        if missing_rules:
            problems.append(f"restatement: no rule for indicator kind(s) {sorted(missing_rules)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _framework_problems(self) -> list[str]:
        problems = []
        nodes = {n.code: n for n in self.nodes}
        indicators = {i.code: i for i in self.indicators}
        if len(nodes) != len(self.pillars) + 1:
            problems.append("node codes (index and pillars) must be unique")
        for code in set(nodes) & set(indicators):
            problems.append(f"{code} is both a node and an indicator")
        for node in self.nodes:
            for child in node.children:
                if child not in nodes and child not in indicators:
                    problems.append(f"node {node.code}: child {child!r} is neither an indicator nor a node")
                elif (
                    child in indicators
                    and node.aggregation == "geometric"
                    and self.normalisation_of(indicators[child]) == "zscore"
                ):
                    problems.append(
                        f"node {node.code}: geometric aggregation needs positive scores, but child {child} "
                        "is normalised by zscore"
                    )
        try:
            _heights(self.nodes)
        except _Cycle as cycle:
            problems.append(f"the framework has a cycle through node {cycle}")
        return problems

    @property
    def nodes(self) -> list[Node]:
        """The index and the pillars."""
        return [self.index, *self.pillars]

    def normalisation_of(self, indicator: Indicator) -> Normalisation:
        return indicator.normalisation or self.normalisation

    @cached_property
    def levels(self) -> dict[str, int]:
        """Height of every node above the indicators: a node is aggregated after all its children."""
        return _heights(self.nodes)

    @cached_property
    def leaves(self) -> list[Indicator]:
        """The indicators that feed the index, in catalogue order."""
        used = {child for node in self.nodes for child in node.children}
        return [i for i in self.indicators if i.code in used]

    @cached_property
    def counts(self) -> set[str]:
        """Indicators that count things: they change in proportion to their size."""
        return {i.code for i in self.indicators if i.kind == "count"}

    def pillars_of(self, code: str) -> list[Node]:
        return [p for p in self.pillars if code in p.children]

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


class _Cycle(ValueError):
    """A node that is, through its children, its own descendant."""


def _heights(nodes: list[Node]) -> dict[str, int]:
    """Height of each node above the indicators (1 = aggregates indicators only); raises _Cycle."""
    by_code = {n.code: n for n in nodes}
    heights: dict[str, int] = {}
    visiting: set[str] = set()

    def height(code: str) -> int:
        if code not in heights:
            if code in visiting:
                raise _Cycle(code)
            visiting.add(code)
            heights[code] = 1 + max((height(c) if c in by_code else 0) for c in by_code[code].children)
        return heights[code]

    for code in by_code:
        height(code)
    return heights


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


class _UniqueKeys(yaml.SafeLoader):
    """YAML's safe loader, refusing a key written twice in one mapping (plain YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key {key!r} written twice in one mapping", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(text: str) -> object:
    """A configuration file's YAML (the methodology, the catalog): safe, and a key written twice is an error."""
    return yaml.load(text, Loader=_UniqueKeys)  # a SafeLoader: no Python objects


def load_methodology(path: Path) -> Methodology:
    """Read and validate a methodology file; raise MethodologyError listing every problem."""
    try:
        raw = read_yaml(path.read_text(encoding="utf-8"))
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
