"""Run the Great Expectations suites of `expectations/suites/` on polars frames (as pandas, GX's
dataframe path) and build GX Data Docs under the data home."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import great_expectations as gx
import polars as pl
from great_expectations.data_context.types.base import ProgressBarsConfig
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

SUITES_DIR = Path(__file__).resolve().parent / "suites"


@dataclass
class SuiteResult:
    suite: str
    success: bool
    evaluated: int
    failures: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    docs_index: Path | None = None

    @property
    def failed_rows(self) -> int:
        return sum(f["unexpected_count"] for f in self.failures)


def load_suite(name: str) -> gx.ExpectationSuite:
    data = json.loads((SUITES_DIR / f"{name}.json").read_text(encoding="utf-8"))
    return gx.ExpectationSuite(
        name=data["name"],
        meta=data.get("meta", {}),
        expectations=[ExpectationConfiguration(**e) for e in data["expectations"]],
    )


def suite_names() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.json"))


def _context(root: Path):
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def run_suite(name: str, frame: pl.DataFrame, parameters: dict[str, float] | None, root: Path) -> SuiteResult:
    """Validate `frame` against suite `name`; the result and the Data Docs are stored under `root`.
    An expectation that crashed inside GX is reported as an error, never as a passed or failed rule."""
    context = _context(root)
    suite = context.suites.add_or_update(load_suite(name))
    source = context.data_sources.add_or_update_pandas("warehouse_frames")
    asset = next((a for a in source.assets if a.name == name), None) or source.add_dataframe_asset(name)
    batch = next(
        (b for b in asset.batch_definitions if b.name == "whole"), None
    ) or asset.add_batch_definition_whole_dataframe("whole")
    definition = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=name, data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=name,
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="data_docs")],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": None},
        )
    )
    pandas_frame = frame.to_pandas()
    run = checkpoint.run(batch_parameters={"dataframe": pandas_frame}, expectation_parameters=parameters or {})
    validation = next(iter(run.run_results.values()))
    failures, errors = [], []
    for result in validation.results:
        config = result.expectation_config
        if result.exception_info and result.exception_info.get("raised_exception"):
            errors.append(f"{config.type}: {result.exception_info.get('exception_message')}")
            continue
        if not result.success:
            indexes = result.result.get("unexpected_index_list") or []
            failures.append(
                {
                    "expectation": config.type,
                    "column": config.kwargs.get("column") or config.kwargs.get("column_A"),
                    "unexpected_count": result.result.get("unexpected_count", len(indexes)),
                    "rows": [pandas_frame.iloc[i].to_dict() for i in indexes[:20] if isinstance(i, int)],
                }
            )
    docs = root / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    return SuiteResult(
        name, not failures and not errors, len(validation.results), failures, errors, docs if docs.exists() else None
    )
