import os
import subprocess
import sys
from pathlib import Path

import pytest

from dti.settings import PROJECT_ROOT, DataHome
from sources.methodology import Methodology, load_methodology
from sources.provinces import ProvinceRegister

ORIGIN = "SYNTHETIC test data"
HEADER = "province,year,indicator,value,unit,note,data_origin\n"


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


def dti_command(root: Path, *args: str, rules: Path | None = None, background: bool = False):
    """Run the `dti` command in its own process on the data home `root`, as a person would."""
    env = {**os.environ, "DTI_HOME": str(root)}
    env.pop("DAGSTER_HOME", None)
    if rules:
        env["DTI_RULES"] = str(rules)
    command = [sys.executable, "-m", "dti.cli", *args]
    if background:
        return subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True)


@pytest.fixture(scope="session")
def published_home(tmp_path_factory: pytest.TempPathFactory) -> DataHome:
    """A data home after `dti demo && dti run` (what `make run` does): published copy and one release."""
    home = DataHome(tmp_path_factory.mktemp("published") / "data")
    assert dti_command(home.root, "demo").returncode == 0
    done = dti_command(home.root, "run")
    assert done.returncode == 0, done.stderr[-3000:]
    return home
