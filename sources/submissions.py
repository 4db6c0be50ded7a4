"""Read a province's submission file, CSV or Excel, into rows exactly as received.

Nothing is typed or mapped here: a row keeps the text (or the cell's own number) it was written with,
its sheet, row number and the column each field came from. Problems that make a whole file unreadable
are returned as a `Problem` naming the file's row and column and what was expected; the caller keeps
the file and records the problem instead of stopping.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.utils import get_column_letter

from expectations.rules import default_rules
from sources.provinces import fold

FIELDS = ("province", "year", "indicator", "value", "unit", "note", "data_origin")
REQUIRED_CSV = ("province", "year", "indicator", "value")
HEADER_ALIASES = {
    "province": ("province", "tinh", "tinh thanh", "tinh thanh pho", "tinh/thanh pho", "dia phuong", "ma tinh"),
    "year": ("year", "nam", "nam bao cao", "reporting year"),
    "indicator": ("indicator", "chi tieu", "ma chi tieu", "indicator code", "ma"),
    "value": ("value", "gia tri", "so lieu", "ket qua"),
    "unit": ("unit", "don vi", "don vi tinh", "dvt"),
    "note": ("note", "ghi chu", "notes"),
    "data_origin": ("data origin", "nguon du lieu", "nguon"),
}
LABEL_ALIASES = {
    "province": ("tinh/thanh pho", "tinh thanh pho", "tinh", "province"),
    "year": ("nam bao cao", "nam", "reporting year", "year"),
    "data_origin": ("nguon du lieu", "data origin"),
}
SUBMISSION_SHEET = "Báo cáo"
SYNTHETIC_MARKERS = ("synthetic", "mo phong", "tong hop")
_YEAR_IN_NAME = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def _header_key(text: object) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9/ ]+", " ", fold(str(text or "")))).strip()


def _field_for(header: object, aliases: dict[str, tuple[str, ...]]) -> str | None:
    key = _header_key(header)
    key_no_paren = re.sub(r"\s*\(.*$", "", fold(str(header or ""))).strip()
    for name, options in aliases.items():
        if key in options or _header_key(key_no_paren) in options:
            return name
    return None


@dataclass(frozen=True)
class Problem:
    """Why (part of) a file could not be read: where, what was found, what was expected."""

    rule: str
    message: str
    expected: str
    row: int | None = None
    column: str | None = None
    value: str | None = None


@dataclass
class RawRow:
    sheet: str | None
    row_number: int
    fields: dict[str, str | None]
    columns: dict[str, str]  # field → column as the reader saw it ("D (value)" in a CSV, "E" in Excel)
    value_is_number: bool = False
    value_format: str | None = None
    problem: Problem | None = None


@dataclass
class ReadResult:
    format: str
    rows: list[RawRow] = field(default_factory=list)
    problem: Problem | None = None
    declared_year: int | None = None
    declared_province: str | None = None
    data_origin: str | None = None

    @property
    def is_synthetic(self) -> bool:
        return any(is_synthetic_origin(o) for o in [self.data_origin] + [r.fields.get("data_origin") for r in self.rows])

    @property
    def reporting_year(self) -> int | None:
        """The year the file reports: declared in the workbook, else the most common year in its rows."""
        if self.declared_year is not None:
            return self.declared_year
        years = Counter(_as_year(r.fields.get("year")) for r in self.rows)
        years.pop(None, None)
        return years.most_common(1)[0][0] if years else None


def is_synthetic_origin(origin: str | None) -> bool:
    """Whether a data-origin field says the data is synthetic (demo) rather than reported."""
    return bool(origin) and any(marker in fold(origin) for marker in SYNTHETIC_MARKERS)


def _as_year(raw: object) -> int | None:
    text = str(raw or "").strip()
    if re.fullmatch(r"\d{4}(\.0)?", text):
        return int(float(text))
    return None


def year_from_name(path: Path) -> int | None:
    match = _YEAR_IN_NAME.search(path.name)
    return int(match.group(1)) if match else None


def detect_format(path: Path, data: bytes) -> str:
    if data[:4] == b"PK\x03\x04" or path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    return "csv"


def read_submission(path: Path, data: bytes | None = None) -> ReadResult:
    """Read one submission file. Never raises for bad content: problems come back in the result."""
    data = path.read_bytes() if data is None else data
    fmt = detect_format(path, data)
    if not data.strip():
        return ReadResult(fmt, problem=Problem("empty_file", "the file is empty", "a header row and at least one data row", row=1))
    result = _read_xlsx(data) if fmt == "xlsx" else _read_csv(data)
    if result.declared_year is None and result.reporting_year is None:
        result.declared_year = year_from_name(path)
    limit = default_rules().max_rows_per_file
    if len(result.rows) > limit:
        result.problem = Problem("too_many_rows", f"the file has {len(result.rows)} data rows, more than the {limit} a province's file can hold",
                                 f"one province and one year per file (at most {limit} rows)", value=str(len(result.rows)))
        result.rows = []
    return result


# --------------------------------------------------------------------------------------------- CSV


def _decode(data: bytes) -> tuple[str | None, Problem | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, Problem("encoding", "the file starts with a UTF-16 mark but is not valid UTF-16",
                                 "UTF-8 text (Excel: Save As → 'CSV UTF-8')", row=1)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data[:exc.start].count(b"\n") + 1
        header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        delimiter = _sniff_delimiter(header)
        before = data[line_start:exc.start].decode("utf-8", errors="replace")
        column_index = before.count(delimiter)
        columns = next(csv.reader([header], delimiter=delimiter))
        column = columns[column_index].strip() if column_index < len(columns) else f"field {column_index + 1}"
        bad = data[exc.start:exc.end + 2]
        return None, Problem(
            "encoding",
            f"the file is not UTF-8 text: byte 0x{data[exc.start]:02X} on line {line} cannot be read "
            f"(likely saved as Windows-1258 or another legacy code page)",
            "UTF-8 text (Excel: Save As → 'CSV UTF-8')", row=line, column=column, value=bad.hex(" "),
        )


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


def _read_csv(data: bytes) -> ReadResult:
    text, problem = _decode(data)
    if problem:
        return ReadResult("csv", problem=problem)
    lines = text.splitlines()
    header_line = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header_line is None:
        return ReadResult("csv", problem=Problem("empty_file", "the file holds no text", "a header row and data rows", row=1))
    delimiter = _sniff_delimiter(lines[header_line])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    header = rows[header_line]
    mapping: dict[int, str] = {}
    for index, name in enumerate(header):
        known = _field_for(name, HEADER_ALIASES)
        if known and known not in mapping.values():
            mapping[index] = known
    missing = [f for f in REQUIRED_CSV if f not in mapping.values()]
    if missing:
        return ReadResult("csv", problem=Problem(
            "missing_column",
            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found in the header "
            f"(found: {', '.join(h.strip() for h in header) or 'nothing'})",
            "columns province, year, indicator, value (unit, note optional; Vietnamese headings accepted)",
            row=header_line + 1, column=", ".join(missing),
        ))
    columns = {name: f"{get_column_letter(i + 1)} ({header[i].strip()})" for i, name in mapping.items()}
    result = ReadResult("csv")
    for offset, cells in enumerate(rows[header_line + 1:], start=header_line + 2):
        if not any(c.strip() for c in cells):
            continue
        fields = {name: None for name in FIELDS}
        for index, name in mapping.items():
            fields[name] = cells[index].strip() if index < len(cells) else None
        row = RawRow(None, offset, fields, columns)
        if len(cells) != len(header):
            row.problem = Problem(
                "field_count", f"the row has {len(cells)} fields but the header has {len(header)}",
                f"{len(header)} fields separated by '{delimiter}' (quote values that contain '{delimiter}')",
                row=offset, column=None, value=delimiter.join(cells),
            )
        result.rows.append(row)
    if not result.rows:
        result.problem = Problem("no_rows", "the file has a header but no data rows", "one row per indicator", row=header_line + 2)
    return result


# ------------------------------------------------------------------------------------------- Excel


def _cell_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() or None


def _find_table(sheet) -> tuple[int, dict[int, str]] | None:
    for row in sheet.iter_rows(min_row=1, max_row=min(sheet.max_row, 40)):
        mapping = {}
        for cell in row:
            known = _field_for(cell.value, HEADER_ALIASES) if isinstance(cell.value, str) else None
            if known and known not in mapping.values():
                mapping[cell.column] = known
        if "indicator" in mapping.values() and "value" in mapping.values():
            return row[0].row, mapping
    return None


def _labels(sheet, above: int) -> dict[str, tuple[object, str]]:
    """Labelled cells above the table ("Tỉnh/Thành phố:" → the next filled cell), with its address."""
    found: dict[str, tuple[object, str]] = {}
    for row in sheet.iter_rows(min_row=1, max_row=max(above - 1, 0)):
        cells = [c for c in row if c.value is not None and str(c.value).strip()]
        for label, answer in zip(cells, cells[1:]):
            name = _field_for(label.value, LABEL_ALIASES) if isinstance(label.value, str) else None
            if name and name not in found:
                found[name] = (answer.value, f"{answer.coordinate} ({str(label.value).strip()})")
    return found


def _merged_in(sheet, column: int, first_row: int) -> str | None:
    """Merged ranges that cover the value column below the header, e.g. 'E9:E10'."""
    found = [str(r) for r in sheet.merged_cells.ranges if r.min_col <= column <= r.max_col and r.max_row > first_row]
    return ", ".join(found) or None


def _read_xlsx(data: bytes) -> ReadResult:
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        return ReadResult("xlsx", problem=Problem(
            "unreadable_workbook", f"not a readable Excel workbook: {exc}",
            "an .xlsx file made from the template (`dti template`)", row=None))
    visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
    ordered = sorted(visible, key=lambda s: s.title != SUBMISSION_SHEET)
    for sheet in ordered:
        table = _find_table(sheet)
        if table:
            break
    else:
        return ReadResult("xlsx", problem=Problem(
            "missing_column",
            f"no visible sheet has a header row with 'Mã chỉ tiêu' and 'Giá trị' (sheets: {', '.join(s.title for s in workbook.worksheets)})",
            f"sheet '{SUBMISSION_SHEET}' from the template, header row with Mã chỉ tiêu, Giá trị", row=None))
    header_row, mapping = table
    labels = _labels(sheet, header_row)
    label_value = {name: value for name, (value, _) in labels.items()}
    result = ReadResult(
        "xlsx",
        declared_year=_as_year(label_value.get("year")),
        declared_province=_cell_text(label_value.get("province")),
        data_origin=_cell_text(label_value.get("data_origin")),
    )
    if "province" not in mapping.values() and result.declared_province is None:
        result.problem = Problem("missing_column", "the workbook names no province (cell 'Tỉnh/Thành phố:' is empty)",
                                 "the province filled in next to 'Tỉnh/Thành phố:'", row=None, column="Tỉnh/Thành phố")
        return result
    if "year" not in mapping.values() and result.declared_year is None:
        result.problem = Problem("missing_column", "the workbook names no reporting year (cell 'Năm báo cáo:' is empty or not a year)",
                                 "a four-digit year next to 'Năm báo cáo:'", row=None, column="Năm báo cáo",
                                 value=_cell_text(label_value.get("year")))
        return result
    value_col = next(col for col, name in mapping.items() if name == "value")
    merged = _merged_in(sheet, value_col, header_row)
    if merged:
        result.problem = Problem("merged_cells", f"cells {merged} of the value column are merged",
                                 "one value cell per indicator row (unmerge the cells)", column=get_column_letter(value_col), value=merged)
        return result
    columns = {name: f"{get_column_letter(col)} ({sheet.cell(header_row, col).value})" for col, name in mapping.items()}
    columns.update({name: address for name, (_, address) in labels.items() if name not in columns})
    written = None
    for row in sheet.iter_rows(min_row=header_row + 1, max_row=sheet.max_row):
        by_column = {c.column: c for c in row}
        fields: dict[str, str | None] = {name: None for name in FIELDS}
        for col, name in mapping.items():
            cell = by_column.get(col)
            fields[name] = _cell_text(cell.value) if cell is not None else None
        if fields["indicator"] is None and fields["value"] is None:
            continue
        fields["province"] = fields["province"] or result.declared_province
        fields["year"] = fields["year"] or (str(result.declared_year) if result.declared_year else None)
        fields["data_origin"] = fields["data_origin"] or result.data_origin
        value_cell = by_column.get(value_col)
        is_number = value_cell is not None and isinstance(value_cell.value, (int, float)) and not isinstance(value_cell.value, bool)
        if is_number:
            fields["value"] = repr(float(value_cell.value))
        raw_row = RawRow(sheet.title, row[0].row, fields, columns, value_is_number=is_number,
                         value_format=value_cell.number_format if value_cell is not None else None)
        formula = None
        if value_cell is not None and value_cell.value is None:
            # A formula whose result was never computed reads as empty for values; the cell as written
            # tells. The workbook is read that second way only when an empty value cell appears.
            written = written or openpyxl.load_workbook(io.BytesIO(data), data_only=False)
            formula = written[sheet.title].cell(row[0].row, value_col).value
        if isinstance(formula, str) and formula.startswith("="):
            raw_row.problem = Problem("formula_without_value", f"the value cell holds the formula {formula} with no computed value",
                                      "a number typed in the cell (or the workbook saved by Excel, which stores the result)",
                                      row=row[0].row, column=columns["value"], value=formula)
        result.rows.append(raw_row)
    return result
