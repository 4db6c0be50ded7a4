"""The one index engine (sql/index/engine) as its callers see it: `dti score` and the warehouse give the same
scores and ranks for both shipped methodologies and every imputation; the engine gives the same scores on one
thread and on two; and the Monte Carlo of rank uncertainty starts from the engine's scores."""

import shutil

import duckdb
import numpy as np
import polars as pl
import pytest
import yaml
from click.testing import CliRunner

from benchmarks.workloads import synthetic_methodology
from dti.cli import main
from sources.home import methodology_path
from sources.index.engine import build_marts, score, score_values
from sources.index.methodology import Methodology
from sources.index.uncertainty import Simulation, problem_from_long
from sources.warehouse.tables import query_frame

IMPUTATIONS = ("none", "carry_forward", "pillar_mean")
# Each shipped methodology with each imputation, and the default one with COINr's outlier treatment.
VARIANTS = [(name, imputation, "none") for name in ("default", "dti-922") for imputation in IMPUTATIONS]
VARIANTS.append(("default", "none", "winsorise_then_log"))


def variant(name: str, imputation: str, outliers: str = "none") -> dict:
    """A shipped methodology file with its imputation and outlier treatment changed, as YAML data."""
    raw = yaml.safe_load(methodology_path(name).read_text(encoding="utf-8"))
    raw["imputation"] = imputation
    raw["outliers"] = {**raw.get("outliers", {}), "treatment": outliers}
    return raw


def dti_922_figures(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> None:
    """Replace staging.figures by SYNTHETIC figures of dti-922's main indices (0-1) for the units of 2021-2023,
    15% not reported, every seventh unit missing most of a pillar (so that min_share and imputation bite)."""
    template = query_frame(
        con,
        """
        SELECT * EXCLUDE (indicator_code, value) FROM staging.figures
        WHERE reporting_year BETWEEN 2021 AND 2023
        QUALIFY row_number() OVER (PARTITION BY reporting_year, province_code ORDER BY row_number) = 1""",
    )
    rng = np.random.default_rng(22)
    first_pillar = set(methodology.pillars[0].children)
    rows = []
    for i, unit in enumerate(template.iter_rows(named=True)):
        for leaf in methodology.leaves:
            if rng.uniform() < 0.15 or (i % 7 == 0 and leaf.code in first_pillar and rng.uniform() < 0.8):
                continue
            rows.append({**unit, "indicator_code": leaf.code, "value": round(float(rng.uniform(0.05, 0.95)), 4)})
    figures = pl.DataFrame(rows).select(query_frame(con, "SELECT * FROM staging.figures LIMIT 0").columns)
    con.register("new_figures", figures.to_arrow())
    con.execute("CREATE OR REPLACE TABLE staging.figures AS SELECT * FROM new_figures")
    con.unregister("new_figures")


@pytest.fixture(scope="module")
def warehouses(published_home, tmp_path_factory):
    """For each variant: the warehouse's ranking (build_marts on a copy of the demo run's published copy, as
    the pipeline fills the marts), the values it scored (as reported, before any treatment) and how many
    values it imputed or treated."""
    built = {}
    for name, imputation, outliers in VARIANTS:
        folder = tmp_path_factory.mktemp(f"{name}-{imputation}-{outliers}")
        path = folder / "methodology.yaml"
        path.write_text(yaml.safe_dump(variant(name, imputation, outliers), allow_unicode=True), encoding="utf-8")
        methodology = Methodology.model_validate(variant(name, imputation, outliers))
        database = folder / "dti.duckdb"
        shutil.copy(published_home.published, database)
        database.chmod(0o644)
        with duckdb.connect(str(database)) as con:
            if name == "dti-922":
                dti_922_figures(con, methodology)
            build_marts(con, methodology)
            ranks = query_frame(
                con,
                """
                SELECT province_code AS unit, reporting_year AS year, ranking, score_rounded, rank
                FROM marts.province_rankings WHERE series = 'as_reported'""",
            )
            values = query_frame(
                con,
                """
                SELECT province_code AS unit, reporting_year AS year, indicator_code, value
                FROM marts.indicator_values WHERE series = 'as_reported' AND value IS NOT NULL""",
            )
            changed = query_frame(
                con,
                """
                SELECT (SELECT count(*) FROM marts.indicator_scores WHERE value_status = 'imputed_carry_forward')
                     + (SELECT coalesce(sum(children_imputed), 0) FROM marts.pillar_scores)
                     + (SELECT count(*) FROM marts.indicator_scores
                        WHERE outlier_treatment IS NOT NULL AND original_value <> value) AS n""",
            )["n"][0]
        built[name, imputation, outliers] = path, methodology, ranks, values, changed
    return built


@pytest.mark.parametrize(("name", "imputation", "outliers"), VARIANTS)
def test_dti_score_gives_the_warehouses_scores_and_ranks(warehouses, name, imputation, outliers, tmp_path):
    path, methodology, ranks, values, changed = warehouses[name, imputation, outliers]
    if (imputation, outliers) != ("none", "none"):
        assert changed > 0, "the imputation or treatment never applied: the case tests less than it says"
    if imputation == "carry_forward":
        # dti score follows a unit by its label; the warehouse by label within one set of units (63, then 34)
        values, ranks = (frame.filter(pl.col("year") <= 2024) for frame in (values, ranks))
    wide = values.pivot(on="indicator_code", index=["unit", "year"], values="value")
    wide = wide.with_columns(
        pl.lit(None, dtype=pl.Float64).alias(leaf.code) for leaf in methodology.leaves if leaf.code not in wide.columns
    )
    source = tmp_path / "input.csv"
    wide.write_csv(source)
    result = CliRunner().invoke(main, ["score", "--methodology", str(path), str(source)])
    assert result.exit_code == 0, result.output
    scored = pl.read_csv(result.output.encode(), schema_overrides={"unit": pl.Utf8})
    long = (
        scored.unpivot(index=["unit", "year"], variable_name="ranking", value_name="score_rounded")
        .filter(pl.col("ranking") != "rank")
        .with_columns(pl.col("ranking").replace({"score": "index"}))
    )
    expected = ranks.sort("year", "unit", "ranking")
    actual = long.filter(pl.col("score_rounded").is_not_null()).sort("year", "unit", "ranking")
    assert expected.height > 63 and actual.select("unit", "year", "ranking").equals(
        expected.select("unit", "year", "ranking")
    )
    assert actual["score_rounded"].to_list() == expected["score_rounded"].to_list()
    index_ranks = scored.filter(pl.col("rank").is_not_null()).select("unit", "year", "rank").sort("year", "unit")
    assert index_ranks.equals(
        expected.filter(pl.col("ranking") == "index").select("unit", "year", "rank").cast({"rank": pl.Int64})
    )


def test_the_engine_gives_the_very_same_scores_on_one_thread_and_on_two():
    methodology = synthetic_methodology(60)
    rng = np.random.default_rng(3)
    values = pl.DataFrame(
        {"unit": [f"U{i:05}" for i in range(12_000)], "reporting_year": 2024},
        schema_overrides={"reporting_year": pl.Int32},
    ).join(pl.DataFrame({"indicator_code": [leaf.code for leaf in methodology.leaves]}), how="cross")
    values = values.with_columns(pl.Series("value", rng.uniform(0, 100, values.height)))
    assert values.height == 720_000  # several of DuckDB's row groups, so two threads really split the sums
    one, two = (
        score(values, methodology, threads=threads)
        .sort("province_code", "ranking")
        .select("province_code", "ranking", "score", "rank")
        for threads in (1, 2)
    )
    assert one["score"].null_count() == 0
    assert one.equals(two)


@pytest.mark.parametrize("name", ["default", "dti-922"])
def test_the_monte_carlo_starts_from_the_engines_scores(name):
    """The NumPy Monte Carlo (sources/index/uncertainty.py) samples around the methodology as written: its
    nominal index scores are the engine's, to 1e-12."""
    methodology = Methodology.model_validate(variant(name, "none"))
    year = 2023
    leaves = [leaf for leaf in methodology.leaves if leaf.valid_in(year)]
    rng = np.random.default_rng(9)
    units = [f"U{i:02}" for i in range(30)]
    values = pl.DataFrame(
        [
            {
                "unit": u,
                "indicator_code": leaf.code,
                "reporting_year": year,
                "value": float(rng.uniform(*sorted(leaf.goalposts))),
            }
            for u in units
            for leaf in leaves
            if rng.uniform() > 0.1
        ],
        schema_overrides={"reporting_year": pl.Int32},
    )
    problem = problem_from_long(values, units, [leaf.code for leaf in leaves])
    engine = score_values(values, methodology, units=units)["index_scores"].sort("province_code")
    nominal = Simulation(methodology, problem).nominal_scores()
    assert engine["province_code"].to_list() == units
    assert engine["scored"].sum() > 10, "too few units scored: the case tests less than it says"
    assert np.allclose(engine["score"].to_numpy(), nominal, rtol=0, atol=1e-12, equal_nan=True)
