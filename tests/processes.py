"""Servers that tests and benchmarks start for real, on this machine only: a free loopback port, and the
Dagster UI (`dti ui`) over a data home, stopped with its whole process group."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sources.home import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_ui(root: Path, startup_seconds: float = 180) -> Iterator[int]:
    """`dti ui` on data home `root`, once its webserver answers; yields the port. Stopped on exit."""
    port = free_port()
    env = {**os.environ, "DTI_HOME": str(root)}
    env.pop("DAGSTER_HOME", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "dti.cli", "ui", "--port", str(port)],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + startup_seconds
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dti ui did not answer within {startup_seconds:.0f} s") from None
                time.sleep(1)
        yield port
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
