"""Resources: the data home (inbox, archive, methodology) and the DuckDB warehouse."""


from functools import cached_property
from pathlib import Path

import dagster as dg
from dagster_duckdb import DuckDBResource

from dti.settings import DataHome, methodology_path
from sources.methodology import Methodology, load_methodology
from sources.provinces import ProvinceRegister

# Every asset that writes the warehouse takes a slot in this pool: DuckDB allows one writer per file.
WAREHOUSE_POOL = "warehouse"


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


def build_resources(home: DataHome | None = None) -> dict[str, object]:
    home = home or DataHome.from_env()
    home.ensure()
    return {
        "data_home": DataHomeResource(root=str(home.root)),
        "warehouse": DuckDBResource(database=str(home.warehouse)),
    }
