import re

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sources.intake.numbers import Domain, number_text, parse_number

PERCENT = Domain(0, 100, label="fibre_household_pct")
COUNT = Domain(0, 1_000_000, whole=True, label="digital_enterprises_count")
SCORE = Domain(0, 1, label="NT")  # dti-922: main indices are 0-1 fractions
GROWTH = Domain(-30, 50, label="labour_productivity_growth_pct")


@pytest.mark.parametrize(
    ("text", "value", "percent"),
    [
        ("12,5", 12.5, False),
        ("12,5%", 12.5, True),
        ("12,5 %", 12.5, True),
        ("2,1 triệu", 2_100_000.0, False),
        ("1,5tỷ", 1_500_000_000.0, False),
        ("3 nghìn", 3000.0, False),
        ("1.234.567", 1_234_567.0, False),
        ("1,234,567", 1_234_567.0, False),
        ("1.234,5", 1234.5, False),
        ("1,234.5", 1234.5, False),
        ("12.5", 12.5, False),
        ("0.250", 0.25, False),
        ("0,250", 0.25, False),
        ("12,50", 12.5, False),
        ("1234.567", 1234.567, False),  # four digits before the dot: not a thousands group
        ("-3,2", -3.2, False),
        ("−3,2", -3.2, False),
        ("2\u00a0100", 2100.0, False),
        (" 85 ", 85.0, False),
        (7, 7.0, False),
        (0.125, 0.125, False),
    ],
)
def test_vietnamese_numbers_that_read_one_way(text, value, percent):
    """Read the same with or without a domain: nothing here could be read another way."""
    for domain in (None, PERCENT, COUNT):
        parsed = parse_number(text, domain)
        assert parsed.error is None and not parsed.ambiguous
        assert parsed.value == pytest.approx(value)
        assert parsed.percent is percent


@pytest.mark.parametrize(
    ("text", "domain", "value"),
    [
        ("31.632", PERCENT, 31.632),  # 31632 is not a percentage
        ("31,632", PERCENT, 31.632),
        ("1.000", PERCENT, 1.0),
        ("100.000", PERCENT, 100.0),
        ("85.500%", PERCENT, 85.5),
        ("0.632", SCORE, 0.632),  # never 632
        ("1.000", SCORE, 1.0),  # never 1000
        ("2.100", COUNT, 2100.0),  # 2.1 enterprises is not a count
        ("2,100", COUNT, 2100.0),
        ("5.113", COUNT, 5113.0),
        ("-2.100", GROWTH, -2.1),
        ("12.345", GROWTH, 12.345),
    ],
)
def test_the_domain_decides_between_decimal_and_thousands(text, domain, value):
    parsed = parse_number(text, domain)
    assert parsed.error is None and not parsed.ambiguous
    assert parsed.value == pytest.approx(value)


@pytest.mark.parametrize(
    ("text", "domain", "decimal", "thousands"),
    [
        ("2.000", COUNT, 2.0, 2000.0),  # both are whole counts
        ("5,000", COUNT, 5.0, 5000.0),
        ("150.000", PERCENT, 150.0, 150_000.0),  # neither is a percentage: still not guessed
        ("2.100", None, 2.1, 2100.0),  # no domain to decide
        ("31,632", None, 31.632, 31632.0),
    ],
)
def test_a_number_that_reads_two_ways_is_not_guessed(text, domain, decimal, thousands):
    parsed = parse_number(text, domain)
    assert parsed.value is None and parsed.ambiguous
    assert parsed.readings == (pytest.approx(decimal), pytest.approx(thousands))
    assert f"'{text}' reads two ways: {number_text(decimal)}" in parsed.error
    assert f"or {number_text(thousands)} with '{text[-4]}' between thousands" in parsed.error
    if domain is not None:
        assert f"the range of {domain.label} is {number_text(domain.low)} to {number_text(domain.high)}" in parsed.error


def test_number_text_has_no_exponent_and_a_vietnamese_comma():
    assert number_text(1_000_000) == "1000000"
    assert number_text(31.632, ",") == "31,632"
    assert number_text(1e-7) == "0.0000001"


@pytest.mark.parametrize("text", ["khoảng 20", "n/a", "—", "1,2,3", "5.5.5", "12,5% triệu", "abc%", "true"])
def test_text_is_not_a_number(text):
    parsed = parse_number(text)
    assert parsed.value is None and not parsed.ambiguous
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


@given(st.integers(min_value=1000, max_value=999_999).filter(lambda n: n % 1000))
def test_a_count_with_a_thousands_dot_reads_as_the_count(number):
    """ "2.100" for a count is 2100 whenever the decimal reading is not whole."""
    parsed = parse_number(f"{number:,}".replace(",", "."), COUNT)
    assert parsed.value == number


@given(st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False))
def test_a_percentage_with_three_decimals_reads_as_written(number):
    for separator in (".", ","):
        parsed = parse_number(f"{number:.3f}".replace(".", separator), PERCENT)
        assert parsed.value == pytest.approx(float(number))


# --- `dti score` and `dti uncertainty` read every cell against its indicator's domain -----------------

MAIN_INDICES = ("NT", "TC", "HT", "NL", "ATTT", "HD_CQS", "HD_KTS", "HD_XHS")


def _table(path, rows, columns=MAIN_INDICES):
    path.write_text(
        "unit,"
        + ",".join(columns)
        + "\n"
        + "".join(f'"{unit}",' + ",".join(f'"{v}"' for v in values) + "\n" for unit, values in rows),
        encoding="utf-8",
    )
    return path


def test_dti_922_fractions_with_three_decimals_are_fractions(tmp_path):
    from click.testing import CliRunner

    from dti.cli import main

    dots = _table(tmp_path / "dots.csv", [("A", ("0.632",) * 8), ("B", ("1.000",) * 8), ("C", ("0.5",) * 8)])
    commas = _table(tmp_path / "commas.csv", [("A", ("0,632",) * 8), ("B", ("1",) * 8), ("C", ("0,5",) * 8)])
    read = [CliRunner().invoke(main, ["score", "--methodology", "dti-922", str(p)]) for p in (dots, commas)]
    assert [r.exit_code for r in read] == [0, 0], read[0].output
    assert read[0].output == read[1].output
    assert read[0].output.splitlines()[1:] == [
        "B,1.0,1.0,1.0,1.0,1",
        "A,0.632,0.632,0.632,0.632,2",
        "C,0.5,0.5,0.5,0.5,3",
    ]


def test_dti_score_reads_a_percentage_with_a_dot_and_three_decimals_as_written(tmp_path, methodology, register):
    from sources.index.user_tables import table_values

    leaves = [leaf.code for leaf in methodology.leaves]
    frame = pl.DataFrame(
        {"unit": ["01"], **{code: ["31.632" if code == "fibre_household_pct" else "50"] for code in leaves}}
    )
    values, _ = table_values(frame, methodology, register)
    assert values.filter(pl.col("indicator_code") == "fibre_household_pct")["value"].to_list() == [31.632]


@pytest.mark.parametrize("command", ["score", "uncertainty"])
def test_dti_score_and_uncertainty_refuse_out_of_domain_and_ambiguous_cells(tmp_path, command):
    from click.testing import CliRunner

    from dti.cli import main

    source = _table(
        tmp_path / "bad.csv",
        [("A", ("0,5",) * 8), ("B", ("0,5", "632", "0,5", "0,5", "0,5", "0,5", "0,5", "1.5")), ("C", ("0,5",) * 8)],
    )
    result = CliRunner().invoke(main, [command, "--methodology", "dti-922", str(source)])
    assert result.exit_code == 1
    assert (
        "row 3, column TC: '632' is outside the domain of TC: expected a value from 0 to 1 điểm (0-1)" in result.output
    )
    assert "row 3, column HD_XHS: '1.5' is outside the domain of HD_XHS" in result.output


def test_a_cell_that_reads_two_ways_is_refused_with_both_readings(methodology, register):
    from sources.index.user_tables import ScoreInputError, table_values

    frame = pl.DataFrame(
        {
            "unit": ["01"],
            **{leaf.code: ["150.000" if leaf.code == "fibre_household_pct" else "50"] for leaf in methodology.leaves},
        }
    )
    with pytest.raises(
        ScoreInputError,
        match=re.escape(
            "row 2, column fibre_household_pct: '150.000' reads two ways: 150 with '.' as the decimal separator, "
            "or 150000 with '.' between thousands; the range of fibre_household_pct is 0 to 100"
        ),
    ):
        table_values(frame, methodology, register)
