"""The `staging` layer: typed figures mapped to province and indicator codes, and every row that could
not be, with the reason."""


import dagster as dg
import polars as pl

from assets.metadata import markdown_table
from assets.raw import submissions
from expectations.plausibility import figure_flags as flag_figures
from sources.intake.rules import default_rules
from assets.partitions import reporting_years
from assets.resources import DataHomeResource, WarehouseResource
from sources.intake.inbox import mark_staged
from sources.reference.provinces import unit_set_for
from sources.intake.staging import file_rejects, stage
from sources.warehouse.tables import query_frame, replace_partition, replace_table

FIGURES_DOC = (
    "One value per province, indicator and reporting year: typed (Vietnamese number formats read), the "
    "province mapped to its code among the units in force that year (63 up to 2024, 34 from 2025), the "
    "indicator to its catalogue code, traced to the file, sheet and row it came from."
)
REJECTED_DOC = (
    "Every row or file of a reporting year that could not become a figure: file, sheet, row, column, the "
    "value found, the rule it broke, what was expected. Files whose year could not be read have no year "
    "and are kept here too. Nothing is dropped silently."
)

FLAGS_DOC = (
    "Warnings on figures that count and are published with the flag next to the value: a year-over-year "
    "change implausible against the national spread or the province's own history, a value kept outside "
    "its range (when that rule is WARN), a figure whose province sent the indicator again in a later file."
)

# Rows are mapped against the province register and the indicator catalogue.
MAPPED_AGAINST = [dg.AssetKey(["reference", t]) for t in ("provinces", "province_names", "indicators")]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(["staging", "figures"], group_name="staging", description=FIGURES_DOC, deps=[submissions, *MAPPED_AGAINST],
                     kinds={"duckdb", "polars"}),
        dg.AssetSpec(["staging", "rejected_rows"], group_name="staging", description=REJECTED_DOC, deps=[submissions, *MAPPED_AGAINST],
                     kinds={"duckdb", "polars"}),
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
            replace_partition(con, "staging", "figures", result.figures, year, FIGURES_DOC)
            replace_partition(con, "staging", "rejected_rows", rejects, year, REJECTED_DOC, with_unassigned=True)
            expected_units = len(data_home.register.in_set(unit_set_for(year)))
            provinces = result.figures["province_code"].n_unique()
            if provinces < expected_units:
                context.log.warning(f"{year}: figures for {provinces} of {expected_units} units")
            by_year[key] = (result, rejects, provinces, expected_units)
    staged_files = inventory.filter(pl.col("reporting_year").is_in([int(k) for k in context.partition_keys])
                                    | pl.col("reporting_year").is_null())
    mark_staged(data_home.home, staged_files["file_sha256"].drop_nulls().to_list(), context.run.run_id)
    figures = pl.concat([result.figures for result, *_ in by_year.values()])
    rejects = pl.concat([rejects for _, rejects, *_ in by_year.values()])
    yield dg.MaterializeResult(asset_key=["staging", "figures"], metadata={
        "dagster/row_count": figures.height,
        "figures_by_year": {key: result.figures.height for key, (result, *_) in by_year.items()},
        "provinces_by_year": {key: provinces for key, (_, _, provinces, _) in by_year.items()},
        "provinces_expected_by_year": {key: expected for key, (*_, expected) in by_year.items()},
        "indicators": figures["indicator_code"].n_unique(),
        "not_reported": sum(result.not_reported for result, *_ in by_year.values()),
        "synthetic_rows": int(figures["is_synthetic"].sum()),
    })
    yield dg.MaterializeResult(asset_key=["staging", "rejected_rows"], metadata={
        "dagster/row_count": rejects.height,
        "rejected_by_year": {key: r.height for key, (_, r, *_) in by_year.items()},
        "by_rule": {rule: n for rule, n in rejects.group_by("rule").len().sort("rule").iter_rows()},
        "sample": markdown_table(rejects.select("file_name", "row_number", "column_name", "value", "rule", "severity", "message_vi", "message")),
    })


@dg.asset(key=["staging", "figure_flags"], group_name="staging", deps=[*staged_figures.keys, dg.AssetKey(["reference", "indicators"])],
          description=FLAGS_DOC, kinds={"duckdb", "polars"})
def figure_flags(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.MaterializeResult:
    """Flags the figures that count but deserve a second look, across every staged year."""
    with warehouse.get_connection() as con:
        figures = query_frame(con, "SELECT * FROM staging.figures")
        rejects = query_frame(con, "SELECT * FROM staging.rejected_rows")
        flags = flag_figures(figures, rejects, default_rules(), data_home.methodology.counts)
        replace_table(con, "staging", "figure_flags", flags, FLAGS_DOC)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": flags.height,
        "by_rule": {rule: n for rule, n in flags.group_by("rule").len().sort("rule").iter_rows()},
        "sample": markdown_table(flags.select("reporting_year", "province_name", "indicator_code", "rule", "message")),
    })
