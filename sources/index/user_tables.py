"""A table of one's own, scored or analysed without the warehouse (`dti score`, `dti uncertainty`): a CSV
file with a `unit` column and one column per indicator, read as text so that every value is parsed
against its indicator's domain (`table_values`), then scored by the one engine (`score_table`)."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl

from sources.index.engine import score
from sources.index.methodology import Methodology
from sources.index.uncertainty import table_uncertainty
from sources.intake.numbers import Domain, number_text, parse_number
from sources.reference.provinces import ProvinceRegister

MAX_PROBLEMS_SHOWN = 25  # of a table given to `dti score`: the first ones, then how many more


class ScoreInputError(ValueError):
    """A table given to `dti score` that cannot be scored, with every problem found in it."""


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


def table_values(
    frame: pl.DataFrame, methodology: Methodology, register: ProvinceRegister, merge_to_34: bool = False
) -> tuple[pl.DataFrame, list[str]]:
    """A wide table (`unit`, optionally `year`, and one column per leaf indicator) as long values (`unit`,
    `reporting_year`, `indicator_code`, `value`) and its units in order. With a `year` column each row is a
    unit in a year (imputation 'carry_forward' reads the earlier years). Every value is read against its indicator's domain ("31.632" is a
    percentage of 31.632, "0.632" a 0-1 score of 0.632); a value outside the domain or that reads two ways
    is refused with its row and column (ScoreInputError). With `merge_to_34`, former units are first merged into the 34
    current ones by the ministry's rule: the unweighted mean of the constituents' values."""
    leaves = [leaf.code for leaf in methodology.leaves]
    problems = []
    if "unit" not in frame.columns:
        problems.append(f"no 'unit' column (found: {', '.join(frame.columns)})")
    missing = [code for code in leaves if code not in frame.columns]
    if missing:
        problems.append(f"no column for indicator(s) {', '.join(missing)} of methodology {methodology.name}")
    if problems:
        raise ScoreInputError("; ".join(problems))
    by_year = "year" in frame.columns
    long_rows, keys = [], []
    for row_number, row in enumerate(frame.iter_rows(named=True), start=2):
        unit = str(row["unit"]).strip() if row["unit"] is not None else ""
        if not unit:
            problems.append(f"row {row_number}, column unit: empty")
            continue
        year = None
        if by_year:
            text = str(row["year"]).strip() if row["year"] is not None else ""
            year = int(text) if text.isdigit() and 1900 <= int(text) <= 2100 else None
            if year is None:
                problems.append(f"row {row_number}, column year: '{text}' is not a reporting year (expected e.g. 2024)")
                continue
        keys.append((unit, year))
        for code in leaves:
            text = row[code]
            if text is None or str(text).strip() == "":
                continue
            domain = Domain.of(methodology.by_code[code])
            parsed = parse_number(text, domain)
            if parsed.error:
                problems.append(f"row {row_number}, column {code}: {parsed.error}")
                continue
            if parsed.value is None:
                continue
            if not domain.contains(parsed.value):
                problems.append(
                    f"row {row_number}, column {code}: '{text}' is outside the domain of {code}: expected a "
                    f"value from {number_text(domain.low)} to {number_text(domain.high)} "
                    f"{methodology.units[methodology.by_code[code].unit].symbol}"
                )
                continue
            long_rows.append({"unit": unit, "reporting_year": year, "indicator_code": code, "value": parsed.value})
    units = list(dict.fromkeys(unit for unit, _ in keys))
    duplicated = sorted({f"{u} {y}" if by_year else u for u, y in keys if keys.count((u, y)) > 1})
    if duplicated:
        problems.append(f"unit(s) listed more than once{' in a year' if by_year else ''}: {', '.join(duplicated)}")
    former = {u: register.resolve(u, 2024).unit for u in units} if merge_to_34 else {}
    not_former = [u for u, unit in former.items() if unit is None]
    if not_former:
        problems.append("--merge-to-34 needs the 63 former units; not a former unit: " + ", ".join(not_former))
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"; and {len(problems) - len(shown)} more problem(s)" if len(problems) > len(shown) else ""
        raise ScoreInputError("; ".join(shown) + more)

    values = pl.DataFrame(
        long_rows, schema={"unit": pl.Utf8, "reporting_year": pl.Int32, "indicator_code": pl.Utf8, "value": pl.Float64}
    )
    if merge_to_34:
        by_codes = all(u.isdigit() for u in units)
        successors = {u: register.successor(unit.code) for u, unit in former.items()}
        label = {u: unit.code if by_codes else unit.name for u, unit in successors.items()}
        values = (
            values.with_columns(pl.col("unit").replace_strict(label))
            .group_by("unit", "reporting_year", "indicator_code", maintain_order=True)
            .agg(pl.col("value").mean())
        )
        units = list(dict.fromkeys(label.values()))
    return values, units


def score_table(
    frame: pl.DataFrame,
    methodology: Methodology,
    register: ProvinceRegister,
    merge_to_34: bool = False,
    year: int | None = None,
) -> pl.DataFrame:
    """Score a wide table (see `table_values`) without the warehouse: score, pillars and rank per unit (and
    per year, when the table has a `year` column; `year` then must not be given)."""
    by_year = "year" in frame.columns
    if by_year and year is not None:
        raise ScoreInputError("the table has a 'year' column: leave out --year")
    values, units = table_values(frame, methodology, register, merge_to_34)
    if not by_year:
        values = values.with_columns(pl.lit(year, dtype=pl.Int32).alias("reporting_year"))
    scores = score(values, methodology, units)
    keys = ["province_code", "reporting_year"]
    wide = scores.pivot(on="ranking", index=keys, values="score_rounded")  # rounded as ranked: by DuckDB
    ranks = scores.filter(pl.col("ranking") == "index").select(*keys, "rank")
    order = {u: i for i, u in enumerate(units)}
    table = (
        wide.select(*keys, pl.col("index").alias("score"), *[p.code for p in methodology.pillars])
        .join(ranks, on=keys, how="left", nulls_equal=True)
        .with_columns(pl.col("rank").cast(pl.Int64))
        .rename({"province_code": "unit", "reporting_year": "year"})
        .sort("year", pl.col("rank").is_null(), "rank", pl.col("unit").replace_strict(order, default=None))
    )
    return table if by_year else table.drop("year")
