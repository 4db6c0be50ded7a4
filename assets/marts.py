"""The `marts` layer: the index computed in DuckDB by the SQL files of `sql/` from the methodology file,
and every province's gap to its targets."""

import dagster as dg

from assets.metadata import column_schema, description, markdown_table
from assets.resources import DataHomeResource, WarehouseResource
from assets.staging import staged_figures
from sources.index.engine import MART_TABLES, build_marts, build_target_gaps
from sources.index.uncertainty import build_rank_uncertainty
from sources.warehouse.tables import query_frame, scalar

SCORED_FROM = [
    *staged_figures.keys,
    dg.AssetKey(["staging", "figure_flags"]),
    *(dg.AssetKey(["reference", t]) for t in ("provinces", "population", "province_crosswalk")),
]
TARGETS_FROM = [
    dg.AssetKey(["reference", t])
    for t in ("target_registry", "national_targets", "dti_published", "provinces", "vocabularies")
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["marts", table],
            group_name="marts",
            description=description(f"marts.{table}"),
            deps=SCORED_FROM,
            kinds={"duckdb", "sql"},
        )
        for table in MART_TABLES
    ],
)
def index_marts(context: dg.AssetExecutionContext, data_home: DataHomeResource, warehouse: WarehouseResource):
    """Indicator values and scores, pillar and index scores, rankings and contributions, for every
    reporting year in staging, as reported and restated on the 34 current units."""
    methodology = data_home.methodology
    with warehouse.get_connection() as con:
        counts = build_marts(con, methodology)
        latest = scalar(con, "SELECT max(reporting_year) FROM marts.province_rankings WHERE series = 'as_reported'")
        top = query_frame(
            con,
            """
            SELECT rank AS "hạng", province_name AS "tỉnh/thành phố", round(score, 4) AS "điểm", rank_change AS "thay đổi"
            FROM marts.province_rankings
            WHERE series = 'as_reported' AND ranking = 'index' AND reporting_year = ?
            ORDER BY rank, province_name LIMIT 10""",
            [latest],
        )
        ranked = dict(
            con.execute("""
            SELECT reporting_year::VARCHAR, count(*) FROM marts.province_rankings
            WHERE series = 'as_reported' AND ranking = 'index' GROUP BY 1 ORDER BY 1""").fetchall()
        )
        not_scored = query_frame(
            con,
            """
            SELECT reporting_year, province_name, 'index' AS node, not_scored_reason FROM marts.index_scores
            WHERE NOT scored AND series = 'as_reported'
            UNION ALL
            SELECT reporting_year, province_name, pillar, not_scored_reason FROM marts.pillar_scores
            WHERE NOT scored AND series = 'as_reported' ORDER BY 1, 2""",
        )
        columns = {table: column_schema(con, f"marts.{table}") for table in MART_TABLES}
    if not_scored.height:
        context.log.warning(
            f"{not_scored.height} province-year score(s) not computed; see marts.index_scores / pillar_scores"
        )
    for table in MART_TABLES:
        metadata = {
            "dagster/row_count": counts[table],
            "dagster/column_schema": columns[table],
            "methodology_version": methodology.version,
        }
        if table == "province_rankings":
            metadata |= {"units_ranked_by_year": ranked, f"top_10_{latest}": markdown_table(top)}
        if table in ("index_scores", "pillar_scores"):
            metadata["not_scored"] = markdown_table(not_scored)
        yield dg.MaterializeResult(asset_key=["marts", table], metadata=metadata)


@dg.asset(
    key=["marts", "target_gaps"],
    group_name="marts",
    description=description("marts.target_gaps"),
    deps=[dg.AssetKey(["marts", t]) for t in ("indicator_values", "province_rankings", "index_scores")] + TARGETS_FROM,
    kinds={"duckdb", "sql"},
)
def target_gaps(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Each province's gap to its resolution's targets (the national ones where it set none), by horizon,
    with a status a province's leaders can act on."""
    with warehouse.get_connection() as con:
        rows = build_target_gaps(con, data_home.methodology)
        by_status = dict(con.execute("SELECT status, count(*) FROM marts.target_gaps GROUP BY 1 ORDER BY 1").fetchall())
        holders = scalar(con, "SELECT count(DISTINCT (unit_set, province_code)) FROM marts.target_gaps")
        columns = column_schema(con, "marts.target_gaps")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": columns,
            "by_status": by_status,
            "provinces": holders,
            "methodology_version": data_home.methodology.version,
        }
    )


@dg.asset(
    key=["marts", "rank_uncertainty"],
    group_name="marts",
    description=description("marts.rank_uncertainty"),
    deps=[dg.AssetKey(["marts", t]) for t in ("indicator_values", "index_scores", "province_rankings", "audit_sobol")],
    kinds={"duckdb", "numpy"},
)
def rank_uncertainty(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """How sure each province's rank is: the rank interval when the methodology's contestable choices vary,
    who it is statistically tied with, and which choice moves it most (the audit's Sobol indices), so a move
    from 12th to 14th is read for what it is."""
    methodology = data_home.methodology
    with warehouse.get_connection() as con:
        rows = build_rank_uncertainty(con, methodology)
        latest = scalar(con, "SELECT max(reporting_year) FROM marts.rank_uncertainty")
        widest = query_frame(
            con,
            """
            SELECT rank AS "hạng", province_name AS "tỉnh/thành phố", rank_p05 || '–' || rank_p95 AS "khoảng hạng",
                   most_influential_choice AS "lựa chọn ảnh hưởng nhất (Sobol)"
            FROM marts.rank_uncertainty WHERE reporting_year = ? ORDER BY rank NULLS LAST, province_name""",
            [latest],
        )
        median_width = dict(
            con.execute("""
            SELECT reporting_year::VARCHAR, median(interval_width) FROM marts.rank_uncertainty GROUP BY 1 ORDER BY 1""").fetchall()
        )
        columns = column_schema(con, "marts.rank_uncertainty")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "dagster/column_schema": columns,
            "samples": methodology.uncertainty.samples,
            "seed": methodology.uncertainty.seed,
            "median_interval_width_by_year": median_width,
            f"intervals_{latest}": markdown_table(widest),
            "methodology_version": methodology.version,
        }
    )
