"""The `exports` layer: what leaves the pipeline for people. Both assets sit downstream of every mart, so
a failing blocking check (ERROR) upstream skips them and the published copy, the releases and the
`latest` pointer stay exactly as they were."""


import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from assets.metadata import markdown_table
from assets.marts import index_marts, rank_uncertainty, target_gaps
from pipelines.resources import WAREHOUSE_POOL, DataHomeResource
from portal.data import table
from portal.report import render_report
from sources.publish import publish_warehouse
from sources.release import write_release


@dg.asset(key=["exports", "published_warehouse"], group_name="exports", kinds={"duckdb"}, pool=WAREHOUSE_POOL,
          deps=[*index_marts.keys, target_gaps.key, rank_uncertainty.key])
def published_warehouse(context: dg.AssetExecutionContext, data_home: DataHomeResource,
                        warehouse: DuckDBResource) -> dg.MaterializeResult:
    """The read-only copy of the reference, staging and marts schemas that analysts query (`dti sql`, any
    DuckDB client) while the pipeline writes the working file; swapped in whole, never half-written."""
    target = data_home.home.published
    with warehouse.get_connection() as con:
        counts = publish_warehouse(con, target, context.run_id, data_home.methodology.version)
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)),
        "tables": markdown_table(pl.DataFrame({"table": list(counts), "rows": list(counts.values())}), limit=50),
        "dagster/row_count": counts["marts.province_rankings"],
    })


@dg.asset(key=["exports", "release"], group_name="exports", kinds={"parquet", "csv", "excel", "html"},
          deps=[published_warehouse])
def release(context: dg.AssetExecutionContext, data_home: DataHomeResource) -> dg.MaterializeResult:
    """An immutable release folder for ministry staff: per reporting year the ranking with pillar scores,
    the target gaps and the indicator values as Parquet, CSV (UTF-8 BOM) and one Excel workbook, a static
    HTML report and a manifest with checksums; `latest` moves to it once it is complete."""
    home = data_home.home
    written = write_release(home.published, home.exports, context.run_id, render_report)
    manifest = written.manifest
    latest_year = max(manifest["reporting_years"])
    top = (table(written, "ranking", latest_year)
           .select(pl.col("rank").alias("hạng"), pl.col("province_name").alias("tỉnh/thành phố"),
                   pl.col("score").round(4).alias("điểm"))
           .head(10))
    return dg.MaterializeResult(metadata={
        "release_id": written.id,
        "path": dg.MetadataValue.path(str(written.folder)),
        "files": dg.MetadataValue.md("\n".join(f"- `{written.folder / f['name']}`" for f in manifest["files"])),
        "rows": {f"{f['table']} {f['year']}": f["rows"] for f in manifest["files"] if f["format"] == "parquet"},
        f"top_10_{latest_year}": markdown_table(top),
        "synthetic": manifest["synthetic"],
        "methodology_version": manifest["methodology_version"],
    })
