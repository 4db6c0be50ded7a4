"""The `raw` layer: what provinces sent, exactly as received."""

import dagster as dg
import polars as pl

from assets.metadata import column_schema, description, markdown_table
from assets.partitions import reporting_years
from assets.resources import DataHomeResource, WarehouseResource
from sources.intake.inbox import inventory_frame, receive
from sources.intake.staging import raw_frame
from sources.warehouse.tables import query_frame, replace_partition, replace_table


@dg.asset(
    key=["raw", "submission_files"],
    group_name="raw",
    description=description("raw.submission_files"),
    kinds={"duckdb", "polars"},
)
def submission_files(
    context: dg.AssetExecutionContext, data_home: DataHomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    home = data_home.home
    intake = receive(home)
    years = [int(key) for key in reporting_years.get_partition_keys()]
    inventory = inventory_frame(intake, home.root, min(years), max(years))
    context.log.info(f"{len(intake.files)} distinct file(s) received in {home.inbox}, archived under {home.archive}")
    for name in intake.pending:
        context.log.warning(f"{name}: tệp đang được ghi, sẽ đọc ở lượt sau | still being written; read by a later run")
    with warehouse.get_connection() as con:
        replace_table(con, "raw", "submission_files", inventory)
        columns = column_schema(con, "raw.submission_files")
    rejected = inventory.filter(pl.col("status") == "rejected")
    arrived = {f.sha256 for f in intake.files if f.new}
    # Each problem is said once, when its file arrives (or on every run for refused links and special files).
    for row in rejected.filter(pl.col("file_sha256").is_in(arrived) | pl.col("file_sha256").is_null()).iter_rows(
        named=True
    ):
        where = "".join(
            f", {label} {row[key]}"
            for label, key in (("row", "problem_row"), ("column", "problem_column"))
            if row[key] is not None
        )
        context.log.warning(f"{row['file_name']}{where}: {row['problem_message']}")
    by_year = inventory.group_by("reporting_year").len().sort("reporting_year")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": inventory.height,
            "dagster/column_schema": columns,
            "files_rejected": rejected.height,
            "files_new": len(arrived),
            "files_withdrawn": inventory.filter(pl.col("status") == "withdrawn").height,
            "files_pending": len(intake.pending),
            "files_by_year": {str(y): n for y, n in by_year.iter_rows()},
            "rejected_files": markdown_table(
                rejected.select("file_name", "problem_row", "problem_column", "problem_message")
            ),
            "inbox": dg.MetadataValue.path(str(home.inbox)),
        }
    )


@dg.asset(
    key=["raw", "submissions"],
    group_name="raw",
    description=description("raw.submissions"),
    partitions_def=reporting_years,
    deps=[submission_files],
    kinds={"duckdb", "polars"},
)
def submissions(
    context: dg.AssetExecutionContext, data_home: DataHomeResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    home = data_home.home
    rows, files = {}, {}
    with warehouse.get_connection() as con:
        inventory = query_frame(con, "SELECT * FROM raw.submission_files")
        for key in context.partition_keys:
            frame = raw_frame(inventory, int(key), home.root)
            replace_partition(con, "raw", "submissions", frame, int(key))
            rows[key], files[key] = frame.height, frame["file_sha256"].n_unique()
        columns = column_schema(con, "raw.submissions")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": sum(rows.values()),
            "dagster/column_schema": columns,
            "rows_by_year": rows,
            "files_by_year": files,
        }
    )
