"""A corpus of bad (and awkward but valid) submissions, each built in a temporary folder, with the rule,
the exact message and the exit status `dti validate` must give."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from sources.index.methodology import Methodology
from sources.intake.template import HEADER_ROW, write_workbook
from sources.reference.provinces import ProvinceRegister
from tests.hostile import hostile_files

HEADER = "province,year,indicator,value,unit,note,data_origin\n"
GOOD = '"Thừa Thiên Huế",2024,fibre_household_pct,"85,5",%,,SYNTHETIC test\n'


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Path, Methodology, ProvinceRegister], Path]
    rule: str | None  # None: a valid file
    message: str  # exact English text the report must contain
    exit_code: int


def _csv(name: str, body: str, header: str = HEADER, encoding: str = "utf-8", prefix: bytes = b""):
    def build(folder: Path, methodology, register) -> Path:
        path = folder / name
        path.write_bytes(prefix + (header + body).encode(encoding))
        return path

    return build


def _row(province="Thừa Thiên Huế", year=2024, indicator="fibre_household_pct", value="85,5", unit="%") -> str:
    return f'"{province}",{year},{indicator},"{value}",{unit},,SYNTHETIC test\n'


def _bytes(name: str, data: bytes):
    def build(folder: Path, methodology, register) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path

    return build


def _workbook(
    name: str,
    change: Callable[[openpyxl.Workbook], None] | None = None,
    year: int = 2024,
    province: str | None = "Huế",
    values: dict | None = None,
):
    def build(folder: Path, methodology, register) -> Path:
        path = write_workbook(
            folder / name,
            methodology,
            register,
            year,
            province=province,
            values=values or {"fibre_household_pct": 85.5},
            data_origin="SYNTHETIC",
        )
        if change:
            workbook = openpyxl.load_workbook(path)
            change(workbook)
            workbook.save(path)
        return path

    return build


def _value_row(methodology: Methodology, code: str, year: int = 2024) -> int:
    return HEADER_ROW + 1 + [i.code for i in methodology.reported_in(year)].index(code)


def _merge_values(workbook):
    workbook["Báo cáo"].merge_cells(f"E{HEADER_ROW + 1}:E{HEADER_ROW + 2}")


def _formula(workbook):
    workbook["Báo cáo"][f"E{HEADER_ROW + 1}"] = "=1+1"


def _hide(workbook):
    workbook["Báo cáo"].sheet_state = "hidden"


def _text_in_number(workbook):
    workbook["Báo cáo"][f"E{HEADER_ROW + 1}"] = "khoảng 80"


def _legacy(text: str) -> bytes:
    return text.encode("utf-8").replace("à".encode(), b"a\xcc")


NOT_A_NUMBER = "is not a number: expected digits with an optional decimal comma, e.g. 12,5 or 2.100 or 12,5%"

CASES = [
    Case("valid_csv", _csv("ok.csv", GOOD), None, "Valid: 1 figures ready to send.", 0),
    Case(
        "utf8_bom_semicolons",
        _csv(
            "bom.csv",
            GOOD.replace(",", ";").replace('"85;5"', '"85,5"'),
            header=HEADER.replace(",", ";"),
            prefix=b"\xef\xbb\xbf",
        ),
        None,
        "Valid: 1 figures ready to send.",
        0,
    ),
    Case(
        "utf16_tabs",
        _csv(
            "u16.csv",
            GOOD.replace(",", "\t").replace('"85\t5"', '"85,5"'),
            header=HEADER.replace(",", "\t"),
            encoding="utf-16",
        ),
        None,
        "Valid: 1 figures ready to send.",
        0,
    ),
    Case(
        "vietnamese_headings",
        _csv("vn.csv", GOOD, header="tinh,nam,chi_tieu,gia_tri,don_vi,ghi_chu,nguon_du_lieu\n"),
        None,
        "Valid: 1 figures ready to send.",
        0,
    ),
    Case(
        "legacy_encoding",
        _bytes("hanam.csv", _legacy(HEADER + _row("Hà Nam"))),
        "encoding",
        "the file is not UTF-8 text: byte 0xCC on line 2 cannot be read (likely saved as Windows-1258 or another legacy code page)",
        1,
    ),
    Case(
        "broken_utf16",
        _bytes("bad16.csv", b"\xff\xfe\x00\xd8"),
        "encoding",
        "the file starts with a UTF-16 mark but is not valid UTF-16",
        1,
    ),
    Case("empty_file", _bytes("empty.csv", b""), "empty_file", "the file is empty", 1),
    Case("blank_lines_only", _bytes("blank.csv", b"\n\n   \n"), "empty_file", "the file is empty", 1),
    Case("header_only", _csv("header.csv", ""), "no_rows", "the file has a header but no data rows", 1),
    Case(
        "missing_value_column",
        _csv("novalue.csv", '"Huế",2024,fibre_household_pct\n', header="province,year,indicator\n"),
        "missing_column",
        "required column value not found in the header (found: province, year, indicator)",
        1,
    ),
    Case(
        "unquoted_decimal_comma",
        _csv("fields.csv", '"Thừa Thiên Huế",2024,fibre_household_pct,85,5,%,,SYNTHETIC\n'),
        "field_count",
        "the row has 8 fields but the header has 7",
        1,
    ),
    Case(
        "text_in_number",
        _csv("text.csv", _row(value="khoảng 80")),
        "unreadable_number",
        f"'khoảng 80' {NOT_A_NUMBER}",
        1,
    ),
    Case(
        "ambiguous_separators",
        _csv("sep.csv", _row(value="12,5,3")),
        "unreadable_number",
        "'12,5,3' is not a number: ',' repeated but not between groups of three digits",
        1,
    ),
    Case(
        "percent_over_100",
        _csv("pct.csv", _row(value="150")),
        "out_of_domain",
        "150 is outside the possible range [0, 100] of fibre_household_pct",
        1,
    ),
    Case(
        "negative_count",
        _csv("neg.csv", _row(indicator="digital_enterprises_count", value="-5", unit="")),
        "out_of_domain",
        "-5 is outside the possible range [0, 1e+06] of digital_enterprises_count",
        1,
    ),
    Case(
        "future_year",
        _csv("future.csv", _row(year=2099)),
        "future_year",
        "2099 is not over yet: figures are reported for a year that has ended",
        1,
    ),
    Case(
        "year_mismatch",
        _csv(
            "years.csv",
            _row()
            + _row(indicator="smartphone_adult_pct", value="70")
            + _row(year=2023, indicator="ehealth_record_pct"),
        ),
        "year_mismatch",
        "the row's year '2023' differs from the file's reporting year 2024",
        1,
    ),
    Case(
        "missing_year_in_row",
        _csv(
            "noyear.csv",
            _row() + _row(indicator="smartphone_adult_pct", value="70") + _row(year="", indicator="ehealth_record_pct"),
        ),
        "missing_year",
        "the year is empty",
        1,
    ),
    Case(
        "duplicate_row",
        _csv("dup.csv", _row() + _row(value="86")),
        "duplicate_row",
        "fibre_household_pct for Thừa Thiên Huế appears again; row 2 counts",
        0,
    ),
    Case(
        "unknown_province",
        _csv("atlantis.csv", _row("Atlantis")),
        "unknown_province",
        "unknown province 'Atlantis' among the 63 units in force in 2024",
        1,
    ),
    Case(
        "misspelt_province",
        _csv("typo.csv", _row("Quảng Ninhh")),
        "unknown_province",
        "unknown province 'Quảng Ninhh' among the 63 units in force in 2024; did you mean 'Quảng Ninh'?",
        1,
    ),
    Case(
        "retired_province",
        _csv("retired.csv", _row("Bắc Giang", 2025)),
        "retired_province",
        "'Bắc Giang' (Bắc Giang, code 24) no longer exists in 2025: it was merged into Bắc Ninh (code 24) on 01/07/2025",
        1,
    ),
    Case(
        "unknown_province_code",
        _csv("code.csv", _row("99")),
        "unknown_province",
        "province code 99 does not exist among the 63 units in force in 2024",
        1,
    ),
    Case(
        "misspelt_indicator",
        _csv("ind.csv", _row(indicator="fibre_houshold_pct")),
        "unknown_indicator",
        "unknown indicator 'fibre_houshold_pct'; did you mean 'fibre_household_pct'?",
        1,
    ),
    Case(
        "derived_indicator",
        _csv("derived.csv", _row(indicator="digital_enterprises_per_1000", value="1,2", unit="")),
        "derived_indicator",
        "'digital_enterprises_per_1000' is computed by the pipeline and is not reported",
        1,
    ),
    Case(
        "indicator_ended",
        _csv("district.csv", _row("Thành phố Huế", 2025, "records_online_district_pct", "80")),
        "indicator_not_valid_for_year",
        "indicator 'records_online_district_pct' ended in 2024 and is not reported for 2025",
        1,
    ),
    Case(
        "unit_disagrees",
        _csv("unit.csv", _row(unit="doanh nghiệp")),
        "unit_mismatch",
        "unit 'doanh nghiệp' does not match the catalogue unit of fibre_household_pct",
        1,
    ),
    Case(
        "percent_for_a_count",
        _csv("pcount.csv", _row(indicator="digital_enterprises_count", value="12%", unit="")),
        "unit_mismatch",
        "a percentage was given for digital_enterprises_count, which is measured in count",
        1,
    ),
    Case(
        "not_a_workbook",
        _bytes("fake.xlsx", b"this is not a zip file"),
        "unreadable_workbook",
        "not a readable Excel workbook: File is not a zip file",
        1,
    ),
    Case(
        "hidden_sheet",
        _workbook("hidden.xlsx", _hide),
        "missing_column",
        "no visible sheet has a header row with 'Mã chỉ tiêu' and 'Giá trị' (sheets: Báo cáo, Hướng dẫn, Danh mục)",
        1,
    ),
    Case(
        "merged_cells",
        _workbook("merged.xlsx", _merge_values),
        "merged_cells",
        f"cells E{HEADER_ROW + 1}:E{HEADER_ROW + 2} of the value column are merged",
        1,
    ),
    Case(
        "formula_without_value",
        _workbook("formula.xlsx", _formula),
        "formula_without_value",
        "the value cell holds the formula =1+1 with no computed value",
        1,
    ),
    Case(
        "workbook_without_province",
        _workbook("noprov.xlsx", province=None),
        "missing_column",
        "the workbook names no province (cell 'Tỉnh/Thành phố:' is empty)",
        1,
    ),
    Case(
        "text_in_number_cell",
        _workbook("textcell.xlsx", _text_in_number),
        "unreadable_number",
        f"'khoảng 80' {NOT_A_NUMBER}",
        1,
    ),
    Case(
        "valid_workbook_percent_cell",
        _workbook("pctcell.xlsx", values={"fibre_household_pct": "85,5%", "digital_enterprises_count": 1250}),
        None,
        "Valid: 2 figures ready to send.",
        0,
    ),
    Case(
        "huge_file",
        _csv("huge.csv", _row() * 6000),
        "too_many_rows",
        "the file has 6000 data rows, more than the 5000 a province's file can hold",
        1,
    ),
]


def _hostile(hostile):
    return lambda folder, methodology, register: hostile.build(folder)


# Hostile files (tests/hostile.py): limits, unsafe workbooks, unsupported formats, damaged text. The heavy
# ones (a 2 GB zip bomb, a 300 MB file, a million rows) run only in tests/test_hostile_files.py.
CASES += [Case(h.kind, _hostile(h), h.rule, h.message, 1 if h.rule else 0) for h in hostile_files() if h.corpus]
