"""Progress towards a target as statistics offices measure it: the progress measure of Statistics Canada
adopted by Open SDG (open-sdg/sdg-build `sdg/ProgressMeasure.py`; open-sdg docs/progress-methodology.md).

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

from dataclasses import dataclass
from typing import Literal

ZERO_REPLACEMENT = 0.001
WITH_TARGET = (0.95, 0.60, 0.0)  # on track, acceleration needed, limited progress: lower bounds of R
WITHOUT_TARGET = (0.015, 0.005, 0.0)  # the same bounds on the directed growth rate
LIMIT_EXPONENT = 4.44

STATUSES = ("target met", "on track", "acceleration needed", "limited progress", "deterioration", "no data")
OPEN_SDG_STATUS = {
    "target met": "target_achieved",
    "on track": "substantial_progress",
    "acceleration needed": "moderate_progress",
    "limited progress": "limited_progress",
    "deterioration": "deterioration",
    "no data": "not_available",
}


@dataclass(frozen=True)
class Progress:
    """The progress measure of one series: `value` is R (with a target) or the directed growth rate
    (without), None when it cannot be computed; `status` one of STATUSES; `thresholds` those applied."""

    value: float | None
    status: str
    growth: float | None
    required_growth: float | None
    thresholds: tuple[float, float, float]


def compound_annual_growth(latest: float, base: float, latest_year: float, base_year: float) -> float:
    """The compound annual growth rate from `base` in `base_year` to `latest` in `latest_year`."""
    return (latest / base) ** (1 / (latest_year - base_year)) - 1


def limit_factor(base: float, limit: float) -> float:
    """The factor C (0 to 1) scaling the thresholds above zero down near a natural limit."""
    base, limit = abs(base), abs(limit)
    if base >= 2 * limit:
        return 1.0
    if base <= limit:
        return 1 - (base / limit) ** LIMIT_EXPONENT
    return 1 - ((2 * limit - base) / limit) ** LIMIT_EXPONENT


def _status(value: float, thresholds: tuple[float, float, float]) -> str:
    on_track, acceleration, limited = thresholds
    if value >= on_track:
        return "on track"
    if value >= acceleration:
        return "acceleration needed"
    if value >= limited:
        return "limited progress"
    return "deterioration"


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
    if target is not None:
        target = ZERO_REPLACEMENT if target == 0 else target
        thresholds = WITH_TARGET
        if (d == 1 and latest >= target) or (d == -1 and latest <= target):
            return Progress(None, "target met", None, None, thresholds)
    else:
        thresholds = WITHOUT_TARGET
    base = ZERO_REPLACEMENT if base == 0 else base
    if latest_year - base_year < 1 or (base > 0 > latest) or (base < 0 < latest):
        return Progress(None, "no data", None, None, thresholds)
    sign = -1 if base < 0 else 1
    growth = compound_annual_growth(latest, base, latest_year, base_year)
    if target is None:
        if limit is not None:
            factor = limit_factor(base, limit)
            thresholds = tuple(t * factor for t in thresholds)
        value = sign * d * growth
        return Progress(value, _status(value, thresholds), growth, None, thresholds)
    required = compound_annual_growth(target, base, target_year, base_year)
    value = sign * d * growth / abs(required)
    return Progress(value, _status(value, thresholds), growth, required, thresholds)
