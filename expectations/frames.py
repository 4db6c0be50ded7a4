"""The frames the Great Expectations suites validate, built from warehouse tables with polars (each
row one province, indicator or ranking, so a failure names what failed)."""

from __future__ import annotations

import polars as pl

from expectations.plausibility import changes
from sources.index.methodology import Methodology
from sources.intake.rules import Rules
from sources.reference.provinces import ProvinceRegister, unit_set_for


def _expected(methodology: Methodology, years: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        [{"reporting_year": y, "indicator_code": i.code} for y in years for i in methodology.reported_in(y)],
        schema={"reporting_year": pl.Int32, "indicator_code": pl.String},
    )


def province_coverage(figures: pl.DataFrame, methodology: Methodology, register: ProvinceRegister) -> pl.DataFrame:
    """One row per province in force and year: share of the year's indicators it reported."""
    years = sorted(figures["reporting_year"].unique().to_list())
    expected = _expected(methodology, years).group_by("reporting_year").len("indicators_valid")
    units = pl.DataFrame(
        [
            {"reporting_year": y, "unit_set": u.unit_set, "province_code": u.code, "province_name": u.name}
            for y in years
            for u in register.in_set(unit_set_for(y))
        ],
        schema={
            "reporting_year": pl.Int32,
            "unit_set": pl.String,
            "province_code": pl.String,
            "province_name": pl.String,
        },
    )
    reported = figures.group_by("reporting_year", "unit_set", "province_code").agg(
        pl.col("indicator_code").n_unique().alias("indicators_reported")
    )
    return (
        units.join(reported, on=["reporting_year", "unit_set", "province_code"], how="left")
        .join(expected, on="reporting_year")
        .with_columns(pl.col("indicators_reported").fill_null(0))
        .with_columns((pl.col("indicators_reported") / pl.col("indicators_valid")).alias("share_reported"))
        .sort("reporting_year", "province_code")
    )


def indicator_coverage(figures: pl.DataFrame, methodology: Methodology, register: ProvinceRegister) -> pl.DataFrame:
    """One row per indicator valid and year: share of the provinces in force that reported it."""
    years = sorted(figures["reporting_year"].unique().to_list())
    units = pl.DataFrame(
        {"reporting_year": years, "provinces": [len(register.in_set(unit_set_for(y))) for y in years]},
        schema={"reporting_year": pl.Int32, "provinces": pl.Int64},
    )
    reporting = figures.group_by("reporting_year", "indicator_code").agg(
        pl.col("province_code").n_unique().alias("provinces_reporting")
    )
    return (
        _expected(methodology, years)
        .join(reporting, on=["reporting_year", "indicator_code"], how="left")
        .join(units, on="reporting_year")
        .with_columns(pl.col("provinces_reporting").fill_null(0))
        .with_columns((pl.col("provinces_reporting") / pl.col("provinces")).alias("share_reporting"))
        .sort("reporting_year", "indicator_code")
    )


def plausibility(figures: pl.DataFrame, rules: Rules, counts: set[str]) -> pl.DataFrame:
    """One row per figure with a previous-year value: the change, its robust z-score among provinces and
    its ratio to the province's largest earlier change."""
    limits = rules.plausibility
    large = pl.col("change").abs() > limits.min_change
    return (
        changes(figures, counts)
        .filter(pl.col("change").is_not_null())
        .with_columns(
            large.alias("large_change"),
            pl.when(large).then(pl.col("change_z")).alias("change_z"),
            pl.when(large & (pl.col("own_changes") >= 2))
            .then(pl.col("change").abs() / pl.col("own_largest_change").clip(lower_bound=1e-9))
            .alias("own_change_ratio"),
        )
        .select(
            "reporting_year",
            "unit_set",
            "province_code",
            "province_name",
            "indicator_code",
            "previous_value",
            "value",
            "change",
            "change_z",
            "own_change_ratio",
            "large_change",
        )
    )


def submissions(figures: pl.DataFrame, rejects: pl.DataFrame) -> pl.DataFrame:
    """One row per province, year and indicator that counts: how many files the province sent for the
    year and how many values of the indicator count."""
    superseded = rejects.filter(pl.col("rule") == "superseded_by_later_file").select(
        "reporting_year", pl.col("province_raw").alias("province_name"), "file_sha256"
    )
    files = (
        pl.concat([figures.select("reporting_year", "province_name", "file_sha256"), superseded])
        .group_by("reporting_year", "province_name")
        .agg(pl.col("file_sha256").n_unique().alias("files_received"))
    )
    counted = figures.group_by("reporting_year", "unit_set", "province_code", "province_name", "indicator_code").len(
        "figures_per_indicator"
    )
    return counted.join(files, on=["reporting_year", "province_name"], how="left").sort(
        "reporting_year", "province_code", "indicator_code"
    )


def rankings(
    index_scores: pl.DataFrame,
    pillar_scores: pl.DataFrame,
    province_rankings: pl.DataFrame,
    methodology: Methodology,
    decimals: int,
) -> pl.DataFrame:
    """Every scored province per series, year and ranking, with its rank, the rank a standard competition
    ranking gives its rounded score, and its score where scores are bounded to 0-1 (no z-scores)."""
    bounded = all(methodology.normalisation_of(i) != "zscore" for i in methodology.leaves)
    scores = pl.concat(
        [
            index_scores.select(
                "series",
                "reporting_year",
                "province_code",
                "province_name",
                pl.lit("index").alias("ranking"),
                "score",
                "scored",
            ),
            pillar_scores.select(
                "series",
                "reporting_year",
                "province_code",
                "province_name",
                pl.col("pillar").alias("ranking"),
                "score",
                "scored",
            ),
        ]
    )
    ranks = province_rankings.select("series", "reporting_year", "province_code", "ranking", "rank")
    key = ["series", "reporting_year", "ranking"]
    return (
        scores.join(ranks, on=["series", "reporting_year", "province_code", "ranking"], how="left", nulls_equal=True)
        .filter(pl.col("scored"))
        .with_columns(
            pl.col("score").round(decimals).alias("rounded"),
            (pl.col("score") if bounded else pl.lit(None, pl.Float64)).alias("bounded_score"),
        )
        .with_columns(
            pl.col("rounded").rank(method="min", descending=True).over(key).cast(pl.Int64).alias("competition_rank")
        )
        .sort(*key, "province_code")
    )
