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
