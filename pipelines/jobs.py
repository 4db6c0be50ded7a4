"""Jobs. `dti_pipeline` materializes everything for one reporting year; `inbox_inventory` only archives
and lists what is in the inbox (for files whose year cannot be read)."""

import dagster as dg

dti_pipeline = dg.define_asset_job(
    "dti_pipeline",
    selection=dg.AssetSelection.all(),
    description="Reference data, then one reporting year's submissions from the inbox to staging.",
)

inbox_inventory = dg.define_asset_job(
    "inbox_inventory",
    selection=dg.AssetSelection.assets(["raw", "submission_files"]),
    description="Archive and list the inbox without staging any year.",
)
