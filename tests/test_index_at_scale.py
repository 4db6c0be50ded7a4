"""The index at scale (sql/index_at_scale: scores and ranks only, behind `dti score` and the benchmarks)
against the full engine (sql/index, which fills the warehouse): the same scored flags, scores and ranks
on random data with gaps, for both shipped methodologies and every normalisation and aggregation, and
on the warehouse's own values; and the very same scores on one thread and on two."""

import duckdb
import numpy as np
import polars as pl
import pytest
import yaml

from benchmarks.workloads import synthetic_methodology
from sources.home import methodology_path
from sources.index.engine import compute_scores_at_scale, ranked_nodes, score_table, score_values, scores_at_scale
from sources.index.methodology import Methodology, load_methodology
from sources.reference.provinces import ProvinceRegister
from sources.warehouse.tables import query_frame

YEARS = (2023, 2024, 2025)


def variant(name: str, normalisation: str | None = None, aggregation: str | None = None,
            imputation: str | None = None) -> Methodology:
    """A shipped methodology with its default normalisation, every node's aggregation or its imputation changed."""
    raw = yaml.safe_load(methodology_path(name).read_text(encoding="utf-8"))
    if normalisation:
        raw["normalisation"] = normalisation
        for indicator in raw["indicators"]:
            indicator.pop("normalisation", None)
    if aggregation:
        for node in [raw["index"], *raw["pillars"]]:
            node["aggregation"] = aggregation
    if imputation:
        raw["imputation"] = imputation
    return Methodology.model_validate(raw)


def random_values(methodology: Methodology, units: int, seed: int) -> tuple[pl.DataFrame, list[str]]:
    """Values for `units` units over three years: some beyond the goalposts, rounded so that ties occur,
    15% not reported, and every fifth unit missing most of one pillar (so that min_share bites)."""
    rng = np.random.default_rng(seed)
    names = [f"U{i:03}" for i in range(units)]
    pillar = methodology.pillars[0].children
    rows = []
    for year in YEARS:
        for i, unit in enumerate(names):
            for leaf in methodology.leaves:
                if not leaf.valid_in(year) or rng.uniform() < 0.15 or (i % 5 == 0 and leaf.code in pillar and rng.uniform() < 0.8):
                    continue
                low, high = sorted(leaf.goalposts)
                value = round(rng.uniform(low - 0.2 * (high - low), high + 0.2 * (high - low)), 1)
                rows.append({"unit": unit, "indicator_code": leaf.code, "value": value, "reporting_year": year})
    return pl.DataFrame(rows, schema_overrides={"reporting_year": pl.Int32}), names


def assert_same_scores(expected: pl.DataFrame, actual: pl.DataFrame) -> None:
    keys = ["province_code", "reporting_year", "ranking"]
    joined = expected.join(actual.select(*keys, "score", "scored", "rank"), on=keys, how="left", suffix="_at_scale")
    assert joined.height == expected.height > 0
    assert joined["scored"].to_list() == joined["scored_at_scale"].to_list()
    scored = joined.filter(pl.col("scored"))
    assert scored.height > 0 and scored["score"].null_count() == 0
    assert np.allclose(scored["score"].to_numpy(), scored["score_at_scale"].to_numpy(), rtol=1e-12, atol=1e-12)
    assert scored["rank"].to_list() == scored["rank_at_scale"].to_list()


CASES = [("default", None, None), ("default", "minmax", "geometric"), ("default", "rank", None),
         ("default", "zscore", None), ("dti-922", None, None), ("dti-922", "goalposts", "geometric")]


@pytest.mark.parametrize(("name", "normalisation", "aggregation"), CASES)
def test_the_index_at_scale_gives_the_full_engines_scores_and_ranks(name, normalisation, aggregation):
    methodology = variant(name, normalisation, aggregation)
    values, units = random_values(methodology, units=40, seed=len(name) + len(normalisation or "") + len(aggregation or ""))
    expected = ranked_nodes(score_values(values, methodology, units=units))
    assert expected.filter(~pl.col("scored")).height > 0, "min_share never bit: the case tests less than it says"
    assert_same_scores(expected, scores_at_scale(values, methodology, units))


def test_the_index_at_scale_gives_the_warehouses_ranking(published_home):
    with duckdb.connect(str(published_home.published), read_only=True) as con:
        values = query_frame(con, """
            SELECT province_code AS unit, indicator_code, value, reporting_year FROM marts.indicator_values
            WHERE series = 'as_reported' AND value IS NOT NULL""")
        ranking = query_frame(con, """
            SELECT province_code, reporting_year, ranking, score, rank, true AS scored FROM marts.province_rankings
            WHERE series = 'as_reported'""")
    methodology = load_methodology(methodology_path("default"))
    assert ranking.filter(pl.col("ranking") == "index").height == 63 * 4 + 34
    assert_same_scores(ranking, scores_at_scale(values, methodology))


def test_the_index_at_scale_gives_the_very_same_scores_on_one_thread_and_on_two():
    methodology = synthetic_methodology(60)
    rng = np.random.default_rng(3)
    values = pl.DataFrame({"unit": [f"U{i:05}" for i in range(12_000)], "reporting_year": 2024},
                          schema_overrides={"reporting_year": pl.Int32}).join(
        pl.DataFrame({"indicator_code": [leaf.code for leaf in methodology.leaves]}), how="cross")
    values = values.with_columns(pl.Series("value", rng.uniform(0, 100, values.height)))
    assert values.height == 720_000  # several of DuckDB's row groups, so two threads really split the sums
    one, two = (scores_at_scale(values, methodology, threads=threads).sort("province_code", "ranking")
                .select("province_code", "ranking", "score", "rank") for threads in (1, 2))
    assert one["score"].null_count() == 0
    assert one.equals(two)


def test_dti_score_scores_a_methodology_that_imputes_with_the_full_engine():
    imputing = variant("default", imputation="pillar_mean")
    with pytest.raises(ValueError, match="does not impute"):
        with duckdb.connect() as con:
            compute_scores_at_scale(con, imputing)
    values, units = random_values(imputing, units=12, seed=5)
    # dti score refuses values outside their domain
    values = values.filter(pl.col("reporting_year") == 2024).with_columns(pl.col("value").clip(0, 100))
    wide = values.pivot(on="indicator_code", index="unit", values="value")
    wide = wide.with_columns(pl.lit(None, dtype=pl.Float64).alias(leaf.code) for leaf in imputing.leaves
                             if leaf.code not in wide.columns)
    table = score_table(wide, imputing, ProvinceRegister())
    full = score_values(values, imputing, units=units)["index_scores"]
    assert full["children_imputed"].sum() > 0
    expected = dict(zip(full["province_code"], full["score"].round(imputing.score_decimals)))
    assert dict(zip(table["unit"], table["score"])) == expected
