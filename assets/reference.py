"""The `reference` layer: provinces, names, crosswalk, population, catalogue, targets and sources.
One asset per table; the tables and their meaning are defined in sources/reference/tables.py."""

import dagster as dg

from assets.metadata import column_schema, description, markdown_table
from assets.resources import DataHomeResource, WarehouseResource
from sources.reference.tables import REFERENCE_TABLES
from sources.warehouse.tables import replace_table


def _reference_asset(table: str) -> dg.AssetsDefinition:
    build = REFERENCE_TABLES[table]

    @dg.asset(
        key=["reference", table],
        group_name="reference",
        description=description(f"reference.{table}"),
        kinds={"duckdb", "polars"},
    )
    def _asset(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
        frame = build(data_home.register, data_home.methodology)
        with warehouse.get_connection() as con:
            replace_table(con, "reference", table, frame)
            columns = column_schema(con, f"reference.{table}")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": frame.height,
                "dagster/column_schema": columns,
                "methodology_version": data_home.methodology.version,
                "preview": markdown_table(frame, limit=5),
            }
        )

    return _asset


reference_assets = [_reference_asset(table) for table in REFERENCE_TABLES]
