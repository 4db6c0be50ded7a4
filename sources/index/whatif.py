"""What if the methodology or a province's values were different: the ranking computed again by the engine
(`score`) with the changes applied, beside the ranking as the methodology stands.

Changes (`Changes`, from options or a small YAML file):
- `multiply_weights: {node: {child: factor}}`: a child's weight in its node multiplied (2 doubles it);
- `weights: {node: {child: weight}}`: a child's weight replaced (weights are relative within a node);
- `normalisation`: one normalisation for every indicator (goalposts, minmax, zscore, rank);
- `aggregation`: one aggregation for every node (arithmetic, geometric);
- `exclude: [indicator, ...]`: indicators taken out of the framework;
- `values: {province code: {indicator: value}}`: a province's values replaced.

The methodology is never edited: a validated copy is made with the changes (pydantic), so a change the
methodology would refuse (a node left without children, a geometric mean of z-scores) is refused here too.
Both rankings come from the same engine on the same values; the comparison gives each province's rank shift
and the Spearman rank correlation of the two rankings."""

from __future__ import annotations

import duckdb
import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sources.index.engine import score
from sources.index.methodology import Aggregation, Methodology, Normalisation
from sources.index.uncertainty import problem_from_long, rank_intervals
from sources.warehouse.tables import query_frame


class WhatIfError(ValueError):
    """Changes that cannot be applied, said in both languages."""


class Changes(BaseModel):
    """The changes of one what-if (see the module)."""

    model_config = ConfigDict(extra="forbid")

    multiply_weights: dict[str, dict[str, float]] = Field(default_factory=dict)
    weights: dict[str, dict[str, float]] = Field(default_factory=dict)
    normalisation: Normalisation | None = None
    aggregation: Aggregation | None = None
    exclude: list[str] = Field(default_factory=list)
    values: dict[str, dict[str, float]] = Field(default_factory=dict)

    def describe(self) -> list[str]:
        """One line per change, Vietnamese / English."""
        lines = [
            f"trọng số / weight {node}.{child} × {factor:g}"
            for node, children in self.multiply_weights.items()
            for child, factor in children.items()
        ]
        lines += [
            f"trọng số / weight {node}.{child} = {weight:g}"
            for node, children in self.weights.items()
            for child, weight in children.items()
        ]
        if self.normalisation:
            lines.append(f"chuẩn hoá / normalisation: {self.normalisation}")
        if self.aggregation:
            lines.append(f"tổng hợp / aggregation: {self.aggregation}")
        lines += [f"bỏ chỉ tiêu / excluded: {code}" for code in self.exclude]
        lines += [
            f"giá trị / value {unit} {code} = {value:g}"
            for unit, values in self.values.items()
            for code, value in values.items()
        ]
        return lines


def apply_changes(methodology: Methodology, changes: Changes) -> Methodology:
    """A validated copy of `methodology` with the changes to its framework (weights, normalisation,
    aggregation, excluded indicators). Raises WhatIfError naming what does not exist or is refused."""
    raw = methodology.model_dump()
    nodes = {node["code"]: node for node in [raw["index"], *raw["pillars"]]}
    problems = []
    for table, combine in ((changes.multiply_weights, lambda old, x: old * x), (changes.weights, lambda _, x: x)):
        for node, children in table.items():
            if node not in nodes:
                problems.append(f"không có nút / no node {node!r} (nodes: {', '.join(nodes)})")
                continue
            for child, number in children.items():
                if child not in nodes[node]["children"]:
                    problems.append(f"{node} không có thành phần / has no child {child!r}")
                else:
                    nodes[node]["children"][child] = combine(nodes[node]["children"][child], number)
    for code in changes.exclude:
        holders = [n for n in nodes.values() if code in n["children"]]
        if not holders:
            problems.append(f"chỉ tiêu không có trong khung / indicator not in the framework: {code!r}")
        for node in holders:
            del node["children"][code]
    if changes.normalisation:
        raw["normalisation"] = changes.normalisation
        for indicator in raw["indicators"]:
            indicator["normalisation"] = None
    if changes.aggregation:
        for node in nodes.values():
            node["aggregation"] = changes.aggregation
    if problems:
        raise WhatIfError("; ".join(problems))
    try:
        return Methodology.model_validate(raw)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise WhatIfError(
            f"phương pháp sau thay đổi không hợp lệ / the changed methodology is refused: {reasons}"
        ) from exc


def published_values(con: duckdb.DuckDBPyConnection, year: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The as-reported values of `year` and of the earlier years of its unit set (for carry-forward
    imputation) as long values for `score`, and the units of `year` (province_code, province_name)."""
    units = query_frame(
        con,
        """SELECT province_code, province_name, unit_set FROM marts.index_scores
           WHERE series = 'as_reported' AND reporting_year = ? ORDER BY province_code""",
        [year],
    )
    if units.is_empty():
        raise WhatIfError(f"không có năm / no reporting year {year} in the published copy")
    values = query_frame(
        con,
        """SELECT province_code AS unit, reporting_year, indicator_code, value FROM marts.indicator_values
           WHERE series = 'as_reported' AND unit_set = ? AND reporting_year <= ? AND value IS NOT NULL""",
        [units["unit_set"][0], year],
    )
    return values, units.drop("unit_set")


def values_from_frames(
    year: int, rankings: dict[int, pl.DataFrame], values: dict[int, pl.DataFrame]
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What `published_values` gives, from per-year frames as a release holds them (the portal reads release
    files, never the warehouse): `rankings` (province_code, province_name, unit_set) and `values`
    (province_code, reporting_year, indicator_code, value) by reporting year. The earlier years taken are
    those of the same unit set as `year`, for carry-forward imputation."""
    if year not in rankings:
        raise WhatIfError(f"không có năm / no reporting year {year} in the release")
    units = rankings[year].select("province_code", "province_name", "unit_set").sort("province_code")
    unit_set = units["unit_set"][0] if units.height else None
    same_set = [
        y for y, ranking in rankings.items() if y <= year and y in values and ranking["unit_set"].eq(unit_set).all()
    ]
    long = pl.concat(
        [
            values[y].select(
                pl.col("province_code").alias("unit"),
                pl.col("reporting_year").cast(pl.Int32),
                "indicator_code",
                pl.col("value").cast(pl.Float64),
            )
            for y in sorted(same_set)
        ],
        how="vertical",
    )
    return long.drop_nulls("value"), units.drop("unit_set")


def _with_values(values: pl.DataFrame, year: int, changes: Changes) -> pl.DataFrame:
    if not changes.values:
        return values
    changed = pl.DataFrame(
        [
            {"unit": unit, "reporting_year": year, "indicator_code": code, "value": float(value)}
            for unit, codes in changes.values.items()
            for code, value in codes.items()
        ],
        schema=values.schema,
    )
    return pl.concat([values.join(changed, on=["unit", "reporting_year", "indicator_code"], how="anti"), changed])


def _ranking(values: pl.DataFrame, methodology: Methodology, units: list[str], year: int) -> pl.DataFrame:
    if methodology.imputation != "carry_forward":
        values = values.filter(pl.col("reporting_year") == year)
    scores = score(values, methodology, units)
    return scores.filter((pl.col("ranking") == "index") & (pl.col("reporting_year") == year)).select(
        pl.col("province_code"), "score", pl.col("rank").cast(pl.Int64)
    )


def what_if(
    values: pl.DataFrame,
    units: pl.DataFrame,
    methodology: Methodology,
    year: int,
    changes: Changes,
    against: Methodology | None = None,
) -> tuple[pl.DataFrame, float | None]:
    """The ranking of `year` as the methodology stands and with `changes` (made to `against`, another
    methodology compared side by side, when given), side by side (province_code, province_name,
    score_before, rank_before, score_after, rank_after, rank_shift: positive = moves up), and the Spearman
    correlation of the two rankings over the units ranked in both (None below 3 units)."""
    unknown = sorted(set(changes.values) - set(units["province_code"]))
    if unknown:
        raise WhatIfError(f"không có đơn vị / no unit {', '.join(unknown)} in {year}")
    changed = apply_changes(against or methodology, changes)
    codes = units["province_code"].to_list()
    before = _ranking(values, methodology, codes, year)
    after = _ranking(_with_values(values, year, changes), changed, codes, year)
    table = (
        units.join(before.rename({"score": "score_before", "rank": "rank_before"}), on="province_code", how="left")
        .join(after.rename({"score": "score_after", "rank": "rank_after"}), on="province_code", how="left")
        .with_columns((pl.col("rank_before") - pl.col("rank_after")).alias("rank_shift"))
        .sort(pl.col("rank_after").is_null(), "rank_after", "province_name")
    )
    both = table.drop_nulls(["rank_before", "rank_after"])
    rho = None
    if both.height >= 3:
        rho = both.select(pl.corr("rank_before", "rank_after", method="spearman")).item()
    return table, rho


def what_if_intervals(
    values: pl.DataFrame,
    units: pl.DataFrame,
    methodology: Methodology,
    year: int,
    changes: Changes,
    against: Methodology | None = None,
) -> pl.DataFrame:
    """The rank interval of each unit with the changes (province_code, rank_p05, median_rank, rank_p95):
    the Monte Carlo of sources/index/uncertainty.py around the changed methodology, on its own settings
    (samples, seed, choices drawn), as marts.rank_uncertainty is around the methodology as it stands."""
    changed = apply_changes(against or methodology, changes)
    values = _with_values(values, year, changes)
    codes = units["province_code"].to_list()
    problem = problem_from_long(
        values.filter(pl.col("reporting_year") == year),
        codes,
        [leaf.code for leaf in changed.leaves if leaf.valid_in(year)],
        earlier=values.filter(pl.col("reporting_year") < year),
    )
    settings = changed.uncertainty
    _, low, median, high = rank_intervals(changed, problem, settings.samples, settings.seed)

    def whole(ranks: np.ndarray) -> list[int | None]:
        return [None if np.isnan(rank) else int(rank) for rank in ranks]

    return pl.DataFrame(
        {"province_code": codes, "rank_p05": whole(low), "median_rank": whole(median), "rank_p95": whole(high)},
        schema_overrides={"rank_p05": pl.Int64, "median_rank": pl.Int64, "rank_p95": pl.Int64},
    )


def what_if_text(
    table: pl.DataFrame, rho: float | None, year: int, changes: Changes, versions: tuple[str, str] | None = None
) -> str:
    """The comparison for people: the methodologies compared (`versions`, before and after, when they
    differ), the changes, the Spearman correlation and the full new ranking, with each unit's rank interval
    under the changed methodology when `table` has them (what_if_intervals: rank_p05, rank_p95)."""
    intervals = "rank_p05" in table.columns
    lines = []
    if versions and versions[0] != versions[1]:
        lines.append(f"Phương pháp / Methodology: cũ / old {versions[0]} → mới / new {versions[1]}")
    lines.append(f"Năm / Year {year}; thay đổi / changes:")
    lines += [f"  {line}" for line in changes.describe()] or ["  (không / none)"]
    correlation = "–" if rho is None else f"{rho:.4f}"
    lines += [
        f"Tương quan hạng Spearman / Spearman rank correlation: {correlation}",
        "",
        f"{'hạng mới/new':>12} {'hạng cũ/old':>11} {'dịch/shift':>10} {'điểm mới/new':>13} {'điểm cũ/old':>12}"
        + (f" {'khoảng hạng/interval':>20}" if intervals else "")
        + "  tỉnh/thành phố / province",
    ]

    def shown(number: float | None, form: str) -> str:
        return "–" if number is None else format(number, form)

    for row in table.iter_rows(named=True):
        interval = ""
        if intervals:
            interval = f"{shown(row['rank_p05'], 'd')}–{shown(row['rank_p95'], 'd')}" if row["rank_p05"] else "–"
            interval = f" {interval:>20}"
        lines.append(
            f"{shown(row['rank_after'], 'd'):>12} {shown(row['rank_before'], 'd'):>11}"
            f" {shown(row['rank_shift'], '+d'):>10} {shown(row['score_after'], '.4f'):>13}"
            f" {shown(row['score_before'], '.4f'):>12}{interval}  {row['province_name']}"
        )
    return "\n".join(lines)
