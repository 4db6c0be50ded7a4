"""Run a long-lived command (`dagster dev`) under supervision, so that SIGINT or SIGTERM stops it and every
process it started within a bounded time, also when `dti ui` runs in the background of a non-interactive
shell (where SIGINT is ignored and `dagster dev`, which maps SIGTERM onto SIGINT, would ignore both).

The command runs in its own process group (a new session). A stop request (SIGINT, SIGTERM or SIGHUP to
the supervisor) is forwarded to the whole group as SIGINT, the signal `dagster dev` shuts down on
(Ctrl+C in a terminal reaches the whole group the same way); whatever is still running after the grace
period, or at a second request, is killed with SIGKILL. The exit status is 0 after a requested stop, the
command's own otherwise."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
GRACE_S = 6.0  # then SIGKILL: the whole stop stays under 10 s on a loaded 2-core machine


def group_alive(pgid: int) -> bool:
    """Whether any process of the group `pgid` is still running (zombies waiting to be reaped do not count)."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    proc = Path("/proc")
    if not proc.is_dir():
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _signal_group(pgid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def run_supervised(command: Sequence[str], env: Mapping[str, str] | None = None, grace_s: float = GRACE_S) -> int:
    """Run `command` in its own process group until it exits or a stop is requested; returns the exit status."""
    stop_requests: list[float] = []

    def request_stop(signum: int, frame: object) -> None:
        stop_requests.append(time.monotonic())

    # Handlers are installed before the command starts: a handled signal is reset to its default in the
    # child (an ignored one would be inherited), so `dagster dev` gets a working SIGINT.
    previous = {signum: signal.signal(signum, request_stop) for signum in STOP_SIGNALS}
    try:
        process = subprocess.Popen(list(command), env=dict(env) if env is not None else None, start_new_session=True)
        pgid = process.pid
        forwarded = killed = False
        while True:
            if stop_requests and not forwarded:
                _signal_group(pgid, signal.SIGINT)
                forwarded = True
            if (
                stop_requests
                and not killed
                and (len(stop_requests) > 1 or time.monotonic() - stop_requests[0] > grace_s)
            ):
                _signal_group(pgid, signal.SIGKILL)
                killed = True
            try:
                status = process.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
        # The leader is gone; what it started may not be: give it the rest of the grace period, then kill.
        if group_alive(pgid):
            if not stop_requests:
                _signal_group(pgid, signal.SIGINT)
            deadline = (stop_requests[0] if stop_requests else time.monotonic()) + grace_s
            while group_alive(pgid) and time.monotonic() < deadline and len(stop_requests) < 2:
                time.sleep(0.2)
            if group_alive(pgid):
                _signal_group(pgid, signal.SIGKILL)
        return 0 if stop_requests else status
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
