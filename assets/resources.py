"""Resources: the data home (inbox, archive, methodology) and the DuckDB warehouse."""

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from sources.home import DataHome, methodology_path
from sources.index.methodology import Methodology, load_methodology
from sources.reference.provinces import ProvinceRegister
from sources.release.publish import recover_publication
from sources.warehouse.locks import WriterLock, lock_timeout_seconds

# Runs that write the warehouse carry this tag; the run queue (deploy/dagster.yaml, the local instance's
# dagster.yaml) lets one of them run at a time. Inside a run, WarehouseResource holds the writer lock.
WAREHOUSE_TAG = {"dti/warehouse": "write"}
PID_TAG, HOST_TAG = "dti/pid", "dti/host"


def process_tags() -> dict[str, str]:
    """Which process runs a run: how a run whose process died is told from one still working."""
    return {PID_TAG: str(os.getpid()), HOST_TAG: socket.gethostname()}


class DataHomeResource(dg.ConfigurableResource):
    """Where submissions arrive and are archived, and which methodology file the run uses."""

    root: str
    methodology_name: str | None = None

    @property
    def home(self) -> DataHome:
        return DataHome(Path(self.root)).ensure()

    @cached_property
    def methodology(self) -> Methodology:
        return load_methodology(methodology_path(self.methodology_name))

    @cached_property
    def register(self) -> ProvinceRegister:
        return ProvinceRegister()


class WarehouseError(RuntimeError):
    """The warehouse file could not be opened for writing (held by a process outside the pipeline, or an I/O
    error): said at once, never retried for minutes."""


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse, written by one run at a time. The run takes the writer lock (sources/warehouse/locks.py)
    when it starts and keeps it to its end; a run that waits says for whom and gives up after
    `lock_timeout_seconds`. Before the first write, an unfinished publication of a run that died is
    completed or undone and its temporary files removed."""

    database: str
    data_home: str  # where the published copy and the releases are, for recovery after a crash
    lock_timeout_seconds: float | None = None
    _lock: WriterLock | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        if context.instance is not None and run is not None and PID_TAG not in run.tags:
            context.instance.add_run_tags(run.run_id, process_tags())
        log, home = context.log, DataHome(Path(self.data_home))
        self._lock = WriterLock(
            home.writer_lock,
            holder=f"run {run.run_id if run else 'outside a run'}",
            timeout=self.lock_timeout_seconds or lock_timeout_seconds(),
            on_wait=log.warning if log else None,
        )
        self._lock.acquire()
        recovered = recover_publication(home)
        if recovered and log:
            log.warning(recovered)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock is not None:
            self._lock.release()

    @contextmanager
    def get_connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        Path(self.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            con = duckdb.connect(self.database)
        except (duckdb.IOException, OSError) as exc:
            raise WarehouseError(
                f"không mở được kho dữ liệu {self.database} để ghi | cannot open the warehouse {self.database} for "
                f"writing: {exc}"
            ) from exc
        try:
            yield con
        finally:
            con.close()


def build_resources(home: DataHome | None = None) -> dict[str, object]:
    home = home or DataHome.from_env()
    return {
        "data_home": DataHomeResource(root=str(home.root)),
        "warehouse": WarehouseResource(database=str(home.warehouse), data_home=str(home.root)),
    }
