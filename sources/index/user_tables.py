"""A table of one's own, scored or analysed without the warehouse (`dti score`, `dti uncertainty`): a CSV
file with a `unit` column and one column per indicator, read as text so that every value is parsed
against its indicator's domain by sources.index.engine.table_values."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl

from sources.index.engine import ScoreInputError, table_values
from sources.index.methodology import Methodology
from sources.index.uncertainty import table_uncertainty
from sources.reference.provinces import ProvinceRegister

UNCERTAINTY_COLUMNS = (
    "unit",
    "rank",
    "median_rank",
    "rank_p05",
    "rank_p95",
    "tie_group",
    "tied_with",
    "most_influential_choice",
)


def read_table(path: Path) -> pl.DataFrame:
    """The CSV table at `path`, every cell as text, header names stripped of blanks and a byte-order mark.
    Raises ScoreInputError when the file is not a readable CSV table."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as exc:
        raise ScoreInputError(f"not a readable CSV table ({exc})") from exc
    return frame.rename({c: c.strip().lstrip("\ufeff") for c in frame.columns})


def uncertainty_of_table(
    frame: pl.DataFrame,
    methodology: Methodology,
    register: ProvinceRegister,
    merge_to_34: bool = False,
    year: int | None = None,
    samples: int | None = None,
) -> tuple[pl.DataFrame, str]:
    """How sure each unit's rank is in a table of one's own (sources.index.uncertainty on the values of
    `table_values`): one row per unit with its rank, median rank, 5th-95th percentile interval, tie group
    and the choice that moves it most; and one line saying units, samples, seed, methodology and time taken.
    Raises ScoreInputError for a table that cannot be read as values of the methodology."""
    values, units = table_values(frame, methodology, register, merge_to_34=merge_to_34)
    started = time.monotonic()
    result = table_uncertainty(values, units, methodology, year, samples=samples).select(UNCERTAINTY_COLUMNS)
    took = time.monotonic() - started
    summary = (
        f"{result.height} unit(s), {samples or methodology.uncertainty.samples} samples, seed "
        f"{methodology.uncertainty.seed}, methodology {methodology.version} ({took:.2f}s)"
    )
    return result, summary
