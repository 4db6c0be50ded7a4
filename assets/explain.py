"""Why scores and ranks moved: each province's index change, and each pillar's, between consecutive years
split exactly into the part of each indicator (sources/index/explain.py), computed from the index marts."""

import dagster as dg

from assets.marts import index_marts
from assets.metadata import column_schema, description, markdown_table
from assets.resources import WarehouseResource
from sources.index.explain import build_pillar_change_attribution, build_score_change_attribution
from sources.warehouse.tables import query_frame, scalar

EXPLAINED_FROM = [k for k in index_marts.keys if k.path[-1] in ("indicator_contributions", "province_rankings")]


@dg.asset(
    key=["marts", "score_change_attribution"],
    group_name="marts",
    description=description("marts.score_change_attribution"),
    deps=EXPLAINED_FROM,
    kinds={"duckdb", "polars"},
)
def score_change_attribution(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Why a province's score and rank moved from one year to the next: its index change split into what
    each indicator's own change, the change of its weight or coverage and a change of methodology brought
    (the parts add up to the change), and the provinces it overtook and that overtook it. The answer to
    "why did our rank move?" without a hand-written query."""
    with warehouse.get_connection() as con:
        rows = build_score_change_attribution(con)
        latest = scalar(con, "SELECT max(to_year) FROM marts.score_change_attribution")
        movers = query_frame(
            con,
            """
            SELECT DISTINCT province_name AS "tỉnh/thành phố", rank_from AS "hạng trước", rank_to AS "hạng sau",
                   round(index_change, 4) AS "thay đổi điểm", overtook AS "đã vượt qua"
            FROM marts.score_change_attribution
            WHERE to_year = ? AND series = 'restated_34' AND rank_to < rank_from
            ORDER BY rank_from - rank_to DESC, "tỉnh/thành phố" LIMIT 10""",
            [latest],
        )
        pairs = dict(
            con.execute("""
            SELECT series || ' ' || from_year || '→' || to_year, count(DISTINCT province_code)
            FROM marts.score_change_attribution GROUP BY 1 ORDER BY 1""").fetchall()
        )
        largest_gap = scalar(
            con,
            """
            SELECT max(abs(index_change - explained)) FROM (
                SELECT any_value(index_change) AS index_change,
                       sum(value_part + weight_part + methodology_part) + any_value(non_additive_part) AS explained
                FROM marts.score_change_attribution GROUP BY series, from_year, to_year, province_code)""",
        )
        columns = column_schema(con, "marts.score_change_attribution")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": columns,
            "provinces_by_pair": pairs,
            "largest_sum_error": float(largest_gap or 0.0),
            f"risers_{latest}": markdown_table(movers),
        }
    )


@dg.asset(
    key=["marts", "pillar_change_attribution"],
    group_name="marts",
    description=description("marts.pillar_change_attribution"),
    deps=EXPLAINED_FROM,
    kinds={"duckdb", "polars"},
)
def pillar_change_attribution(warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Why a province's pillar scores moved: each pillar's change from one year to the next split into what
    each of its indicators brought (the parts add up to the pillar's change), and who overtook whom on the
    pillar. Where the index attribution says "digital government", this says which of its indicators."""
    with warehouse.get_connection() as con:
        rows = build_pillar_change_attribution(con)
        largest_gap = scalar(
            con,
            """
            SELECT max(abs(pillar_change - explained)) FROM (
                SELECT any_value(pillar_change) AS pillar_change,
                       sum(value_part + weight_part + methodology_part) + any_value(non_additive_part) AS explained
                FROM marts.pillar_change_attribution
                GROUP BY series, from_year, to_year, pillar_code, province_code)""",
        )
        columns = column_schema(con, "marts.pillar_change_attribution")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": columns,
            "largest_sum_error": float(largest_gap or 0.0),
        }
    )
