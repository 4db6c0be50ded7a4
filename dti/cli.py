"""`dti`: the door for people. The group and its help are here; the commands live in dti/commands/, one
module per audience, registered by the list below."""

from __future__ import annotations

import click

from dti.commands import CONTEXT, analysts, audit, operators, provinces


@click.group(context_settings=CONTEXT)
def main() -> None:
    """Chỉ số chuyển đổi số cấp tỉnh (DTI) / Provincial digital-transformation index.

    Mọi thứ nằm trong một thư mục dữ liệu: DTI_HOME (mặc định ./data) chứa hộp thư đến, kho lưu các tệp đã
    nhận, kho dữ liệu DuckDB và phiên bản Dagster cục bộ.

    Everything lives under one data home: DTI_HOME (default ./data) holds the inbox, the archive of
    received files, the DuckDB warehouse and the local Dagster instance.

    \b
    Cách dùng thường gặp / Typical use:
      dti demo                 đưa các báo cáo MÔ PHỎNG kèm theo vào hộp thư đến
                               put the bundled SYNTHETIC submissions into the inbox
      dti run                  nạp hộp thư đến, tính mọi tài sản cho mọi năm có trong đó
                               ingest the inbox and materialize every asset for every year found
      dti rejects --year 2024  xem những gì không đọc được và vì sao
                               see what could not be read, and why
      dti withdraw FILE --reason "…"   rút một tệp đã nhận (ghi vào ghi chú bản phát hành)
                               take a received file out of force (recorded in the release notes)
      dti releases             các bản phát hành và ghi chú (prune --keep N xoá bản cũ)
                               list the releases and their notes (prune --keep N removes old ones)
      dti template --year 2025 -o mau.xlsx   mẫu Excel các tỉnh điền
                               the Excel workbook provinces fill in
      dti ui                   giao diện Dagster / the Dagster UI on http://127.0.0.1:3000
    """


# The commands, by whom they serve: one line per module of dti/commands/ (each lists its commands in COMMANDS).
AUDIENCES = (
    operators,  # info, demo, run, withdraw, releases, schedule, ui, serve
    provinces,  # template, validate, rejects
    analysts,  # sql, score, uncertainty
    audit,  # audit (analysts and methodologists: coherence, outliers, Sobol)
)
for audience in AUDIENCES:
    for command in audience.COMMANDS:
        main.add_command(command)


if __name__ == "__main__":
    main()
