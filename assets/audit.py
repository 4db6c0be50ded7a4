"""The audit of the index, as the European Commission's Joint Research Centre audits a composite index
before it is published (sources/index/audit.py): is each pillar statistically coherent, do the weights do
what they say, do outliers drive scores, which methodological choice moves which rank."""

import dagster as dg

from assets.marts import index_marts
from assets.metadata import column_schema, description, markdown_table
from assets.resources import DataHomeResource, WarehouseResource
from sources.index.audit import AUDIT_TABLES, build_audit
from sources.warehouse.tables import query_frame, scalar

AUDITED_FROM = [
    k
    for k in index_marts.keys
    if k.path[-1] in ("indicator_values", "indicator_scores", "pillar_scores", "index_scores", "framework_weights")
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["marts", table],
            group_name="marts",
            description=description(f"marts.{table}"),
            deps=AUDITED_FROM,
            kinds={"duckdb", "numpy"},
        )
        for table in AUDIT_TABLES
    ],
)
def index_audit(data_home: DataHomeResource, warehouse: WarehouseResource):
    """The audit a ministry can show before a ranking is argued about: per reporting year the correlations
    of indicators, pillars and index with the collinear and negative ones flagged, Cronbach's alpha and the
    first principal component of each pillar, the weights the data actually give beside the nominal ones,
    the outliers and what treating them would do, and the Sobol indices of each province's rank for each
    contestable choice of the methodology."""
    methodology = data_home.methodology
    with warehouse.get_connection() as con:
        counts = build_audit(con, methodology)
        latest = scalar(con, "SELECT max(reporting_year) FROM marts.audit_reliability")
        summaries = {
            "audit_coherence": (
                "phân bố tương quan | correlations",
                """
                SELECT level AS "cặp", count(*) AS "số cặp", round(min(pearson), 3) AS "r nhỏ nhất",
                       round(median(pearson), 3) AS "r trung vị" FROM marts.audit_coherence
                WHERE reporting_year = ? GROUP BY 1 ORDER BY 1""",
            ),
            "audit_flagged_pairs": (
                "cặp bị cảnh báo | flagged pairs",
                """
                SELECT flag AS "cảnh báo", variable AS "biến", against AS "so với", round(pearson, 3) AS "r"
                FROM marts.audit_flagged_pairs WHERE reporting_year = ? ORDER BY pearson DESC""",
            ),
            "audit_reliability": (
                "độ tin cậy | reliability",
                """
                SELECT node AS "nút", round(cronbach_alpha, 3) AS "alpha", round(pca_first_share, 3) AS "PC1",
                       pca_eigenvalues_above_1 AS "λ > 1" FROM marts.audit_reliability WHERE reporting_year = ?""",
            ),
            "audit_effective_weights": (
                "trọng số | weights",
                """
                SELECT node AS "nút", child AS "thành phần", round(nominal_weight, 3) AS "danh nghĩa",
                       round(effective_weight, 3) AS "hiệu dụng" FROM marts.audit_effective_weights
                WHERE reporting_year = ? ORDER BY abs(effective_weight - nominal_weight) DESC""",
            ),
            "audit_outliers": (
                "ngoại lai | outliers",
                """
                SELECT indicator_code AS "chỉ tiêu", round(skewness, 2) AS "độ lệch", round(kurtosis, 2) AS "độ nhọn",
                       treatment AS "xử lý", treated_units AS "đơn vị" FROM marts.audit_outliers
                WHERE reporting_year = ? AND (outlier OR treatment IS NOT NULL)""",
            ),
            "audit_sobol": (
                "độ nhạy Sobol | Sobol indices",
                """
                SELECT choice AS "lựa chọn", round(first_order, 3) AS "bậc một", round(total_order, 3) AS "toàn phần",
                       round(total_order_low, 3) || '–' || round(total_order_high, 3) AS "khoảng (toàn phần)"
                FROM marts.audit_sobol WHERE reporting_year = ? AND output = 'mean_abs_rank_shift'""",
            ),
        }
        tables = {
            table: (label, query_frame(con, sql, [latest]), column_schema(con, f"marts.{table}"))
            for table, (label, sql) in summaries.items()
        }
    for table, (label, frame, schema) in tables.items():
        yield dg.MaterializeResult(
            asset_key=["marts", table],
            metadata={
                "dagster/row_count": counts[table],
                "dagster/column_schema": schema,
                f"{label} {latest}": markdown_table(frame),
                "methodology_version": methodology.version,
            },
        )
