"""The `raw` layer: what provinces sent, exactly as received."""


import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.metadata import markdown_table
from pipelines.partitions import reporting_years
from pipelines.resources import WAREHOUSE_POOL, DataHomeResource
from sources.inbox import inventory_frame, receive
from sources.staging import raw_frame
from sources.warehouse import query_frame, replace_partition, replace_table

SUBMISSION_FILES_DOC = (
    "Every distinct file received in the inbox, archived unchanged under its SHA-256 (the same bytes under "
    "two names are one file). Records its reporting year, whether it could be read and, if not, why, "
    "with the row and column. Re-ingesting a file changes nothing."
)
SUBMISSIONS_DOC = (
    "The rows of each readable submission file of a reporting year, as received: text as written (or the "
    "cell's own number in Excel), with file, sheet, row number and the column each field came from."
)


@dg.asset(key=["raw", "submission_files"], group_name="raw", description=SUBMISSION_FILES_DOC,
          pool=WAREHOUSE_POOL, kinds={"duckdb", "polars"})
def submission_files(context: dg.AssetExecutionContext, data_home: DataHomeResource,
                     warehouse: DuckDBResource) -> dg.MaterializeResult:
    home = data_home.home
    files = receive(home.inbox, home.archive)
    context.log.info(f"{len(files)} distinct file(s) in {home.inbox}, archived under {home.archive}")
    inventory = inventory_frame(files, home.root)
    with warehouse.get_connection() as con:
        replace_table(con, "raw", "submission_files", inventory, SUBMISSION_FILES_DOC)
    rejected = inventory.filter(pl.col("status") == "rejected")
    for row in rejected.iter_rows(named=True):
        where = "".join(f", {label} {row[key]}" for label, key in (("row", "problem_row"), ("column", "problem_column")) if row[key] is not None)
        context.log.warning(f"{row['file_name']}{where}: {row['problem_message']}")
    by_year = inventory.group_by("reporting_year").len().sort("reporting_year")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": inventory.height,
        "files_rejected": rejected.height,
        "files_by_year": {str(y): n for y, n in by_year.iter_rows()},
        "rejected_files": markdown_table(rejected.select("file_name", "problem_row", "problem_column", "problem_message")),
        "inbox": dg.MetadataValue.path(str(home.inbox)),
    })


@dg.asset(key=["raw", "submissions"], group_name="raw", description=SUBMISSIONS_DOC, partitions_def=reporting_years,
          deps=[submission_files], pool=WAREHOUSE_POOL, kinds={"duckdb", "polars"})
def submissions(context: dg.AssetExecutionContext, data_home: DataHomeResource,
                warehouse: DuckDBResource) -> dg.MaterializeResult:
    year = int(context.partition_key)
    home = data_home.home
    with warehouse.get_connection() as con:
        inventory = query_frame(con, "SELECT * FROM raw.submission_files")
        frame = raw_frame(inventory, year, home.root)
        replace_partition(con, "raw", "submissions", frame, year, SUBMISSIONS_DOC)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": frame.height,
        "files": frame["file_sha256"].n_unique(),
    })
