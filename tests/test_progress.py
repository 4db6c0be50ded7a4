"""The Open SDG progress measure (sources/index/progress.py) reproduces the cases of its documentation
(open-sdg docs/progress-methodology.md) and of sdg-build's ProgressMeasure.py: compound annual growth,
the ratio to the growth required with thresholds 0.95 / 0.60 / 0 and "target achieved", the 1.5% / 0.5% / 0
thresholds without a target (scaled near a natural limit), zeros replaced by 0.001; and it is selectable in
the methodology as gap_status.method."""

import pytest
from pydantic import ValidationError

from sources.index.methodology import Methodology
from sources.index.progress import OPEN_SDG_STATUS, compound_annual_growth, limit_factor, progress


def test_compound_annual_growth():
    assert compound_annual_growth(121, 100, 2017, 2015) == pytest.approx(0.10)
    assert compound_annual_growth(100, 100, 2020, 2015) == 0


@pytest.mark.parametrize(
    ("latest", "status"),
    [
        (13.0, "on track"),  # R = (1.3^(1/5) - 1) / (2^(1/15) - 1) = 1.139
        (12.0, "acceleration needed"),  # R = 0.783
        (10.5, "limited progress"),  # R = 0.207
        (9.0, "deterioration"),  # R < 0
        (20.0, "target met"),  # the latest value meets the target
        (25.0, "target met"),
    ],
)
def test_with_a_target_the_ratio_of_observed_to_required_growth(latest, status):
    result = progress(10.0, 2015, latest, 2020, "positive", target=20.0, target_year=2030)
    assert result.status == status
    if status != "target met":
        expected = ((latest / 10) ** (1 / 5) - 1) / (2 ** (1 / 15) - 1)
        assert result.value == pytest.approx(expected, rel=1e-12)
        assert result.required_growth == pytest.approx(2 ** (1 / 15) - 1)


def test_the_thresholds_are_at_0_95_and_0_60():
    required = compound_annual_growth(20.0, 10.0, 2030, 2015)
    cases = [(0.95 + 1e-9, "on track"), (0.95 - 1e-9, "acceleration needed"), (0.60 + 1e-9, "acceleration needed")]
    cases += [(0.60 - 1e-9, "limited progress"), (1e-9, "limited progress"), (-1e-9, "deterioration")]
    for ratio, status in cases:
        latest = 10.0 * (1 + ratio * required) ** 5
        assert progress(10.0, 2015, latest, 2020, "positive", target=20.0).status == status


def test_a_negative_direction_and_a_zero_target():
    """Less is better (e.g. a share of records on paper): falling towards the target is progress; a target
    of 0 is replaced by 0.001."""
    falling = progress(40.0, 2020, 30.0, 2024, "negative", target=0.0, target_year=2030)
    required = compound_annual_growth(0.001, 40.0, 2030, 2020)
    assert falling.value == pytest.approx(-compound_annual_growth(30.0, 40.0, 2024, 2020) / abs(required))
    assert falling.status == "limited progress"
    assert progress(40.0, 2020, 45.0, 2024, "negative", target=10.0).status == "deterioration"
    assert progress(40.0, 2020, 9.0, 2024, "negative", target=10.0).status == "target met"


@pytest.mark.parametrize(
    ("growth", "status"),
    [
        (0.02, "on track"),
        (0.0151, "on track"),
        (0.01, "acceleration needed"),
        (0.002, "limited progress"),
        (-0.01, "deterioration"),
    ],
)
def test_without_a_target_the_growth_thresholds(growth, status):
    latest = 50.0 * (1 + growth) ** 4
    result = progress(50.0, 2020, latest, 2024, "positive")
    assert result.value == pytest.approx(growth, abs=1e-12) and result.status == status
    falling = progress(50.0, 2020, 50.0 / (1 + growth) ** 4, 2024, "negative")  # less is better: falling is progress
    assert falling.value == pytest.approx(growth / (1 + growth)) and (falling.value >= 0) == (growth >= 0)


def test_near_a_natural_limit_the_thresholds_are_scaled_down():
    """A share at 95% of a 100% limit cannot grow 1.5% a year for long: C = 1 - 0.95^4.44 scales the
    thresholds, so 0.6% a year is on track there."""
    factor = 1 - 0.95**4.44
    assert limit_factor(95.0, 100.0) == pytest.approx(factor)
    assert limit_factor(250.0, 100.0) == 1.0
    assert limit_factor(150.0, 100.0) == pytest.approx(1 - 0.5**4.44)
    result = progress(95.0, 2020, 95.0 * 1.006**4, 2024, "positive", limit=100.0)
    assert result.thresholds == pytest.approx((0.015 * factor, 0.005 * factor, 0.0))
    assert result.status == "on track"
    assert progress(95.0, 2020, 95.0 * 1.006**4, 2024, "positive").status == "acceleration needed"


def test_zero_base_and_cases_without_a_status():
    from_zero = progress(0.0, 2020, 5.0, 2024, "positive")
    assert from_zero.growth == pytest.approx(compound_annual_growth(5.0, 0.001, 2024, 2020))
    assert from_zero.status == "on track"
    assert progress(-5.0, 2020, 5.0, 2024, "positive").status == "no data"  # signs differ
    assert progress(5.0, 2024, 6.0, 2024, "positive").status == "no data"  # one year only
    assert set(OPEN_SDG_STATUS.values()) >= {"target_achieved", "deterioration", "not_available"}


def test_the_method_is_selectable_in_the_methodology(methodology):
    assert methodology.gap_status.method == "project"
    raw = methodology.model_dump()
    raw["gap_status"]["method"] = "open_sdg"
    assert Methodology.model_validate(raw).gap_status.method == "open_sdg"
    raw["gap_status"]["method"] = "eurostat"
    with pytest.raises(ValidationError, match=r"gap_status\.method"):
        Methodology.model_validate(raw)
