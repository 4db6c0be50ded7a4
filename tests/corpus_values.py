"""Bad (and awkward but valid) submissions about numbers, provinces and years, in the `Case` format of
tests/corpus.py: numbers never guessed (the indicator's domain decides between a decimal and a thousands
separator, or the value is quarantined as ambiguous with both readings), one province and one year per
file, rows for years outside the reporting range quarantined. Run by tests/test_values_corpus.py.

VI_FACTS names what the Vietnamese message must say too (both readings, the provinces, the range), and
READ_AS the value a valid case's figure must be read as."""

from datetime import date

from sources.intake.staging import reporting_range
from sources.intake.template import HEADER_ROW, write_workbook
from tests.corpus import Case, _csv, _row, _value_row, _workbook

FIRST, LAST = reporting_range(date.today())
HUE = "SYNTHETIC_2024_46_hue.csv"  # a file name that names its province (Thừa Thiên Huế in 2024)


def _empty_template(name: str):
    """The template of 2025 for Thái Nguyên as `dti template` writes it, sent back without a value."""

    def build(folder, methodology, register):
        return write_workbook(folder / name, methodology, register, 2025, province="Thái Nguyên", values={})

    return build


def _count(value: str) -> str:
    return _row(indicator="digital_enterprises_count", value=value, unit="")


def _ha_noi_row_in_khanh_hoa_workbook(methodology):
    def change(workbook):
        sheet = workbook["Báo cáo"]
        sheet.cell(HEADER_ROW, 7, "Tỉnh")
        sheet.cell(_value_row(methodology, "fibre_household_pct"), 7, "Hà Nội")

    return change


def _workbook_with_province_column(name: str):
    def build(folder, methodology, register):
        return _workbook(
            name,
            _ha_noi_row_in_khanh_hoa_workbook(methodology),
            province="Khánh Hòa",
            values={"fibre_household_pct": 85.5, "smartphone_adult_pct": 70},
        )(folder, methodology, register)

    return build


def _text_count_workbook(folder, methodology, register):
    return _workbook(
        "SYNTHETIC_2024_56_khanhhoa_count.xlsx", province="Khánh Hòa", values={"digital_enterprises_count": "2.000"}
    )(folder, methodology, register)


VALID_1 = "Valid: 1 figures ready to send."
TWO_WAYS = "'{text}' reads two ways: {decimal} with '{sep}' as the decimal separator, or {thousands} with '{sep}' between thousands"

CASES_VALUES = [
    # --- numbers: the domain decides, or nothing is guessed ---
    Case("percent_with_dot_and_three_decimals", _csv(HUE, _row(value="31.632")), None, VALID_1, 0),
    Case("percent_with_comma_and_three_decimals", _csv(HUE, _row(value="31,632")), None, VALID_1, 0),
    Case("percent_one_with_dot_thousand", _csv(HUE, _row(value="1.000")), None, VALID_1, 0),
    Case("percent_sign_and_dot_decimals", _csv(HUE, _row(value="85.500%")), None, VALID_1, 0),
    Case("count_with_thousands_dot", _csv(HUE, _count("2.100")), None, VALID_1, 0),
    Case("count_with_thousands_comma", _csv(HUE, _count("5,113")), None, VALID_1, 0),
    Case(
        "count_that_reads_two_whole_ways",
        _csv(HUE, _count("2.000")),
        "ambiguous_number",
        TWO_WAYS.format(text="2.000", decimal=2, thousands=2000, sep=".")
        + "; the range of digital_enterprises_count is 0 to 1000000",
        1,
    ),
    Case(
        "count_with_comma_that_reads_two_whole_ways",
        _csv(HUE, _count("5,000")),
        "ambiguous_number",
        TWO_WAYS.format(text="5,000", decimal=5, thousands=5000, sep=","),
        1,
    ),
    Case(
        "percent_neither_reading_possible",
        _csv(HUE, _row(value="150.000")),
        "ambiguous_number",
        TWO_WAYS.format(text="150.000", decimal=150, thousands=150000, sep=".")
        + "; the range of fibre_household_pct is 0 to 100",
        1,
    ),
    Case(
        "count_text_cell_in_workbook_reads_two_ways",
        _text_count_workbook,
        "ambiguous_number",
        TWO_WAYS.format(text="2.000", decimal=2, thousands=2000, sep="."),
        1,
    ),
    Case(
        "percent_just_over_100_with_decimal_comma",
        _csv(HUE, _row(value="100,5")),
        "out_of_domain",
        "100.5 is outside the possible range [0, 100] of fibre_household_pct",
        1,
    ),
    Case(
        "count_over_its_domain_in_thousands_groups",
        _csv(HUE, _count("1.234.567")),
        "out_of_domain",
        "1.23457e+06 is outside the possible range [0, 1e+06] of digital_enterprises_count",
        1,
    ),
    # --- one province per file ---
    Case(
        "ha_noi_rows_in_khanh_hoa_file",
        _csv(
            "SYNTHETIC_2024_56_khanhhoa.csv",
            _row("Khánh Hòa") + _row("Hà Nội", indicator="smartphone_adult_pct", value="70"),
        ),
        "province_mismatch",
        "the file is Khánh Hòa's (named in the file name); this row is for Hà Nội",
        1,
    ),
    Case(
        "province_of_most_rows",
        _csv(
            "bao_cao_2024.csv",
            _row("Huế")
            + _row("Huế", indicator="smartphone_adult_pct", value="70")
            + _row("Đà Nẵng", indicator="ehealth_record_pct", value="50"),
        ),
        "province_mismatch",
        "the file is Thừa Thiên Huế's (the province of most of its rows); this row is for Đà Nẵng",
        1,
    ),
    Case(
        "tie_goes_to_the_first_row",
        _csv("bao_cao_2024.csv", _row("Cần Thơ") + _row("Huế", indicator="smartphone_adult_pct", value="70")),
        "province_mismatch",
        "the file is Cần Thơ's (the province of most of its rows); this row is for Thừa Thiên Huế",
        1,
    ),
    Case(
        "workbook_row_for_another_province",
        _workbook_with_province_column("SYNTHETIC_2024_56_khanhhoa.xlsx"),
        "province_mismatch",
        "the file is Khánh Hòa's (declared in the workbook); this row is for Hà Nội",
        1,
    ),
    Case(
        "same_province_written_three_ways",
        _csv(
            HUE,
            _row("Thừa Thiên Huế")
            + _row("Tỉnh Thừa Thiên-Huế", indicator="smartphone_adult_pct", value="70")
            + _row("46", indicator="ehealth_record_pct", value="50"),
        ),
        None,
        "Valid: 3 figures ready to send.",
        0,
    ),
    # --- one year per file, and only years of the reporting range ---
    Case(
        "row_for_1900_in_a_2024_file",
        _csv(
            HUE,
            _row()
            + _row(indicator="smartphone_adult_pct", value="70")
            + _row(year=1900, indicator="ehealth_record_pct"),
        ),
        "year_out_of_range",
        f"the year 1900 is outside the reporting range {FIRST}–{LAST}",
        1,
    ),
    Case(
        "row_for_2099_in_a_2024_file",
        _csv(
            HUE,
            _row()
            + _row(indicator="smartphone_adult_pct", value="70")
            + _row(year=2099, indicator="ehealth_record_pct"),
        ),
        "year_out_of_range",
        f"the year 2099 is outside the reporting range {FIRST}–{LAST}",
        1,
    ),
    Case(
        "file_for_a_year_before_the_range",
        _csv("SYNTHETIC_2019_46_hue.csv", _row(year=2019)),
        "year_out_of_range",
        f"the year 2019 is outside the reporting range {FIRST}–{LAST}",
        1,
    ),
    # A whole submission: the template sent back unfilled; a file with 2 of the year's 21 indicators.
    Case(
        "empty_template",
        _empty_template("empty.xlsx"),
        "empty_submission",
        "the file holds no figure: fill in the values of the 2025 indicators before sending it",
        1,
    ),
    Case(
        "two_of_twenty_one_indicators",
        _csv(
            "two.csv",
            _row("Thái Nguyên", 2025, "fibre_household_pct", "85,5")
            + _row("Thái Nguyên", 2025, "smartphone_adult_pct", "80"),
        ),
        "missing_indicators",
        "19 indicator(s) of 2025 missing: Share of full online public services (level 4) offered on several "
        "channels, incl. mobile (online_services_level4_pct); Share of province-level work records processed online "
        "(records_online_province_pct)",
        0,
    ),
]

# Facts the Vietnamese report must carry as well (readings with a decimal comma, as Vietnamese write them).
VI_FACTS = {
    "count_that_reads_two_whole_ways": [
        "'2.000'",
        "hai cách: 2 nếu dấu '.' là dấu thập phân, hoặc 2000 nếu dấu '.' phân cách hàng nghìn",
        "digital_enterprises_count là 0 đến 1000000",
    ],
    "count_with_comma_that_reads_two_whole_ways": ["hai cách: 5 nếu dấu ',' là dấu thập phân, hoặc 5000 nếu dấu ','"],
    "percent_neither_reading_possible": ["hai cách: 150 nếu", "hoặc 150000 nếu", "fibre_household_pct là 0 đến 100"],
    "count_text_cell_in_workbook_reads_two_ways": ["hai cách: 2 nếu dấu '.' là dấu thập phân, hoặc 2000"],
    "ha_noi_rows_in_khanh_hoa_file": [
        "Tệp này là của Khánh Hòa (tỉnh ghi trong tên tệp); dòng 3 lại là số liệu của Hà Nội"
    ],
    "province_of_most_rows": [
        "Tệp này là của Thừa Thiên Huế (tỉnh của đa số các dòng trong tệp); dòng 4 lại là số liệu của Đà Nẵng"
    ],
    "tie_goes_to_the_first_row": [
        "Tệp này là của Cần Thơ (tỉnh của đa số các dòng trong tệp); dòng 3 lại là số liệu của Thừa Thiên Huế"
    ],
    "workbook_row_for_another_province": [
        "Tệp này là của Khánh Hòa (tỉnh khai ở đầu bảng tính)",
        "lại là số liệu của Hà Nội",
    ],
    "row_for_1900_in_a_2024_file": [f"Năm '1900' ở dòng 4 nằm ngoài giai đoạn báo cáo {FIRST}–{LAST}"],
    "row_for_2099_in_a_2024_file": [f"Năm '2099' ở dòng 4 nằm ngoài giai đoạn báo cáo {FIRST}–{LAST}"],
    "file_for_a_year_before_the_range": [f"Năm '2019' ở dòng 2 nằm ngoài giai đoạn báo cáo {FIRST}–{LAST}"],
    # the facts of the English message, in Vietnamese: the successor unit, the suggestion, the indicator's
    # name, the expected unit and range, the missing indicators by name
    "retired_province": ["Bắc Giang, mã 24", "đã sáp nhập vào Bắc Ninh (mã 24) từ 01/07/2025"],
    "misspelt_indicator": ["Có phải là 'fibre_household_pct' (Tỷ lệ hộ gia đình có kết nối Internet cáp quang"],
    "misspelt_province": ["có phải là 'Quảng Ninh'?"],
    "indicator_ended": ["cấp huyện được xử lý trên môi trường mạng (records_online_district_pct) đã kết thúc năm 2024"],
    "unit_disagrees": ["(fibre_household_pct) trong danh mục: ghi % (hoặc để trống)"],
    "percent_over_100": ["(fibre_household_pct): từ 0 đến 100 %"],
    "negative_count": ["(digital_enterprises_count): từ 0 đến 1000000 số lượng"],
    "empty_template": ["Tệp không có số liệu nào", "năm 2025"],
    "two_of_twenty_one_indicators": [
        "Tệp thiếu 19 chỉ tiêu của năm 2025",
        "Tỷ lệ hồ sơ công việc cấp tỉnh được xử lý trên môi trường mạng (records_online_province_pct)",
        "Hợp lệ: 2 số liệu sẵn sàng để gửi.",
    ],
}

# What a valid case's one figure must be read as: (indicator, value).
READ_AS = {
    "percent_with_dot_and_three_decimals": ("fibre_household_pct", 31.632),
    "percent_with_comma_and_three_decimals": ("fibre_household_pct", 31.632),
    "percent_one_with_dot_thousand": ("fibre_household_pct", 1.0),
    "percent_sign_and_dot_decimals": ("fibre_household_pct", 85.5),
    "count_with_thousands_dot": ("digital_enterprises_count", 2100.0),
    "count_with_thousands_comma": ("digital_enterprises_count", 5113.0),
}
