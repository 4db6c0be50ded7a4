import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sources.home import PROJECT_ROOT, DataHome
from sources.index.methodology import Methodology, load_methodology
from sources.reference.provinces import ProvinceRegister

ORIGIN = "SYNTHETIC test data"
HEADER = "province,year,indicator,value,unit,note,data_origin\n"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that needs the session's demo run needs the whole pipeline: it is `slow`, as the tests that run
    the pipeline themselves are marked in their module (`pytest -m "not slow"` leaves all of them out)."""
    for item in items:
        if "demo_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def methodology() -> Methodology:
    return load_methodology(PROJECT_ROOT / "methodology" / "default.yaml")


@pytest.fixture(scope="session")
def register() -> ProvinceRegister:
    return ProvinceRegister()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataHome:
    """A fresh data home for one test, used by everything that reads DTI_HOME."""
    monkeypatch.setenv("DTI_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("DTI_INBOX", raising=False)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "data" / "dagster"))
    # Files written by a test are complete at once; tests of the settle interval set their own.
    monkeypatch.setenv("DTI_SETTLE_SECONDS", "0")
    return DataHome.from_env().ensure()


def csv_file(path: Path, rows: list[tuple], header: str = HEADER, encoding: str = "utf-8") -> Path:
    """Write a long-format submission CSV; each row is (province, year, indicator, value[, unit])."""
    lines = [header]
    for row in rows:
        province, year, indicator, value, *rest = row
        unit = rest[0] if rest else ""
        lines.append(f'"{province}",{year},{indicator},"{value}",{unit},,{ORIGIN}\n')
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("".join(lines).encode(encoding))
    return path


def dti_command(
    root: Path, *args: str, rules: Path | None = None, background: bool = False, env: dict[str, str] | None = None
):
    """Run the `dti` command in its own process on the data home `root`, as a person would."""
    env = {**os.environ, "DTI_HOME": str(root), **(env or {})}
    env.pop("DAGSTER_HOME", None)
    if rules:
        env["DTI_RULES"] = str(rules)
    command = [sys.executable, "-m", "dti.cli", *args]
    if background:
        return subprocess.Popen(
            command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
    return subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataHome, str]:
    """The one demo run of the test session: a data home after `dti demo && dti run` (what `make run` does),
    with what `dti run` printed. Tests read it; a test that changes a data home uses `demo_copy`."""
    home = DataHome(tmp_path_factory.mktemp("published") / "data")
    assert dti_command(home.root, "demo").returncode == 0
    done = dti_command(home.root, "run")
    assert done.returncode == 0, done.stderr[-3000:]
    return home, done.stdout


@pytest.fixture(scope="session")
def published_home(demo_run) -> DataHome:
    """The demo run's data home: published copy and one release. Read it, never change it."""
    return demo_run[0]


@pytest.fixture
def demo_copy(published_home: DataHome, tmp_path: Path) -> DataHome:
    """A private copy of the demo run's data home, for a test that runs or changes things."""
    root = tmp_path / "data"
    shutil.copytree(published_home.root, root, symlinks=True)
    return DataHome(root)
