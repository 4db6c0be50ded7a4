"""Jobs. Every job runs its steps in one process (the in-process executor): a step costs its work, not a
Python start-up, and one run holds the warehouse writer lock from its first step to its last.

- `dti_pipeline`: everything, for one reporting year or a range of years in one run (the sensor launches
  it per year touched, `dti run` over every year, a backfill over the years chosen); the marts are
  recomputed over every staged year, and published when every blocking check passed and something changed.
- `dti_marts`: only the cross-year tables (flags, marts) and the publication (after a methodology change).
- `inbox_inventory`: only archives and lists what is in the inbox (files whose year cannot be read)."""

import dagster as dg

from assets.resources import WAREHOUSE_TAG

dti_pipeline = dg.define_asset_job(
    "dti_pipeline",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAG,
    description="Reference data, the reporting years' submissions from the inbox to staging, the marts over every "
    "year, then the publication (skipped when a blocking check fails or nothing changed).",
)

dti_marts = dg.define_asset_job(
    "dti_marts",
    selection=dg.AssetSelection.groups("marts", "exports") | dg.AssetSelection.assets(["staging", "figure_flags"]),
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAG,
    description="Recompute the flags, the index, rankings and target gaps over every staged year, then publish "
    "the analysts' copy and a release together (skipped when a blocking check fails or nothing changed).",
)

inbox_inventory = dg.define_asset_job(
    "inbox_inventory",
    selection=dg.AssetSelection.assets(["raw", "submission_files"]),
    executor_def=dg.in_process_executor,
    tags=WAREHOUSE_TAG,
    description="Archive and list the inbox without staging any year.",
)
