"""The one entry point: `dagster dev -w workspace.yaml` and the `dti` command both load `defs`."""

import dagster as dg

from assets.audit import index_audit
from assets.checks import asset_checks
from assets.explain import score_change_attribution
from assets.exports import publication
from assets.marts import index_marts, rank_uncertainty, target_gaps
from assets.raw import submission_files, submissions
from assets.reference import reference_assets
from assets.resources import build_resources
from assets.staging import figure_flags, staged_figures
from pipelines.alerts import run_failure_alert
from pipelines.jobs import dti_marts, dti_pipeline, inbox_inventory
from pipelines.loggers import terminal_logger
from pipelines.recovery import stale_run_sensor
from pipelines.schedules import yearly_reporting_run
from pipelines.sensors import inbox_sensor

defs = dg.Definitions(
    assets=[
        *reference_assets,
        submission_files,
        submissions,
        staged_figures,
        figure_flags,
        index_marts,
        target_gaps,
        rank_uncertainty,
        index_audit,
        score_change_attribution,
        publication,
    ],
    asset_checks=asset_checks,
    jobs=[dti_pipeline, dti_marts, inbox_inventory],
    schedules=[yearly_reporting_run],
    sensors=[inbox_sensor, stale_run_sensor, run_failure_alert],
    resources=build_resources(),
    executor=dg.in_process_executor,
    loggers={"console": dg.colored_console_logger, "terminal": terminal_logger},
)
