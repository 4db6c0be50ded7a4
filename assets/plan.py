"""What provinces need to do: what it takes to reach each rank or score target (sources/index/plan.py),
computed with the index engine from the index marts and the targets, and where each province stands out
(sources/index/profile.py)."""

import dagster as dg

from assets.marts import index_marts, target_gaps
from assets.metadata import column_schema, description, markdown_table
from assets.resources import DataHomeResource, WarehouseResource
from sources.index.plan import build_target_paths
from sources.index.profile import build_province_strengths
from sources.warehouse.tables import query_frame

PLANNED_FROM = [k for k in index_marts.keys if k.path[-1] in ("indicator_values", "index_scores", "province_rankings")]


@dg.asset(
    key=["marts", "target_paths"],
    group_name="marts",
    description=description("marts.target_paths"),
    deps=[*PLANNED_FROM, target_gaps],
    kinds={"duckdb", "polars"},
)
def target_paths(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """What it takes to reach a target: for each province with a rank or score target still ahead ("nhóm
    10 tỉnh dẫn đầu" by 2030), the smallest improvement that reaches it, indicator by indicator in each
    indicator's own unit, if the other provinces stay where they are and if they follow their trends; checked
    by the index engine, with the probability of reaching it under the methodology's uncertainty. The
    answer to "what does it take to reach the top 10 by 2030?"."""
    methodology = data_home.methodology
    with warehouse.get_connection() as con:
        rows = build_target_paths(con, methodology)
        summary = query_frame(
            con,
            """
            SELECT DISTINCT target_id AS "mục tiêu", province_name AS "tỉnh/thành phố", scenario AS "kịch bản",
                   current_rank AS "hạng hiện nay", target_value AS "hạng/điểm mục tiêu",
                   round(gap_points, 4) AS "điểm còn thiếu", planned_rank AS "hạng theo kế hoạch",
                   round(probability_planned, 2) AS "xác suất"
            FROM marts.target_paths ORDER BY 1, 3""",
        )
        columns = column_schema(con, "marts.target_paths")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": columns,
            "targets": markdown_table(summary),
            "methodology_version": methodology.version,
        }
    )


@dg.asset(
    key=["marts", "province_strengths"],
    group_name="marts",
    description=description("marts.province_strengths"),
    deps=[k for k in index_marts.keys if k.path[-1] in ("indicator_contributions", "province_rankings")],
    kinds={"duckdb", "polars"},
)
def province_strengths(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Where each province stands out: the indicators on which it ranks far better (a strength) or far worse
    (a weakness) than on the index, and how fast each of its pillars grows each year. Where to look first
    when a province plans its next steps."""
    methodology = data_home.methodology
    with warehouse.get_connection() as con:
        rows = build_province_strengths(con, methodology)
        counts = dict(
            con.execute("""
            SELECT coalesce(assessment, 'pillar'), count(*) FROM marts.province_strengths GROUP BY 1 ORDER BY 1""").fetchall()
        )
        columns = column_schema(con, "marts.province_strengths")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": columns,
            "rows_by_assessment": counts,
            "methodology_version": methodology.version,
        }
    )
