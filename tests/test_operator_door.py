"""The operators' door: `dti ui` (webserver and daemon) over a data home that `make run` filled starts no
run of its own; a file dropped in the inbox then starts exactly one run, for its year. Checked over the
UI's GraphQL API, as the UI itself reads it."""

import time

import pytest
from dagster_graphql import DagsterGraphQLClient

from tests.processes import running_ui

pytestmark = pytest.mark.slow

RUNS = "query { runsOrError { ... on Runs { results { runId jobName status tags { key value } } } } }"
TICKS = """query($selector: SensorSelector!) { sensorOrError(sensorSelector: $selector) {
  ... on Sensor { sensorState { ticks(limit: 20) { status skipReason } } } } }"""


@pytest.fixture
def ui(demo_copy):
    with running_ui(demo_copy.root) as port:
        yield demo_copy, DagsterGraphQLClient("127.0.0.1", port_number=port)


def _runs(client: DagsterGraphQLClient) -> list[dict]:
    return client._execute(RUNS)["runsOrError"]["results"]


def _inbox_ticks(client: DagsterGraphQLClient) -> list[dict]:
    selector = {"repositoryLocationName": "dti", "repositoryName": "__repository__", "sensorName": "inbox_sensor"}
    return client._execute(TICKS, {"selector": selector})["sensorOrError"]["sensorState"]["ticks"]


def _wait(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(2)
    return condition()


def test_the_ui_after_make_run_starts_no_run_and_a_new_file_starts_exactly_one(ui):
    home, client = ui
    before = {run["runId"] for run in _runs(client)}
    assert before  # the runs of `make run` are in the same instance
    # The daemon evaluates the inbox sensor at once, then every 30 s: wait 60 s and two ticks at least.
    time.sleep(60)
    ticks = _wait(lambda: len(_inbox_ticks(client)) >= 2 and _inbox_ticks(client), 60)
    assert ticks and all(t["status"] == "SKIPPED" for t in ticks), ticks
    assert "staging has used every file" in ticks[0]["skipReason"]
    assert {run["runId"] for run in _runs(client)} == before

    source = home.inbox / "SYNTHETIC_2024_02_hagiang.csv"
    corrected = source.read_text(encoding="utf-8").replace("SYNTHETIC", "SYNTHETIC corrected", 1)
    (home.inbox / "SYNTHETIC_2024_02_hagiang_correction.csv").write_text(corrected, encoding="utf-8")
    new = _wait(lambda: [run for run in _runs(client) if run["runId"] not in before], 150)
    assert len(new) == 1, new
    tags = {tag["key"]: tag["value"] for tag in new[0]["tags"]}
    assert new[0]["jobName"] == "dti_pipeline" and tags["dagster/partition"] == "2024"
    assert tags["trigger"] == "inbox sensor"
    finished = _wait(
        lambda: next(
            (
                run
                for run in _runs(client)
                if run["runId"] == new[0]["runId"] and run["status"] in ("SUCCESS", "FAILURE")
            ),
            None,
        ),
        240,
    )
    assert finished and finished["status"] == "SUCCESS", finished
    time.sleep(35)  # another sensor tick: the file is staged now, no second run
    assert len([run for run in _runs(client) if run["runId"] not in before]) == 1
