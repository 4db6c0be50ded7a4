"""Progress towards a target as statistics offices measure it: the progress measure of Statistics Canada
adopted by Open SDG (open-sdg/sdg-build `sdg/ProgressMeasure.py`; open-sdg docs/progress-methodology.md).

The arithmetic lives once, in SQL macros (sql/warehouse/00_progress.sql), which marts.target_gaps calls when
the methodology says `gap_status.method: open_sdg`; this module evaluates the same macros for Python callers
(marts.province_strengths' pillar growth, the tests of the documented cases).

- Growth is the compound annual growth rate between a base year and the latest year,
  CAGR = (y_latest / y_base)^(1 / (t_latest - t_base)) - 1.
- With a target y_T for year t_T: R = s · d · CAGR_observed / |CAGR_required|, where CAGR_required is the
  growth from the base value to the target by the target year, d = +1 when higher is better (-1 otherwise)
  and s = -1 when the base value is negative (else +1). R ≥ 0.95: on track; 0.60 ≤ R < 0.95: progress made
  but acceleration needed; 0 ≤ R < 0.60: limited progress; R < 0: deterioration. A latest value that
  already meets the target (≥ it when higher is better, ≤ it otherwise) is "target achieved", whatever R.
- Without a target: the directed growth s · d · CAGR against fixed thresholds 1.5% / 0.5% / 0, which a
  natural limit (e.g. 100% for a share) scales down by C = 1 - (y_base / limit)^4.44 near it (and
  symmetrically above a minimum limit), as the documentation defines.
- A base value or a target of exactly zero is replaced by 0.001 (a growth rate from zero is undefined);
  base and latest values of opposite signs, fewer than two years or a base year after the latest give no
  status ("not available").

The statuses are named as this project names them (marts.target_gaps): target met, on track, acceleration
needed, limited progress, deterioration, no data; `OPEN_SDG_STATUS` gives Open SDG's own codes."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Literal

import duckdb

from sources.home import PROJECT_ROOT

MACROS = PROJECT_ROOT / "sql" / "warehouse" / "00_progress.sql"

STATUSES = ("target met", "on track", "acceleration needed", "limited progress", "deterioration", "no data")
OPEN_SDG_STATUS = {
    "target met": "target_achieved",
    "on track": "substantial_progress",
    "acceleration needed": "moderate_progress",
    "limited progress": "limited_progress",
    "deterioration": "deterioration",
    "no data": "not_available",
}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Progress:
    """The progress measure of one series: `value` is R (with a target) or the directed growth rate
    (without), None when it cannot be computed or the target is met; `status` one of STATUSES;
    `thresholds` those applied."""

    value: float | None
    status: str
    growth: float | None
    required_growth: float | None
    thresholds: tuple[float, float, float]


def load_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The progress measure's macros (sql/warehouse/00_progress.sql) on `con`, for the SQL that rates targets
    and trends there."""
    con.execute(MACROS.read_text(encoding="utf-8"))


@cache
def _connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the macros (one per process; calls are serialised by _LOCK)."""
    con = duckdb.connect()
    load_macros(con)
    return con


def _evaluate(sql: str, parameters: list | dict) -> tuple:
    """The one row of `sql` (a SELECT on the macros)."""
    with _LOCK:
        return _connection().execute(sql, parameters).fetchall()[0]


def compound_annual_growth(latest: float, base: float, latest_year: float, base_year: float) -> float:
    """The compound annual growth rate from `base` in `base_year` to `latest` in `latest_year`."""
    return _evaluate(
        "SELECT compound_annual_growth(?::DOUBLE, ?::DOUBLE, ?::DOUBLE, ?::DOUBLE)",
        [latest, base, latest_year, base_year],
    )[0]


def limit_factor(base: float, limit: float) -> float:
    """The factor C (0 to 1) scaling the thresholds above zero down near a natural limit."""
    return _evaluate("SELECT open_sdg_limit_factor(?::DOUBLE, ?::DOUBLE)", [base, limit])[0]


def progress(
    base: float,
    base_year: int,
    latest: float,
    latest_year: int,
    direction: Literal["positive", "negative"],
    target: float | None = None,
    target_year: int = 2030,
    limit: float | None = None,
) -> Progress:
    """The Open SDG progress measure of a series from (base_year, base) to (latest_year, latest), towards
    `target` by `target_year` when there is one; `limit` is a natural limit, used only without a target."""
    d = 1 if direction == "positive" else -1
    value, met, growth, required, thresholds, status = _evaluate(
        """SELECT *, open_sdg_status(value, met, thresholds)
           FROM (SELECT open_sdg_value($base, $base_year, $latest, $latest_year, $d, $target, $target_year) AS value,
                        open_sdg_target_met($latest, $d, $target) AS met,
                        open_sdg_growth($base, $base_year, $latest, $latest_year),
                        open_sdg_required_growth($base, $base_year, $target, $target_year),
                        open_sdg_thresholds($target IS NOT NULL, $base, $limit) AS thresholds)""",
        {
            "base": float(base),
            "base_year": base_year,
            "latest": float(latest),
            "latest_year": latest_year,
            "d": d,
            "target": None if target is None else float(target),
            "target_year": target_year,
            "limit": None if limit is None else float(limit),
        },
    )
    if met:
        return Progress(None, status, None, None, tuple(thresholds))
    return Progress(value, status, growth, required, tuple(thresholds))
