"""pandera (polars) contracts for the tables at each layer boundary: raw → staging → marts.

Types, unique keys, value domains from the methodology file (percentages 0–100, counts ≥ 0, growth
rates in their plausible band, ranks ≥ 1), province codes valid for the reporting year (63 former units
up to 2024, 34 from 2025) and indicators valid for that year. `violations` returns the failure cases as
a frame (empty when the table honours its contract)."""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from sources.index.methodology import Methodology
from sources.intake.rules import Rules
from sources.reference.provinces import MERGER_YEAR, ProvinceRegister

STATUSES = ["target met", "on track", "acceleration needed", "limited progress", "deterioration", "no data"]


def _by_indicator(mapping: dict[str, object], default: object = None) -> pl.Expr:
    return pl.col("indicator_code").replace_strict(mapping, default=default)


def raw_submissions() -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "reporting_year": pa.Column(pl.Int32, pa.Check.in_range(2000, 2100)),
            "file_sha256": pa.Column(pl.String, pa.Check.str_matches(r"^[0-9a-f]{64}$")),
            "file_name": pa.Column(pl.String),
            "sheet": pa.Column(pl.String, nullable=True),
            "row_number": pa.Column(pl.Int32, pa.Check.ge(1)),
        },
        unique=["file_sha256", "sheet", "row_number"],
        name="raw.submissions",
    )


def staged_figures(methodology: Methodology, register: ProvinceRegister) -> pa.DataFrameSchema:
    low = _by_indicator({i.code: i.domain[0] for i in methodology.indicators})
    high = _by_indicator({i.code: i.domain[1] for i in methodology.indicators})
    valid_from = _by_indicator({i.code: i.valid_from for i in methodology.indicators})
    valid_to = _by_indicator({i.code: i.valid_to or 9999 for i in methodology.indicators})
    units = _by_indicator({i.code: i.unit for i in methodology.indicators})
    codes = {f"{u.unit_set}:{u.code}" for u in register.units}
    year = pl.col("reporting_year")
    return pa.DataFrameSchema(
        {
            "reporting_year": pa.Column(pl.Int32, pa.Check.in_range(2000, 2100)),
            "unit_set": pa.Column(pl.String, pa.Check.isin(["63", "34"])),
            "province_code": pa.Column(pl.String),
            "province_name": pa.Column(pl.String),
            "indicator_code": pa.Column(
                pl.String,
                pa.Check.isin(
                    [i.code for i in methodology.indicators if i.reported],
                    error="a reported indicator of the catalogue",
                ),
            ),
            "value": pa.Column(pl.Float64),
            "unit": pa.Column(pl.String),
            "is_synthetic": pa.Column(pl.Boolean),
            "file_name": pa.Column(pl.String),
            "row_number": pa.Column(pl.Int32, pa.Check.ge(1)),
            "flags": pa.Column(pl.String, nullable=True),
        },
        unique=["reporting_year", "unit_set", "province_code", "indicator_code"],
        name="staging.figures",
        checks=[
            pa.Check(
                lambda d: d.lazyframe.select(pl.col("value").is_between(low, high)),
                name="value_within_domain",
                error="value within the indicator's domain (percent 0–100, counts ≥ 0, rates in band)",
            ),
            pa.Check(
                lambda d: d.lazyframe.select(pl.col("unit") == units),
                name="unit_is_catalogue_unit",
                error="the catalogue unit of the indicator",
            ),
            pa.Check(
                lambda d: d.lazyframe.select(
                    pl.col("unit_set") == pl.when(year < MERGER_YEAR).then(pl.lit("63")).otherwise(pl.lit("34"))
                ),
                name="unit_set_in_force",
                error="63 former units up to 2024, 34 units from 2025",
            ),
            pa.Check(
                lambda d: d.lazyframe.select(
                    pl.concat_str("unit_set", pl.lit(":"), "province_code").is_in(list(codes))
                ),
                name="province_code_exists",
                error="a province code of its unit set",
            ),
            pa.Check(
                lambda d: d.lazyframe.select(year.is_between(valid_from, valid_to)),
                name="indicator_valid_in_year",
                error="an indicator valid in the reporting year",
            ),
        ],
    )


def rejected_rows(rules: Rules) -> pa.DataFrameSchema:
    return pa.DataFrameSchema(
        {
            "rule": pa.Column(pl.String, pa.Check.isin(sorted(rules.row_rules)), nullable=False),
            "severity": pa.Column(pl.String, pa.Check.isin(["ERROR", "WARN"])),
            "message": pa.Column(pl.String, pa.Check.str_length(min_value=5)),
            "message_vi": pa.Column(pl.String, pa.Check.str_length(min_value=5)),
            "file_name": pa.Column(pl.String),
            "expected": pa.Column(pl.String),
        },
        name="staging.rejected_rows",
    )


def marts(methodology: Methodology) -> dict[str, pa.DataFrameSchema]:
    bounded = all(methodology.normalisation_of(i) != "zscore" for i in methodology.leaves)
    score = pa.Column(pl.Float64, [pa.Check.in_range(0, 1)] if bounded else [], nullable=True)
    key = ["series", "reporting_year", "province_code"]
    return {
        "indicator_scores": pa.DataFrameSchema(
            {
                "score": pa.Column(
                    pl.Float64,
                    nullable=True,
                    checks=pa.Check(
                        lambda d: d.lazyframe.select(
                            pl.col("score").is_between(0, 1) | (pl.col("normalisation") == "zscore")
                        ),
                        name="score_within_0_1",
                        error="a score from 0 to 1 (z-scores excepted)",
                    ),
                ),
                "normalisation": pa.Column(pl.String, pa.Check.isin(["goalposts", "minmax", "zscore", "rank"])),
            },
            unique=[*key, "indicator_code"],
            name="marts.indicator_scores",
        ),
        "pillar_scores": pa.DataFrameSchema(
            {"score": score, "pillar": pa.Column(pl.String, pa.Check.isin([p.code for p in methodology.pillars]))},
            unique=[*key, "pillar"],
            name="marts.pillar_scores",
        ),
        "index_scores": pa.DataFrameSchema(
            {"score": score, "coverage": pa.Column(pl.Float64, pa.Check.in_range(0, 1))},
            unique=key,
            name="marts.index_scores",
        ),
        "province_rankings": pa.DataFrameSchema(
            {
                "rank": pa.Column(pl.Int64, pa.Check.ge(1)),
                "units_ranked": pa.Column(pl.Int64, pa.Check.ge(1)),
            },
            unique=[*key, "ranking"],
            name="marts.province_rankings",
            checks=[
                pa.Check(
                    lambda d: d.lazyframe.select(pl.col("rank") <= pl.col("units_ranked")),
                    name="rank_within_units_ranked",
                    error="rank ≤ number of units ranked",
                )
            ],
        ),
        "target_gaps": pa.DataFrameSchema(
            {"status": pa.Column(pl.String, pa.Check.isin(STATUSES))},
            unique=["as_of_year", "unit_set", "province_code", "target_id"],
            name="marts.target_gaps",
        ),
    }


def violations(schema: pa.DataFrameSchema, frame: pl.DataFrame) -> pl.DataFrame:
    """The failure cases of `frame` against `schema`: check, column, failing value, row index."""
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases.select("check", "column", pl.col("failure_case").cast(pl.String), "index")
    return pl.DataFrame(schema={"check": pl.String, "column": pl.String, "failure_case": pl.String, "index": pl.Int32})
