"""What it takes to reach a target (sources/index/plan.py): the greedy plan is the smallest movement, the
engine confirms it exactly under arithmetic aggregation with goalposts, the trends are straight lines
clipped to the domain, and `dti plan` answers Thái Nguyên's 2030 rank target. The values here are
SYNTHETIC, drawn for the tests."""

import duckdb
import numpy as np
import polars as pl
import pytest

from sources.index.engine import score
from sources.index.plan import Target, greedy_steps, plan_target, target_paths, trend_values
from tests.conftest import dti_command

YEAR = 2025


def _own(rows: list[tuple[str, float, float]]) -> pl.DataFrame:
    """(code, score, weight) on goalposts 0-100."""
    return pl.DataFrame(
        [
            {"indicator_code": c, "value": 100 * s, "score": s, "weight": w, "worst": 0.0, "best": 100.0}
            for c, s, w in rows
        ]
    )


def test_the_greedy_plan_moves_the_heaviest_indicators_first_and_only_as_far_as_needed():
    own = _own([("a", 0.5, 0.1), ("b", 0.2, 0.3), ("c", 0.9, 0.6)])
    steps, closed = greedy_steps(own, 0.3)
    # c first: +0.1 × 0.6 = 0.06; then b: 0.24 / 0.3 = 0.8 → to its goalpost exactly
    assert closed and [s.indicator_code for s in steps] == ["c", "b"]
    assert steps[0].score_to == pytest.approx(1.0) and steps[1].score_to == pytest.approx(1.0)
    assert sum(s.weight * (s.score_to - s.score_from) for s in steps) == pytest.approx(0.3)
    assert steps[1].value_to == pytest.approx(100.0)
    steps, closed = greedy_steps(own, 0.1)
    assert closed and [s.indicator_code for s in steps] == ["c", "b"]
    assert steps[1].score_to == pytest.approx(0.2 + 0.04 / 0.3)
    _, closed = greedy_steps(own, 0.6)  # all room: 0.05 + 0.24 + 0.06 = 0.35
    assert not closed


def test_a_negative_indicator_is_moved_down_in_its_own_unit():
    own = pl.DataFrame(
        [{"indicator_code": "n", "value": 30.0, "score": 0.4, "weight": 1.0, "worst": 50.0, "best": 0.0}]
    )
    (step,), closed = greedy_steps(own, 0.2)
    assert closed and step.value_to == pytest.approx(20.0)


def test_trends_are_least_squares_lines_clipped_to_the_domain(methodology):
    history = pl.DataFrame(
        {
            "unit": ["A"] * 3 + ["B"] * 3 + ["C"],
            "reporting_year": [2023, 2024, 2025] * 2 + [2025],
            "indicator_code": ["online_services_level4_pct"] * 7,
            "value": [50.0, 60.0, 70.0, 90.0, 95.0, 100.0, 40.0],
        }
    )
    trend = dict(trend_values(history, 2030, methodology).select("unit", "value").iter_rows())
    # A: 50, 60, 70 → 120 in 2030, clipped to the domain's 100; B: 90, 95, 100 → 125 → 100; C: one year
    assert methodology.by_code["online_services_level4_pct"].domain == (0, 100)
    assert trend == {"A": pytest.approx(100.0), "B": pytest.approx(100.0), "C": 40.0}
    assert dict(trend_values(history, 2026, methodology).select("unit", "value").iter_rows())["A"] == pytest.approx(
        80.0
    )


def _synthetic(methodology, units: int = 12) -> pl.DataFrame:
    """SYNTHETIC values of every leaf valid in YEAR (and YEAR - 2, YEAR - 1 for the trends), within goalposts."""
    rng = np.random.default_rng(7)
    rows = []
    for u in range(units):
        level = rng.uniform(0.1, 0.9)
        for leaf in methodology.leaves:
            if not leaf.valid_in(YEAR):
                continue
            worst, best = leaf.goalposts
            for year, drift in ((YEAR - 2, -0.1), (YEAR - 1, -0.05), (YEAR, 0.0)):
                share = min(max(level + drift * rng.uniform(0, 2) + rng.normal(0, 0.05), 0.0), 1.0)
                rows.append(
                    {
                        "unit": f"U{u:02d}",
                        "reporting_year": year,
                        "indicator_code": leaf.code,
                        "value": worst + share * (best - worst),
                    }
                )
    return pl.DataFrame(rows)


@pytest.mark.parametrize("scenario", ["others_stay", "others_trend"])
def test_the_plan_reaches_a_rank_target_exactly_as_the_engine_scores_it(methodology, scenario):
    history = _synthetic(methodology)
    values = history.filter(pl.col("reporting_year") == YEAR)
    units = sorted(values["unit"].unique().to_list())
    ranks = score(values, methodology, units).filter(pl.col("ranking") == "index").sort("rank")
    province = ranks["province_code"][8]  # ninth: aims at the top 3
    target = Target("T-1", "resolution", None, None, province, province, "index", "rank", "≤", 3, 2030)
    summary, steps = plan_target(values, history, methodology, units, YEAR, target, scenario)
    assert summary["current_rank"] > 3 and steps and summary["feasible"]
    assert summary["reaches_target"] and summary["planned_rank"] <= 3
    assert summary["method"].startswith("exact")
    gained = sum(s.weight * (s.score_to - s.score_from) for s in steps)
    assert summary["current_score"] + gained == pytest.approx(summary["planned_score"], abs=1e-9)
    assert summary["planned_score"] >= summary["score_needed"] - 1e-12
    assert 0 <= summary["probability_now"] <= summary["probability_planned"] <= 1
    weights = [s.weight for s in steps]
    assert weights == sorted(weights, reverse=True)
    assert all(s.score_to == pytest.approx(1.0) for s in steps[:-1])


def test_a_target_already_reached_needs_nothing(methodology):
    values = _synthetic(methodology).filter(pl.col("reporting_year") == YEAR)
    units = sorted(values["unit"].unique().to_list())
    leader = score(values, methodology, units).filter(pl.col("ranking") == "index").sort("rank")["province_code"][0]
    target = Target("T-2", "resolution", None, None, leader, leader, "index", "rank", "≤", 10, 2030)
    summary, steps = plan_target(values, values, methodology, units, YEAR, target, "others_stay")
    assert steps == [] and summary["gap_points"] == 0 and summary["reaches_target"]


def test_dti_plan_answers_thai_nguyens_2030_rank_target(published_home, methodology):
    done = dti_command(published_home.root, "plan", "--province", "Thái Nguyên")
    assert done.returncode == 0, done.stderr
    assert "TN-02" in done.stdout and "≤ 10" in done.stdout and "2030" in done.stdout
    assert "Xác suất" in done.stdout and "Probability" in done.stdout
    assert "others follow their trends" in done.stdout
    with duckdb.connect(str(published_home.warehouse), read_only=True) as con:
        table = con.sql("SELECT * FROM marts.target_paths WHERE target_id = 'TN-02'").pl()
        assert set(table["scenario"]) == {"others_stay", "others_trend"}
        assert table["reaches_target"].all()
        assert target_paths(con, methodology).filter(pl.col("target_id") == "TN-02").height == table.height
    unknown = dti_command(published_home.root, "plan", "--province", "Nowhere")
    assert unknown.returncode != 0 and "no rank or score target" in unknown.stderr


def test_a_pillar_rank_target_moves_only_that_pillars_indicators(methodology):
    history = _synthetic(methodology)
    values = history.filter(pl.col("reporting_year") == YEAR)
    units = sorted(values["unit"].unique().to_list())
    pillar = methodology.pillars[0]
    ranks = score(values, methodology, units).filter(pl.col("ranking") == pillar.code).sort("rank")
    province = ranks["province_code"][7]
    target = Target("T-3", "resolution", None, None, province, province, pillar.code, "rank", "≤", 2, 2030)
    summary, steps = plan_target(values, history, methodology, units, YEAR, target, "others_stay")
    assert steps and {s.indicator_code for s in steps} <= set(pillar.children)
    assert summary["reaches_target"] and summary["planned_rank"] <= 2
    gained = sum(s.weight * (s.score_to - s.score_from) for s in steps)
    assert summary["current_score"] + gained == pytest.approx(summary["planned_score"], abs=1e-9)
    assert summary["probability_planned"] is None  # the Monte Carlo ranks the index only
