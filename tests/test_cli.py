import pytest
from click.testing import CliRunner

from dti.cli import main
from dti.settings import DEMO_INBOX
from sources.submissions import read_submission


@pytest.mark.parametrize("command", [[], ["run"], ["demo"], ["rejects"], ["template"], ["info"], ["ui"]])
def test_help_explains_each_command(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage: main" in result.output and len(result.output) > 150


def test_template_for_a_province(tmp_path):
    out = tmp_path / "mau.xlsx"
    result = CliRunner().invoke(main, ["template", "--year", "2025", "--province", "Hue", "-o", str(out)])
    assert result.exit_code == 0, result.output
    read = read_submission(out)
    assert (read.declared_year, read.declared_province) == (2025, "Thành phố Huế")


def test_template_refuses_a_retired_province(tmp_path):
    result = CliRunner().invoke(main, ["template", "--year", "2025", "--province", "Bắc Giang", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 1
    assert "merged into Bắc Ninh" in result.output


def test_rejects_without_a_warehouse_says_what_to_do(home):
    result = CliRunner().invoke(main, ["rejects"])
    assert result.exit_code == 1
    assert "run `dti run`" in result.output


def test_demo_copies_once(home):
    first = CliRunner().invoke(main, ["demo"])
    second = CliRunner().invoke(main, ["demo"])
    assert first.exit_code == second.exit_code == 0
    bundled = len(list(DEMO_INBOX.iterdir()))
    assert f"{bundled} file(s) copied" in first.output and "0 file(s) copied" in second.output
