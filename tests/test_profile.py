"""Strengths, weaknesses and pillar trends (sources/index/profile.py) on SYNTHETIC values scored by the
engine: an indicator far from the index rank is flagged, one close to it is not, and a pillar's growth is
its compound annual growth."""

import duckdb
import polars as pl
import pytest

from sources.index.engine import score_values
from sources.index.profile import province_strengths


def test_strengths_weaknesses_and_pillar_growth(methodology):
    leaves = [leaf for leaf in methodology.leaves if leaf.valid_in(2025)]
    odd = next(leaf for leaf in leaves if leaf.pillar == "economy")
    rows = []
    for year, lift in ((2023, 0.0), (2025, 0.1)):
        for u in range(9):  # U0 best ... U8 worst on every indicator but `odd`, where the order is reversed
            for leaf in leaves:
                share = (u if leaf is odd else 8 - u) / 10 + lift
                worst, best = leaf.goalposts
                rows.append(
                    {
                        "unit": f"U{u}",
                        "reporting_year": year,
                        "indicator_code": leaf.code,
                        "value": worst + share * (best - worst),
                    }
                )
    marts = score_values(pl.DataFrame(rows), methodology)
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    for name in ("indicator_contributions", "province_rankings"):
        frame = marts[name].with_columns(pl.lit("9").alias("unit_set"))  # the warehouse's marts name their unit set
        if name == "province_rankings":
            frame = frame.with_columns(pl.lit(True).alias("is_synthetic"))
        con.register("frame", frame.to_arrow())
        con.execute(f"CREATE TABLE marts.{name} AS SELECT * FROM frame")
        con.unregister("frame")
    table = province_strengths(con, methodology)
    flagged = table.filter((pl.col("component_type") == "indicator") & (pl.col("reporting_year") == 2025))
    assert set(flagged["component_code"]) == {odd.code}
    by_unit = dict(flagged.select("province_code", "assessment").iter_rows())
    assert by_unit["U8"] == "strength" and by_unit["U0"] == "weakness" and "U4" not in by_unit
    assert by_unit == {u: a for u, a in by_unit.items() if abs(int(u[1]) - 4) >= 2}
    pillars = table.filter(pl.col("component_type") == "pillar")
    assert pillars.height == 2 * 9 * len(methodology.pillars)
    row = pillars.filter(
        (pl.col("province_code") == "U0")
        & (pl.col("component_code") == "government")
        & (pl.col("reporting_year") == 2025)
    ).row(0, named=True)
    first = pillars.filter(
        (pl.col("province_code") == "U0")
        & (pl.col("component_code") == "government")
        & (pl.col("reporting_year") == 2023)
    ).row(0, named=True)
    assert row["growth_base_year"] == 2023 and first["annual_growth"] is None
    assert row["annual_growth"] == pytest.approx((row["score"] / first["score"]) ** 0.5 - 1)
