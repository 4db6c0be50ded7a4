"""Gaps to target and the merger, on a warehouse built by hand: the real reference schema, a few staged
figures whose progress is worked out below, then the real SQL of the marts."""

import duckdb
import polars as pl
import pytest

from expectations.plausibility import figure_flags
from sources.index.engine import build_marts, build_target_gaps
from sources.index.methodology import Methodology
from sources.intake.rules import default_rules
from sources.intake.staging import FIGURE_SCHEMA, REJECT_SCHEMA
from sources.reference.tables import reference_tables
from sources.warehouse.tables import query_frame, replace_table

# Thái Nguyên (63: code 19) and Bắc Kạn (63: code 06) became Thái Nguyên (34: code 19) on 01/07/2025.
FORMER = {"19": "Thái Nguyên", "06": "Bắc Kạn"}
# indicator: (value in 2021 for both former units, value of the current unit in 2025)
SERIES = {
    "online_services_level4_pct": (40, 76),  # 2030 ≥ 100: pace 9/yr vs 4.8 needed -> on track
    "digital_economy_grdp_pct": (10, 18),  # 2030 ≥ 30: pace 2/yr vs 2.4 needed -> acceleration needed
    "smartphone_adult_pct": (70, 74),  # 2030 ≥ 95: pace 1/yr vs 4.2 needed -> limited progress
    "records_online_province_pct": (90, 85),  # 2030 ≥ 100: moved away -> deterioration
    "ecommerce_retail_share_pct": (15, 25),  # 2030 > 20 -> target met
}


def _figure(year, unit_set, code, name, indicator, value):
    return {
        "reporting_year": year,
        "unit_set": unit_set,
        "province_code": code,
        "province_name": name,
        "indicator_code": indicator,
        "value": float(value),
        "is_synthetic": True,
        "file_name": f"test_{code}_{year}.csv",
        "row_number": 2,
    }


def _stage(con, figures: pl.DataFrame) -> None:
    """staging.figures as given, and its flags as the pipeline computes them."""
    staged = figures.select(
        [pl.col(c) if c in figures.columns else pl.lit(None, dtype=t).alias(c) for c, t in FIGURE_SCHEMA.items()]
    )
    replace_table(con, "staging", "figures", staged)
    replace_table(
        con, "staging", "figure_flags", figure_flags(staged, pl.DataFrame(schema=REJECT_SCHEMA), default_rules(), set())
    )


def _build(path, methodology, register):
    """The warehouse of the figures above, its marts and target gaps under `methodology`."""
    con = duckdb.connect(str(path))
    for name, frame in reference_tables(register, methodology).items():
        replace_table(con, "reference", name, frame)
    rows = []
    for indicator, (start, end) in SERIES.items():
        for code, name in FORMER.items():
            rows.append(_figure(2021, "63", code, name, indicator, start))
        rows.append(_figure(2025, "34", "19", "Thái Nguyên", indicator, end))
    # Only Thái Nguyên (not Bắc Kạn) reports this one: no restatement for the merged unit.
    rows.append(_figure(2021, "63", "19", "Thái Nguyên", "fibre_household_pct", 60))
    figures = pl.DataFrame(rows).with_columns(pl.col("reporting_year").cast(pl.Int32))
    _stage(con, figures)
    build_marts(con, methodology)
    build_target_gaps(con, methodology)
    return con


@pytest.fixture
def warehouse(tmp_path, methodology, register):
    con = _build(tmp_path / "w.duckdb", methodology, register)
    yield con
    con.close()


def _gap(con, unit_set, code, target_id, as_of_year=2025):
    frame = query_frame(
        con,
        "SELECT * FROM marts.target_gaps WHERE unit_set = ? AND province_code = ? AND target_id = ? AND as_of_year = ?",
        [unit_set, code, target_id, as_of_year],
    )
    assert frame.height == 1, (unit_set, code, target_id)
    return frame.row(0, named=True)


@pytest.mark.parametrize(
    ("indicator", "status", "ratio"),
    [
        ("online_services_level4_pct", "on track", 9 / 4.8),
        ("digital_economy_grdp_pct", "acceleration needed", 2 / 2.4),
        ("smartphone_adult_pct", "limited progress", 1 / 4.2),
        ("records_online_province_pct", "deterioration", None),
        ("ecommerce_retail_share_pct", "target met", None),
    ],
)
def test_a_current_unit_is_measured_on_its_restated_history(warehouse, indicator, status, ratio):
    gap = _gap(warehouse, "34", "19", f"national:{indicator}:2030")
    assert gap["status"] == status, gap["status_reason"]
    assert (gap["baseline_year"], gap["actual_year"], gap["actual_basis"]) == (2021, 2025, "own")
    if ratio is not None:
        assert gap["pace_ratio"] == pytest.approx(ratio)
    start, end = SERIES[indicator]
    assert (gap["baseline_value"], gap["actual_value"]) == pytest.approx((start, end))
    assert gap["target_source"] == "national" and gap["document"]


def test_status_thresholds_and_vietnamese_labels(warehouse):
    gap = _gap(warehouse, "34", "19", "national:online_services_level4_pct:2030")
    assert gap["observed_pace"] == pytest.approx(9) and gap["required_pace"] == pytest.approx(4.8)
    assert gap["gap"] == pytest.approx(24) and gap["share_covered"] == pytest.approx(36 / 60)
    assert gap["status_vi"] == "đúng lộ trình"
    passed = _gap(warehouse, "34", "19", "national:online_services_level4_pct:2025")
    assert (passed["status"], passed["status_reason"]) == (
        "limited progress",
        "the horizon has passed and the target was not met",
    )


def test_a_former_units_target_stays_with_it_and_is_shown_against_its_successor(warehouse):
    gap = _gap(warehouse, "63", "19", "TN-03")  # Thái Nguyên 2025: online services > 90 %
    assert gap["province_name"] == "Thái Nguyên" and "thuộc nhóm" not in gap["quote_vi"]
    assert gap["baseline_value"] == 40 and gap["baseline_year"] == 2021
    assert (gap["actual_value"], gap["actual_year"], gap["actual_basis"], gap["actual_unit_set"]) == (
        76,
        2025,
        "successor",
        "34",
    )
    assert gap["actual_province_name"] == "Thái Nguyên"
    # Bắc Kạn set no target: its targets do not appear, and Thái Nguyên's are not given to it.
    held = warehouse.execute(
        "SELECT count(*) FROM marts.target_gaps WHERE unit_set = '63' AND province_code = '06'"
    ).fetchall()
    assert held == [(0,)]


def test_a_former_units_targets_are_carried_to_its_successor_labelled_with_who_set_them(warehouse):
    carried = _gap(warehouse, "34", "19", "TN-03")  # Nghị quyết 01 of the former Thái Nguyên, on the current page
    assert carried["target_source"] == "resolution" and carried["set_by"] == "Thái Nguyên"
    assert carried["province_name"] == "Thái Nguyên" and carried["document"].startswith("Nghị quyết")
    assert (carried["actual_value"], carried["actual_basis"]) == (76, "own")
    # the national targets stay on the page beside it
    national = _gap(warehouse, "34", "19", "national:online_services_level4_pct:2025")
    assert national["set_by"] is None and national["target_source"] == "national"
    # Bắc Kạn set none: nothing of Thái Nguyên's is labelled as Bắc Kạn's
    assert warehouse.execute("SELECT count(*) FROM marts.target_gaps WHERE set_by = 'Bắc Kạn'").fetchall() == [(0,)]


def test_every_target_is_measured_as_of_every_reporting_year(warehouse):
    years = warehouse.execute("SELECT DISTINCT as_of_year FROM marts.target_gaps ORDER BY 1").fetchall()
    assert years == [(2021,), (2025,)]
    then = _gap(warehouse, "34", "19", "national:online_services_level4_pct:2030", as_of_year=2021)
    now = _gap(warehouse, "34", "19", "national:online_services_level4_pct:2030", as_of_year=2025)
    # as of 2021 only the 2021 figure was known: the gap then, and how it moved by 2025
    assert (then["actual_value"], then["actual_year"], then["gap"]) == pytest.approx((40, 2021, 60))
    assert (now["actual_value"], now["actual_year"], now["gap"]) == pytest.approx((76, 2025, 24))
    assert then["status"] == "no data" and then["status_reason_vi"].startswith("mới có số liệu một năm")
    assert now["status_reason_vi"] == "tốc độ đã đạt bằng 188% tốc độ cần thiết"


def test_no_figure_means_no_data_never_a_guess(warehouse):
    gap = _gap(warehouse, "34", "19", "national:fibre_household_pct:2025")
    assert gap["status"] == "no data" and gap["actual_value"] is None
    assert gap["status_reason"] == "no figure for fibre_household_pct for this unit"
    tier = _gap(warehouse, "63", "72", "TNI-02")
    assert tier["status"] == "no data" and "tier" in tier["status_reason"]


def test_restatement_needs_every_former_unit(warehouse):
    restated = warehouse.execute("""
        SELECT indicator_code, value, value_status, traced_to FROM marts.indicator_values
        WHERE series = 'restated_34' AND province_code = '19' AND reporting_year = 2021 ORDER BY 1""").fetchall()
    codes = [r[0] for r in restated]
    assert "fibre_household_pct" not in codes  # Bắc Kạn did not report it
    online = next(r for r in restated if r[0] == "online_services_level4_pct")
    assert online[1] == pytest.approx(40) and online[2] == "restated" and "Bắc Kạn + Thái Nguyên" in online[3]


def test_restatement_weights_shares_by_population_and_sums_counts(tmp_path, methodology, register):
    con = duckdb.connect(str(tmp_path / "r.duckdb"))
    for name, frame in reference_tables(register, methodology).items():
        replace_table(con, "reference", name, frame)
    rows = [
        _figure(2024, "63", "19", "Thái Nguyên", "fibre_household_pct", 80),
        _figure(2024, "63", "06", "Bắc Kạn", "fibre_household_pct", 40),
        _figure(2024, "63", "19", "Thái Nguyên", "digital_enterprises_count", 1000),
        _figure(2024, "63", "06", "Bắc Kạn", "digital_enterprises_count", 100),
    ]
    figures = pl.DataFrame(rows).with_columns(pl.col("reporting_year").cast(pl.Int32))
    _stage(con, figures)
    build_marts(con, methodology)
    population = dict(
        con.execute(
            "SELECT code, population_thousand FROM reference.population WHERE unit_set = '63' AND code IN ('19', '06')"
        ).fetchall()
    )
    values = dict(
        con.execute(
            "SELECT indicator_code, value FROM marts.indicator_values WHERE series = 'restated_34' "
            "AND province_code = '19'"
        ).fetchall()
    )
    weighted = (80 * population["19"] + 40 * population["06"]) / (population["19"] + population["06"])
    assert values["fibre_household_pct"] == pytest.approx(weighted)
    assert values["digital_enterprises_count"] == 1100
    assert values["digital_enterprises_per_1000"] == pytest.approx(1100 / (population["19"] + population["06"]))
    con.close()


def _open_sdg_ratio(start, end, target, years=4, horizon_years=9):
    """Open SDG's R by its documented formula: observed compound growth over the growth required."""
    return ((end / start) ** (1 / years) - 1) / abs((target / start) ** (1 / horizon_years) - 1)


@pytest.mark.parametrize(
    ("indicator", "status"),
    [
        ("online_services_level4_pct", "on track"),  # R = 1.62
        ("digital_economy_grdp_pct", "on track"),  # R = 1.15: compound growth from a low base
        ("smartphone_adult_pct", "limited progress"),  # R = 0.36
        ("records_online_province_pct", "deterioration"),  # R < 0
        ("ecommerce_retail_share_pct", "target met"),
    ],
)
def test_the_open_sdg_method_rates_each_target_by_its_progress_measure(
    tmp_path, methodology, register, indicator, status
):
    """gap_status.method: open_sdg gives the Open SDG measure on the warehouse's figures (2021 -> 2025,
    targets for 2030), where the project's linear pace says otherwise for the economy's share."""
    raw = methodology.model_dump()
    raw["gap_status"]["method"] = "open_sdg"
    con = _build(tmp_path / "w.duckdb", Methodology.model_validate(raw), register)
    gap = _gap(con, "34", "19", f"national:{indicator}:2030")
    start, end = SERIES[indicator]
    target = gap["target_value"]
    assert gap["status_method"] == "open_sdg"
    assert gap["status"] == status, gap["status_reason"]
    if status != "target met":
        assert gap["progress_ratio"] == pytest.approx(_open_sdg_ratio(start, end, target), rel=1e-12)
        assert gap["annual_growth"] == pytest.approx((end / start) ** 0.25 - 1, rel=1e-12)
        assert gap["status_reason_vi"].startswith("Open SDG: tăng ")
    # the project's measure is published beside it, and decides under the default method
    default = _gap(_build(tmp_path / "d.duckdb", methodology, register), "34", "19", f"national:{indicator}:2030")
    assert default["status_method"] == "project"
    assert default["progress_ratio"] == gap["progress_ratio"]


def test_period_averages_keep_the_project_rule_under_open_sdg(tmp_path, methodology, register):
    raw = methodology.model_dump()
    raw["gap_status"]["method"] = "open_sdg"
    con = _build(tmp_path / "w.duckdb", Methodology.model_validate(raw), register)
    methods = con.execute(
        "SELECT DISTINCT target_type, status_method FROM marts.target_gaps WHERE target_type IN ('period_average', 'tier')"
    ).fetchall()
    assert methods and {m for _, m in methods} == {"project"}


@pytest.mark.parametrize(
    ("target_id", "trajectory", "ahead"),
    [
        # 2030 ≥ 100 from 40 in 2021: the straight path stands at 40 + 60 · 4/9 in 2025
        ("national:online_services_level4_pct:2030", 40 + 60 * 4 / 9, 76 - (40 + 60 * 4 / 9)),
        # moved away from the target: behind the path by its distance
        ("national:records_online_province_pct:2030", 90 + 10 * 4 / 9, 85 - (90 + 10 * 4 / 9)),
        # the horizon (2025) is reached: the path ends on the target, 80
        ("national:online_services_level4_pct:2025", 80.0, 76 - 80.0),
    ],
)
def test_each_target_has_a_straight_trajectory_and_the_gap_to_it(warehouse, target_id, trajectory, ahead):
    gap = _gap(warehouse, "34", "19", target_id)
    assert gap["trajectory_value"] == pytest.approx(trajectory)
    assert gap["gap_to_trajectory"] == pytest.approx(ahead)
    # each year's row has its own point of the path: in the baseline year the path starts at the baseline
    then = _gap(warehouse, "34", "19", target_id, as_of_year=2021)
    assert then["trajectory_value"] == pytest.approx(then["baseline_value"]) and then["gap_to_trajectory"] == 0


def _register(con, rows: list[dict]) -> None:
    for row in rows:
        con.execute(
            """INSERT INTO reference.target_registry (target_id, province, unit_set, province_code, indicator,
                   target_type, horizon_year, comparator, value, unit)
               VALUES ($target_id, 'Thái Nguyên', '63', '19', $indicator, $target_type, 2030, '≥', $value, $unit)""",
            row,
        )


def test_a_score_target_in_points_of_1000_and_a_count_of_main_indicators_in_the_top_10(demo_copy, methodology):
    """Two target kinds from real resolutions: "≥ 800/1000 điểm" on the index score (0-1) and "at least k of
    the 8 main indicators in the top 10", on the demo warehouse (main indicators named for the test)."""
    raw = methodology.model_dump()
    raw["main_indicators"] = [code for pillar in methodology.pillars for code in list(pillar.children)[:3]][:8]
    with_main = Methodology.model_validate(raw)
    con = duckdb.connect(str(demo_copy.warehouse))
    _register(
        con,
        [
            {
                "target_id": "T-SCORE",
                "indicator": "dti_score",
                "target_type": "score",
                "value": 800,
                "unit": "points_1000",
            },
            {
                "target_id": "T-MAIN",
                "indicator": "main_indicators_in_top_10",
                "target_type": "absolute",
                "value": 3,
                "unit": "count",
            },
        ],
    )
    build_target_gaps(con, with_main)

    score = _gap(con, "34", "19", "T-SCORE")  # carried from the former Thái Nguyên to the current one
    assert (score["target_value"], score["target_value_text"], score["unit"]) == (0.8, "800/1000", "score")
    [(index_score,)] = con.execute(
        "SELECT score FROM marts.index_scores WHERE series = 'as_reported' AND unit_set = '34' AND province_code = '19'"
        " AND reporting_year = 2025"
    ).fetchall()
    assert score["actual_value"] == pytest.approx(index_score)
    assert (score["status"] == "target met") == (index_score >= 0.8)

    ranks = (
        query_frame(con, "SELECT * FROM marts.indicator_scores WHERE series = 'as_reported' AND reporting_year = 2025")
        .filter(pl.col("indicator_code").is_in(with_main.main_indicators) & pl.col("score").is_not_null())
        .with_columns(
            pl.col("score")
            .round(with_main.score_decimals)
            .rank("min", descending=True)
            .over("indicator_code")
            .alias("indicator_rank")
        )
    )
    in_top = ranks.filter((pl.col("province_code") == "19") & (pl.col("indicator_rank") <= 10)).height
    main = _gap(con, "34", "19", "T-MAIN")
    assert main["actual_value"] == in_top and main["target_value"] == 3
    assert (main["status"] == "target met") == (in_top >= 3)

    build_target_gaps(con, methodology)  # a methodology that names no main indicators
    assert _gap(con, "34", "19", "T-MAIN")["status_reason"] == "the methodology names no main indicators"
    con.close()
