import os
from pathlib import Path

import polars as pl
import pytest

from sources.home import DataHome
from sources.intake.inbox import inventory_frame, receive
from sources.intake.staging import file_rejects, raw_frame, stage
from tests.conftest import csv_file


def _received(tmp_path: Path, files: dict[str, list[tuple]]) -> tuple[DataHome, pl.DataFrame]:
    """The files arrive one after the other, in the order given (the pipeline's arrival order)."""
    home = DataHome(tmp_path / "data").ensure()
    for name, rows in files.items():
        csv_file(home.inbox / name, rows)
        receive(home, interval=0)
    # Every year is let through the inventory here: these tests are about staging's own rules.
    return home, inventory_frame(receive(home, interval=0), home.root, 1900, 2100)


def _stage(tmp_path: Path, methodology, register, files: dict[str, list[tuple]], year: int):
    home, inventory = _received(tmp_path, files)
    return stage(raw_frame(inventory, year, home.root), year, methodology, register), inventory


def _rule(result, rule):
    return result.rejects.filter(pl.col("rule") == rule).to_dicts()


def test_figures_are_typed_mapped_and_traced(tmp_path, methodology, register):
    result, _ = _stage(
        tmp_path,
        methodology,
        register,
        {
            "a.csv": [
                ("Hoà Bình", 2024, "fibre_household_pct", "85,5%", "%"),
                ("Hoà Bình", 2024, "digital_enterprises_count", "2.100", "doanh nghiệp"),
            ],
            "b.csv": [  # one province per file
                ("TP.HCM", 2024, "fibre_household_pct", "90", "%"),
                ("Hồ Chí Minh", 2024, "smartphone_adult_pct", "88", "%"),
                ("TP.HCM", 2024, "Tỷ trọng kinh tế số trong GRDP", "18,66", ""),
            ],
        },
        2024,
    )
    assert result.rejects.is_empty()
    figures = {(r["province_code"], r["indicator_code"]): r for r in result.figures.to_dicts()}
    assert figures[("17", "fibre_household_pct")]["value"] == 85.5
    assert figures[("17", "digital_enterprises_count")]["value"] == 2100.0
    hcm = figures[("79", "digital_economy_grdp_pct")]
    assert (hcm["unit_set"], hcm["province_name"], hcm["pillar"]) == ("63", "TP. Hồ Chí Minh", "economy")
    assert (hcm["file_name"], hcm["row_number"], hcm["value_raw"], hcm["is_synthetic"]) == ("b.csv", 4, "18,66", True)


@pytest.mark.parametrize(
    ("row", "year", "rule", "column", "fragment"),
    [
        (
            ("Bắc Trung Bộ", 2024, "fibre_household_pct", "80"),
            2024,
            "unknown_province",
            "A (province)",
            "unknown province 'Bắc Trung Bộ'",
        ),
        (
            ("Hà Giang", 2025, "fibre_household_pct", "80"),
            2025,
            "retired_province",
            "A (province)",
            "merged into Tuyên Quang (code 08)",
        ),
        (
            ("Huế", 2024, "fibre_houshold_pct", "80"),
            2024,
            "unknown_indicator",
            "C (indicator)",
            "did you mean 'fibre_household_pct'?",
        ),
        (
            ("Huế", 2025, "records_online_district_pct", "80"),
            2025,
            "indicator_not_valid_for_year",
            "C (indicator)",
            "ended in 2024",
        ),
        (
            ("Huế", 2024, "digital_enterprises_per_1000", "1"),
            2024,
            "derived_indicator",
            "C (indicator)",
            "computed by the pipeline",
        ),
        (
            ("Huế", 2024, "fibre_household_pct", "khoảng 80"),
            2024,
            "unreadable_number",
            "D (value)",
            "'khoảng 80' is not a number",
        ),
        (
            ("Huế", 2024, "fibre_household_pct", "80", "hộ"),
            2024,
            "unit_mismatch",
            "E (unit)",
            "unit 'hộ' does not match",
        ),
        (
            ("Huế", 2024, "digital_enterprises_count", "12%"),
            2024,
            "unit_mismatch",
            "D (value)",
            "a percentage was given",
        ),
        (
            ("Huế", 2024, "fibre_household_pct", "120"),
            2024,
            "out_of_domain",
            "D (value)",
            "outside the possible range [0, 100]",
        ),
        (
            ("Huế", 2023, "fibre_household_pct", "80"),
            2024,
            "year_mismatch",
            "B (year)",
            "differs from the file's reporting year 2024",
        ),
    ],
)
def test_each_bad_row_is_rejected_with_file_row_column(
    tmp_path, methodology, register, row, year, rule, column, fragment
):
    good = ("Huế", year, "smartphone_adult_pct", "70")
    result, _ = _stage(
        tmp_path,
        methodology,
        register,
        {"s.csv": [good, good, good, row] if rule == "year_mismatch" else [good, row]},
        year,
    )
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


def test_later_means_later_to_arrive_never_a_newer_modification_time(tmp_path, methodology, register):
    """A correction copied with `cp -p` keeps an old modification time; it still arrived later, so it counts."""
    home = DataHome(tmp_path / "data").ensure()
    first = csv_file(home.inbox / "hue_2024.csv", [("Huế", 2024, "fibre_household_pct", "70")])
    receive(home, interval=0)
    correction = csv_file(home.inbox / "hue_2024_correction.csv", [("Huế", 2024, "fibre_household_pct", "72")])
    older = first.stat().st_mtime - 86_400
    os.utime(correction, (older, older))
    os.remove(first)  # and the first file has left the inbox: it stays in force, superseded
    inventory = inventory_frame(receive(home, interval=0), home.root, 2021, 2025)
    assert inventory.sort("arrival")["file_name"].to_list() == ["hue_2024.csv", "hue_2024_correction.csv"]
    result = stage(raw_frame(inventory, 2024, home.root), 2024, methodology, register)
    assert result.figures["value"].to_list() == [72.0]
    assert [r["file_name"] for r in _rule(result, "superseded_by_later_file")] == ["hue_2024.csv"]


def test_later_file_counts_and_earlier_is_kept(tmp_path, methodology, register):
    result, _ = _stage(
        tmp_path,
        methodology,
        register,
        {
            "first.csv": [("Huế", 2024, "fibre_household_pct", "70")],
            "second.csv": [("Thừa Thiên Huế", 2024, "fibre_household_pct", "72")],
        },
        2024,
    )
    assert result.figures["value"].to_list() == [72.0]
    superseded = _rule(result, "superseded_by_later_file")
    assert [(r["file_name"], r["value"]) for r in superseded] == [("first.csv", "70")]
    assert "second.csv" in superseded[0]["message"]


def test_duplicate_row_in_one_file(tmp_path, methodology, register):
    result, _ = _stage(
        tmp_path,
        methodology,
        register,
        {"d.csv": [("Huế", 2024, "fibre_household_pct", "70"), ("Huế", 2024, "fibre_household_pct", "71")]},
        2024,
    )
    assert result.figures["value"].to_list() == [70.0]
    assert [r["row_number"] for r in _rule(result, "duplicate_row")] == [3]


def test_unreadable_files_become_rejects_of_their_year(tmp_path, methodology, register):
    home = DataHome(tmp_path / "data").ensure()
    (home.inbox / "bad_2023.xlsx").write_bytes(b"garbage")
    (home.inbox / "noyear.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    inventory = inventory_frame(receive(home, interval=0), home.root, 2021, 2025)
    assert inventory.filter(pl.col("status") == "rejected").height == 2
    year_rejects = file_rejects(inventory, 2023)
    assert year_rejects.select("file_name", "rule").rows() == [("bad_2023.xlsx", "unreadable_workbook")]
    unassigned = file_rejects(inventory, None)
    assert unassigned.select("file_name", "rule").rows() == [("noyear.csv", "missing_column")]


# --- one province and one year per file; numbers read against the indicator's domain -----------------


def _raw(tmp_path: Path, files: dict[str, list[tuple]], year: int) -> pl.DataFrame:
    home, inventory = _received(tmp_path, files)
    return raw_frame(inventory, year, home.root)


def test_a_file_for_khanh_hoa_cannot_overwrite_ha_noi(tmp_path, methodology, register):
    """Hà Nội's own file counts; Khánh Hòa's file, received later, carries Hà Nội rows that are quarantined."""
    raw = _raw(
        tmp_path,
        {
            "SYNTHETIC_2024_01_hanoi.csv": [
                ("Hà Nội", 2024, "fibre_household_pct", "91,5"),
                ("Hà Nội", 2024, "smartphone_adult_pct", "88"),
            ],
            "SYNTHETIC_2024_56_khanhhoa.csv": [
                ("Khánh Hòa", 2024, "fibre_household_pct", "80"),
                ("Hà Nội", 2024, "fibre_household_pct", "12"),
                ("Thành phố Hà Nội", 2024, "smartphone_adult_pct", "13"),
            ],
        },
        2024,
    )
    result = stage(raw, 2024, methodology, register)
    figures = {
        (r["province_code"], r["indicator_code"]): (r["value"], r["file_name"]) for r in result.figures.to_dicts()
    }
    assert figures == {
        ("01", "fibre_household_pct"): (91.5, "SYNTHETIC_2024_01_hanoi.csv"),
        ("01", "smartphone_adult_pct"): (88.0, "SYNTHETIC_2024_01_hanoi.csv"),
        ("56", "fibre_household_pct"): (80.0, "SYNTHETIC_2024_56_khanhhoa.csv"),
    }
    mismatched = _rule(result, "province_mismatch")
    assert [(r["file_name"], r["row_number"], r["column_name"], r["value"]) for r in mismatched] == [
        ("SYNTHETIC_2024_56_khanhhoa.csv", 3, "A (province)", "Hà Nội"),
        ("SYNTHETIC_2024_56_khanhhoa.csv", 4, "A (province)", "Thành phố Hà Nội"),
    ]
    assert mismatched[0]["message"] == (
        "the file is Khánh Hòa's (named in the file name); this row is for Hà Nội: one file per "
        "province and reporting year, send Hà Nội's figures in a file of their own"
    )
    assert mismatched[0]["message_vi"].startswith(
        "Tệp này là của Khánh Hòa (tỉnh ghi trong tên tệp); dòng 3 lại là số liệu của Hà Nội"
    )
    assert mismatched[0]["severity"] == "ERROR"
    assert not _rule(result, "superseded_by_later_file")  # nothing of Hà Nội's was replaced


def test_without_a_province_in_the_name_most_rows_decide_and_a_tie_goes_to_the_first_row(
    tmp_path, methodology, register
):
    raw = _raw(
        tmp_path,
        {
            "report_a.csv": [
                ("Hải Phòng", 2024, "fibre_household_pct", "70"),
                ("Hà Nội", 2024, "fibre_household_pct", "90"),
                ("Hà Nội", 2024, "smartphone_adult_pct", "80"),
            ],
            "report_b.csv": [
                ("Cần Thơ", 2024, "fibre_household_pct", "60"),
                ("Huế", 2024, "fibre_household_pct", "65"),
            ],
        },
        2024,
    )
    result = stage(raw, 2024, methodology, register)
    assert {(r["file_name"], r["row_number"]) for r in _rule(result, "province_mismatch")} == {
        ("report_a.csv", 2),
        ("report_b.csv", 3),
    }
    message = {r["file_name"]: r["message"] for r in _rule(result, "province_mismatch")}
    assert message["report_a.csv"].startswith(
        "the file is Hà Nội's (the province of most of its rows); this row is for Hải Phòng:"
    )
    assert message["report_b.csv"].startswith("the file is Cần Thơ's")


def test_the_workbooks_declared_province_wins_over_its_file_name_and_rows(tmp_path, methodology, register):
    raw = _raw(
        tmp_path,
        {
            "hanoi_2024.csv": [
                ("Hà Nội", 2024, "fibre_household_pct", "90"),
                ("Khánh Hòa", 2024, "smartphone_adult_pct", "80"),
            ]
        },
        2024,
    )
    declared = {raw["file_sha256"][0]: "Tỉnh Khánh Hoà"}
    result = stage(raw, 2024, methodology, register, declared=declared)
    assert result.figures["province_code"].to_list() == ["56"]
    [reject] = _rule(result, "province_mismatch")
    assert reject["message"].startswith("the file is Khánh Hòa's (declared in the workbook); this row is for Hà Nội:")


def test_a_workbook_names_its_province_in_its_header_cell(tmp_path, methodology, register):
    from sources.intake.staging import rows_frame
    from sources.intake.submissions import read_submission
    from sources.intake.template import write_workbook

    path = write_workbook(
        tmp_path / "SYNTHETIC_2024_01_hanoi.xlsx",
        methodology,
        register,
        2024,
        province="Khánh Hòa",
        values={"fibre_household_pct": 85.5},
        data_origin="SYNTHETIC",
    )
    raw = rows_frame(read_submission(path), 2024, "0" * 64, path.name, None)
    result = stage(raw, 2024, methodology, register)  # no declared map: the header cell is seen on the rows
    assert result.rejects.is_empty()
    assert result.figures.select("province_code", "value").rows() == [("56", 85.5)]


def test_reporting_range_is_2021_to_the_last_year_that_has_ended():
    from datetime import date

    from sources.intake.staging import reporting_range

    assert reporting_range(date(2026, 12, 1)) == (2021, 2025)
    assert reporting_range(date(2027, 1, 1)) == (2021, 2026)
    assert reporting_range(date(2026, 12, 31)) == (2021, 2025)


def test_rows_for_years_outside_the_reporting_range_are_quarantined_not_skipped(tmp_path, methodology, register):
    from datetime import date

    good = ("Huế", 2024, "smartphone_adult_pct", "70")
    raw = _raw(
        tmp_path,
        {
            "SYNTHETIC_2024_46_hue.csv": [
                good,
                good,
                ("Huế", 1900, "fibre_household_pct", "80"),
                ("Huế", 2099, "ehealth_record_pct", "50"),
                good,
            ]
        },
        2024,
    )
    result = stage(raw, 2024, methodology, register, today=date(2026, 12, 1))
    out = _rule(result, "year_out_of_range")
    assert [(r["row_number"], r["column_name"], r["value"]) for r in out] == [
        (4, "B (year)", "1900"),
        (5, "B (year)", "2099"),
    ]
    assert out[0]["message"] == (
        "the year 1900 is outside the reporting range 2021–2025: figures are accepted for the years "
        "from 2021 to the last year that has ended"
    )
    assert out[0]["message_vi"].startswith("Năm '1900' ở dòng 4 nằm ngoài giai đoạn báo cáo 2021–2025")
    assert out[1]["message"].startswith("the year 2099 is outside the reporting range 2021–2025:")
    assert result.figures.height == 1 and len(_rule(result, "duplicate_row")) == 2
    assert result.rejects.height == 4  # every row accounted for: 1 figure + 2 duplicates + 2 out of range


def test_a_file_of_a_year_before_the_range_has_every_row_quarantined(tmp_path, methodology, register):
    from datetime import date

    raw = _raw(
        tmp_path,
        {
            "SYNTHETIC_2019_46_hue.csv": [
                ("Huế", 2019, "fibre_household_pct", "80"),
                ("Huế", 2019, "smartphone_adult_pct", "70"),
            ]
        },
        2019,
    )
    result = stage(raw, 2019, methodology, register, today=date(2026, 12, 1))
    assert result.figures.is_empty()
    assert [r["message"].split(":")[0] for r in _rule(result, "year_out_of_range")] == [
        "the year 2019 is outside the reporting range 2021–2025"
    ] * 2


def test_numbers_are_read_against_the_indicators_domain(tmp_path, methodology, register):
    raw = _raw(
        tmp_path,
        {
            "SYNTHETIC_2024_46_hue.csv": [
                ("Huế", 2024, "fibre_household_pct", "31.632"),  # a percentage: 31.632, never 31632
                ("Huế", 2024, "smartphone_adult_pct", "1.000"),  # 1, never 1000
                ("Huế", 2024, "digital_enterprises_count", "2.100"),  # a count: 2100
                ("Huế", 2024, "ehealth_record_pct", "150.000"),  # 150 or 150000: neither is a percentage
            ]
        },
        2024,
    )
    result = stage(raw, 2024, methodology, register)
    assert dict(zip(result.figures["indicator_code"], result.figures["value"])) == {
        "fibre_household_pct": 31.632,
        "smartphone_adult_pct": 1.0,
        "digital_enterprises_count": 2100.0,
    }
    [reject] = _rule(result, "ambiguous_number")
    assert (reject["row_number"], reject["column_name"], reject["value"]) == (5, "D (value)", "150.000")
    assert "150 with '.' as the decimal separator, or 150000 with '.' between thousands" in reject["message"]
    assert "the range of ehealth_record_pct is 0 to 100" in reject["message"]
    assert (
        "đọc được hai cách: 150 nếu dấu '.' là dấu thập phân, hoặc 150000 nếu dấu '.' phân cách hàng nghìn; "
        "khoảng giá trị của chỉ tiêu ehealth_record_pct là 0 đến 100"
    ) in reject["message_vi"]


def test_a_count_that_reads_two_whole_ways_is_quarantined_with_both_readings(tmp_path, methodology, register):
    raw = _raw(tmp_path, {"SYNTHETIC_2024_46_hue.csv": [("Huế", 2024, "digital_enterprises_count", "2.000")]}, 2024)
    result = stage(raw, 2024, methodology, register)
    assert result.figures.is_empty()
    [reject] = _rule(result, "ambiguous_number")
    assert reject["message"].startswith(
        "'2.000' reads two ways: 2 with '.' as the decimal separator, or 2000 with '.' between thousands"
    )
    assert "hai cách: 2 nếu dấu '.' là dấu thập phân, hoặc 2000 nếu" in reject["message_vi"]
    assert "0 đến 1000000" in reject["message_vi"]


def test_a_file_rejected_as_outside_the_reporting_range_names_the_range_in_vietnamese():
    """The inbox may refuse a whole file for its year: its reject carries the range in both languages."""
    from datetime import date

    from sources.intake.staging import reporting_range

    first, last = reporting_range(date.today())
    inventory = pl.DataFrame(
        [
            {
                "status": "rejected",
                "reporting_year": 1900,
                "file_sha256": "0" * 64,
                "file_name": "x_1900.csv",
                "problem_row": None,
                "problem_column": "year",
                "problem_value": "1900",
                "problem_rule": "year_out_of_range",
                "problem_message": f"the year 1900 is outside the reporting range {first}–{last}",
                "problem_expected": "a year in range",
                "declared_province": None,
            }
        ]
    )
    [reject] = file_rejects(inventory, 1900).to_dicts()
    assert reject["message_vi"].startswith("Năm '1900'")
    assert f"nằm ngoài giai đoạn báo cáo {first}–{last}" in reject["message_vi"] and "{" not in reject["message_vi"]
