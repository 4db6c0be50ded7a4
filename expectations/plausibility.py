"""Year-over-year plausibility and the other WARN flags a published value carries.

A value is flagged `implausible_change` when its change since the province's previous year is larger
than `min_change` in the indicator's unit and either
  * an outlier against the national spread: among all provinces' changes of the indicator that year its
    robust z-score (distance to the median in units of 1.4826 x MAD) exceeds `max_change_z`, or
  * an outlier against the province's own history: more than `max_own_change_ratio` times the largest
    change the province reported before (with at least two earlier changes).
Flagged values are kept and published with the flag; the severity of the rule (sources/intake/rules.yaml)
decides whether the check also blocks."""

from __future__ import annotations

import polars as pl

from sources.index.methodology import Methodology
from sources.intake.rules import Rules
from sources.intake.staging import indicator_facts

FLAG_SCHEMA = {
    "reporting_year": pl.Int32,
    "unit_set": pl.String,
    "province_code": pl.String,
    "province_name": pl.String,
    "indicator_code": pl.String,
    "value": pl.Float64,
    "previous_value": pl.Float64,
    "change": pl.Float64,
    "change_z": pl.Float64,
    "own_largest_change": pl.Float64,
    "rule": pl.String,
    "severity": pl.String,
    "message": pl.String,
    "message_vi": pl.String,
    "file_name": pl.String,
    "row_number": pl.Int32,
}


def _robust_z(column: str, over: list[str]) -> pl.Expr:
    """Distance to the median in robust standard deviations (1.4826 x MAD; the mean absolute deviation
    when more than half the values are equal; 0 when all are)."""
    centred = pl.col(column) - pl.col(column).median().over(over)
    scale = pl.max_horizontal(centred.abs().median().over(over) * 1.4826, centred.abs().mean().over(over) * 1.2533)
    return pl.when(scale > 0).then(centred / scale).otherwise(0.0)


def changes(figures: pl.DataFrame, counts: set[str]) -> pl.DataFrame:
    """Each figure with its previous-year value (same unit set), its change (for `counts`: in percent of
    the previous value, as counts grow in proportion to their size), the robust z-score of the change
    among all provinces, and the largest change the province reported before."""
    series = ["unit_set", "province_code", "indicator_code"]
    difference = pl.col("value") - pl.col("previous_value")
    return (
        figures.sort("reporting_year")
        .with_columns(
            pl.col("value").shift(1).over(series).alias("previous_value"),
            pl.col("reporting_year").shift(1).over(series).alias("previous_year"),
        )
        .with_columns(
            pl.when(pl.col("previous_year") != pl.col("reporting_year") - 1)
            .then(None)
            .when(pl.col("indicator_code").is_in(list(counts)))
            .then(100 * difference / pl.col("previous_value").abs().clip(lower_bound=1))
            .otherwise(difference)
            .alias("change")
        )
        .with_columns(
            _robust_z("change", ["reporting_year", "indicator_code"]).alias("change_z"),
            pl.col("change").abs().cum_max().shift(1).over(series).alias("own_largest_change"),
            pl.col("change").is_not_null().cum_sum().shift(1).over(series).alias("own_changes"),
        )
    )


def _facts(code: str, methodology: Methodology | None) -> dict[str, object]:
    """The facts about an indicator that a Vietnamese message names (its name, unit and range)."""
    if methodology is None or code not in methodology.by_code:
        return {"indicator": code}
    return indicator_facts(methodology.by_code[code], methodology)


def figure_flags(
    figures: pl.DataFrame,
    rejects: pl.DataFrame,
    rules: Rules,
    counts: set[str],
    methodology: Methodology | None = None,
) -> pl.DataFrame:
    """Every WARN flag on a figure that counts: implausible changes, values kept outside their range,
    figures whose province sent the same indicator again in a later file. `counts`: the indicators
    whose change is measured in percent."""
    limits = rules.plausibility
    scored = changes(figures, counts)
    large = pl.col("change").abs() > limits.min_change
    national = large & (pl.col("change_z").abs() > limits.max_change_z)
    own = (
        large
        & (pl.col("own_changes") >= 2)
        & (pl.col("change").abs() > limits.max_own_change_ratio * pl.col("own_largest_change"))
    )
    implausible = scored.filter((national | own).fill_null(False)).with_columns(
        pl.lit("implausible_change").alias("rule"),
        pl.format(
            "changed from {} to {} since the previous year: {}",
            pl.col("previous_value"),
            pl.col("value"),
            pl.when(national.fill_null(False))
            .then(
                pl.format(
                    "{} robust standard deviations from the other provinces' changes", pl.col("change_z").round(1)
                )
            )
            .otherwise(
                pl.format(
                    "more than {} times the largest earlier change ({})",
                    pl.lit(limits.max_own_change_ratio),
                    pl.col("own_largest_change").round(2),
                )
            ),
        ).alias("message"),
    )
    kept_out_of_range = scored.filter(pl.col("flags").is_not_null()).with_columns(
        pl.lit("out_of_domain").alias("rule"), pl.col("flags").str.replace(r"^out_of_domain: ", "").alias("message")
    )
    resent = (
        rejects.filter(pl.col("rule") == "superseded_by_later_file")
        .select(
            "reporting_year",
            pl.col("indicator_raw").alias("indicator_code"),
            pl.col("province_raw").alias("province_name"),
            pl.col("file_name").alias("earlier_file"),
        )
        .unique(["reporting_year", "indicator_code", "province_name"])
    )
    superseding = scored.join(resent, on=["reporting_year", "indicator_code", "province_name"]).with_columns(
        pl.lit("superseded_by_later_file").alias("rule"),
        pl.format("sent twice: {} (received later) counts over {}", pl.col("file_name"), pl.col("earlier_file")).alias(
            "message"
        ),
    )
    flags = pl.concat(
        [
            f.select(*[c for c in FLAG_SCHEMA if c in f.columns and c not in ("severity", "message_vi")])
            for f in (implausible, kept_out_of_range, superseding)
        ],
        how="diagonal_relaxed",
    )
    return (
        flags.with_columns(
            pl.col("rule").map_elements(rules.severity, return_dtype=pl.String).alias("severity"),
            pl.struct("rule", "value", "row_number", "indicator_code")
            .map_elements(
                lambda f: rules.message_vi(
                    f["rule"], f["value"], "value", f["row_number"], **_facts(f["indicator_code"], methodology)
                ),
                return_dtype=pl.String,
            )
            .alias("message_vi"),
        )
        .select(
            [
                pl.col(c).cast(t) if c in flags.columns or c in ("severity", "message_vi") else pl.lit(None, t).alias(c)
                for c, t in FLAG_SCHEMA.items()
            ]
        )
        .sort("reporting_year", "unit_set", "province_code", "indicator_code", "rule")
    )
