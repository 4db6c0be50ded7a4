import xlsxwriter

from sources.intake.submissions import read_submission
from sources.intake.template import HEADER_ROW, write_workbook
from tests.conftest import HEADER, csv_file


def test_long_csv_with_english_headings(tmp_path):
    path = csv_file(tmp_path / "a.csv", [("Hà Nội", 2023, "fibre_household_pct", "85,5", "%")])
    result = read_submission(path)
    assert result.problem is None and result.format == "csv"
    assert result.reporting_year == 2023 and result.is_synthetic
    row = result.rows[0]
    assert row.row_number == 2
    assert row.fields["province"] == "Hà Nội" and row.fields["value"] == "85,5"
    assert row.columns["value"] == "D (value)"


def test_vietnamese_headings_semicolons_and_bom(tmp_path):
    path = tmp_path / "b.csv"
    path.write_bytes(
        b"\xef\xbb\xbf"
        + "Tỉnh;Năm;Mã chỉ tiêu;Giá trị;Đơn vị;Ghi chú\nThanh Hoá;2022;smartphone_adult_pct;72,4;%;\n".encode()
    )
    result = read_submission(path)
    assert result.problem is None
    assert result.rows[0].fields == {
        "province": "Thanh Hoá",
        "year": "2022",
        "indicator": "smartphone_adult_pct",
        "value": "72,4",
        "unit": "%",
        "note": "",
        "data_origin": None,
    }
    assert not result.is_synthetic


def test_utf16_with_bom_is_read(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes((HEADER + "Huế,2024,ehealth_record_pct,61,%,,\n").encode("utf-16"))
    result = read_submission(path)
    assert result.problem is None and result.rows[0].fields["province"] == "Huế"


def test_wrong_encoding_names_line_and_column(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes(
        HEADER.encode() + "Hà Nam,2023,fibre_household_pct,80,%,,\n".encode().replace("à".encode(), b"a\xcc")
    )
    result = read_submission(path)
    assert result.problem.rule == "encoding"
    assert (result.problem.row, result.problem.column) == (2, "province")
    assert "byte 0xCC on line 2" in result.problem.message
    assert result.reporting_year == 2023 or result.reporting_year is None


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "m_2022.csv"
    path.write_text("province,year,indicator,unit\nCà Mau,2022,fibre_household_pct,%\n", encoding="utf-8")
    result = read_submission(path)
    assert result.problem.rule == "missing_column"
    assert result.problem.column == "value" and result.problem.row == 1
    assert "found: province, year, indicator, unit" in result.problem.message
    assert result.reporting_year == 2022  # from the file name: the file is still filed under its year


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    assert read_submission(path).problem.rule == "empty_file"


def test_header_only(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(HEADER, encoding="utf-8")
    assert read_submission(path).problem.rule == "no_rows"


def test_row_with_wrong_field_count_is_kept_with_its_problem(tmp_path):
    path = tmp_path / "f.csv"
    path.write_text(
        HEADER + "Huế,2024,ehealth_record_pct,61,5,%,,\nHuế,2024,fibre_household_pct,70,%,,\n", encoding="utf-8"
    )
    result = read_submission(path)
    assert result.problem is None
    assert result.rows[0].problem.rule == "field_count" and result.rows[0].row_number == 2
    assert result.rows[1].problem is None


def test_template_round_trip(tmp_path, methodology, register):
    path = write_workbook(
        tmp_path / "t.xlsx",
        methodology,
        register,
        2024,
        province="Hoà Bình",
        values={"fibre_household_pct": 81.25, "digital_economy_grdp_pct": "12,5%"},
        data_origin="SYNTHETIC",
    )
    result = read_submission(path)
    assert result.problem is None and result.format == "xlsx"
    assert (result.declared_year, result.declared_province, result.is_synthetic) == (2024, "Hoà Bình", True)
    assert len(result.rows) == len(methodology.reported_in(2024))
    filled = {r.fields["indicator"]: r for r in result.rows if r.fields["value"] is not None}
    assert (
        filled["fibre_household_pct"].value_is_number and float(filled["fibre_household_pct"].fields["value"]) == 81.25
    )
    assert filled["digital_economy_grdp_pct"].fields["value"] == "12,5%"
    assert filled["fibre_household_pct"].columns["value"] == "E (Giá trị)"
    assert filled["fibre_household_pct"].columns["province"] == "C3 (Tỉnh/Thành phố:)"
    first = methodology.reported_in(2024)[0].code
    assert next(r for r in result.rows if r.fields["indicator"] == first).row_number == HEADER_ROW + 1


def test_template_lists_the_years_indicators(tmp_path, methodology, register):
    rows_2024 = read_submission(write_workbook(tmp_path / "a.xlsx", methodology, register, 2024, province="Huế")).rows
    rows_2025 = read_submission(write_workbook(tmp_path / "b.xlsx", methodology, register, 2025, province="Huế")).rows
    assert "records_online_district_pct" in {r.fields["indicator"] for r in rows_2024}
    assert "records_online_district_pct" not in {r.fields["indicator"] for r in rows_2025}


def test_percent_formatted_cell_is_flagged(tmp_path):
    path = tmp_path / "p.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet("Báo cáo")
    sheet.write_row(0, 0, ["Tỉnh/Thành phố:", "Lào Cai"])
    sheet.write_row(1, 0, ["Năm báo cáo:", 2023])
    sheet.write_row(3, 0, ["Mã chỉ tiêu", "Giá trị"])
    sheet.write(4, 0, "fibre_household_pct")
    sheet.write_number(4, 1, 0.825, workbook.add_format({"num_format": "0.0%"}))
    workbook.close()
    row = read_submission(path).rows[0]
    assert row.value_is_number and "%" in row.value_format and float(row.fields["value"]) == 0.825


def test_hidden_sheets_are_ignored(tmp_path, methodology, register):
    path = tmp_path / "h.xlsx"
    workbook = xlsxwriter.Workbook(str(path))
    hidden = workbook.add_worksheet("Nháp")
    hidden.write_row(0, 0, ["Tỉnh", "Năm", "Mã chỉ tiêu", "Giá trị"])
    hidden.write_row(1, 0, ["Lào Cai", 2023, "fibre_household_pct", 1])
    hidden.hide()
    visible = workbook.add_worksheet("Số liệu")
    visible.write_row(0, 0, ["Tỉnh", "Năm", "Mã chỉ tiêu", "Giá trị"])
    visible.write_row(1, 0, ["Lào Cai", 2023, "fibre_household_pct", 77])
    visible.activate()
    workbook.close()
    result = read_submission(path)
    assert [r.fields["value"] for r in result.rows] == ["77.0"] and result.rows[0].sheet == "Số liệu"


def test_not_a_workbook(tmp_path):
    path = tmp_path / "x_2024.xlsx"
    path.write_bytes(b"not a zip")
    result = read_submission(path)
    assert result.problem.rule == "unreadable_workbook" and result.reporting_year == 2024


def test_workbook_without_province(tmp_path, methodology, register):
    result = read_submission(write_workbook(tmp_path / "n.xlsx", methodology, register, 2023))
    assert result.problem.rule == "missing_column" and result.problem.column == "Tỉnh/Thành phố"


def test_template_is_reproducible(tmp_path, methodology, register):
    a = write_workbook(tmp_path / "a.xlsx", methodology, register, 2025, province="Huế")
    b = write_workbook(tmp_path / "b.xlsx", methodology, register, 2025, province="Huế")
    assert a.read_bytes() == b.read_bytes()
