import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources.numbers import parse_number


@pytest.mark.parametrize(("text", "value", "percent"), [
    ("12,5", 12.5, False),
    ("12,5%", 12.5, True),
    ("12,5 %", 12.5, True),
    ("2.100", 2100.0, False),
    ("2,1 triệu", 2_100_000.0, False),
    ("1,5tỷ", 1_500_000_000.0, False),
    ("3 nghìn", 3000.0, False),
    ("1.234.567", 1_234_567.0, False),
    ("1.234,5", 1234.5, False),
    ("1,234.5", 1234.5, False),
    ("12.5", 12.5, False),
    ("0.250", 0.25, False),
    ("-3,2", -3.2, False),
    ("−3,2", -3.2, False),
    ("2\u00a0100", 2100.0, False),
    (" 85 ", 85.0, False),
    (7, 7.0, False),
    (0.125, 0.125, False),
])
def test_vietnamese_numbers(text, value, percent):
    parsed = parse_number(text)
    assert parsed.error is None
    assert parsed.value == pytest.approx(value)
    assert parsed.percent is percent


@pytest.mark.parametrize("text", ["khoảng 20", "n/a", "—", "1,2,3", "5.5.5", "12,5% triệu", "abc%", "true"])
def test_text_is_not_a_number(text):
    parsed = parse_number(text)
    assert parsed.value is None
    assert parsed.error is not None and f"'{text}'" in parsed.error


@pytest.mark.parametrize("text", [None, "", "   "])
def test_empty_is_not_reported_rather_than_zero(text):
    parsed = parse_number(text)
    assert parsed.value is None and parsed.error is None


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_vietnamese_formatting_round_trips(number):
    """Any number written the Vietnamese way (dot thousands, decimal comma) reads back exactly."""
    whole, _, frac = f"{number:.2f}".partition(".")
    grouped = f"{int(whole):,}".replace(",", ".")
    parsed = parse_number(f"{grouped},{frac}")
    assert parsed.error is None
    assert parsed.value == pytest.approx(float(number))
