"""The shape of the project: definitions, layering, and the Dagster UI loading the workspace."""

import ast
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import dagster as dg

from pipelines.definitions import defs
from sources.home import PROJECT_ROOT
from tests.processes import free_port

# 11 reference tables, 2 raw, 3 staging, 19 marts (9 of the index, 6 of its audit, 2 attributions of change,
# target paths, strengths), 2 exports.
ASSETS = 37


def test_every_asset_is_described_keyed_by_schema_and_grouped_by_layer():
    graph = defs.resolve_asset_graph()
    keys = list(graph.get_all_asset_keys())
    assert len(keys) == ASSETS
    for key in keys:
        node = graph.get(key)
        schema, _table = key.path
        assert node.group_name == schema, key
        assert node.description and len(node.description) > 60, key
    assert {k.path[0] for k in keys} == {"reference", "raw", "staging", "marts", "exports"}


def test_jobs_schedule_and_sensor_are_registered():
    assert (
        defs.resolve_job_def("dti_pipeline")
        and defs.resolve_job_def("inbox_inventory")
        and defs.resolve_job_def("dti_marts")
    )
    assert defs.resolve_schedule_def("yearly_reporting_run").cron_schedule == "0 6 1 3 *"
    assert defs.resolve_sensor_def("inbox_sensor").default_status == dg.DefaultSensorStatus.RUNNING


def _imports(folder: str) -> set[str]:
    found = set()
    for path in (PROJECT_ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module.split(".")[0])
    return found


def test_sources_expectations_and_portal_stay_free_of_dagster():
    assert "dagster" not in _imports("sources") and "dagster_duckdb" not in _imports("sources")
    assert "dagster" not in _imports("expectations")
    assert not {"dagster", "duckdb"} & _imports("portal")  # the portal reads release files only, never SQL


def test_no_print_in_library_code():
    for folder in ("sources", "assets", "pipelines", "expectations", "dti", "portal", "benchmarks"):
        for path in (PROJECT_ROOT / folder).rglob("*.py"):
            calls = [
                n
                for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "print"
            ]
            assert not calls, path


def test_dagster_dev_loads_the_workspace_and_lists_the_assets(tmp_path):
    port = free_port()
    env = {**os.environ, "DTI_HOME": str(tmp_path / "data"), "DAGSTER_HOME": str(tmp_path / "dagster")}
    Path(env["DAGSTER_HOME"]).mkdir()
    dagster = Path(sys.executable).with_name("dagster")
    process = subprocess.Popen(
        [str(dagster), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    query = json.dumps({"query": "{ assetNodes { assetKey { path } groupName description } }"}).encode()
    try:
        deadline = time.monotonic() + 120
        nodes = None
        while time.monotonic() < deadline and nodes is None:
            time.sleep(2)
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    nodes = json.load(response)["data"]["assetNodes"] or None
            except OSError:
                continue
        assert nodes, "dagster dev did not serve the assets within 120 s"
        paths = {tuple(n["assetKey"]["path"]) for n in nodes}
        assert ("staging", "figures") in paths and ("reference", "target_registry") in paths and len(paths) == ASSETS
        assert all(n["description"] for n in nodes)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
