"""The `staging` layer: typed figures mapped to province and indicator codes, and every row that could
not be, with the reason."""

import dagster as dg
import polars as pl

from assets.metadata import column_schema, description, markdown_table
from assets.partitions import reporting_years
from assets.raw import submissions
from assets.resources import DataHomeResource, WarehouseResource
from expectations.plausibility import figure_flags as flag_figures
from sources.intake.inbox import mark_staged
from sources.intake.rules import default_rules
from sources.intake.staging import file_rejects, stage
from sources.reference.provinces import unit_set_for
from sources.warehouse.tables import query_frame, replace_partition, replace_table

# Rows are mapped against the province register and the indicator catalogue.
MAPPED_AGAINST = [dg.AssetKey(["reference", t]) for t in ("provinces", "province_names", "indicators")]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["staging", "figures"],
            group_name="staging",
            description=description("staging.figures"),
            deps=[submissions, *MAPPED_AGAINST],
            kinds={"duckdb", "polars"},
        ),
        dg.AssetSpec(
            ["staging", "rejected_rows"],
            group_name="staging",
            description=description("staging.rejected_rows"),
            deps=[submissions, *MAPPED_AGAINST],
            kinds={"duckdb", "polars"},
        ),
    ],
    partitions_def=reporting_years,
)
def staged_figures(context: dg.AssetExecutionContext, data_home: DataHomeResource, warehouse: WarehouseResource):
    by_year = {}
    with warehouse.get_connection() as con:
        inventory = query_frame(con, "SELECT * FROM raw.submission_files")
        declared = dict(zip(inventory["file_sha256"], inventory["declared_province"], strict=True))
        for key in context.partition_keys:
            year = int(key)
            raw = query_frame(con, "SELECT * FROM raw.submissions WHERE reporting_year = ?", [year])
            result = stage(raw, year, data_home.methodology, data_home.register, declared=declared)
            rejects = pl.concat([file_rejects(inventory, year), file_rejects(inventory, None), result.rejects])
            replace_partition(con, "staging", "figures", result.figures, year)
            replace_partition(con, "staging", "rejected_rows", rejects, year, with_unassigned=True)
            expected_units = len(data_home.register.in_set(unit_set_for(year)))
            provinces = result.figures["province_code"].n_unique()
            if provinces < expected_units:
                context.log.warning(f"{year}: figures for {provinces} of {expected_units} units")
            by_year[key] = (result, rejects, provinces, expected_units)
        columns = {table: column_schema(con, f"staging.{table}") for table in ("figures", "rejected_rows")}
    staged_files = inventory.filter(
        pl.col("reporting_year").is_in([int(k) for k in context.partition_keys]) | pl.col("reporting_year").is_null()
    )
    mark_staged(data_home.home, staged_files["file_sha256"].drop_nulls().to_list(), context.run.run_id)
    figures = pl.concat([result.figures for result, *_ in by_year.values()])
    rejects = pl.concat([rejects for _, rejects, *_ in by_year.values()])
    yield dg.MaterializeResult(
        asset_key=["staging", "figures"],
        metadata={
            "dagster/row_count": figures.height,
            "dagster/column_schema": columns["figures"],
            "figures_by_year": {key: result.figures.height for key, (result, *_) in by_year.items()},
            "provinces_by_year": {key: provinces for key, (_, _, provinces, _) in by_year.items()},
            "provinces_expected_by_year": {key: expected for key, (*_, expected) in by_year.items()},
            "indicators": figures["indicator_code"].n_unique(),
            "not_reported": sum(result.not_reported for result, *_ in by_year.values()),
            "synthetic_rows": int(figures["is_synthetic"].sum()),
        },
    )
    yield dg.MaterializeResult(
        asset_key=["staging", "rejected_rows"],
        metadata={
            "dagster/row_count": rejects.height,
            "dagster/column_schema": columns["rejected_rows"],
            "rejected_by_year": {key: r.height for key, (_, r, *_) in by_year.items()},
            "by_rule": {rule: n for rule, n in rejects.group_by("rule").len().sort("rule").iter_rows()},
            "sample": markdown_table(
                rejects.select(
                    "file_name", "row_number", "column_name", "value", "rule", "severity", "message_vi", "message"
                )
            ),
        },
    )


@dg.asset(
    key=["staging", "figure_flags"],
    group_name="staging",
    deps=[*staged_figures.keys, dg.AssetKey(["reference", "indicators"])],
    description=description("staging.figure_flags"),
    kinds={"duckdb", "polars"},
)
def figure_flags(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Flags the figures that count but deserve a second look, across every staged year."""
    with warehouse.get_connection() as con:
        figures = query_frame(con, "SELECT * FROM staging.figures")
        rejects = query_frame(con, "SELECT * FROM staging.rejected_rows")
        flags = flag_figures(figures, rejects, default_rules(), data_home.methodology.counts, data_home.methodology)
        replace_table(con, "staging", "figure_flags", flags)
        columns = column_schema(con, "staging.figure_flags")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": flags.height,
            "dagster/column_schema": columns,
            "by_rule": {rule: n for rule, n in flags.group_by("rule").len().sort("rule").iter_rows()},
            "sample": markdown_table(
                flags.select("reporting_year", "province_name", "indicator_code", "rule", "message")
            ),
        }
    )
