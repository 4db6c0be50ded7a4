"""Why a score and a rank moved (sources/index/explain.py): the parts of every indicator add up to the index
change to 1e-12, with arithmetic and geometric aggregation, an indicator gained or lost and a change of
methodology; the rank change is told by who overtook whom; and on the demo run, marts.score_change_attribution
and `dti explain` answer for Thái Nguyên 2024 → 2025."""

import shutil

import duckdb
import numpy as np
import polars as pl
import pytest

from sources.home import methodology_path
from sources.index.engine import score_values
from sources.index.explain import (
    Scored,
    attribute_change,
    attribute_pillar_change,
    build_pillar_change_attribution,
    build_score_change_attribution,
    framework_children,
    pillar_leaves,
)
from sources.index.methodology import Methodology, load_methodology
from sources.index.plan import build_target_paths
from sources.index.profile import build_province_strengths
from tests.conftest import dti_command

YEARS = (2023, 2024)
UNITS = [f"U{i:02}" for i in range(12)]


def _values(methodology: Methodology, seed: int = 5) -> pl.DataFrame:
    """SYNTHETIC values of every leaf valid in both years for 12 units; U01 loses an indicator in 2024 and
    U02 gains one (missing in 2023)."""
    rng = np.random.default_rng(seed)
    leaves = [leaf for leaf in methodology.leaves if all(leaf.valid_in(y) for y in YEARS)]
    lost, gained = leaves[0].code, leaves[1].code
    rows = [
        {
            "unit": u,
            "reporting_year": y,
            "indicator_code": leaf.code,
            "value": float(rng.uniform(*sorted(leaf.goalposts))),
        }
        for y in YEARS
        for u in UNITS
        for leaf in leaves
        if not (u == "U01" and y == 2024 and leaf.code == lost)
        and not (u == "U02" and y == 2023 and leaf.code == gained)
    ]
    return pl.DataFrame(rows, schema_overrides={"reporting_year": pl.Int32})


def _variant(methodology: Methodology, **changes) -> Methodology:
    raw = methodology.model_dump()
    for path, value in changes.items():
        *parents, last = path.split("__")
        target = raw
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value
    return Methodology.model_validate(raw)


def _assert_exact(table: pl.DataFrame) -> pl.DataFrame:
    per_province = table.group_by("province_code").agg(
        (pl.col("value_part") + pl.col("weight_part") + pl.col("methodology_part")).sum().alias("parts"),
        pl.col("non_additive_part").first(),
        pl.col("index_change").first(),
        pl.col("index_from").first(),
        pl.col("index_to").first(),
    )
    assert per_province.height == len(UNITS)
    gap = (per_province["parts"] + per_province["non_additive_part"] - per_province["index_change"]).abs()
    assert gap.max() < 1e-12
    assert ((per_province["index_to"] - per_province["index_from"]) - per_province["index_change"]).abs().max() == 0
    return per_province


def test_the_parts_add_up_to_the_change_with_an_indicator_gained_and_one_lost(methodology):
    values = _values(methodology)
    marts = score_values(values, methodology, UNITS)
    table = attribute_change(Scored.of(marts, 2023), Scored.of(marts, 2024))
    per_province = _assert_exact(table)
    # arithmetic aggregation: the contributions carry the whole change
    assert per_province["non_additive_part"].abs().max() < 1e-12
    assert per_province["index_change"].abs().min() > 1e-4, "SYNTHETIC values that barely move test less"
    leaves = [leaf.code for leaf in methodology.leaves if all(leaf.valid_in(y) for y in YEARS)]
    lost = table.filter((pl.col("province_code") == "U01") & (pl.col("indicator_code") == leaves[0])).row(0, named=True)
    gained = table.filter((pl.col("province_code") == "U02") & (pl.col("indicator_code") == leaves[1])).row(
        0, named=True
    )
    assert lost["coverage"] == "lost" and gained["coverage"] == "gained"
    assert lost["value_part"] == 0 and lost["weight_part"] == pytest.approx(-lost["contribution_from"], abs=1e-15)
    assert gained["weight_part"] == pytest.approx(gained["contribution_to"], abs=1e-15)
    # a lost indicator moves its siblings' effective weights: their weight parts are not zero
    siblings = table.filter((pl.col("province_code") == "U01") & (pl.col("coverage") == "both"))
    assert siblings["weight_part"].abs().max() > 1e-6
    untouched = table.filter(~pl.col("province_code").is_in(["U01", "U02"]))
    assert untouched["weight_part"].abs().max() < 1e-15, "same weights both years: the value parts say it all"
    assert table["methodology_part"].abs().max() == 0


def test_geometric_aggregation_leaves_a_non_additive_part_and_still_adds_up(methodology):
    geometric = _variant(methodology, index__aggregation="geometric")
    marts = score_values(_values(geometric), geometric, UNITS)
    per_province = _assert_exact(attribute_change(Scored.of(marts, 2023), Scored.of(marts, 2024)))
    assert per_province["non_additive_part"].abs().max() > 1e-6


def test_a_change_of_methodology_gets_its_own_part(methodology):
    """2023 scored by the methodology as written, 2024 by one where the first pillar weighs three times as
    much: the methodology part of each indicator is its contribution change on the 2023 values, and the
    methodology parts add up to the index change the new methodology alone makes."""
    first = methodology.index.children
    heavier = _variant(
        methodology, index__children={c: w * (3 if i == 0 else 1) for i, (c, w) in enumerate(first.items())}
    )
    values = _values(methodology)
    old = score_values(values, methodology, UNITS)
    new = score_values(values, heavier, UNITS)
    before, bridge, after = Scored.of(old, 2023), Scored.of(new, 2023), Scored.of(new, 2024)
    table = attribute_change(before, after, bridge)
    per_province = _assert_exact(table.with_columns(pl.col("index_to") - 0.0))
    methodology_effect = (
        bridge.index.join(before.index, on="province_code", suffix="_old")
        .select("province_code", (pl.col("score") - pl.col("score_old")).alias("effect"))
        .join(table.group_by("province_code").agg(pl.col("methodology_part").sum()), on="province_code")
    )
    assert (methodology_effect["effect"] - methodology_effect["methodology_part"]).abs().max() < 1e-12
    assert methodology_effect["effect"].abs().max() > 1e-4
    assert per_province.height == len(UNITS)


def test_the_rank_change_is_told_by_who_overtook_whom(methodology):
    marts = score_values(_values(methodology, seed=11), methodology, UNITS)
    table = attribute_change(Scored.of(marts, 2023), Scored.of(marts, 2024))
    ranks = table.group_by("province_code").agg(pl.col("rank_from", "rank_to", "overtook", "overtaken_by").first())
    by_code = {r["province_code"]: r for r in ranks.iter_rows(named=True)}
    moved = 0
    for row in by_code.values():
        overtook = {
            c for c, o in by_code.items() if o["rank_from"] < row["rank_from"] and o["rank_to"] > row["rank_to"]
        }
        overtaken = {
            c for c, o in by_code.items() if o["rank_from"] > row["rank_from"] and o["rank_to"] < row["rank_to"]
        }
        assert set((row["overtook"] or "").split("; ")) - {""} == overtook
        assert set((row["overtaken_by"] or "").split("; ")) - {""} == overtaken
        moved += bool(overtook or overtaken)
    assert moved >= 4, "SYNTHETIC ranks that barely move test less"


def test_thai_nguyen_2024_to_2025_on_the_demo_run(published_home):
    """The issue's acceptance: the parts of Thái Nguyên's index change from 2024 (restated on the 34 units,
    the only series comparing the 63 former units' year with the 34 units' year) to 2025 add up to it, in
    the published mart and in `dti explain`."""
    with duckdb.connect(str(published_home.published), read_only=True) as con:
        table = con.sql("SELECT * FROM marts.score_change_attribution").pl()
        expected = con.execute("""
            SELECT max(score) FILTER (reporting_year = 2025) - max(score) FILTER (reporting_year = 2024)
            FROM marts.index_scores WHERE series = 'restated_34' AND province_name = 'Thái Nguyên'""").fetchone()[0]
    pairs = set(table.select("series", "from_year", "to_year").unique().iter_rows())
    assert ("restated_34", 2024, 2025) in pairs and ("as_reported", 2024, 2025) not in pairs
    assert ("as_reported", 2023, 2024) in pairs
    thai = table.filter(
        (pl.col("province_name") == "Thái Nguyên") & (pl.col("from_year") == 2024) & (pl.col("series") == "restated_34")
    )
    parts = (thai["value_part"] + thai["weight_part"] + thai["methodology_part"]).sum() + thai["non_additive_part"][0]
    assert abs(parts - expected) < 1e-12 and abs(thai["index_change"][0] - expected) < 1e-12
    done = dti_command(published_home.root, "explain", "--province", "thai nguyen", "--from", "2024", "--to", "2025")
    assert done.returncode == 0, done.stderr
    assert "Thái Nguyên (19), 2024 → 2025" in done.stdout
    assert f"{expected:+.4f}  = thay đổi điểm chỉ số / the index change" in done.stdout
    for code in thai["indicator_code"]:
        assert f"  {code} " in done.stdout
    unknown = dti_command(published_home.root, "explain", "--province", "Atlantis", "--from", "2024", "--to", "2025")
    assert unknown.returncode == 1 and "not found" in unknown.stderr


def test_each_pillars_change_is_split_exactly_into_its_indicators_parts(methodology):
    """The pillar attribution (issue 17, part 1 on pillars): under arithmetic aggregation each pillar's
    parts add up to its change, with an indicator lost and one gained, and the weights within a pillar add
    up to 1; with a bridge, a change of methodology gets its own part and the sum still holds."""
    marts = score_values(_values(methodology), methodology, UNITS)
    table = attribute_pillar_change(Scored.of(marts, 2023), Scored.of(marts, 2024), framework_children(methodology))
    assert set(table["pillar_code"]) == {p.code for p in methodology.pillars}
    leaves = pillar_leaves(framework_children(methodology))
    assert set(leaves) == {p.code for p in methodology.pillars}
    assert all(set(rows["indicator_code"]) <= set(leaves[p]) for (p,), rows in table.group_by("pillar_code"))
    per_pillar = table.group_by("pillar_code", "province_code").agg(
        (pl.col("value_part") + pl.col("weight_part") + pl.col("methodology_part")).sum().alias("parts"),
        pl.col("non_additive_part").first(),
        pl.col("pillar_change").first(),
        pl.col("weight_to").filter(pl.col("score_to").is_not_null()).sum().alias("weights"),
    )
    assert per_pillar.height == len(UNITS) * len(methodology.pillars)
    assert (per_pillar["parts"] - per_pillar["pillar_change"]).abs().max() < 1e-12
    assert per_pillar["non_additive_part"].abs().max() < 1e-12
    assert (per_pillar["weights"] - 1).abs().max() < 1e-12
    assert per_pillar["pillar_change"].abs().min() > 1e-5, "SYNTHETIC values that barely move test less"
    pillars = marts["province_rankings"].filter(pl.col("ranking") != "index")
    first = per_pillar.row(0, named=True)
    scores = dict(
        pillars.filter(
            (pl.col("ranking") == first["pillar_code"]) & (pl.col("province_code") == first["province_code"])
        )
        .select("reporting_year", "score")
        .iter_rows()
    )
    assert first["pillar_change"] == pytest.approx(scores[2024] - scores[2023], abs=1e-15)

    heavier = _variant(
        methodology, pillars__0__children={c: 1 + i for i, c in enumerate(methodology.pillars[0].children)}
    )
    bridge = score_values(_values(methodology).filter(pl.col("reporting_year") == 2023), heavier, UNITS)
    after = score_values(_values(methodology), heavier, UNITS)
    bridged = attribute_pillar_change(
        Scored.of(marts, 2023), Scored.of(after, 2024), framework_children(heavier), Scored.of(bridge, 2023)
    )
    sums = bridged.group_by("pillar_code", "province_code").agg(
        (pl.col("value_part") + pl.col("weight_part") + pl.col("methodology_part")).sum()
        - pl.col("pillar_change").first()
    )
    assert sums[:, -1].abs().max() < 1e-12
    moved = bridged.filter(pl.col("pillar_code") == methodology.pillars[0].code)["methodology_part"].abs().max()
    assert (
        moved > 1e-6
        and bridged.filter(pl.col("pillar_code") != methodology.pillars[0].code)["methodology_part"].abs().max() < 1e-15
    )


def test_a_warehouse_of_one_reporting_year_builds_every_analysis_empty_or_whole(published_home, tmp_path):
    """A first run holds one reporting year: nothing to compare, and no analysis may fail for it (found by
    `make bench`: 1,000 files of one year stopped the publication)."""
    database = tmp_path / "dti.duckdb"
    shutil.copy(published_home.published, database)
    database.chmod(0o644)
    methodology = load_methodology(methodology_path())
    with duckdb.connect(str(database)) as con:
        for table in (
            "indicator_values",
            "index_scores",
            "pillar_scores",
            "indicator_contributions",
            "province_rankings",
            "indicator_scores",
            "rank_uncertainty",
        ):
            con.execute(f"DELETE FROM marts.{table} WHERE reporting_year <> 2025")
        assert build_score_change_attribution(con) == build_pillar_change_attribution(con) == 0
        assert con.execute("SELECT count(*) FROM marts.score_change_attribution").fetchall() == [(0,)]
        build_target_paths(con, methodology)
        assert build_province_strengths(con, methodology) > 0
