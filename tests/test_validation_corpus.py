"""`dti validate` on every file of the corpus of bad inputs: the rule, the exact message, the exit status,
in English and in Vietnamese. Every row rule of sources/intake/rules.yaml is exercised here."""

import pytest
from click.testing import CliRunner

from dti.cli import main
from sources.intake.rules import default_rules
from sources.intake.text import has_control_characters
from tests.corpus import CASES
from tests.corpus_values import CASES_VALUES, VI_FACTS


@pytest.mark.parametrize("case", CASES + CASES_VALUES, ids=[c.name for c in CASES + CASES_VALUES])
def test_validate_reports_each_bad_input(tmp_path, methodology, register, case):
    path = case.build(tmp_path, methodology, register)
    english = CliRunner().invoke(main, ["validate", "--lang", "en", str(path)])
    assert english.exit_code == case.exit_code, english.output
    assert case.message in english.output
    vietnamese = CliRunner().invoke(main, ["validate", str(path)])
    assert vietnamese.exit_code == case.exit_code
    assert path.name in english.output and path.name in vietnamese.output  # the file is named
    # Nothing from the file reaches the terminal as a control character (escape sequences, bidi overrides).
    assert not has_control_characters(english.output.replace("\n", "")), english.output
    assert not has_control_characters(vietnamese.output.replace("\n", "")), vietnamese.output
    if case.rule:
        rules = default_rules()
        label = "LỖI" if rules.severity(case.rule) == "ERROR" else "CẢNH BÁO"
        assert f"[{label}] {case.rule}" in vietnamese.output
        assert f"[{rules.severity(case.rule).replace('WARN', 'WARNING')}] {case.rule}" in english.output
        assert rules.row_rules[case.rule].vi.split("{")[0].strip() in vietnamese.output
        assert "{" not in vietnamese.output, vietnamese.output  # every placeholder filled
    else:
        assert "Hợp lệ" in vietnamese.output
    for fact in VI_FACTS.get(case.name, []):  # the facts the English gives, in Vietnamese too
        assert fact in vietnamese.output, vietnamese.output


def test_the_corpus_covers_at_least_70_kinds_and_every_row_rule():
    every = CASES + CASES_VALUES
    assert len(every) >= 90 and len({c.name for c in every}) == len(every)
    covered = {c.rule for c in every}
    untested = (
        set(default_rules().row_rules) - covered - {"superseded_by_later_file", "implausible_change", "refused_file"}
    )
    # The first two need several files or years (tests/test_validation.py); a refused link or FIFO is a
    # matter of the inbox, not of a file's content (tests/test_hostile_run.py).
    assert untested == set()
