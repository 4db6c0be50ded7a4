"""The audit (sources/index/audit.py): each statistic checked by hand on small tables, COINr's outlier rule
case by case, the Sobol wrapper on models whose indices are known, and the audit on the demo run."""

import time

import duckdb
import numpy as np
import polars as pl
import pytest
from SALib.analyze import sobol as sobol_analysis
from scipy import stats

from sources.index.audit import (
    COLLINEAR,
    audit_report,
    correlation,
    cronbach_alpha,
    principal_components,
)
from sources.index.methodology import Outliers
from sources.index.outliers import kurtosis, skewness, treat_outliers, treat_vector, winsorise
from sources.index.uncertainty import Problem, rank_sobol, sobol_design, sobol_indices
from tests.conftest import dti_command

RULE = Outliers(treatment="winsorise_then_log")


def test_cronbach_alpha_by_hand():
    # 4 units × 3 items.
    #   item 1: 1 2 3 4   mean 2.5, squared deviations 2.25 .25 .25 2.25 = 5, variance 5/3
    #   item 2: 2 2 4 4   mean 3,   squared deviations 1 1 1 1 = 4,           variance 4/3
    #   item 3: 1 3 2 4   mean 2.5, squared deviations 5,                      variance 5/3
    #   totals: 4 7 9 12  mean 8,   squared deviations 16 1 1 16 = 34,         variance 34/3
    #   alpha = k/(k-1) (1 - Σ item variances / total variance) = 3/2 (1 - (14/3)/(34/3)) = 3/2 · 20/34 = 15/17
    table = np.array([[1, 2, 1], [2, 2, 3], [3, 4, 2], [4, 4, 4]], dtype=float)
    assert cronbach_alpha(table) == pytest.approx(15 / 17, abs=1e-12)
    assert cronbach_alpha(table[:, :1]) is None


def test_cronbach_alpha_is_the_textbook_formula_and_takes_pairwise_covariances():
    rng = np.random.default_rng(3)
    table = rng.normal(size=(30, 5)) + rng.normal(size=(30, 1))
    k = table.shape[1]
    textbook = k / (k - 1) * (1 - table.var(axis=0, ddof=1).sum() / table.sum(axis=1).var(ddof=1))
    assert cronbach_alpha(table) == pytest.approx(textbook, abs=1e-12)
    # With a missing value each covariance is taken on the units where both items are present (COINr's
    # get_cronbach, use = "pairwise.complete.obs"): dropping the unit everywhere gives another number.
    holed = table.copy()
    holed[0, 0] = np.nan
    assert cronbach_alpha(holed) != pytest.approx(cronbach_alpha(table[1:]), abs=1e-6)
    assert 0 < cronbach_alpha(holed) < 1


def test_pca_on_two_variables_has_eigenvalues_one_plus_and_minus_r():
    # x = 1 2 3 4, y = 1 3 2 4: deviations (-1.5 -.5 .5 1.5) and (-1.5 .5 -.5 1.5), Σ products 4, Σ squares
    # 5 and 5, so r = 0.8; the correlation matrix [[1, r], [r, 1]] has eigenvalues 1 + r = 1.8 and 1 - r = 0.2.
    # A unit with a missing value is dropped (complete cases, as COINr's get_PCA).
    table = np.array([[1, 1], [2, 3], [3, 2], [4, 4], [9, np.nan]], dtype=float)
    eigenvalues, complete = principal_components(table)
    assert complete == 4
    assert eigenvalues == pytest.approx([1.8, 0.2], abs=1e-12)
    assert principal_components(np.array([[1, 5], [2, 5], [3, 5.0]]))[0] is None  # a constant column


def test_skewness_and_kurtosis_by_hand():
    # x = 1 2 3 4 10: mean 4, deviations -3 -2 -1 0 6; m2 = 50/5 = 10, m3 = 180/5 = 36, m4 = 1394/5 = 278.8.
    # G1 = √(n(n-1))/(n-2) · m3/m2^1.5 = √20/3 · 36/10^1.5 = 1.697056 (Excel SKEW).
    # G2 = ((n+1)(m4/m2² - 3) + 6)(n-1)/((n-2)(n-3)) = (6 · -0.212 + 6) · 4/6 = 3.152 (Excel KURT).
    x = np.array([1, 2, 3, 4, 10], dtype=float)
    assert skewness(x) == pytest.approx(np.sqrt(20) / 3 * 36 / 10**1.5, abs=1e-12)
    assert skewness(x) == pytest.approx(1.697056, abs=1e-6)
    assert kurtosis(x) == pytest.approx(3.152, abs=1e-12)
    rng = np.random.default_rng(1)
    y = rng.lognormal(size=40)
    assert skewness(y) == pytest.approx(stats.skew(y, bias=False), abs=1e-10)
    assert kurtosis(y) == pytest.approx(stats.kurtosis(y, fisher=True, bias=False), abs=1e-10)
    assert skewness(np.array([1.0, np.nan, 2.0, 3.0, 10.0])) == pytest.approx(skewness(np.array([1.0, 2.0, 3.0, 10.0])))
    assert skewness(np.array([1.0, 2.0])) is None and kurtosis(np.array([1.0, 2.0, 3.0])) is None
    assert skewness(np.full(5, 3.0)) is None


def test_values_that_pass_are_left_alone():
    x = np.arange(1, 11, dtype=float)  # skewness 0, kurtosis -1.2
    treated, labels = treat_vector(x, RULE)
    assert (treated == x).all() and labels == [None] * 10


def test_winsorising_the_high_end_as_coinr():
    # COINr's example: 1..10, 30, 100 (skewness 3.06, kurtosis 9.74) fails; the maximum 100 takes the next
    # value, 30; then skewness 1.71, kurtosis 1.82 pass and one point is winsorised.
    x = np.array([*range(1, 11), 30, 100], dtype=float)
    assert skewness(x) > 2 and kurtosis(x) > 3.5
    treated, labels = treat_vector(x, RULE)
    assert treated.tolist() == [*range(1, 11), 30, 30]
    assert labels == [None] * 11 + ["winhi"]


def test_winsorising_the_low_end_when_the_skewness_is_negative():
    x = -np.array([*range(1, 11), 30, 100], dtype=float)
    treated, labels = treat_vector(x, RULE)
    assert treated[-1] == -30 and labels[-1] == "winlo" and labels.count(None) == 11


def test_tied_extremes_move_together_and_count():
    # 1 ×14 then Fibonacci 2..233: 233 → 144 (1 point), then the tie 144, 144 → 89 (2 points) and it passes;
    # as in COINr, the points of the last tie are the ones marked.
    x = np.array([1] * 14 + [2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233], dtype=float)
    treated, labels = winsorise(x, RULE)
    assert treated[-3:].tolist() == [89, 89, 89] and labels[-2:] == ["winhi", "winhi"] and labels.count(None) == 23


def test_log_fallback_after_winmax_points():
    # 100 ones and 50..120: five passes winsorise 120, 110, 100, 90, 80 down to 70 and it still fails
    # (skewness 3.36, kurtosis 9.59), so the ORIGINAL values are log-transformed: log(x - min + 0.01 (max - min)).
    x = np.array([1] * 100 + [50, 60, 70, 80, 90, 100, 110, 120], dtype=float)
    winsorised, labels = winsorise(x, RULE)
    assert labels.count("winhi") == 5 and skewness(winsorised) > 2 and kurtosis(winsorised) > 3.5
    treated, labels = treat_vector(x, RULE)
    assert labels == ["log_CT"] * x.size
    assert treated == pytest.approx(np.log(x - 1 + 0.01 * 119))
    fewer = Outliers(treatment="winsorise_then_log", winmax=5, kurt_thresh=100)  # a looser threshold passes at once
    assert treat_vector(x, fewer)[1] == [None] * x.size


def test_treat_outliers_keeps_the_original_and_treats_each_indicator_and_year_apart():
    spread = [*range(1, 11), 30, 100]
    values = pl.DataFrame(
        {
            "reporting_year": [2024] * 12 + [2025] * 12,
            "indicator_code": ["a"] * 12 + ["a"] * 12,
            "province_code": [f"{i:02}" for i in range(12)] * 2,
            "value": [float(v) for v in spread] + [float(v) for v in range(1, 13)],
        }
    )
    treated = treat_outliers(values, RULE)
    assert treated.columns == [*values.columns, "original_value", "treated", "treatment"]
    assert treated["original_value"].to_list() == values["value"].to_list()
    assert treated.filter(pl.col("treated")).select(
        "reporting_year", "province_code", "value", "original_value", "treatment"
    ).rows() == [(2024, "11", 30.0, 100.0, "winhi")]
    untouched = treat_outliers(values, Outliers())
    assert untouched["value"].to_list() == values["value"].to_list() and not untouched["treated"].any()


def test_correlations_on_pairwise_complete_observations():
    x = np.array([1, 2, 3, 4, 5, np.nan])
    y = np.array([2, 4, 5, 4, 5, 1.0])
    r, n = correlation(x, y)
    assert n == 5 and r == pytest.approx(stats.pearsonr(x[:5], y[:5]).statistic)
    rho, _ = correlation(x, y, "spearman")
    assert rho == pytest.approx(stats.spearmanr(x[:5], y[:5]).statistic)  # ties averaged
    assert correlation(x, np.full(6, 2.0))[0] is None


def test_sobol_on_a_linear_model_with_known_indices():
    # Y = x1 + 2 x2 + 3 x3, xi uniform: Var = (1 + 4 + 9)/12, so S_i = ST_i = a_i² / 14. In groups {x1, x2} and
    # {x3}: 5/14 and 9/14.
    problem, x = sobol_design(["x1", "x2", "x3"], 4096, seed=7)
    y = x @ np.array([1.0, 2.0, 3.0])
    found = sobol_indices(problem, y[:, None], seed=7)
    assert found["S1"][0] == pytest.approx([1 / 14, 4 / 14, 9 / 14], abs=0.02)
    assert found["ST"][0] == pytest.approx([1 / 14, 4 / 14, 9 / 14], abs=0.02)
    assert ((found["S1_conf"][0] > 0) & (found["S1_conf"][0] < 0.1)).all()
    grouped, xg = sobol_design(["g", "g", "h"], 4096, seed=7)
    found = sobol_indices(grouped, (xg @ np.array([1.0, 2.0, 3.0]))[:, None], seed=7)
    assert found["S1"][0] == pytest.approx([5 / 14, 9 / 14], abs=0.02)


def test_sobol_on_the_ishigami_function():
    # Ishigami (a = 7, b = 0.1) on [-π, π]³: S1 = 0.3139, 0.4424, 0; ST = 0.5576, 0.4424, 0.2437.
    problem, u = sobol_design(["x1", "x2", "x3"], 8192, seed=11)
    x = -np.pi + 2 * np.pi * u
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    found = sobol_indices(problem, y[:, None], seed=11)
    assert found["S1"][0] == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert found["ST"][0] == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)


def test_the_wrapper_gives_what_salib_analyze_gives_for_each_output():
    problem, x = sobol_design(["a", "b", "b", "c"], 256, seed=5)
    outputs = np.column_stack([x @ [1, 2, 3, 4], np.sin(6 * x[:, 0]) * x[:, 3], np.full(len(x), 2.0)])
    found = sobol_indices(problem, outputs, seed=5, conf_level=0.9)
    for column in range(2):
        reference = sobol_analysis.analyze(
            problem, outputs[:, column], calc_second_order=False, num_resamples=100, conf_level=0.9, seed=5
        )
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            assert found[key][column] == pytest.approx(reference[key], abs=1e-12), key
    assert (found["S1"][2] == 0).all() and (found["ST"][2] == 0).all()  # an output that never moves


def synthetic_problem(methodology, units: int = 34, seed: int = 0) -> Problem:
    """SYNTHETIC values between each indicator's goalposts, with a shared level so that ranks mean something."""
    rng = np.random.default_rng(seed)
    leaves = [leaf for leaf in methodology.leaves if leaf.valid_in(2025)]
    level = rng.uniform(0.1, 0.9, (units, 1))
    share = np.clip(level + rng.normal(0, 0.12, (units, len(leaves))), 0, 1)
    low = np.array([min(leaf.goalposts) for leaf in leaves])
    high = np.array([max(leaf.goalposts) for leaf in leaves])
    values = low + share * (high - low)
    values[rng.uniform(size=values.shape) < 0.03] = np.nan
    return Problem(
        [f"u{i:02}" for i in range(units)],
        [leaf.code for leaf in leaves],
        values,
        carried=values * rng.uniform(0.8, 1.0, values.shape),
    )


def test_sobol_of_the_ranks_is_seeded_and_fast_for_34_units(methodology):
    problem = synthetic_problem(methodology)
    started = time.perf_counter()
    first = rank_sobol(methodology, problem)
    took = time.perf_counter() - started
    assert took < 10, f"Sobol indices of 34 units took {took:.1f}s"
    assert first.equals(rank_sobol(methodology, problem))
    assert set(first["choice"]) == {"weights", "normalisation", "aggregation", "imputation"}
    assert first.filter(pl.col("output") == "rank").height == 34 * 4
    shift = first.filter(pl.col("output") == "mean_abs_rank_shift")
    assert shift["unit"].to_list() == ["*"] * 4 and shift["evaluations"][0] == 1024 * 6
    assert (shift["first_order_low"] <= shift["first_order"]).all() and (
        shift["total_order"] <= shift["total_order_high"]
    ).all()
    assert (shift["first_order"] <= shift["total_order"] + 0.05).all()
    assert not first.equals(rank_sobol(methodology, problem, seed=1))


def test_sobol_leaves_out_a_choice_that_is_not_contestable(methodology):
    fixed = methodology.model_copy(
        update={
            "uncertainty": methodology.uncertainty.model_copy(
                update={"normalisations": ["goalposts"], "imputations": ["none"]}
            )
        }
    )
    found = rank_sobol(fixed, synthetic_problem(methodology, units=10), base_samples=128)
    assert set(found["choice"]) == {"weights", "aggregation"} and found["evaluations"][0] == 128 * 4


def test_the_audit_on_the_demo_run(published_home):
    con = duckdb.connect(str(published_home.published), read_only=True)
    try:
        tables = {
            name: con.sql(f"SELECT * FROM marts.{name}").pl()
            for name in (
                "audit_coherence",
                "audit_flagged_pairs",
                "audit_reliability",
                "audit_effective_weights",
                "audit_outliers",
                "audit_sobol",
            )
        }
        comment = con.execute("SELECT comment FROM duckdb_tables() WHERE table_name = 'audit_sobol'").fetchall()[0][0]
        blocks = audit_report(con, 2025)
    finally:
        con.close()
    assert all(frame.height for frame in tables.values())
    assert comment.startswith("Độ nhạy") and "| EN: " in comment
    flagged = tables["audit_flagged_pairs"]
    assert flagged.filter(pl.col("flag") == "collinear").select((pl.col("pearson") > COLLINEAR).all()).item()
    assert flagged.filter(pl.col("flag") == "negative").select((pl.col("pearson") < 0).all()).item()
    assert flagged.height == tables["audit_coherence"].filter(pl.col("flag").is_not_null()).height
    reliability = tables["audit_reliability"]
    assert set(reliability["node"]) == {"government", "economy", "society", "index"}
    assert reliability.select(
        pl.col("cronbach_alpha").is_between(0, 1).all(), pl.col("pca_first_share").is_between(0, 1).all()
    ).row(0) == (True, True)
    sums = (
        tables["audit_effective_weights"]
        .group_by("reporting_year", "node")
        .agg(pl.col("effective_weight").sum(), pl.col("nominal_weight").sum())
    )
    assert sums["effective_weight"].to_numpy() == pytest.approx(1.0) and sums[
        "nominal_weight"
    ].to_numpy() == pytest.approx(1.0)
    sobol = tables["audit_sobol"].filter(pl.col("reporting_year") == 2025)
    assert sobol.filter(pl.col("output") == "rank")["province_code"].n_unique() == 34
    assert not tables["audit_outliers"]["applied"].any()  # the default methodology does not treat outliers
    assert blocks[0][0] == "Độ tin cậy của trụ cột | Pillar reliability" and len(blocks) == 7


def test_dti_audit_prints_the_audit_vietnamese_first(published_home):
    done = dti_command(published_home.root, "audit", "--year", "2025")
    assert done.returncode == 0, done.stderr
    for title in (
        "Độ tin cậy của trụ cột | Pillar reliability",
        "Cặp bị cảnh báo",
        "Giá trị ngoại lai | Outliers",
        "Độ nhạy Sobol của độ dịch hạng trung bình",
        "Cronbach alpha",
        "Khoảng toàn phần | Total interval",
    ):
        assert title in done.stdout
    missing = dti_command(published_home.root, "audit", "--year", "1999")
    assert missing.returncode == 1 and "no audit for 1999" in missing.stderr
