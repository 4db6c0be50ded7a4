"""The corpus of tests/corpus_values.py (numbers, provinces and years of a file): for valid cases, the value
each figure was read as. `dti validate` runs every case of it in tests/test_validation_corpus.py."""

import pytest

from sources.intake.staging import rows_frame, stage
from sources.intake.submissions import read_submission
from tests.corpus import CASES
from tests.corpus_values import CASES_VALUES, READ_AS, VI_FACTS


@pytest.mark.parametrize("name", sorted(READ_AS))
def test_valid_values_are_read_as_written(tmp_path, methodology, register, name):
    case = next(c for c in CASES_VALUES if c.name == name)
    path = case.build(tmp_path, methodology, register)
    read = read_submission(path)
    result = stage(
        rows_frame(read, read.reporting_year, "0" * 64, path.name, None), read.reporting_year, methodology, register
    )
    indicator, value = READ_AS[name]
    assert result.rejects.is_empty()
    assert result.figures.select("indicator_code", "value").rows() == [(indicator, value)]


def test_the_values_corpus_covers_its_rules_with_at_least_ten_kinds():
    assert len(CASES_VALUES) >= 10
    assert len({c.name for c in CASES_VALUES}) == len(CASES_VALUES)
    covered = {c.rule for c in CASES_VALUES}
    assert {"ambiguous_number", "province_mismatch", "year_out_of_range", "out_of_domain", None} <= covered
    assert set(VI_FACTS) <= {c.name for c in (*CASES, *CASES_VALUES) if c.rule}  # facts of both corpora's cases
