"""The one-writer lock of the warehouse. DuckDB allows one writing process per file; every run that writes
takes this lock first. It is an operating-system lock (flock) on a file beside the warehouse, so the kernel
frees it the moment its holder dies: a run killed with -9, out of memory or on a full disk never leaves the
pipeline locked. A waiter says who holds the lock and gives up after a set time instead of waiting forever."""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_TIMEOUT_SECONDS = 600.0


class LockTimeout(RuntimeError):
    """The lock was still held by another process when the waiting time ran out."""


def lock_timeout_seconds() -> float:
    """How long a writer waits for the warehouse (DTI_LOCK_TIMEOUT seconds, default 600)."""
    return float(os.environ.get("DTI_LOCK_TIMEOUT", DEFAULT_TIMEOUT_SECONDS))


@dataclass
class WriterLock:
    """`with WriterLock(path, holder="run 1234"):` holds the lock for the block."""

    path: Path
    holder: str
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    on_wait: Callable[[str], None] | None = None
    poll_seconds: float = 0.2
    report_every_seconds: float = 10.0

    def __post_init__(self) -> None:
        self._fd: int | None = None

    def holder_info(self) -> dict:
        """Who holds (or last held) the lock, as written by its holder."""
        try:
            return json.loads(self.path.read_text(encoding="utf-8") or "{}")
        except (OSError, ValueError):
            return {}

    def describe_holder(self) -> str:
        info = self.holder_info()
        if not info:
            return "another process"
        return f"{info.get('holder', 'another process')} (pid {info.get('pid')} on {info.get('host')}, since {info.get('since')})"

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        started = time.monotonic()
        reported = None
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= self.timeout:
                    os.close(fd)
                    raise LockTimeout(
                        f"đã chờ {waited:.0f} giây mà kho dữ liệu vẫn đang được ghi bởi {self.describe_holder()}; "
                        f"hãy thử lại sau | gave up after {waited:.0f} s: the warehouse is still being written by "
                        f"{self.describe_holder()}; try again later (DTI_LOCK_TIMEOUT sets the wait)"
                    ) from None
                if self.on_wait and (reported is None or time.monotonic() - reported >= self.report_every_seconds):
                    reported = time.monotonic()
                    self.on_wait(
                        f"đang chờ kho dữ liệu | waiting for the warehouse: held by {self.describe_holder()}; "
                        f"waited {waited:.0f} s of {self.timeout:.0f} s"
                    )
                time.sleep(self.poll_seconds)
        os.ftruncate(fd, 0)
        os.write(
            fd,
            json.dumps(
                {
                    "holder": self.holder,
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                    "since": datetime.now(UTC).isoformat(timespec="seconds"),
                }
            ).encode(),
        )
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> WriterLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
