"""The Excel workbook provinces fill in: Vietnamese headings, one row per indicator of the reporting
year, instructions on their own sheet. The demo generator fills the same workbook, so the reader is
always tested against what the template really writes."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import xlsxwriter

from sources.home import methodology_path
from sources.index.methodology import Methodology, load_methodology
from sources.intake.submissions import SUBMISSION_SHEET
from sources.reference.provinces import ProvinceRegister, unit_set_for

HEADER_ROW = 7  # 1-based, as Excel shows it
HEADERS = ("Mã chỉ tiêu", "Tên chỉ tiêu", "Trụ cột", "Đơn vị", "Giá trị", "Ghi chú")
# A fixed creation date makes XlsxWriter's output byte-for-byte reproducible.
FIXED_CREATED = datetime(2026, 1, 1)

INSTRUCTIONS = (
    "HƯỚNG DẪN ĐIỀN MẪU BÁO CÁO",
    "",
    "1. Chọn tên tỉnh/thành phố ở ô C3 (danh sách theo đơn vị hành chính của năm báo cáo).",
    "   Năm 2021–2024: 63 tỉnh, thành phố cũ. Từ năm 2025: 34 tỉnh, thành phố (Nghị quyết 202/2025/QH15).",
    "2. Kiểm tra năm báo cáo ở ô C4.",
    "3. Nhập giá trị của từng chỉ tiêu vào cột E, đúng đơn vị ở cột D.",
    "   - Số thập phân dùng dấu phẩy (12,5) hoặc nhập số trực tiếp; có thể ghi 12,5%.",
    "   - Chỉ tiêu không có số liệu: để trống, ghi lý do ở cột F. Không ghi 0 thay cho 'không có số liệu'.",
    "4. Không đổi tên trang tính, không xoá hoặc thêm cột, không sửa mã chỉ tiêu ở cột A.",
    "5. Kiểm tra trước khi gửi:  dti validate <tệp>.xlsx",
    "",
    "INSTRUCTIONS (English): pick the province in C3, check the year in C4, enter each value in column E in",
    "the unit of column D (decimal comma or a plain number), leave a value empty if it is not available and",
    "say why in column F. Do not rename the sheet or change column A.",
)


def write_workbook(
    path: Path,
    methodology: Methodology,
    register: ProvinceRegister,
    year: int,
    province: str | None = None,
    values: dict[str, object] | None = None,
    notes: dict[str, str] | None = None,
    data_origin: str | None = None,
) -> Path:
    """Write the submission workbook for `year`, optionally filled with `values` by indicator code."""
    values = values or {}
    notes = notes or {}
    units = sorted(register.in_set(unit_set_for(year)), key=lambda u: u.code)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties(
        {
            "title": f"Báo cáo chuyển đổi số {year}",
            "created": FIXED_CREATED,
            "comments": f"methodology {methodology.version}",
        }
    )
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 14})
    header = workbook.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True})
    locked_text = workbook.add_format({"text_wrap": True, "border": 1})
    entry = workbook.add_format({"bg_color": "#FFF2CC", "border": 1, "locked": False, "num_format": "#,##0.00"})
    note_entry = workbook.add_format({"border": 1, "locked": False})

    sheet = workbook.add_worksheet(SUBMISSION_SHEET)
    sheet.write("A1", "BÁO CÁO SỐ LIỆU CHUYỂN ĐỔI SỐ CẤP TỈNH", title)
    sheet.write("A2", f"Phương pháp / methodology: {methodology.version}")
    sheet.write("A3", "Tỉnh/Thành phố:", bold)
    sheet.write("A4", "Năm báo cáo:", bold)
    sheet.write("A5", "Nguồn dữ liệu:", bold)
    sheet.write("C3", province or "", entry)
    sheet.write_number("C4", year, bold)
    sheet.write("C5", data_origin or "", entry)
    sheet.write(
        "A6",
        "Nhập giá trị vào cột E theo đơn vị ở cột D (ví dụ 12,5). Để trống nếu không có số liệu "
        "và ghi lý do ở cột F. Xem trang 'Hướng dẫn'.",
        workbook.add_format({"italic": True}),
    )
    sheet.data_validation(
        "C3",
        {
            "validate": "list",
            "source": f"='Danh mục'!$B$2:$B${len(units) + 1}",
            "error_message": "Chọn tỉnh/thành phố trong danh sách",
        },
    )
    for col, text in enumerate(HEADERS):
        sheet.write(HEADER_ROW - 1, col, text, header)
    for offset, indicator in enumerate(methodology.reported_in(year)):
        row = HEADER_ROW + offset
        sheet.write(row, 0, indicator.code, locked_text)
        sheet.write(row, 1, indicator.name_vi, locked_text)
        sheet.write(
            row,
            2,
            "; ".join(p.name_vi for p in methodology.pillars_of(indicator.code))
            or next((p.name_vi for p in methodology.pillars if p.code == indicator.pillar), ""),
            locked_text,
        )
        sheet.write(row, 3, methodology.units[indicator.unit].symbol, locked_text)
        value = values.get(indicator.code)
        if value is None:
            sheet.write_blank(row, 4, None, entry)
        elif isinstance(value, (int, float)):
            sheet.write_number(row, 4, value, entry)
        else:
            sheet.write_string(row, 4, str(value), entry)
        sheet.write(row, 5, notes.get(indicator.code, ""), note_entry)
        sheet.data_validation(
            row,
            4,
            row,
            4,
            {
                "validate": "any",
                "input_title": indicator.code,
                "input_message": methodology.units[indicator.unit].symbol,
            },
        )
    sheet.set_column("A:A", 32)
    sheet.set_column("B:B", 60)
    sheet.set_column("C:D", 16)
    sheet.set_column("E:E", 14)
    sheet.set_column("F:F", 40)
    sheet.freeze_panes(HEADER_ROW, 2)

    guide = workbook.add_worksheet("Hướng dẫn")
    for row, line in enumerate(INSTRUCTIONS):
        guide.write(row, 0, line, bold if row == 0 else None)
    guide.set_column("A:A", 110)

    lists = workbook.add_worksheet("Danh mục")
    lists.write_row(0, 0, ("Mã", "Tỉnh/Thành phố"), bold)
    for row, unit in enumerate(units, start=1):
        lists.write_row(row, 0, (unit.code, unit.name))
    workbook.close()
    return path


def write_template(path: Path, year: int, province: str | None = None) -> str:
    """`dti template`: the workbook for `year` with the methodology in force (DTI_METHODOLOGY or the default),
    the province filled in when one is given (a name or code as `ProvinceRegister.resolve` reads it); says
    what was written. ValueError for a province not in force in `year` (for example one merged in 2025)."""
    register = ProvinceRegister()
    name = None
    if province:
        resolved = register.resolve(province, year)
        if resolved.unit is None:
            raise ValueError(resolved.error)
        name = resolved.unit.name
    methodology = load_methodology(methodology_path())
    write_workbook(path, methodology, register, year, province=name)
    return f"wrote {path} ({len(methodology.reported_in(year))} indicators, {year})"
