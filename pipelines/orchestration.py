"""`dti run`: the jobs that the sensor, the schedule and the UI launch, executed on the local instance, and
a report of what they did. It decides nothing the asset graph does not: which years to stage is the range
of years found in the inbox (or asked for); the marts, the checks and the publication follow from the graph.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import dagster as dg
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from assets.partitions import reporting_years
from assets.resources import process_tags
from pipelines.definitions import defs
from pipelines.instance import local_instance
from pipelines.recovery import reap_stale_runs
from sources.home import DataHome

# The full event log is in the Dagster UI; the terminal shows warnings (rejected files, waits), one line each.
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}, "terminal": {}}}


@dataclass
class Outcome:
    seconds: float
    run_id: str | None = None
    error: str | None = None
    published: bool = False

    def summary(self, home: DataHome) -> str:
        """What a finished `dti run` says last: how long it took and where to look at what it made."""
        return "\n".join(
            [
                "",
                f"done in {self.seconds:.1f}s",
                f"  warehouse   {home.warehouse}   (working file, written by runs)",
                f'  published   {home.published}   (read-only copy: dti sql "SELECT * FROM marts.latest_ranking")',
                f"  releases    {home.exports}   (dti serve: the download portal)",
                f"  archive     {home.archive}",
                "  rejects     dti rejects   (table staging.rejected_rows)",
                f"  Dagster UI  dti ui        (instance {home.dagster_home})",
            ]
        )


def _materialized(result: dg.ExecuteInProcessResult) -> dict[tuple[str, ...], dict]:
    return {
        tuple(event.asset_key.path): event.step_materialization_data.materialization.metadata
        for event in result.get_asset_materialization_events()
    }


def _failure_count(evaluation) -> str:
    for key in ("failed_rows", "failure_cases"):
        if key in evaluation.metadata:
            return f"{evaluation.metadata[key].value} failing row(s)"
    return "failed"


def _execute(job_name: str, instance: dg.DagsterInstance, tags: dict[str, str], **kwargs) -> dg.ExecuteInProcessResult:
    return defs.resolve_job_def(job_name).execute_in_process(
        instance=instance, raise_on_error=False, run_config=QUIET, tags={**tags, **process_tags()}, **kwargs
    )


def run_pipeline(
    home: DataHome, years: list[int], note: str | None = None, echo: Callable[[str], None] = lambda _: None
) -> Outcome:
    """`dti run`: the inbox inventory, then one run of `dti_pipeline` over the range of years wanted (or found
    in the inbox), on the local instance; says what each step did through `echo`. The outcome carries the
    error that stopped it, if any, in words for the operator."""
    started = time.monotonic()
    echo(f"data home {home.root}; inbox {home.inbox}")
    instance = local_instance(home)
    for run_id in reap_stale_runs(instance):
        echo(f"lượt chạy {run_id} đã dừng đột ngột, đánh dấu thất bại | run {run_id} had died: marked failed")
    tags = {"trigger": "dti run", **({"dti/note": note} if note else {})}

    inventory = _execute("inbox_inventory", instance, tags)
    if not inventory.success:
        return Outcome(
            time.monotonic() - started,
            inventory.run_id,
            f"reading the inbox failed (run {inventory.run_id}): {_failures(inventory)}; the full log is in `dti ui`",
        )
    files = _materialized(inventory)[("raw", "submission_files")]
    found = sorted(int(y) for y in files["files_by_year"].value if y not in (None, "None", "null"))
    echo(
        f"inbox: {files['dagster/row_count'].value} file(s) received, {files['files_rejected'].value} rejected, "
        f"{files['files_pending'].value} still being written; years found: {', '.join(map(str, found)) or 'none'}"
    )
    partitions = reporting_years.get_partition_keys()
    wanted = years or found
    outside = [y for y in wanted if str(y) not in partitions]
    if outside:
        return Outcome(
            time.monotonic() - started,
            inventory.run_id,
            f"year(s) {', '.join(map(str, outside))} are not reporting years of the pipeline "
            f"({partitions[0]}–{partitions[-1]})",
        )
    if not wanted:
        return Outcome(
            time.monotonic() - started,
            inventory.run_id,
            "no reporting year to process: put submission files in the inbox (try `dti demo`)",
        )

    first, last = str(min(wanted)), str(max(wanted))
    result = _execute(
        "dti_pipeline", instance, {**tags, ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last}
    )
    metadata = _materialized(result)
    figures, rejects = metadata.get(("staging", "figures")), metadata.get(("staging", "rejected_rows"))
    if figures:
        for year, count in figures["figures_by_year"].value.items():
            echo(
                f"{year}: {count} figures for {figures['provinces_by_year'].value[year]} units, "
                f"{rejects['rejected_by_year'].value[year]} rejected row(s)"
            )
    evaluations = result.get_asset_check_evaluations()
    failing = [e for e in evaluations if not e.passed]
    echo(
        f"validation: {len(evaluations) - len(failing)} of {len(evaluations)} checks passed"
        + "".join(
            f"\n  {e.severity.value:5} {e.asset_key.to_user_string()}"
            f"{f' [{e.partition}]' if e.partition else ''} {e.check_name}: {_failure_count(e)}"
            for e in failing
        )
    )
    outcome = Outcome(time.monotonic() - started, result.run_id)
    if any(e.severity == dg.AssetCheckSeverity.ERROR for e in failing):
        outcome.error = (
            "publication blocked by the ERROR check(s) above: what depends on them was not recomputed; "
            "the published copy, the releases and `latest` are unchanged; staging keeps the new data for "
            "inspection (`dti rejects`, `dti ui`)"
        )
        return outcome
    if ("marts", "province_rankings") in metadata:
        ranked = metadata[("marts", "province_rankings")]["units_ranked_by_year"].value
        gaps = metadata[("marts", "target_gaps")]
        echo(
            f"index: units ranked by year {', '.join(f'{y}: {n}' for y, n in ranked.items())}; "
            f"{gaps['dagster/row_count'].value} target gaps for {gaps['provinces'].value} units"
        )
    if ("exports", "release") in metadata:
        release = metadata[("exports", "release")]
        outcome.published = True
        if release["changed"].value:
            echo(
                f"published: {home.published}; release {release['release_id'].value} "
                f"({len(release['rows'].value)} data files{', SYNTHETIC' if release['synthetic'].value else ''})"
            )
        else:
            echo(
                f"unchanged: same content and methodology as release {release['release_id'].value}; no new release, "
                f"`latest` stays (không có gì thay đổi)"
            )
    if not result.success:
        outcome.error = f"the run failed (run {result.run_id}): {_failures(result)}; the full log is in `dti ui`"
    return outcome


def _failures(result: dg.ExecuteInProcessResult) -> str:
    """What went wrong, as people say it: the first error under Dagster's own wrappers, first line."""
    said: dict[str, str] = {}
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)  # failed steps, resources that could not start
        while error is not None and error.cls_name and error.cls_name.startswith("Dagster") and error.cause is not None:
            error = error.cause
        if error is not None:
            line = error.message.strip().splitlines()[0]
            kind, _, text = line.partition(": ")
            message = text if text and kind.endswith(error.cls_name or "") else line
            said.setdefault(message, f"{event.step_key}: {message}" if event.step_key else message)
    return "; ".join(said.values()) or "see the log"
