"""Raise an alert when a run of this code location fails: always a line in `<data home>/alerts/run_failures.jsonl`,
and an e-mail or a webhook POST when configured (settings and formats in sources/alerts.py)."""

from datetime import UTC, datetime
from pathlib import Path

import dagster as dg

from sources.alerts import deliver, format_alert
from sources.home import DataHome

WRAPPERS = {"DagsterExecutionStepExecutionError", "DagsterUserCodeExecutionError"}


def alerts_folder() -> Path:
    return DataHome.from_env().root / "alerts"


def _failed_at(context: dg.RunFailureSensorContext) -> datetime:
    stats = context.instance.get_run_stats(context.dagster_run.run_id)
    if stats.end_time:
        return datetime.fromtimestamp(stats.end_time, UTC)
    return datetime.now(UTC)


def _root_message(error) -> str:
    """The error a person can act on: Dagster wraps a step's own exception ("Error occurred while executing
    op ...") with the exception as its cause."""
    while error.cause is not None and error.cls_name in WRAPPERS:
        error = error.cause
    return error.message.strip()


def _failure(context: dg.RunFailureSensorContext) -> tuple[list[str], str]:
    """The failed steps and the error: each step's own error, else the run's (a failure outside any step)."""
    steps, messages = [], []
    for event in context.get_step_failure_events():
        steps.append(event.step_key)
        error = getattr(event.event_specific_data, "error", None)
        messages.append(f"{event.step_key}: {_root_message(error) if error else event.message}")
    if not messages:
        error = getattr(context.failure_event.event_specific_data, "error", None)
        messages.append(_root_message(error) if error else (context.failure_event.message or ""))
    return steps, "\n".join(messages)


# Runs launched through the UI, a sensor or the schedule carry their code location; runs executed in process
# (`dti run`, scripts) carry none, and Dagster's default filter would never show them to this sensor. So it
# watches every run of the instance and keeps those of a job of its own repository.
@dg.run_failure_sensor(
    name="run_failure_alert",
    default_status=dg.DefaultSensorStatus.RUNNING,
    monitor_all_code_locations=True,
    description="When a run of this code location's jobs fails (launched from the UI, a sensor, the schedule or "
    "`dti run`): a JSON line in <data home>/alerts/run_failures.jsonl, and an e-mail (DTI_ALERT_SMTP_*) "
    "and/or a webhook POST (DTI_ALERT_WEBHOOK_URL) when configured.",
)
def run_failure_alert(context: dg.RunFailureSensorContext) -> None:
    run = context.dagster_run
    repository = context.repository_def
    if repository is not None and not repository.has_job(run.job_name):
        context.log.info(f"run {run.run_id} of job {run.job_name} is not one of this code location's jobs: no alert")
        return
    steps, message = _failure(context)
    origin = run.remote_job_origin
    alert = format_alert(
        run_id=run.run_id,
        job=run.job_name,
        partition=run.tags.get("dagster/partition"),
        tags={key: value for key, value in run.tags.items() if not key.startswith(".")},  # not Dagster's hidden ones
        failed_steps=steps,
        message=message,
        failed_at=_failed_at(context),
        location=origin.location_name if origin else None,
    )
    outcome = deliver(alert, alerts_folder())
    failed = {channel: result for channel, result in outcome.items() if result.startswith("failed")}
    log = context.log.warning if failed else context.log.info
    log(f"alert for failed run {run.run_id} ({run.job_name}): " + "; ".join(f"{k}: {v}" for k, v in outcome.items()))
