import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from sources.inbox import inventory_frame, receive
from sources.staging import file_rejects, raw_frame, stage
from tests.conftest import csv_file


def _stage(tmp_path: Path, methodology, register, files: dict[str, list[tuple]], year: int):
    inbox, archive = tmp_path / "inbox", tmp_path / "archive"
    for offset, (name, rows) in enumerate(files.items()):
        path = csv_file(inbox / name, rows)
        stamp = datetime(2026, 1, 1, tzinfo=UTC).timestamp() + offset * 60

        os.utime(path, (stamp, stamp))
    inventory = inventory_frame(receive(inbox, archive), tmp_path)
    return stage(raw_frame(inventory, year, tmp_path), year, methodology, register), inventory


def _rule(result, rule):
    return result.rejects.filter(pl.col("rule") == rule).to_dicts()


def test_figures_are_typed_mapped_and_traced(tmp_path, methodology, register):
    result, _ = _stage(tmp_path, methodology, register, {"a.csv": [
        ("Hoà Bình", 2024, "fibre_household_pct", "85,5%", "%"),
        ("Hoà Bình", 2024, "digital_enterprises_count", "2.100", "doanh nghiệp"),
    ], "b.csv": [  # one province per file
        ("TP.HCM", 2024, "fibre_household_pct", "90", "%"),
        ("Hồ Chí Minh", 2024, "smartphone_adult_pct", "88", "%"),
        ("TP.HCM", 2024, "Tỷ trọng kinh tế số trong GRDP", "18,66", ""),
    ]}, 2024)
    assert result.rejects.is_empty()
    figures = {(r["province_code"], r["indicator_code"]): r for r in result.figures.to_dicts()}
    assert figures[("17", "fibre_household_pct")]["value"] == 85.5
    assert figures[("17", "digital_enterprises_count")]["value"] == 2100.0
    hcm = figures[("79", "digital_economy_grdp_pct")]
    assert (hcm["unit_set"], hcm["province_name"], hcm["pillar"]) == ("63", "TP. Hồ Chí Minh", "economy")
    assert (hcm["file_name"], hcm["row_number"], hcm["value_raw"], hcm["is_synthetic"]) == ("b.csv", 4, "18,66", True)


@pytest.mark.parametrize(("row", "year", "rule", "column", "fragment"), [
    (("Bắc Trung Bộ", 2024, "fibre_household_pct", "80"), 2024, "unknown_province", "A (province)", "unknown province 'Bắc Trung Bộ'"),
    (("Hà Giang", 2025, "fibre_household_pct", "80"), 2025, "retired_province", "A (province)", "merged into Tuyên Quang (code 08)"),
    (("Huế", 2024, "fibre_houshold_pct", "80"), 2024, "unknown_indicator", "C (indicator)", "did you mean 'fibre_household_pct'?"),
    (("Huế", 2025, "records_online_district_pct", "80"), 2025, "indicator_not_valid_for_year", "C (indicator)", "ended in 2024"),
    (("Huế", 2024, "digital_enterprises_per_1000", "1"), 2024, "derived_indicator", "C (indicator)", "computed by the pipeline"),
    (("Huế", 2024, "fibre_household_pct", "khoảng 80"), 2024, "unreadable_number", "D (value)", "'khoảng 80' is not a number"),
    (("Huế", 2024, "fibre_household_pct", "80", "hộ"), 2024, "unit_mismatch", "E (unit)", "unit 'hộ' does not match"),
    (("Huế", 2024, "digital_enterprises_count", "12%"), 2024, "unit_mismatch", "D (value)", "a percentage was given"),
    (("Huế", 2024, "fibre_household_pct", "120"), 2024, "out_of_domain", "D (value)", "outside the possible range [0, 100]"),
    (("Huế", 2023, "fibre_household_pct", "80"), 2024, "year_mismatch", "B (year)", "differs from the file's reporting year 2024"),
])
def test_each_bad_row_is_rejected_with_file_row_column(tmp_path, methodology, register, row, year, rule, column, fragment):
    good = ("Huế", year, "smartphone_adult_pct", "70")
    result, _ = _stage(tmp_path, methodology, register, {"s.csv": [good, good, good, row] if rule == "year_mismatch" else [good, row]}, year)
    rejects = _rule(result, rule)
    assert len(rejects) == 1, result.rejects
    reject = rejects[0]
    assert (reject["file_name"], reject["column_name"]) == ("s.csv", column)
    assert reject["row_number"] == (5 if rule == "year_mismatch" else 3)
    assert fragment in reject["message"] and reject["expected"]
    assert result.figures.filter(pl.col("indicator_code") == "smartphone_adult_pct").height == 1  # the rest goes on


def test_empty_value_is_not_reported_not_zero(tmp_path, methodology, register):
    result, _ = _stage(tmp_path, methodology, register, {"e.csv": [("Huế", 2024, "fibre_household_pct", "")]}, 2024)
    assert result.figures.is_empty() and result.rejects.is_empty() and result.not_reported == 1


def test_later_file_counts_and_earlier_is_kept(tmp_path, methodology, register):
    result, _ = _stage(tmp_path, methodology, register, {
        "first.csv": [("Huế", 2024, "fibre_household_pct", "70")],
        "second.csv": [("Thừa Thiên Huế", 2024, "fibre_household_pct", "72")],
    }, 2024)
    assert result.figures["value"].to_list() == [72.0]
    superseded = _rule(result, "superseded_by_later_file")
    assert [(r["file_name"], r["value"]) for r in superseded] == [("first.csv", "70")]
    assert "second.csv" in superseded[0]["message"]


def test_duplicate_row_in_one_file(tmp_path, methodology, register):
    result, _ = _stage(tmp_path, methodology, register, {"d.csv": [
        ("Huế", 2024, "fibre_household_pct", "70"), ("Huế", 2024, "fibre_household_pct", "71")]}, 2024)
    assert result.figures["value"].to_list() == [70.0]
    assert [r["row_number"] for r in _rule(result, "duplicate_row")] == [3]


def test_unreadable_files_become_rejects_of_their_year(tmp_path, methodology, register):
    inbox = tmp_path / "inbox"
    (inbox).mkdir()
    (inbox / "bad_2023.xlsx").write_bytes(b"garbage")
    (inbox / "noyear.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    inventory = inventory_frame(receive(inbox, tmp_path / "archive"), tmp_path)
    assert inventory.filter(pl.col("status") == "rejected").height == 2
    year_rejects = file_rejects(inventory, 2023)
    assert year_rejects.select("file_name", "rule").rows() == [("bad_2023.xlsx", "unreadable_workbook")]
    unassigned = file_rejects(inventory, None)
    assert unassigned.select("file_name", "rule").rows() == [("noyear.csv", "missing_column")]
