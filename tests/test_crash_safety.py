"""A run that dies never holds the pipeline: real `dti run` processes killed with SIGKILL during the marts and
during publishing, then run again with no manual step; the analysts' copy and `latest` move together."""

import json
import os
import shutil
import signal
import time

import dagster as dg
import duckdb
import pytest
from dagster._core.instance.ref import InstanceRef

from sources.home import DataHome
from sources.release.publish import JOURNAL, recover_publication
from sources.release.releases import latest_release, releases
from sources.warehouse.locks import WriterLock
from tests.conftest import dti_command

pytestmark = pytest.mark.slow


def _instance(home: DataHome) -> dg.DagsterInstance:
    return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home.dagster_home)))


def _run_ids(home: DataHome) -> set[str]:
    with _instance(home) as instance:
        return {run.run_id for run in instance.get_runs()}


def _started_steps(home: DataHome, before: set[str]) -> set[str]:
    """Steps started by a dti_pipeline run newer than `before`, read from the instance as the UI reads it."""
    try:
        with _instance(home) as instance:
            runs = [
                run
                for run in instance.get_runs(filters=dg.RunsFilter(job_name="dti_pipeline"), limit=1)
                if run.run_id not in before
            ]
            if not runs:
                return set()
            records = instance.get_records_for_run(runs[0].run_id, of_type=dg.DagsterEventType.STEP_START).records
            return {record.event_log_entry.dagster_event.step_key for record in records}
    except Exception:  # the instance's SQLite file is being created by the run: look again
        return set()


def _kill_when(process, ready, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the run ended before the moment to kill it: {process.communicate()}"
        if ready():
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=30)
            return
        time.sleep(0.02)
    process.kill()
    pytest.fail("the moment to kill the run never came")


def _published_fingerprint(home: DataHome) -> str:
    with duckdb.connect(str(home.published), read_only=True) as con:
        return con.execute("SELECT fingerprint FROM marts.publication").fetchone()[0]


def _assert_consistent(home: DataHome) -> None:
    """The published copy and the release `latest` points to are the same publication; nothing half-written."""
    latest = latest_release(home.exports)
    manifest = next(r for r in releases(home.exports) if r.id == latest).manifest
    assert _published_fingerprint(home) == manifest["fingerprint"]
    assert not list(home.exports.glob(".*.partial")) and not (home.exports / JOURNAL).exists()
    assert not list(home.published.parent.glob(".dti.*.tmp*"))


def _changed_file(home: DataHome) -> None:
    """A correction: new content for one province, so the next publication has something to publish."""
    source = sorted(home.inbox.glob("SYNTHETIC_2024_*.csv"))[3]
    text = source.read_text(encoding="utf-8")
    (home.inbox / f"{source.stem}_correction.csv").write_text(
        text.replace("SYNTHETIC", "SYNTHETIC correction", 1) + "\n", encoding="utf-8"
    )


def test_killed_during_the_marts_then_run_again_succeeds(demo_copy):
    home = demo_copy
    before = _run_ids(home)
    process = dti_command(home.root, "run", background=True)
    _kill_when(process, lambda: "index_marts" in _started_steps(home, before))
    with _instance(home) as instance:
        killed = instance.get_runs(filters=dg.RunsFilter(job_name="dti_pipeline"), limit=1)[0]
        assert killed.status == dg.DagsterRunStatus.STARTED  # what a kill -9 leaves behind

    again = dti_command(home.root, "run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"run {killed.run_id} had died: marked failed" in again.stdout
    assert "index: units ranked by year" in again.stdout
    with _instance(home) as instance:
        assert instance.get_run_by_id(killed.run_id).status == dg.DagsterRunStatus.FAILURE
    _assert_consistent(home)


def test_killed_while_publishing_then_run_again_moves_copy_and_latest_together(demo_copy):
    home = demo_copy
    first = latest_release(home.exports)
    before = _published_fingerprint(home)
    _changed_file(home)
    process = dti_command(home.root, "run", background=True)
    _kill_when(process, lambda: any(home.exports.glob(".*.partial")) or any(home.published.parent.glob(".dti.*.tmp")))
    # Killed mid-publication: readers still see the previous publication, whole.
    assert latest_release(home.exports) == first and _published_fingerprint(home) == before

    again = dti_command(home.root, "run")
    assert again.returncode == 0, again.stdout + again.stderr
    assert latest_release(home.exports) != first
    assert _published_fingerprint(home) != before
    _assert_consistent(home)
    assert [r.id for r in releases(home.exports)].count(first) == 1


def test_an_interrupted_publication_is_finished_by_the_next_writer(tmp_path):
    """The journal is written only when the copy and the release are complete; whatever step the crash hit,
    recovery ends with the copy and `latest` on the same publication."""
    home = DataHome(tmp_path / "data").ensure()
    for release_id in ("20260101T000000Z-old00000", "20260102T000000Z-new00000"):
        folder = home.exports / (release_id if release_id.endswith("old00000") else f".{release_id}.partial")
        folder.mkdir()
        (folder / "manifest.json").write_text(json.dumps({"release_id": release_id, "files": []}), encoding="utf-8")
    (home.exports / "latest").symlink_to("20260101T000000Z-old00000")
    home.published.write_text("old copy", encoding="utf-8")
    copy = home.published.parent / ".dti.abc.tmp"
    copy.write_text("new copy", encoding="utf-8")
    (home.exports / JOURNAL).write_text(
        json.dumps(
            {"copy": copy.name, "release": "20260102T000000Z-new00000", "partial": ".20260102T000000Z-new00000.partial"}
        ),
        encoding="utf-8",
    )
    said = recover_publication(home)
    assert "20260102T000000Z-new00000" in said
    assert home.published.read_text(encoding="utf-8") == "new copy"
    assert latest_release(home.exports) == "20260102T000000Z-new00000"
    assert (home.exports / "20260102T000000Z-new00000" / "manifest.json").exists()
    assert not (home.exports / JOURNAL).exists() and not copy.exists()


def test_leftovers_without_a_journal_are_removed_and_readers_keep_the_old_publication(tmp_path):
    home = DataHome(tmp_path / "data").ensure()
    (home.exports / ".20260102T000000Z-dead0000.partial").mkdir()
    (home.published.parent / ".dti.dead.tmp").write_text("half", encoding="utf-8")
    (home.published.parent / ".dti.dead.tmp.wal").write_text("half", encoding="utf-8")
    home.published.write_text("old copy", encoding="utf-8")
    said = recover_publication(home)
    assert "removed 3 temporary file(s)" in said
    assert sorted(p.name for p in home.published.parent.iterdir()) == ["dti.duckdb"]
    assert not list(home.exports.iterdir())
    assert recover_publication(home) is None


def test_a_waiting_run_says_for_whom_and_gives_up(demo_copy):
    home = demo_copy
    with WriterLock(home.writer_lock, "an operator's maintenance"):
        started = time.monotonic()
        done = dti_command(home.root, "run", env={"DTI_LOCK_TIMEOUT": "4"})
        took = time.monotonic() - started
    assert done.returncode == 1
    assert "waiting for the warehouse: held by an operator's maintenance" in done.stdout + done.stderr
    assert "gave up after" in done.stdout + done.stderr
    assert took < 90


def test_a_warehouse_held_outside_the_pipeline_is_reported_at_once(demo_copy):
    home = demo_copy
    with duckdb.connect(str(home.warehouse)):  # an analyst opened the working file for writing
        started = time.monotonic()
        done = dti_command(home.root, "run")
        took = time.monotonic() - started
    assert done.returncode == 1
    assert "cannot open the warehouse" in done.stderr
    assert took < 90  # no minutes of retries: start-up plus one attempt


def test_removing_a_file_from_the_inbox_keeps_its_figures(demo_copy):
    home = demo_copy
    gone = home.inbox / "SYNTHETIC_2024_01_hanoi.xlsx"
    os.remove(gone)
    again = dti_command(home.root, "run")
    assert again.returncode == 0, again.stderr
    with duckdb.connect(str(home.published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.figures WHERE file_name = ?", [gone.name]).fetchone()[0] > 0
    assert "unchanged" in again.stdout

    withdrawn = dti_command(home.root, "withdraw", gone.name, "--reason", "Hà Nội gửi nhầm tệp")
    assert withdrawn.returncode == 0, withdrawn.stderr
    assert dti_command(home.root, "run").returncode == 0
    with duckdb.connect(str(home.published), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM staging.figures WHERE file_name = ?", [gone.name]).fetchone()[0] == 0
    listing = dti_command(home.root, "releases").stdout
    assert f"withdrawn: {gone.name}" in listing and "Hà Nội gửi nhầm tệp" in listing


def test_the_same_inbox_twice_gives_one_release_and_a_change_exactly_one_more(demo_copy):
    home = demo_copy
    again = dti_command(home.root, "run")
    assert again.returncode == 0 and "unchanged" in again.stdout
    assert len(releases(home.exports)) == 1
    _changed_file(home)
    assert dti_command(home.root, "run", "--note", "a correction").returncode == 0
    found = releases(home.exports)
    assert len(found) == 2 and found[0].manifest["notes"] == {"note": "a correction"}
    pruned = dti_command(home.root, "releases", "prune", "--keep", "1")
    assert pruned.returncode == 0 and found[1].id in pruned.stdout
    assert [r.id for r in releases(home.exports)] == [found[0].id] == [latest_release(home.exports)]
    shutil.rmtree(home.inbox)  # nothing in the inbox: what was received stays in force
    assert "unchanged" in dti_command(home.root, "run").stdout
