import csv
import io
import subprocess
import sys

import openpyxl
import pytest

from sources.home import DEMO_INBOX, PROJECT_ROOT
from sources.intake.submissions import read_submission


def test_generator_reproduces_the_bundled_files(tmp_path):
    subprocess.run(
        [sys.executable, "scripts/generate_demo_data.py", "--out", str(tmp_path / "inbox")],
        cwd=PROJECT_ROOT,
        check=True,
        capture_output=True,
    )
    generated = {p.name: p.read_bytes() for p in (tmp_path / "inbox").iterdir()}
    bundled = {p.name: p.read_bytes() for p in DEMO_INBOX.iterdir()}
    assert generated.keys() == bundled.keys()
    assert [name for name in generated if generated[name] != bundled[name]] == []


def test_every_file_and_row_says_synthetic():
    files = sorted(DEMO_INBOX.iterdir())
    assert files and all(p.name.startswith("SYNTHETIC_") for p in files)
    for path in files:
        result = read_submission(path)
        if result.problem is None:
            assert result.is_synthetic, path.name
            assert all("SYNTHETIC" in (row.fields["data_origin"] or "") for row in result.rows), path.name
    for path in DEMO_INBOX.glob("*.xlsx"):
        if path.read_bytes()[:2] == b"PK":
            sheet = openpyxl.load_workbook(path)["Báo cáo"]
            assert sheet["C5"].value.startswith("SYNTHETIC")


def test_both_file_kinds_and_every_unit_are_present(register):
    by_year = {}
    for path in DEMO_INBOX.iterdir():
        result = read_submission(path)
        if result.problem is None:
            by_year.setdefault(result.reporting_year, set()).add(path.suffix)
    assert sorted(by_year) == [2021, 2022, 2023, 2024, 2025]
    assert all(kinds == {".csv", ".xlsx"} for kinds in by_year.values())
    assert len(list(DEMO_INBOX.glob("SYNTHETIC_2024_*"))) >= 63 and len(list(DEMO_INBOX.glob("SYNTHETIC_2025_*"))) >= 34


def _values(indicator, year, register):
    values = {}
    for path in DEMO_INBOX.glob(f"SYNTHETIC_{year}_*"):
        result = read_submission(path)
        if result.problem:
            continue
        for row in result.rows:
            if row.fields["indicator"] == indicator and row.fields["value"]:
                text = row.fields["value"].rstrip("%").replace(",", ".")
                values[register.resolve(row.fields["province"], year).unit.code] = float(text)
    return values


def test_2022_digital_economy_matches_the_ministrys_distribution(register):
    """5 provinces above 20%, 13 in 10–20%, 43 in 5–10%, 2 below 5% (digital_economy_share.csv, 2022)."""
    values = _values("digital_economy_grdp_pct", 2022, register)
    assert len(values) == 63
    bands = [
        sum(v > 20 for v in values.values()),
        sum(10 <= v <= 20 for v in values.values()),
        sum(5 <= v < 10 for v in values.values()),
        sum(v < 5 for v in values.values()),
    ]
    assert bands == [5, 13, 43, 2]
    with (PROJECT_ROOT / "sources" / "reference" / "digital_economy_share.csv").open(encoding="utf-8") as handle:
        named = [r for r in csv.DictReader(handle) if r["year"] == "2022" and r["province"] != "national"]
    for row in named:  # each province the ministry names sits in its published band
        value = values[register.resolve(row["province"], 2022).unit.code]
        published = float(row["digital_economy_grdp_pct"])
        band = (20, 100) if published > 20 else (10, 20) if published >= 10 else (5, 10) if published >= 5 else (0, 5)
        assert band[0] <= value <= band[1], row["province"]


@pytest.mark.parametrize(
    "name",
    [
        "SYNTHETIC_2023_35_hanam_resent_legacy_encoding.csv",
        "SYNTHETIC_2022_96_camau_missing_value_column.csv",
        "SYNTHETIC_2024_37_ninhbinh_not_a_workbook.xlsx",
    ],
)
def test_broken_demo_files_are_unreadable_on_purpose(name):
    assert read_submission(DEMO_INBOX / name).problem is not None


def test_legacy_file_really_is_windows_1258():
    data = (DEMO_INBOX / "SYNTHETIC_2023_35_hanam_resent_legacy_encoding.csv").read_bytes()
    text = data.decode("cp1258")
    assert "Hà Nam" in __import__("unicodedata").normalize("NFC", text)
    assert io.StringIO(text).readline().startswith("province,")
