"""Outliers as the JRC and COINr treat them: the sample skewness and excess kurtosis of one indicator's values
across the units of a year, COINr's flag, and its `Treat` rule (winsorise one extreme at a time up to `winmax`
points, then fall back to a log transform of the original values). The index engine (sources/index/engine.py)
applies the methodology's `outliers` settings before normalising; the audit (sources/index/audit.py) reports
what the rule finds either way."""

from __future__ import annotations

import numpy as np
import polars as pl

from sources.index.methodology import Outliers


def skewness(x: np.ndarray) -> float | None:
    """Sample skewness G1 = √(n(n - 1)) / (n - 2) · m₃ / m₂^(3/2), mᵣ = Σ(x - x̄)ʳ / n, of the values
    present: Excel's SKEW, e1071's type 2 and COINr's `skew`. None below 3 values or with no spread."""
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return None
    d = x - x.mean()
    m2, m3 = (d**2).mean(), (d**3).mean()
    if m2 == 0:
        return None
    return float(np.sqrt(n * (n - 1)) / (n - 2) * m3 / m2**1.5)


def kurtosis(x: np.ndarray) -> float | None:
    """Sample excess kurtosis G2 = ((n + 1)(m₄ / m₂² - 3) + 6) · (n - 1) / ((n - 2)(n - 3)) of the values
    present (0 for a normal distribution): Excel's KURT, e1071's type 2 and COINr's `kurt`. None below 4
    values or with no spread."""
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return None
    d = x - x.mean()
    m2, m4 = (d**2).mean(), (d**4).mean()
    if m2 == 0:
        return None
    return float(((n + 1) * (m4 / m2**2 - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def is_outlying(x: np.ndarray, skew_thresh: float, kurt_thresh: float) -> bool:
    """COINr's outlier flag (get_stats: Flag.SkewKurt): |skewness| > skew_thresh and kurtosis > kurt_thresh."""
    skew, kurt = skewness(x), kurtosis(x)
    return skew is not None and kurt is not None and abs(skew) > skew_thresh and kurt > kurt_thresh


def _passes(x: np.ndarray, settings: Outliers) -> bool:
    """COINr's check_SkewKurt: |skewness| < skew_thresh or kurtosis < kurt_thresh. Values whose statistics are
    undefined (too few, or no spread) pass: there is nothing to treat."""
    skew, kurt = skewness(x), kurtosis(x)
    return skew is None or kurt is None or abs(skew) < settings.skew_thresh or kurt < settings.kurt_thresh


def winsorise(x: np.ndarray, settings: Outliers) -> tuple[np.ndarray, list[str | None]]:
    """COINr's `winsorise`: while the values fail the check and fewer than `winmax` points are winsorised,
    the most extreme value(s), high when the skewness is ≥ 0 and low otherwise, take the value of the next
    one. Tied extremes move together, so each pass makes the tie grow and the count is the size of the
    tie at each end. Returns the values and, per value, 'winhi', 'winlo' or None."""
    x = x.copy()
    high: np.ndarray = np.zeros(x.size, bool)
    low: np.ndarray = np.zeros(x.size, bool)
    count = 0
    while not _passes(x, settings) and count < settings.winmax:
        present = ~np.isnan(x)
        if skewness(x) >= 0:
            extreme = present & (x == np.nanmax(x))
            if extreme.sum() == present.sum():
                break
            x[extreme] = np.nanmax(x[present & ~extreme])
            high = extreme
        else:
            extreme = present & (x == np.nanmin(x))
            if extreme.sum() == present.sum():
                break
            x[extreme] = np.nanmin(x[present & ~extreme])
            low = extreme
        count = int(high.sum() + low.sum())
    return x, ["winhi" if h else "winlo" if lo else None for h, lo in zip(high, low)]


def log_transform(x: np.ndarray) -> np.ndarray:
    """COINr's `log_CT`: log(x - min + 0.01 · (max - min)), over the values present."""
    low, high = np.nanmin(x), np.nanmax(x)
    with np.errstate(divide="ignore"):
        return np.log(x - low + 0.01 * (high - low))


def treat_vector(x: np.ndarray, settings: Outliers) -> tuple[np.ndarray, list[str | None]]:
    """COINr's Treat rule on one indicator's values across the units of a year (NaN = not reported): if they
    fail the skewness-kurtosis check, winsorise; if they still fail, log-transform the original values
    (COINr's default, combine_treat = FALSE) whether or not that passes. Returns the values and, per
    value, the treatment ('winhi', 'winlo', 'log_CT' or None)."""
    if _passes(x, settings):
        return x.copy(), [None] * x.size
    winsorised, labels = winsorise(x, settings)
    if _passes(winsorised, settings):
        return winsorised, labels
    return log_transform(x), [None if np.isnan(v) else "log_CT" for v in x]


GROUP_KEYS = ("series", "unit_set", "reporting_year", "indicator_code")


def treat_outliers(values: pl.DataFrame, settings: Outliers) -> pl.DataFrame:
    """Outlier treatment of long values (a `value` column, grouped by the columns of GROUP_KEYS present: one
    indicator of one year across its units) by the methodology's `outliers` settings. Returns the frame
    with `value` treated, `original_value` as it came, `treated` (whether the value changed) and
    `treatment` ('winhi', 'winlo', 'log_CT' or null). With treatment `none` the values are unchanged."""
    keys = [k for k in GROUP_KEYS if k in values.columns]
    out = values.with_row_index("_row").with_columns(pl.col("value").cast(pl.Float64).alias("original_value"))
    if settings.treatment == "none" or out.is_empty():
        return out.drop("_row").with_columns(pl.lit(False).alias("treated"), pl.lit(None, pl.Utf8).alias("treatment"))
    parts = []
    for _, group in out.group_by(keys, maintain_order=True) if keys else [((), out)]:
        original = group["original_value"].fill_null(np.nan).to_numpy()
        treated, labels = treat_vector(original, settings)
        parts.append(
            group.select("_row").with_columns(
                pl.Series("value", treated, pl.Float64).fill_nan(None), pl.Series("treatment", labels, pl.Utf8)
            )
        )
    changes = pl.concat(parts)
    return (
        out.drop("value")
        .join(changes, on="_row", how="left")
        .sort("_row")
        .with_columns(pl.col("treatment").is_not_null().alias("treated"))
        .select(*values.columns, "original_value", "treated", "treatment")
    )
