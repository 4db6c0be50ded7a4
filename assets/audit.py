"""The audit of the index, as the European Commission's Joint Research Centre audits a composite index
before it is published (sources/index/audit.py): is each pillar statistically coherent, do the weights do
what they say, do outliers drive scores, which methodological choice moves which rank."""

import dagster as dg

from assets.marts import index_marts
from assets.metadata import column_schema, description, markdown_table
from assets.resources import DataHomeResource, WarehouseResource
from sources.index.audit import AUDIT_TABLES, audit_report, build_audit
from sources.warehouse.tables import scalar

# The audit's tables in the order of the blocks of audit_report (the last block, per province, also reads audit_sobol).
REPORT_ORDER = (
    "audit_reliability",
    "audit_coherence",
    "audit_flagged_pairs",
    "audit_effective_weights",
    "audit_outliers",
    "audit_sobol",
)

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
        # Each table's summary in the panel is its block of the audit as people read it (the same as the
        # workbook's sheet and the report), for the latest year.
        blocks = dict(zip(REPORT_ORDER, audit_report(con, latest)))
        tables = {table: (*blocks[table], column_schema(con, f"marts.{table}")) for table in AUDIT_TABLES}
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
