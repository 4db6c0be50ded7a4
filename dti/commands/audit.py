"""`dti audit`: the audit of the index (sources/index/audit.py), read from the published copy."""

from __future__ import annotations

import click

from dti.commands import CONTEXT, fail
from sources.home import DataHome


@click.command("audit", context_settings=CONTEXT)
@click.option(
    "--year",
    type=int,
    help="Năm báo cáo (mặc định: năm gần nhất có kiểm định) / Reporting year (default: the latest audited).",
)
def audit(year: int | None) -> None:
    """Kiểm định chỉ số như JRC kiểm định / The audit of the index, as the JRC audits one.

    Đọc bản công bố (dùng được khi một lượt chạy đang ghi) và in cho một năm báo cáo: hệ số Cronbach alpha và
    tỷ trọng thành phần chính thứ nhất của mỗi trụ cột, tương quan của chỉ tiêu và trụ cột với trụ cột và chỉ
    số, các cặp bị cảnh báo, trọng số danh nghĩa và hiệu dụng, giá trị ngoại lai và cách xử lý, chỉ số Sobol
    (bậc một và toàn phần, kèm khoảng tin cậy bootstrap) của thứ hạng theo từng lựa chọn phương pháp.

    Reads the published copy (usable while a run writes) and prints, for one reporting year: Cronbach's alpha
    and the first principal component's share per pillar, the correlations of indicators and pillars with
    their pillar and the index, the flagged pairs (r > 0.92 within a pillar; negative with the own pillar),
    nominal beside effective weights, the outliers and their treatment, and the Sobol indices (first-order
    and total, with bootstrap intervals) of the ranks for each contestable choice of the methodology.

    \b
    Ví dụ / Example:
      dti audit --year 2025
    """
    import polars as pl

    from sources.index.audit import AuditUnavailable, published_audit

    try:
        year, blocks = published_audit(DataHome.from_env().published, year)
    except AuditUnavailable as exc:
        fail(str(exc))
    click.echo(f"Kiểm định chỉ số năm {year} | Audit of the index, {year}")
    with pl.Config(
        tbl_rows=-1,
        tbl_cols=-1,
        fmt_str_lengths=80,
        tbl_width_chars=220,
        tbl_hide_dataframe_shape=True,
        tbl_hide_column_data_types=True,
    ):
        for title, frame in blocks:
            click.echo(f"\n{title}")
            click.echo(frame if frame.height else "  không có | none")


COMMANDS = (audit,)
