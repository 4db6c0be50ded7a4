"""The yearly run. Provinces report a year's figures by the end of February of the next year
(configurable with DTI_YEARLY_CRON); on 1 March the previous year is processed."""

import os
import subprocess

import dagster as dg

from assets.partitions import reporting_years
from pipelines.instance import dagster_command, local_instance
from pipelines.jobs import dti_pipeline
from sources.home import PROJECT_ROOT, DataHome

YEARLY_CRON = os.environ.get("DTI_YEARLY_CRON", "0 6 1 3 *")


@dg.schedule(
    job=dti_pipeline,
    cron_schedule=YEARLY_CRON,
    execution_timezone="Asia/Ho_Chi_Minh",
    description="Each year, process the reporting year that has just ended.",
)
def yearly_reporting_run(context: dg.ScheduleEvaluationContext):
    year = str(context.scheduled_execution_time.year - 1)
    if year not in reporting_years.get_partition_keys(current_time=context.scheduled_execution_time):
        return dg.SkipReason(f"reporting year {year} is not a partition")
    return dg.RunRequest(partition_key=year, run_key=f"yearly-{year}", tags={"trigger": "yearly schedule"})


class ScheduleError(RuntimeError):
    """The schedule could not be turned on or off; the message holds what Dagster said."""


def yearly_schedule(home: DataHome, turn: str | None = None) -> str:
    """`dti schedule`: turn the yearly schedule on or off (`turn`) on this data home's instance, as the UI
    would (the state is stored for the code location `dti`), or leave it; says whether it is on."""
    name = yearly_reporting_run.name
    if turn is not None:
        command, env = dagster_command(home, "schedule", "start" if turn == "on" else "stop", name)
        done = subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ScheduleError(f"could not turn {name} {turn}: {(done.stderr.strip() or done.stdout.strip())[-500:]}")
    running = any(
        state.instigator_name == name and state.instigator_type.value == "SCHEDULE" and state.status.value == "RUNNING"
        for state in local_instance(home).all_instigator_state()
    )
    return f"{name}: {'on' if running else 'off'} (instance {home.dagster_home})" + (
        "; it runs while the Dagster daemon runs (dti ui)" if running else ""
    )
