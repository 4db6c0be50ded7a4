"""Runs whose process died are marked failed, so nothing waits on them: at the start of every `dti run`
and every minute by the daemon (`stale_run_sensor`)."""

import os
import socket

import dagster as dg

from assets.resources import HOST_TAG, PID_TAG

IN_FLIGHT = [dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stale_runs(instance: dg.DagsterInstance) -> list[dg.DagsterRun]:
    """In-flight runs of this machine whose process is gone."""
    host = socket.gethostname()
    runs = instance.get_runs(filters=dg.RunsFilter(statuses=IN_FLIGHT))
    return [
        run
        for run in runs
        if run.tags.get(HOST_TAG) == host
        and run.tags.get(PID_TAG, "").isdigit()
        and int(run.tags[PID_TAG]) != os.getpid()
        and not _alive(int(run.tags[PID_TAG]))
    ]


def reap_stale_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark every stale run failed and free whatever concurrency slots it held. Returns their ids."""
    reaped = []
    for run in stale_runs(instance):
        instance.report_run_failed(
            run,
            f"the process of this run (pid {run.tags[PID_TAG]}) is gone: it was killed or "
            f"crashed; marked failed so that later runs are not held up",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped


@dg.sensor(
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Marks failed the runs whose process died (killed, out of memory), so no run waits on them.",
)
def stale_run_sensor(context: dg.SensorEvaluationContext):
    reaped = reap_stale_runs(context.instance)
    return dg.SkipReason(f"marked {len(reaped)} dead run(s) failed: {', '.join(reaped)}" if reaped else "no dead run")
