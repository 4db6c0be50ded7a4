"""The quarantine as an officer reads it (`dti rejects`): every row or file that could not be used, with
where it was, the rule it broke and the message in Vietnamese and English, read from the warehouse
without writing to it."""

from __future__ import annotations

from pathlib import Path

import duckdb

from sources.intake.text import safe_text


class WarehouseUnavailable(RuntimeError):
    """No warehouse to read yet, or one a run is writing right now; the message says what to do."""


def _read_only(warehouse: Path) -> duckdb.DuckDBPyConnection:
    if not warehouse.exists():
        raise WarehouseUnavailable(f"no warehouse yet at {warehouse}; run `dti run` (or `make run`) first")
    try:
        return duckdb.connect(str(warehouse), read_only=True)
    except duckdb.IOException as exc:
        raise WarehouseUnavailable(
            f"the warehouse {warehouse} is being written by a run and cannot be opened now; "
            f"try again when the run has finished ({exc})"
        ) from exc


def rejects_report(warehouse: Path, year: int | None = None, province: str | None = None, limit: int = 50) -> str:
    """The rows of staging.rejected_rows (of one year, of one province as written in the file or the file's
    name), at most `limit` of them, three lines each, and how many there are. What came from a file is
    printed with its control characters escaped (no terminal tricks). Raises WarehouseUnavailable."""
    where, params = ["TRUE"], []
    if year is not None:
        where.append("reporting_year = ?")
        params.append(year)
    if province:
        where.append("(province_raw ILIKE ? OR file_name ILIKE ?)")
        params += [f"%{province}%", f"%{province}%"]
    query = (
        f"SELECT reporting_year, file_name, sheet, row_number, column_name, value, rule, message, expected, "
        f"severity, message_vi "
        f"FROM staging.rejected_rows WHERE {' AND '.join(where)} "
        f"ORDER BY reporting_year NULLS FIRST, file_name, row_number"
    )
    with _read_only(warehouse) as con:
        rows = con.execute(query, params).fetchall()
    if not rows:
        return "no rejected rows"
    lines = []
    for row in rows[:limit]:
        reported, file_name, sheet, row_number, column, value, rule, message, expected, severity, message_vi = row
        place = (
            file_name
            + (f" [{sheet}]" if sheet else "")
            + (f", row {row_number}" if row_number is not None else "")
            + (f", column {column}" if column else "")
        )
        lines.append(safe_text(f"{reported or '????'}  {place}"))
        lines.append(
            safe_text(
                f"      {severity} {rule}: {message_vi}" + (f" (giá trị / value: {value})" if value is not None else "")
            )
        )
        lines.append(safe_text(f"      en: {message}; expected: {expected}"))
    if len(rows) > limit:
        lines.append(f"... {len(rows) - limit} more (use --limit)")
    lines.append(f"{len(rows)} rejected row(s)")
    return "\n".join(lines)
