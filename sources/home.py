"""Where everything lives. One data home (`DTI_HOME`, default `./data`) holds the inbox, the raw archive,
the working warehouse, its published copy, the releases and the local Dagster instance."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
METHODOLOGY_DIR = PROJECT_ROOT / "methodology"
DEMO_INBOX = PROJECT_ROOT / "demo" / "inbox"


@dataclass(frozen=True)
class DataHome:
    root: Path

    @classmethod
    def from_env(cls) -> DataHome:
        return cls(Path(os.environ.get("DTI_HOME", PROJECT_ROOT / "data")).resolve())

    @property
    def inbox(self) -> Path:
        return Path(os.environ.get("DTI_INBOX", self.root / "inbox")).resolve()

    @property
    def archive(self) -> Path:
        return self.root / "raw" / "archive"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "dti.duckdb"

    @property
    def writer_lock(self) -> Path:
        """The one-writer lock of the warehouse (sources/warehouse/locks.py): every run and command that writes takes it."""
        return self.warehouse.with_suffix(".writer.lock")

    @property
    def published(self) -> Path:
        """The read-only copy analysts open, replaced in one rename after each run whose checks pass."""
        return self.root / "published" / "dti.duckdb"

    @property
    def exports(self) -> Path:
        """Immutable releases for ministry staff, one folder per successful run, and the `latest` pointer."""
        return self.root / "exports"

    @property
    def validation(self) -> Path:
        """Great Expectations' project: suites as run, results and the Data Docs site."""
        return self.root / "validation"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    def ensure(self) -> DataHome:
        for folder in (
            self.inbox,
            self.archive,
            self.warehouse.parent,
            self.published.parent,
            self.exports,
            self.dagster_home,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def methodology_names() -> list[str]:
    return sorted(path.stem for path in METHODOLOGY_DIR.glob("*.yaml"))


def methodology_path(name: str | None = None) -> Path:
    """A methodology by name (a file of methodology/) or path; without one, DTI_METHODOLOGY or the default."""
    if name is None:
        return Path(os.environ.get("DTI_METHODOLOGY", METHODOLOGY_DIR / "default.yaml"))
    if name.endswith((".yaml", ".yml")):
        return Path(name)
    return METHODOLOGY_DIR / f"{name}.yaml"
