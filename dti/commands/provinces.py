"""Commands for provinces and the officers who receive their reports: the Excel template to fill in, the
check of a file before it is sent, and what the pipeline could not use, with why."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from dti.commands import CONTEXT, fail
from sources.home import DataHome


@click.command(context_settings=CONTEXT)
@click.option(
    "--year",
    type=int,
    required=True,
    help="Năm báo cáo: quyết định các chỉ tiêu và danh sách tỉnh (63 đơn vị đến 2024, 34 từ 2025) / "
    "Reporting year: decides the indicators and the province list (63 units up to 2024, 34 from 2025).",
)
@click.option("--province", help="Điền sẵn tỉnh (tên hoặc mã) / Fill in the province (name or code).")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Nơi ghi tệp (mặc định: mau_bao_cao_<năm>.xlsx) / Where to write (default: mau_bao_cao_<year>.xlsx).",
)
def template(year: int, province: str | None, output: Path | None) -> None:
    """Mẫu báo cáo Excel / The Excel workbook provinces fill in

    Tiêu đề tiếng Việt, mỗi chỉ tiêu một dòng, hướng dẫn ở trang thứ hai.

    Vietnamese headings, one row per indicator, instructions on the second sheet."""
    from sources.intake.template import write_template

    try:
        click.echo(write_template(output or Path(f"mau_bao_cao_{year}.xlsx"), year, province))
    except ValueError as exc:
        fail(str(exc))


@click.command(context_settings=CONTEXT)
@click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Ngôn ngữ của báo cáo kiểm tra: tiếng Việt hoặc tiếng Anh / Language of the report: Vietnamese or English.",
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def validate(lang: str, file: Path) -> None:
    """Kiểm tra tệp trước khi gửi / Check a file before sending it

    Đọc FILE (CSV hoặc mẫu Excel) bằng đúng bộ đọc, quy tắc và hợp đồng dữ liệu của pipeline và in mọi lỗi
    với dòng, cột và giá trị. Mã thoát: 0 khi tệp không có lỗi ERROR (cho phép cảnh báo), 1 khi có ít nhất
    một lỗi ERROR, 2 khi lệnh bị dùng sai.

    Reads FILE (CSV or the Excel template) with the same reader, rules and contract as the pipeline and
    prints every problem with its row, column and value. Exit status: 0 when the file has no ERROR
    (warnings allowed), 1 when it has at least one ERROR, 2 when the command itself is misused.

    \b
    Ví dụ / Examples:
      dti validate bao_cao_2024.xlsx
      dti validate --lang en report_2024.csv
    """
    from expectations.submission import check_submission, render

    report = check_submission(file)
    click.echo(render(report, lang))
    sys.exit(1 if report.errors else 0)


@click.command(context_settings=CONTEXT)
@click.option("--year", type=int, help="Chỉ năm báo cáo này / Only this reporting year.")
@click.option(
    "--province",
    help="Chỉ các dòng của tỉnh này (tên hoặc mã như đã ghi hoặc đã đối chiếu) / Only rows "
    "of this province (name or code as written, or as mapped).",
)
@click.option(
    "--limit", type=int, default=50, show_default=True, help="Nhiều nhất bấy nhiêu dòng / At most this many rows."
)
def rejects(year: int | None, province: str | None, limit: int) -> None:
    """Các dòng bị loại và lý do / What could not be used, and why

    Danh sách cách ly (staging.rejected_rows): mọi dòng hoặc tệp không dùng được, với tệp, dòng, cột, giá
    trị, quy tắc, mức độ và thông báo bằng tiếng Việt và tiếng Anh.

    The quarantine (staging.rejected_rows): every row or file that could not be used, with file, row,
    column, value, rule, severity and the message in Vietnamese and English."""
    from sources.intake.rejects import WarehouseUnavailable, rejects_report

    try:
        click.echo(rejects_report(DataHome.from_env().warehouse, year, province, limit))
    except WarehouseUnavailable as exc:
        fail(str(exc))


COMMANDS = (template, validate, rejects)
