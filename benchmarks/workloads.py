"""The benchmark workloads: SYNTHETIC inputs built here, and the ways to compute the index at scale that
are compared: the project's SQL, a bare DuckDB aggregate (the floor), and the polars or pandas code a
user would otherwise write."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import yaml

from sources.home import METHODOLOGY_DIR
from sources.index.methodology import Methodology


def synthetic_methodology(indicators: int) -> Methodology:
    """The default methodology's settings with `indicators` synthetic indicators (0–100, goalposts 0–100)
    spread over its pillars, equal weights."""
    raw = yaml.safe_load((METHODOLOGY_DIR / "default.yaml").read_text(encoding="utf-8"))
    codes = [f"synthetic_{i:03}" for i in range(indicators)]
    pillars = [pillar["code"] for pillar in raw["pillars"]]
    raw["version"] = f"benchmark-{indicators}"
    raw["indicators"] = [
        {
            "code": code,
            "name_vi": f"Chỉ tiêu mô phỏng {i}",
            "name_en": f"Synthetic indicator {i}",
            "pillar": pillars[i % len(pillars)],
            "unit": "percent",
            "direction": "positive",
            "kind": "share",
            "valid_from": 2000,
            "domain": [0, 100],
            "goalposts": [0, 100],
        }
        for i, code in enumerate(codes)
    ]
    for pillar in raw["pillars"]:
        pillar["children"] = {code: 1 for i, code in enumerate(codes) if pillars[i % len(pillars)] == pillar["code"]}
    raw["target_subjects"] = []
    return Methodology.model_validate(raw)


def prepare_index_db(path: Path, units: int, indicators: int, years: int) -> int:
    """The index engine's inputs (`units_in`, `values_in`) for units × indicators × years in a DuckDB file:
    SYNTHETIC values from a hash (the same on every run), 5% not reported. Returns the value rows."""
    path.unlink(missing_ok=True)
    con = duckdb.connect(str(path))
    try:
        con.execute(f"""
            CREATE TABLE units_in AS
            SELECT 'input' AS series, NULL::VARCHAR AS unit_set, (2016 + y)::INTEGER AS reporting_year,
                   u::VARCHAR AS province_code, 'SYNTHETIC unit ' || u AS province_name
            FROM range({units}) AS a(u), range({years}) AS b(y);
            CREATE TABLE values_in AS
            SELECT series, reporting_year, province_code, 'synthetic_' || lpad(i::VARCHAR, 3, '0') AS indicator_code,
                   (hash(province_code, i, reporting_year) % 10000) / 100.0 AS value, 'reported' AS value_status,
                   NULL::VARCHAR AS traced_to, true AS is_synthetic
            FROM units_in, range({indicators}) AS c(i)
            WHERE hash(province_code, i, reporting_year, 'missing') % 20 <> 0;
        """)
        return con.execute("SELECT count(*) FROM values_in").fetchall()[0][0]
    finally:
        con.close()


def floor_duckdb_sql() -> str:
    """The floor: one grouped aggregate over the same values."""
    return "SELECT province_code, reporting_year, avg(value) FROM values_in GROUP BY ALL"


def polars_index(values: pl.DataFrame, methodology: Methodology) -> pl.DataFrame:
    """What an analyst would write in polars: goalposts, weighted pillar means, index mean, competition rank."""
    leaves = pl.DataFrame(
        {
            "indicator_code": [leaf.code for leaf in methodology.leaves],
            "worst": [leaf.goalposts[0] for leaf in methodology.leaves],
            "best": [leaf.goalposts[1] for leaf in methodology.leaves],
            "pillar": [methodology.pillars_of(leaf.code)[0].code for leaf in methodology.leaves],
            "weight": [methodology.pillars_of(leaf.code)[0].children[leaf.code] for leaf in methodology.leaves],
        }
    )
    scored = (
        values.lazy()
        .join(leaves.lazy(), on="indicator_code")
        .with_columns(
            ((pl.col("value") - pl.col("worst")) / (pl.col("best") - pl.col("worst"))).clip(0, 1).alias("score")
        )
    )
    pillars = scored.group_by("unit", "reporting_year", "pillar").agg(
        ((pl.col("score") * pl.col("weight")).sum() / pl.col("weight").sum()).alias("score")
    )
    index = (
        pillars.group_by("unit", "reporting_year")
        .agg(pl.col("score").mean())
        .with_columns(
            pl.col("score")
            .round(methodology.score_decimals)
            .rank("min", descending=True)
            .over("reporting_year")
            .alias("rank")
        )
    )
    return index.collect()


def pandas_index(values: pl.DataFrame, methodology: Methodology):
    """The same in pandas."""
    frame = values.to_pandas()
    leaves = {
        leaf.code: (leaf.goalposts[0], leaf.goalposts[1], methodology.pillars_of(leaf.code)[0].code)
        for leaf in methodology.leaves
    }
    frame["pillar"] = frame["indicator_code"].map({k: v[2] for k, v in leaves.items()})
    worst = frame["indicator_code"].map({k: v[0] for k, v in leaves.items()})
    best = frame["indicator_code"].map({k: v[1] for k, v in leaves.items()})
    frame["score"] = ((frame["value"] - worst) / (best - worst)).clip(0, 1)
    pillars = frame.groupby(["unit", "reporting_year", "pillar"], as_index=False)["score"].mean()
    index = pillars.groupby(["unit", "reporting_year"], as_index=False)["score"].mean()
    index["rank"] = index.groupby("reporting_year")["score"].rank(method="min", ascending=False)
    return index


def monte_carlo_problem(units: int = 34, indicators: int = 25):
    from sources.index.uncertainty import Problem

    rng = np.random.default_rng(11)
    values = rng.uniform(0, 100, (units, indicators))
    values[rng.uniform(size=values.shape) < 0.03] = np.nan
    return Problem(
        [f"u{i:02}" for i in range(units)],
        [f"synthetic_{i:03}" for i in range(indicators)],
        values,
        carried=rng.uniform(0, 100, (units, indicators)),
    )


def write_submissions(inbox: Path, files: int, year: int = 2024) -> None:
    """`files` SYNTHETIC submissions of one year, half CSV and half Excel, spread over the 63 provinces."""
    from sources.index.methodology import load_methodology
    from sources.intake.template import write_workbook
    from sources.reference.provinces import ProvinceRegister, unit_set_for

    methodology = load_methodology(METHODOLOGY_DIR / "default.yaml")
    register = ProvinceRegister()
    units = [u for u in register.units if u.unit_set == unit_set_for(year)]
    indicators = methodology.reported_in(year)
    rng = np.random.default_rng(5)
    inbox.mkdir(parents=True, exist_ok=True)
    for i in range(files):
        unit = units[i % len(units)]
        values = {ind.code: float(round(rng.uniform(ind.domain[0], min(ind.domain[1], 100)), 1)) for ind in indicators}
        name = f"SYNTHETIC_bench_{i:04}_{unit.code}"
        if i % 2:
            write_workbook(
                inbox / f"{name}.xlsx",
                methodology,
                register,
                year,
                province=unit.name,
                values=values,
                data_origin="SYNTHETIC",
            )
        else:
            lines = ["province,year,indicator,value,unit,note,data_origin"]
            lines += [f"{unit.name},{year},{code},{value},,,SYNTHETIC" for code, value in values.items()]
            (inbox / f"{name}.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
