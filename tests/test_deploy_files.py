"""deploy/ holds together: the compose file, the workspace, the image and the instance name the same code
location, port and settings. (The Postgres-backed instance itself runs in test_postgres_instance.py.)"""

import re
import tomllib

import yaml

from sources.home import PROJECT_ROOT

DEPLOY = PROJECT_ROOT / "deploy"


def _yaml(name: str) -> dict:
    return yaml.safe_load((DEPLOY / name).read_text(encoding="utf-8"))


def test_compose_workspace_and_project_name_the_same_code_location():
    compose, workspace = _yaml("docker-compose.yaml"), _yaml("workspace.yaml")
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["tool"]["dagster"]
    location_name = project["code_location_name"]
    [grpc] = [entry["grpc_server"] for entry in workspace["load_from"]]
    assert grpc["location_name"] == location_name and grpc["host"] in compose["services"]
    command = compose["services"][grpc["host"]]["command"]
    assert command[:3] == ["dagster", "api", "grpc"]
    flags = dict(zip(command[3::2], command[4::2], strict=True))
    assert flags["--port"] == str(grpc["port"]) and flags["--location-name"] == location_name
    assert flags["--module-name"] == project["module_name"]
    for service in ("webserver", "daemon"):
        assert "/opt/dagster/dagster_home/workspace.yaml" in compose["services"][service]["command"]


def test_every_setting_of_the_instance_is_given_to_every_dagster_service():
    wanted = set(re.findall(r"\{env: (\w+)\}", (DEPLOY / "dagster.yaml").read_text(encoding="utf-8")))
    assert wanted == {
        "DAGSTER_PG_HOST",
        "DAGSTER_PG_PORT",
        "DAGSTER_PG_DB",
        "DAGSTER_PG_USERNAME",
        "DAGSTER_PG_PASSWORD",
    }
    services = _yaml("docker-compose.yaml")["services"]
    for name in ("code-location", "webserver", "daemon"):
        assert wanted <= set(services[name]["environment"]), name
    alert_settings = set(re.findall(r"DTI_ALERT_\w+", (PROJECT_ROOT / "sources" / "alerts.py").read_text()))
    assert alert_settings <= set(services["code-location"]["environment"])  # sensors are evaluated there


def test_the_image_installs_the_locked_dependencies_and_the_instance_files():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^UV_VERSION := (\S+)", makefile, re.M)[1] in dockerfile
    assert "uv sync --frozen --no-dev" in dockerfile
    assert "COPY deploy/dagster.yaml deploy/workspace.yaml $DAGSTER_HOME/" in dockerfile


def test_the_instance_config_is_valid_for_this_dagster(monkeypatch):
    """Validated as Dagster loads it (also where no Postgres can be started, where test_postgres_instance skips)."""
    from dagster._core.instance.config import dagster_instance_config

    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_DB", "DAGSTER_PG_USERNAME", "DAGSTER_PG_PASSWORD"):
        monkeypatch.setenv(name, "x")
    monkeypatch.setenv("DAGSTER_PG_PORT", "5432")
    config, instance_class = dagster_instance_config(str(DEPLOY), "dagster.yaml")
    assert instance_class is None and set(config["storage"]) == {"postgres"}
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["runs"]["tag_concurrency_limits"] == [
        {"key": "dti/warehouse", "value": "write", "limit": 1}
    ]
    assert "pools" not in config["concurrency"] and config["run_monitoring"]["enabled"] is True
