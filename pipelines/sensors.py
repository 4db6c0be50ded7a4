"""Start a run when the inbox holds content that staging has not used yet: one run per reporting year
touched. The decision is made from content (the arrival ledger that the pipeline keeps, shared with
`dti run`), not from this sensor's own memory: after `dti run` has staged the inbox, the sensor starts
nothing; a new or changed file starts exactly one run for its year."""

import hashlib
import json
import time
from collections import defaultdict

import dagster as dg

from assets.partitions import reporting_years
from pipelines.jobs import dti_pipeline, inbox_inventory
from sources.home import DataHome
from sources.intake.inbox import inbox_files, settle_seconds, unstaged_contents
from sources.intake.submissions import read_submission


@dg.sensor(
    jobs=[dti_pipeline, inbox_inventory],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches the inbox; content that staging has not used yet starts the pipeline for its year.",
)
def inbox_sensor(context: dg.SensorEvaluationContext):
    home = DataHome.from_env()
    known = json.loads(context.cursor) if context.cursor else {}
    paths = inbox_files(home.inbox)
    # Files written in the last seconds wait for a later tick (a modification time in the future, which only
    # the sender's clock explains, does not hold a file back); the run checks again that they stopped changing.
    now = time.time()
    quiet = [p for p in paths if not 0 <= now - p.stat().st_mtime < settle_seconds()]
    new, cache = unstaged_contents(home, quiet, known)
    context.update_cursor(json.dumps(cache, sort_keys=True))
    if not new:
        yield dg.SkipReason(f"nothing new in {home.inbox}: staging has used every file")
        return
    years = set(reporting_years.get_partition_keys())
    by_year: dict[str | None, list[str]] = defaultdict(list)
    for path, digest in new:
        year = read_submission(path).reporting_year
        by_year[str(year) if year is not None and str(year) in years else None].append(digest)
    for year, digests in sorted(by_year.items(), key=lambda item: item[0] or ""):
        run_key = f"inbox-{year or 'unknown'}-{hashlib.sha256(''.join(sorted(digests)).encode()).hexdigest()[:16]}"
        tags = {"trigger": "inbox sensor", "files": str(len(digests))}
        if year is None:
            yield dg.RunRequest(run_key=run_key, job_name=inbox_inventory.name, tags=tags)
        else:
            yield dg.RunRequest(run_key=run_key, job_name=dti_pipeline.name, partition_key=year, tags=tags)
