"""Start a run when a new or changed file lands in the inbox: one run per reporting year touched."""


import hashlib
import json
from collections import defaultdict
from pathlib import Path

import dagster as dg

from dti.settings import DataHome
from pipelines.jobs import dti_pipeline, inbox_inventory
from pipelines.partitions import reporting_years
from sources.inbox import inbox_files
from sources.submissions import read_submission


def _signature(path: Path) -> str:
    stat = path.stat()
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dg.sensor(jobs=[dti_pipeline, inbox_inventory], minimum_interval_seconds=30,
           default_status=dg.DefaultSensorStatus.RUNNING,
           description="Watches the inbox; a new or changed file starts the pipeline for its reporting year.")
def inbox_sensor(context: dg.SensorEvaluationContext):
    inbox = DataHome.from_env().inbox
    seen: dict[str, str] = json.loads(context.cursor) if context.cursor else {}
    current = {str(p.relative_to(inbox)): _signature(p) for p in inbox_files(inbox)}
    changed = sorted(name for name, sig in current.items() if seen.get(name) != sig)
    if not changed:
        context.update_cursor(json.dumps(current, sort_keys=True))
        yield dg.SkipReason(f"no new file in {inbox}")
        return
    years = set(reporting_years.get_partition_keys())
    by_year: dict[str, list[str]] = defaultdict(list)
    for name in changed:
        data = (inbox / name).read_bytes()
        year = read_submission(inbox / name, data).reporting_year
        key = str(year) if year is not None and str(year) in years else None
        by_year[key].append(hashlib.sha256(data).hexdigest())
    context.update_cursor(json.dumps(current, sort_keys=True))
    for year, digests in sorted(by_year.items(), key=lambda item: item[0] or ""):
        run_key = f"inbox-{year or 'unknown'}-{hashlib.sha256(''.join(sorted(digests)).encode()).hexdigest()[:16]}"
        tags = {"trigger": "inbox sensor", "files": str(len(digests))}
        if year is None:
            yield dg.RunRequest(run_key=run_key, job_name=inbox_inventory.name, tags=tags)
        else:
            yield dg.RunRequest(run_key=run_key, job_name=dti_pipeline.name, partition_key=year, tags=tags)
