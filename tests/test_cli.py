import pytest
from click.testing import CliRunner

from dti.cli import main
from sources.home import DEMO_INBOX
from sources.intake.submissions import read_submission


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["run"],
        ["demo"],
        ["rejects"],
        ["template"],
        ["info"],
        ["ui"],
        ["score"],
        ["sql"],
        ["schedule"],
        ["explain"],
        ["whatif"],
        ["plan"],
    ],
)
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
    result = CliRunner().invoke(
        main, ["template", "--year", "2025", "--province", "Bắc Giang", "-o", str(tmp_path / "x.xlsx")]
    )
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


MAIN_INDICES = ("NT", "TC", "HT", "NL", "ATTT", "HD_CQS", "HD_KTS", "HD_XHS")


def _main_indices(path, rows):
    lines = ["unit," + ",".join(MAIN_INDICES)] + [f'"{unit}",' + ",".join(map(str, scores)) for unit, scores in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_score_writes_unit_score_pillars_and_rank(tmp_path):
    source = _main_indices(
        tmp_path / "in.csv",
        [
            ("Bắc Giang", (0.6,) * 8),
            ("Bắc Ninh", (0.4,) * 8),
            ("Đà Nẵng", (0.8, 0.7, 0.6, 0.5, 0.9, 0.6, 0.5, 0.4)),
            ("Quảng Nam", (0.2,) * 8),
        ],
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["score", "--methodology", "dti-922", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == [
        "unit,score,government,economy,society,rank",
        "Đà Nẵng,0.605,0.6714,0.6538,0.6308,1",
        "Bắc Giang,0.6,0.6,0.6,0.6,2",
        "Bắc Ninh,0.4,0.4,0.4,0.4,3",
        "Quảng Nam,0.2,0.2,0.2,0.2,4",
    ]


def test_score_merge_to_34_takes_the_unweighted_mean_of_the_constituents(tmp_path):
    source = _main_indices(
        tmp_path / "in.csv",
        [
            ("Bắc Giang", (0.6,) * 8),
            ("Bắc Ninh", (0.4,) * 8),
            ("Đà Nẵng", (0.8, 0.7, 0.6, 0.5, 0.9, 0.6, 0.5, 0.4)),
            ("Quảng Nam", (0.2,) * 8),
        ],
    )
    result = CliRunner().invoke(main, ["score", "--methodology", "dti-922", "--merge-to-34", str(source)])
    assert result.exit_code == 0, result.output
    # Bắc Giang + Bắc Ninh -> Bắc Ninh: every main index 0.5. Đà Nẵng + Quảng Nam -> Thành phố Đà Nẵng:
    # main indices 0.5 0.45 0.4 0.35 0.55 | 0.4 0.35 0.3, so DTI = (225 + 80 + 52.5 + 45) / 1000,
    # government = (225 + 80) / 700, economy = (225 + 52.5) / 650, society = (225 + 45) / 650.
    assert result.output.splitlines() == [
        "unit,score,government,economy,society,rank",
        "Bắc Ninh,0.5,0.5,0.5,0.5,1",
        "Thành phố Đà Nẵng,0.4025,0.4357,0.4269,0.4154,2",
    ]


def test_score_with_the_default_methodology_and_codes(tmp_path, methodology):
    leaves = [leaf.code for leaf in methodology.leaves]
    source = tmp_path / "in.csv"
    half = {leaf.code: (leaf.goalposts[0] + leaf.goalposts[1]) / 2 for leaf in methodology.leaves}
    source.write_text(
        "unit,"
        + ",".join(leaves)
        + "\n"
        + "01,"
        + ",".join(str(half[c]) for c in leaves)
        + "\n"
        + "24,"
        + ",".join(str(methodology.by_code[c].goalposts[1]) for c in leaves)
        + "\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["score", str(source)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == ["24,1.0,1.0,1.0,1.0,1", "01,0.5,0.5,0.5,0.5,2"]
    merged = CliRunner().invoke(main, ["score", "--merge-to-34", str(source)])
    assert merged.output.splitlines()[1:] == ["24,1.0,1.0,1.0,1.0,1", "01,0.5,0.5,0.5,0.5,2"]


def test_score_says_what_is_wrong_with_the_input(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("unit,NT,TC\nA,0.5,abc\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["score", "--methodology", "dti-922", str(source)])
    assert result.exit_code == 1
    assert "no column for indicator(s) HT, NL, ATTT, HD_CQS, HD_KTS, HD_XHS of methodology dti-922" in result.output
    bad = _main_indices(
        tmp_path / "bad.csv", [("A", (0.5, "abc", 0.5, 0.5, 0.5, 0.5, 0.5, 0.5)), ("Atlantis", (0.5,) * 8)]
    )
    result = CliRunner().invoke(main, ["score", "--methodology", "dti-922", "--merge-to-34", str(bad)])
    assert result.exit_code == 1
    assert "row 2, column TC:" in result.output and "not a former unit: A, Atlantis" in result.output
    unknown = CliRunner().invoke(main, ["score", "--methodology", "nope", str(bad)])
    assert unknown.exit_code == 1 and "methodologies shipped: default, dti-922" in unknown.output
