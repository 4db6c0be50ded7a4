"""The local Dagster instance, kept under the data home so runs started by `dti run` show in the UI."""

import os

import dagster as dg

from dti.settings import DataHome

INSTANCE_YAML = """\
# Written by `dti`. The warehouse is one DuckDB file with one writer at a time: every asset that
# writes it takes a slot in the `warehouse` pool, limited to 1 across all runs.
concurrency:
  pools:
    default_limit: 1
  runs:
    max_concurrent_runs: 4
telemetry:
  enabled: false
"""


def local_instance(home: DataHome) -> dg.DagsterInstance:
    home.ensure()
    config = home.dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text(INSTANCE_YAML, encoding="utf-8")
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return dg.DagsterInstance.get()
