"""A province's strengths and weaknesses, and the trend of its pillars.

Per series, province and year, from the index marts:
- an indicator is a *strength* when the province ranks much better on it than on the index, a *weakness*
  when much worse: |indicator rank − index rank| ≥ a third of the units ranked that year (`FAR_SHARE`).
  The indicator rank is the competition rank of its normalised score among the provinces scored on it
  that year (scores rounded as the index ranking rounds them; a tie shares the rank);
- each pillar's compound annual growth (the Open SDG measure's, sql/warehouse/00_progress.sql) from the
  first year the province's pillar is scored in the series to this year, with its rank beside the index
  rank (a pillar is also a strength or weakness by the same rule).

marts.province_strengths holds one row per pillar and per indicator that is a strength or a weakness."""

from __future__ import annotations

import duckdb
import polars as pl

from sources.index.methodology import Methodology
from sources.index.progress import load_macros
from sources.warehouse.tables import comment_table, query_frame, replace_table, transaction

FAR_SHARE = 1 / 3


def province_strengths(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> pl.DataFrame:
    """The rows of marts.province_strengths (see the module) from the index marts on `con`."""
    decimals = methodology.score_decimals
    load_macros(con)
    table = query_frame(
        con,
        f"""
        WITH indicators AS (
            SELECT series, unit_set, reporting_year, province_code, 'indicator' AS component_type,
                   indicator_code AS component_code, score,
                   rank() OVER (PARTITION BY series, unit_set, reporting_year, indicator_code
                                ORDER BY round(score, {decimals}) DESC) AS component_rank
            FROM marts.indicator_contributions WHERE score IS NOT NULL
        ),
        pillars AS (
            SELECT series, unit_set, reporting_year, province_code, 'pillar' AS component_type,
                   ranking AS component_code, score, rank AS component_rank
            FROM marts.province_rankings WHERE ranking <> 'index' AND rank IS NOT NULL
        ),
        ranked AS (
            SELECT series, unit_set, reporting_year, province_code, province_name, rank AS index_rank,
                   count(*) OVER (PARTITION BY series, unit_set, reporting_year) AS units, is_synthetic
            FROM marts.province_rankings WHERE ranking = 'index' AND rank IS NOT NULL
        )
        SELECT r.series, r.unit_set, r.reporting_year, r.province_code, r.province_name, c.component_type,
               c.component_code, c.score, c.component_rank::INTEGER AS component_rank,
               r.index_rank::INTEGER AS index_rank, r.units::INTEGER AS units,
               (r.index_rank - c.component_rank)::INTEGER AS rank_difference,
               CASE WHEN r.index_rank - c.component_rank >= r.units * {FAR_SHARE} THEN 'strength'
                    WHEN c.component_rank - r.index_rank >= r.units * {FAR_SHARE} THEN 'weakness' END AS assessment,
               -- a pillar's growth from the first year it is ranked beside the index in the series
               CASE WHEN c.component_type = 'pillar' THEN first_value(r.reporting_year) OVER since END
                   AS growth_base_year,
               CASE WHEN c.component_type = 'pillar'
                    THEN open_sdg_growth(first_value(c.score) OVER since, first_value(r.reporting_year) OVER since,
                                         c.score, r.reporting_year) END AS annual_growth,
               r.is_synthetic
        FROM ranked AS r
        JOIN (SELECT * FROM indicators UNION ALL SELECT * FROM pillars) AS c
          USING (series, unit_set, reporting_year, province_code)
        WINDOW since AS (PARTITION BY r.series, r.unit_set, r.province_code, c.component_code
                         ORDER BY r.reporting_year)""",
    )
    return (
        table.filter((pl.col("component_type") == "pillar") | pl.col("assessment").is_not_null())
        .with_columns(pl.lit(methodology.version).alias("methodology_version"))
        .select(
            "series",
            "unit_set",
            "reporting_year",
            "province_code",
            "province_name",
            "component_type",
            "component_code",
            "score",
            "component_rank",
            "index_rank",
            "units",
            "rank_difference",
            "assessment",
            "growth_base_year",
            "annual_growth",
            "is_synthetic",
            "methodology_version",
        )
        .sort("series", "reporting_year", "province_code", "component_type", "component_code")
    )


def build_province_strengths(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> int:
    """marts.province_strengths from the index marts on `con`. Returns the row count."""
    table = province_strengths(con, methodology)
    with transaction(con):
        replace_table(con, "marts", "province_strengths", table)
        comment_table(con, "marts.province_strengths")
    return table.height
