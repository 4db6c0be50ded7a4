"""The `exports` layer: what leaves the pipeline for people. The publication sits downstream of every mart,
so a failing blocking check (ERROR) upstream skips it and the published copy, the releases and the `latest`
pointer stay exactly as they were. The analysts' copy and the release are one step: they move together."""

import dagster as dg
import polars as pl

from assets.audit import index_audit
from assets.explain import pillar_change_attribution, score_change_attribution
from assets.marts import index_marts, rank_uncertainty, target_gaps
from assets.metadata import description, markdown_table
from assets.plan import province_strengths, target_paths
from assets.resources import DataHomeResource, WarehouseResource
from sources.intake.inbox import withdrawn_files
from sources.release.publish import publish
from sources.release.report import render_report

# Everything the copy and the release carry: they wait for all of it, so a run never publishes half.
PUBLISHED_FROM = [
    *index_marts.keys,
    target_gaps.key,
    rank_uncertainty.key,
    *index_audit.keys,
    score_change_attribution.key,
    pillar_change_attribution.key,
    target_paths.key,
    province_strengths.key,
]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["exports", "published_warehouse"],
            group_name="exports",
            description=description("exports.published_warehouse"),
            kinds={"duckdb"},
            deps=PUBLISHED_FROM,
        ),
        dg.AssetSpec(
            ["exports", "release"],
            group_name="exports",
            description=description("exports.release"),
            kinds={"parquet", "csv", "excel", "html"},
            deps=PUBLISHED_FROM,
        ),
    ],
)
def publication(context: dg.AssetExecutionContext, data_home: DataHomeResource, warehouse: WarehouseResource):
    """Publish the analysts' copy and a release together, or neither when nothing changed since `latest`."""
    home = data_home.home
    note = context.run.tags.get("dti/note")
    notes = {"note": note} if note else {}
    if withdrawn := withdrawn_files(home):
        notes["withdrawn"] = withdrawn
    with warehouse.get_connection() as con:
        done = publish(con, home, context.run.run_id, data_home.methodology, render_report, notes)
    manifest = done.release.manifest
    common = {"changed": done.changed, "release_id": done.release.id, "fingerprint": done.fingerprint}
    if not done.changed:
        context.log.info(
            f"không có gì thay đổi | unchanged: the latest release {done.release.id} already holds this content"
        )
    yield dg.MaterializeResult(
        asset_key=["exports", "published_warehouse"],
        metadata={
            **common,
            "path": dg.MetadataValue.path(str(home.published)),
            **(
                {
                    "tables": markdown_table(
                        pl.DataFrame({"table": list(done.counts), "rows": list(done.counts.values())}), limit=50
                    ),
                    "dagster/row_count": done.counts["marts.province_rankings"],
                }
                if done.changed
                else {}
            ),
        },
    )
    latest_year = max(manifest["reporting_years"])
    top = (
        done.release.table("ranking", latest_year)
        .select(
            pl.col("rank").alias("hạng"),
            pl.col("province_name").alias("tỉnh/thành phố"),
            pl.col("score").round(4).alias("điểm"),
        )
        .head(10)
    )
    yield dg.MaterializeResult(
        asset_key=["exports", "release"],
        metadata={
            **common,
            "path": dg.MetadataValue.path(str(done.release.folder)),
            "files": dg.MetadataValue.md(
                "\n".join(f"- `{done.release.folder / f['name']}`" for f in manifest["files"])
            ),
            "rows": {f"{f['table']} {f['year']}": f["rows"] for f in manifest["files"] if f["format"] == "parquet"},
            f"top_10_{latest_year}": markdown_table(top),
            "synthetic": manifest["synthetic"],
            "methodology_version": manifest["methodology_version"],
        },
    )
