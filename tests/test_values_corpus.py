"""`dti validate` on the corpus of tests/corpus_values.py (numbers, provinces and years of a file): the rule,
the exact English message, the Vietnamese label, message and facts, the exit status; and for valid cases
the value each figure was read as."""

import pytest
from click.testing import CliRunner

from dti.cli import main
from expectations.rules import default_rules
from sources.staging import rows_frame, stage
from sources.submissions import read_submission
from tests.corpus_values import CASES_VALUES, READ_AS, VI_FACTS


@pytest.mark.parametrize("case", CASES_VALUES, ids=[c.name for c in CASES_VALUES])
def test_validate_reports_each_value_case(tmp_path, methodology, register, case):
    path = case.build(tmp_path, methodology, register)
    english = CliRunner().invoke(main, ["validate", "--lang", "en", str(path)])
    assert english.exit_code == case.exit_code, english.output
    assert case.message in english.output
    vietnamese = CliRunner().invoke(main, ["validate", str(path)])
    assert vietnamese.exit_code == case.exit_code
    if case.rule:
        rules = default_rules()
        label = "LỖI" if rules.severity(case.rule) == "ERROR" else "CẢNH BÁO"
        assert f"[{label}] {case.rule}" in vietnamese.output
        assert f"[{rules.severity(case.rule).replace('WARN', 'WARNING')}] {case.rule}" in english.output
        assert rules.row_rules[case.rule].vi.split("{")[0].strip() in vietnamese.output
        assert "{" not in vietnamese.output, vietnamese.output  # every placeholder filled
    else:
        assert "Hợp lệ" in vietnamese.output
    for fact in VI_FACTS.get(case.name, []):
        assert fact in vietnamese.output, vietnamese.output


@pytest.mark.parametrize("name", sorted(READ_AS))
def test_valid_values_are_read_as_written(tmp_path, methodology, register, name):
    case = next(c for c in CASES_VALUES if c.name == name)
    path = case.build(tmp_path, methodology, register)
    read = read_submission(path)
    result = stage(rows_frame(read, read.reporting_year, "0" * 64, path.name, None), read.reporting_year, methodology, register)
    indicator, value = READ_AS[name]
    assert result.rejects.is_empty()
    assert result.figures.select("indicator_code", "value").rows() == [(indicator, value)]


def test_the_values_corpus_covers_its_rules_with_at_least_ten_kinds():
    assert len(CASES_VALUES) >= 10
    assert len({c.name for c in CASES_VALUES}) == len(CASES_VALUES)
    covered = {c.rule for c in CASES_VALUES}
    assert {"ambiguous_number", "province_mismatch", "year_out_of_range", "out_of_domain", None} <= covered
    assert set(VI_FACTS) <= {c.name for c in CASES_VALUES if c.rule}
