"""Jobs. `dti_pipeline` materializes everything for one reporting year (the marts are recomputed over all
years, then published); `dti_marts` only recomputes the cross-year tables (flags and marts) and publishes
them (after several years were staged, or a methodology change);
`inbox_inventory` only archives and lists what is in the inbox (for files whose year cannot be read)."""

import dagster as dg

dti_pipeline = dg.define_asset_job(
    "dti_pipeline",
    selection=dg.AssetSelection.all(),
    description="Reference data, one reporting year's submissions from the inbox to staging, then the marts.",
)

dti_marts = dg.define_asset_job(
    "dti_marts",
    selection=dg.AssetSelection.groups("marts", "exports") | dg.AssetSelection.assets(["staging", "figure_flags"]),
    description="Recompute the flags, the index, rankings and target gaps over every staged year, then publish "
                "the analysts' copy and a release (both skipped when a blocking check fails).",
)

inbox_inventory = dg.define_asset_job(
    "inbox_inventory",
    selection=dg.AssetSelection.assets(["raw", "submission_files"]),
    description="Archive and list the inbox without staging any year.",
)
