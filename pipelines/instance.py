"""The local Dagster instance, kept under the data home so runs started by `dti run` show in the UI."""

import os
import sys
from pathlib import Path

import dagster as dg

from sources.home import PROJECT_ROOT, DataHome

WORKSPACE = PROJECT_ROOT / "workspace.yaml"

INSTANCE_YAML = """\
# Written by `dti` (kept current by it; delete this line to keep your own edits).
# The warehouse is one DuckDB file with one writer at a time. Runs that write it carry
# the tag dti/warehouse=write: the run queue starts one of them at a time, and inside a run the writer lock
# (an operating-system lock the kernel frees when its holder dies) keeps `dti run` and queued runs apart.
# No op concurrency pool is used: a pool slot outlives a killed run, an OS lock does not.
run_queue:
  max_concurrent_runs: 4
  dequeue_interval_seconds: 1
  tag_concurrency_limits:
    - key: dti/warehouse
      value: write
      limit: 1
run_monitoring:
  enabled: true
  start_timeout_seconds: 180
  poll_interval_seconds: 30
telemetry:
  enabled: false
"""


def local_instance(home: DataHome) -> dg.DagsterInstance:
    home.ensure()
    config = home.dagster_home / "dagster.yaml"
    # Ours is kept current; a file an operator wrote (without our first line) is left as it is.
    if not config.exists() or (
        config.read_text(encoding="utf-8").startswith("# Written by `dti`")
        and config.read_text(encoding="utf-8") != INSTANCE_YAML
    ):
        config.write_text(INSTANCE_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return dg.DagsterInstance.get()


def dagster_command(home: DataHome, *args: str) -> tuple[list[str], dict[str, str]]:
    """The `dagster` command line (`dagster dev`, `dagster schedule ...`) over this data home's instance and
    the project's workspace (code location `dti`), and the environment it runs in."""
    local_instance(home)
    env = {**os.environ, "DTI_HOME": str(home.root), "DAGSTER_HOME": str(home.dagster_home)}
    return [str(Path(sys.executable).with_name("dagster")), *args, "-w", str(WORKSPACE)], env
