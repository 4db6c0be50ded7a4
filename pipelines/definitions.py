"""The one entry point: `dagster dev -w workspace.yaml` and the `dti` command both load `defs`.

The assets and their checks are loaded from the modules of assets/, one per layer, in the order the data
flows; a new asset in one of them needs no edit here, a new module one line."""

import dagster as dg

from assets import audit, checks, explain, exports, marts, plan, raw, reference, staging
from assets.resources import build_resources
from pipelines.alerts import run_failure_alert
from pipelines.jobs import dti_marts, dti_pipeline, inbox_inventory
from pipelines.loggers import terminal_logger
from pipelines.recovery import stale_run_sensor
from pipelines.schedules import yearly_reporting_run
from pipelines.sensors import inbox_sensor

LAYERS = [reference, raw, staging, marts, audit, explain, plan, exports, checks]

defs = dg.Definitions(
    assets=dg.load_assets_from_modules(LAYERS),
    asset_checks=dg.load_asset_checks_from_modules(LAYERS),
    jobs=[dti_pipeline, dti_marts, inbox_inventory],
    schedules=[yearly_reporting_run],
    sensors=[inbox_sensor, stale_run_sensor, run_failure_alert],
    resources=build_resources(),
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "terminal": terminal_logger},
)
