"""`dti audit`: the audit of the index (sources/index/audit.py) read from the published copy."""

from __future__ import annotations

import sys

import click
import duckdb
import polars as pl

from sources.home import DataHome
from sources.index.audit import audit_report, has_audit


@click.command("audit", context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--year", type=int, help="Reporting year (default: the latest audited).")
def audit(year: int | None) -> None:
    """Kiểm định chỉ số | The audit of the index, as the JRC audits a composite index.

    Reads the published copy (it can be used while a run writes) and prints, for one reporting year,
    Vietnamese first: Cronbach's alpha and the first principal component's share per pillar, the
    correlations of indicators and pillars with their pillar and the index, the flagged pairs (r > 0.92
    within a pillar; negative with the own pillar), nominal beside effective weights, the outliers and
    what the winsorise-then-log rule does to them, and the Sobol indices (first-order and total, with
    their bootstrap intervals) of the ranks for each contestable choice of the methodology.

    \b
    Example:
      dti audit --year 2025
    """
    home = DataHome.from_env()
    if not home.published.exists():
        _fail(f"chưa có bản công bố | no published copy yet at {home.published}; run `dti run` first")
    con = duckdb.connect(str(home.published), read_only=True)
    try:
        if not has_audit(con):
            _fail("bản công bố chưa có kiểm định | the published copy holds no audit; run `dti run` again")
        years = [row[0] for row in con.execute(
            "SELECT DISTINCT reporting_year FROM marts.audit_reliability ORDER BY 1").fetchall()]
        year = year if year is not None else (years[-1] if years else None)
        if year not in years:
            _fail(f"không có kiểm định cho năm {year} | no audit for {year}; audited years: "
                  f"{', '.join(map(str, years)) or 'none'}")
        blocks = audit_report(con, year)
    finally:
        con.close()
    click.echo(f"Kiểm định chỉ số năm {year} | Audit of the index, {year}")
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=220, tbl_hide_dataframe_shape=True,
                   tbl_hide_column_data_types=True):
        for title, frame in blocks:
            click.echo(f"\n{title}")
            click.echo(frame if frame.height else "  không có | none")


def _fail(message: str) -> None:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)
