import json
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from pipelines.schedules import yearly_reporting_run
from pipelines.sensors import inbox_sensor
from tests.conftest import csv_file


def _tick(instance, cursor):
    context = dg.build_sensor_context(instance=instance, cursor=cursor)
    results = list(inbox_sensor(context))
    return results, context.cursor


def test_sensor_starts_one_run_per_year_touched(home):
    instance = dg.DagsterInstance.ephemeral()
    results, cursor = _tick(instance, None)
    assert len(results) == 1 and isinstance(results[0], dg.SkipReason)

    csv_file(home.inbox / "hue_2024.csv", [("Huế", 2024, "fibre_household_pct", "80")])
    csv_file(home.inbox / "hanoi_2024.csv", [("Hà Nội", 2024, "fibre_household_pct", "90")])
    csv_file(home.inbox / "hue_2023.csv", [("Huế", 2023, "fibre_household_pct", "75")])
    results, cursor = _tick(instance, cursor)
    requests = sorted((r.partition_key, r.job_name) for r in results)
    assert requests == [("2023", "dti_pipeline"), ("2024", "dti_pipeline")]
    assert all(r.run_key and r.tags["trigger"] == "inbox sensor" for r in results)

    again, cursor = _tick(instance, cursor)  # not staged yet: the same run keys, which Dagster launches once
    assert sorted(r.run_key for r in again) == sorted(r.run_key for r in results)


def test_changed_file_starts_a_new_run(home):
    instance = dg.DagsterInstance.ephemeral()
    path = csv_file(home.inbox / "hue.csv", [("Huế", 2024, "fibre_household_pct", "80")])
    first, cursor = _tick(instance, None)
    csv_file(path, [("Huế", 2024, "fibre_household_pct", "81")])
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime + 5))
    second, cursor = _tick(instance, cursor)
    assert [r.partition_key for r in second] == ["2024"]
    assert second[0].run_key != first[0].run_key
    assert set(json.loads(cursor)) == {"hue.csv"}


def test_file_without_a_usable_year_is_still_archived(home):
    instance = dg.DagsterInstance.ephemeral()
    (home.inbox / "mystery.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    csv_file(home.inbox / "future.csv", [("Huế", 2031, "fibre_household_pct", "80")])
    results, _ = _tick(instance, None)
    assert [(r.job_name, r.partition_key) for r in results] == [("inbox_inventory", None)]


def test_yearly_schedule_processes_the_year_just_ended():
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    request = yearly_reporting_run(
        dg.build_schedule_context(scheduled_execution_time=datetime(2026, 3, 1, 6, tzinfo=tz))
    )
    assert isinstance(request, dg.RunRequest) and request.partition_key == "2025"
    skipped = yearly_reporting_run(
        dg.build_schedule_context(scheduled_execution_time=datetime(2021, 3, 1, 6, tzinfo=tz))
    )
    assert isinstance(skipped, dg.SkipReason) and "2020" in skipped.skip_message
