"""Operating the Dagster side: `dti ui` stops with everything it started, and `dti schedule` turns the
yearly schedule on and off. The UI runs as CI and service managers run it: in the background, without a
terminal, with SIGINT ignored (as a non-interactive shell starts a background job)."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from dti.supervise import group_alive
from sources.home import PROJECT_ROOT
from tests.conftest import dti_command
from tests.processes import free_port

STARTUP_S = 120
STOP_S = 10


def _proc_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, ppid, pgrp) of a live process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[2])


def _descendants(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        found = _proc_stat(int(stat.parent.name))
        if found:
            children.setdefault(found[1], []).append(int(stat.parent.name))
    seen, todo = set(), [root]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


def _running(pid: int) -> bool:
    stat = _proc_stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


def _start_ui(root: Path, log: Path, via_make: bool = False) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {**os.environ, "DTI_HOME": str(root)}
    env.pop("DAGSTER_HOME", None)
    command = (
        ["make", "--no-print-directory", "dev", f"UI_PORT={port}"]
        if via_make
        else [sys.executable, "-m", "dti.cli", "ui", "--port", str(port)]
    )
    # As a non-interactive shell starts a background job: SIGINT ignored (inherited through exec), no terminal.
    command = ["/bin/sh", "-c", 'trap "" INT; exec "$@"', "sh", *command]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, port


def _wait_until_serving(process: subprocess.Popen, port: int, log: Path) -> dict:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2) as answer:
                return json.load(answer)
        except OSError:
            time.sleep(1)
    raise AssertionError(f"the UI did not answer within {STARTUP_S}s:\n{log.read_text(errors='replace')[-3000:]}")


SCHEDULE_QUERY = """{ scheduleOrError(scheduleSelector: {repositoryLocationName: "dti", repositoryName: "__repository__",
  scheduleName: "yearly_reporting_run"}) { __typename ... on Schedule { scheduleState { status } } } }"""


def _schedule_status_in_ui(port: int) -> str:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/graphql",
        data=json.dumps({"query": SCHEDULE_QUERY}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        found = json.load(answer)["data"]["scheduleOrError"]
    assert found["__typename"] == "Schedule", found
    return found["scheduleState"]["status"]


@pytest.fixture
def leftovers():
    """Every process a test started; whatever is still running at the end is killed (the test has failed)."""
    started: set[int] = set()
    yield started
    for pid in started:
        if _running(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("via_make", [False, True], ids=["dti ui", "make dev"])
def test_the_ui_stops_with_every_child_within_10_s(tmp_path, leftovers, via_make):
    """`dti ui`: SIGTERM, then (restarted) SIGINT. `make dev`: SIGTERM to make, which passes it on to `dti ui`
    (SIGINT from a terminal reaches the whole process group, `dti ui` included, as in the first case)."""
    root = tmp_path / "data"
    for signum in (signal.SIGTERM,) if via_make else (signal.SIGTERM, signal.SIGINT):
        log = tmp_path / f"ui-{signum.name}.log"
        process, port = _start_ui(root, log, via_make)
        leftovers.add(process.pid)
        info = _wait_until_serving(process, port, log)
        assert "dagster_webserver_version" in info
        if (
            signum == signal.SIGTERM and not via_make
        ):  # the README's word: the yearly schedule is off until `dti schedule on`
            assert _schedule_status_in_ui(port) == "STOPPED"
        family = _descendants(process.pid)
        leftovers.update(family)
        groups = {stat[2] for pid in family if (stat := _proc_stat(pid))}
        assert len(family) >= 3, family  # dagster dev, its webserver and daemon at least

        sent = time.monotonic()
        process.send_signal(signum)
        status = process.wait(timeout=STOP_S + 5)
        while any(_running(pid) for pid in family) and time.monotonic() - sent < STOP_S:
            time.sleep(0.1)
        took = time.monotonic() - sent
        still = [pid for pid in family if _running(pid)]
        assert not still and took < STOP_S, (signum.name, took, still, log.read_text(errors="replace")[-2000:])
        if via_make:  # make ends as killed by the signal it got; `dti ui` under it ended without an error
            assert status == -signum and "Error" not in log.read_text(errors="replace"), (
                status,
                log.read_text(errors="replace")[-2000:],
            )
        else:
            assert status == 0, (signum.name, status, log.read_text(errors="replace")[-2000:])
        assert not any(group_alive(group) for group in groups)
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)


def _schedule_states(root: Path) -> list[tuple[str, str, str]]:
    import dagster as dg

    with dg.DagsterInstance.from_config(str(root / "dagster")) as instance:
        return [
            (
                state.instigator_name,
                state.status.value,
                state.origin.repository_origin.code_location_origin.location_name,
            )
            for state in instance.all_instigator_state()
            if state.instigator_type.value == "SCHEDULE"
        ]


def test_dti_schedule_turns_the_yearly_schedule_on_and_off(tmp_path):
    root = tmp_path / "data"
    status = dti_command(root, "schedule", "status")
    assert status.returncode == 0 and "yearly_reporting_run: off" in status.stdout, status.stderr
    assert _schedule_states(root) == []  # off by default: nothing stored

    on = dti_command(root, "schedule", "on")
    assert on.returncode == 0 and "yearly_reporting_run: on" in on.stdout, on.stderr[-2000:]
    # Stored for the code location of workspace.yaml, the one `dti ui` and the daemon load.
    assert _schedule_states(root) == [("yearly_reporting_run", "RUNNING", "dti")]
    assert "yearly_reporting_run: on" in dti_command(root, "schedule", "status").stdout

    off = dti_command(root, "schedule", "off")
    assert off.returncode == 0 and "yearly_reporting_run: off" in off.stdout, off.stderr[-2000:]
    assert _schedule_states(root) == [("yearly_reporting_run", "STOPPED", "dti")]

    wrong = dti_command(root, "schedule", "maybe")
    assert wrong.returncode == 2 and "on" in wrong.stderr and "off" in wrong.stderr
