"""Read a province's submission file, CSV or Excel, into rows exactly as received.

Nothing is typed or mapped here: a row keeps the text (or the cell's own number) it was written with,
its sheet, row number and the column each field came from. Problems that make a whole file unreadable
are returned as a `Problem` naming the file's row and column and what was expected; the caller keeps
the file and records the problem instead of stopping.
"""

from __future__ import annotations

import csv
import io
import itertools
import posixpath
import re
import zipfile
import zlib
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

import openpyxl
from openpyxl.utils import get_column_letter

from sources.intake.rules import Limits, Rules, default_rules
from sources.reference.provinces import fold

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
        return any(
            is_synthetic_origin(o) for o in [self.data_origin] + [r.fields.get("data_origin") for r in self.rows]
        )

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


# ------------------------------------------------------------------------------------ format, limits

SEND_INSTEAD = (
    "the Excel workbook from `dti template` (.xlsx) or a CSV file saved as UTF-8 (Excel: Save As → 'CSV UTF-8')"
)
XLSX_SUFFIXES = (".xlsx", ".xlsm")
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Signatures of formats that are not submissions: (leading bytes, what the file is, as `value` shows it).
_SIGNATURES = (
    (b"%PDF", ".pdf (PDF)"),
    (b"\x89PNG", ".png (image)"),
    (b"\xff\xd8\xff", ".jpg (image)"),
    (b"GIF8", ".gif (image)"),
    (b"\x1f\x8b", ".gz (gzip)"),
    (b"7z\xbc\xaf\x27\x1c", ".7z (7-Zip)"),
    (b"Rar!", ".rar (RAR)"),
    (b"{\\rtf", ".rtf (RTF)"),
    (b"\x7fELF", "ELF (program)"),
    (b"BZh", ".bz2 (bzip2)"),
    (b"\xfd7zXZ", ".xz (xz)"),
)
# Suffixes that name a format this reader does not read, whatever the bytes turn out to be.
_OTHER_SUFFIXES = {
    ".xls": ".xls (Excel 97-2003)",
    ".xlt": ".xls (Excel 97-2003)",
    ".xlsb": ".xlsb (Excel binary)",
    ".ods": ".ods (OpenDocument)",
    ".numbers": ".numbers (Apple Numbers)",
    ".doc": ".doc (Word 97-2003)",
    ".docx": ".docx (Word)",
    ".pdf": ".pdf (PDF)",
    ".zip": ".zip",
    ".rar": ".rar (RAR)",
    ".7z": ".7z (7-Zip)",
    ".json": ".json (JSON)",
    ".xml": ".xml (XML)",
    ".html": "HTML",
    ".htm": "HTML",
}
# A CSV may have this many lines per data row allowed (blank lines, notes written over several lines).
LINES_PER_ROW = 10
# A part of a workbook may unpack to at most max_compression_ratio times its packed size once it is over this.
RATIO_FLOOR_BYTES = 1 << 20


class Refused(Exception):
    """Reading stopped at a limit or at unsafe content; `problem` says where and why."""

    def __init__(self, problem: Problem):
        super().__init__(problem.message)
        self.problem = problem


def _preview(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


def _limits(rules: Rules | None) -> Limits:
    return (rules or default_rules()).limits


def size_problem(size: int, rules: Rules | None = None) -> Problem | None:
    """The problem of a file of `size` bytes, before it is read: None when within the byte limit.
    Callers that read the bytes themselves (the inbox, to archive them) check this first."""
    limit = _limits(rules).max_file_bytes
    if size <= limit:
        return None
    return Problem(
        "file_too_large",
        f"the file is {size:,} bytes, more than the {limit:,} bytes a submission may have "
        f"(a province's file is a few dozen rows, under 100 KB); it was not read",
        f"a file of at most {limit:,} bytes: one province and one year",
        value=f"{size} > {limit}",
    )


def unsupported(kind: str, detail: str = "") -> Problem:
    """A file in a format this reader does not read, with what to send instead."""
    return Problem(
        "unsupported_format",
        f"the file is {kind}{detail}, a format that is not read: send {SEND_INSTEAD} instead",
        SEND_INSTEAD,
        value=kind,
    )


def _unreadable(exc: BaseException, where: str = "") -> Problem:
    """Any error of any reader, as the file's problem (located when the error knows where)."""
    row = None
    position = getattr(exc, "position", None) or (getattr(exc, "lineno", None), getattr(exc, "offset", None))
    if isinstance(position, tuple) and position and isinstance(position[0], int):
        row = position[0]
    reason = f"{type(exc).__name__}: {_preview(str(exc), 200)}" if str(exc) else type(exc).__name__
    return Problem(
        "unreadable_file",
        f"the file could not be read{where}: {reason}",
        "a CSV file saved as UTF-8 or the .xlsx workbook from `dti template`, saved again by the program that made it",
        row=row,
        value=reason,
    )


def _classify(path: Path, data: bytes) -> tuple[str, Problem | None]:
    """The format to read the bytes as (by content first, then by suffix), or why they are not read."""
    suffix = path.suffix.lower()
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _classify_zip(data)
    if data.startswith(_OLE2):
        if suffix in XLSX_SUFFIXES:  # Excel keeps a password-protected .xlsx in an OLE2 container
            kind, detail = "an Office 97-2003 file (OLE2)", " or a password-protected workbook"
        else:
            kind, detail = (_OTHER_SUFFIXES[suffix] if suffix in (".doc", ".xlt") else ".xls (Excel 97-2003)"), ""
        return "xls", unsupported(kind, detail)
    for magic, kind in _SIGNATURES:
        if data.startswith(magic):
            return "binary", unsupported(kind)
    if suffix in XLSX_SUFFIXES:
        return "xlsx", None  # not a zip: the workbook reader says so
    if suffix in _OTHER_SUFFIXES:
        head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if head.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml")) and suffix in (".xls", ".xlt", ".ods"):
            kind = "HTML" if b"<?xml" not in head[:5] else ".xml (XML)"
            return "html", unsupported(
                kind, f" saved under the name {suffix} (a web page or an XML export, not a workbook)"
            )
        return suffix.lstrip("."), unsupported(_OTHER_SUFFIXES[suffix])
    return "csv", None


def _classify_zip(data: bytes) -> tuple[str, Problem | None]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()
            if any(name.startswith("xl/") for name in names):
                return "xlsx", None
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    mimetype = member.read(200).decode("ascii", errors="replace").strip()
                if mimetype.startswith("application/vnd.oasis.opendocument.spreadsheet"):
                    return "ods", unsupported(".ods (OpenDocument)", ", a LibreOffice or OpenOffice Calc spreadsheet")
                return "odf", unsupported(f"an OpenDocument file ({mimetype})")
            if any(name.startswith("word/") for name in names):
                return "docx", unsupported(".docx (Word)")
            if any(name.startswith("ppt/") for name in names):
                return "pptx", unsupported(".pptx (PowerPoint)")
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            return "zip", unsupported(
                ".zip", f" holding {len(names)} file(s): {shown}; send each submission on its own"
            )
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError, EOFError):
        return "xlsx", None  # a damaged zip: the workbook reader reports it


def _read_bytes(path: Path, limits: Limits) -> bytes:
    with path.open("rb") as handle:
        return handle.read(limits.max_file_bytes + 1)


def submission_bytes(path: Path, rules: Rules | None = None) -> tuple[bytes | None, Problem | None]:
    """A file's bytes for a caller that keeps them (the inbox archives them), or, for a file over the byte
    limit, None and the file_too_large problem, without reading it (a file that grows while it is read
    is cut one byte past the limit, so it is refused too)."""
    problem = size_problem(path.stat().st_size, rules)
    if problem:
        return None, problem
    data = _read_bytes(path, _limits(rules))
    return (None, size_problem(len(data), rules)) if len(data) > _limits(rules).max_file_bytes else (data, None)


def read_submission(
    path: Path, data: bytes | None = None, rules: Rules | None = None, name: str | None = None
) -> ReadResult:
    """Read one submission file. Never raises: any problem, of the content or of any reader, comes back in
    the result, located where the reader knows where. Limits (sources/intake/rules.yaml `limits`) are
    checked before reading where possible: the byte size before the bytes are read (when `data` is not
    given), a workbook's zip directory and each sheet's declared size before the workbook is opened.
    `name` is the name the file was received under (the archive keeps it under its hash): a year in it is
    the file's year when the content names none."""
    limits = _limits(rules)
    fmt = "xlsx" if path.suffix.lower() in XLSX_SUFFIXES else "csv"
    try:
        if data is None:
            problem = size_problem(path.stat().st_size, rules)
            data = None if problem else _read_bytes(path, limits)
        else:
            problem = None
        if problem is None:
            problem = size_problem(len(data), rules)
        if problem:
            result = ReadResult(fmt, problem=problem)
        elif not data.strip():
            result = ReadResult(
                fmt, problem=Problem("empty_file", "the file is empty", "a header row and at least one data row", row=1)
            )
        else:
            fmt, problem = _classify(path, data)
            if problem:
                result = ReadResult(fmt, problem=problem)
            else:
                result = _read_xlsx(data, limits) if fmt == "xlsx" else _read_csv(data, limits)
        if not result.problem and len(result.rows) > limits.max_rows_per_file:
            result.problem = _too_many_rows(len(result.rows), limits)
            result.rows = []
    except Refused as refused:
        result = ReadResult(fmt, problem=refused.problem)
    except Exception as exc:
        result = ReadResult(fmt, problem=_unreadable(exc))
    if result.declared_year is None and result.reporting_year is None:
        result.declared_year = year_from_name(Path(name) if name else path)
    return result


def _too_many_rows(count: int, limits: Limits) -> Problem:
    limit = limits.max_rows_per_file
    return Problem(
        "too_many_rows",
        f"the file has {count} data rows, more than the {limit} a province's file can hold",
        f"one province and one year per file (at most {limit} rows)",
        value=str(count),
    )


# --------------------------------------------------------------------------------------------- CSV


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 text without a byte-order mark: NUL
    bytes on one side of each pair only (digits, separators and Latin letters are below U+0100), and
    the first 4 KB decode to printable text (Vietnamese letters, U+1Exx, included)."""
    sample = data[:4096]
    sample = sample[: len(sample) - len(sample) % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    encoding = (
        "utf-16-le"
        if odd >= 0.1 * half and even <= 0.01 * half
        else "utf-16-be"
        if even >= 0.1 * half and odd <= 0.01 * half
        else None
    )
    if encoding is None:
        return None
    text = sample.decode(encoding, errors="replace")
    printable = sum(c.isprintable() or c in "\t\r\n" for c in text)
    return encoding if printable >= 0.95 * len(text) else None


# Bytes that text never holds (controls other than tab, line breaks, form feed and escape).
_BINARY_BYTES = [b for b in range(32) if b not in (9, 10, 12, 13, 27)]


def _decode(data: bytes) -> tuple[str | None, Problem | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), None
        except UnicodeDecodeError:
            return None, Problem(
                "encoding",
                "the file starts with a UTF-16 mark but is not valid UTF-16",
                "UTF-8 text (Excel: Save As → 'CSV UTF-8')",
                row=1,
            )
    utf16 = _utf16_without_bom(data)
    if utf16:
        try:
            return data.decode(utf16), None
        except UnicodeDecodeError as exc:
            return None, Problem(
                "encoding",
                f"the file looks like UTF-16 text ({utf16[-2:].upper()}, without a byte-order mark) "
                f"but is not valid UTF-16 at byte {exc.start}",
                "UTF-8 text (Excel: Save As → 'CSV UTF-8')",
                row=data[: exc.start].decode(utf16, "replace").count("\n") + 1,
                value=data[exc.start : exc.start + 4].hex(" "),
            )
    sample = data[:8192]
    controls = sum(sample.count(byte) for byte in _BINARY_BYTES)
    if controls > 0.05 * len(sample):
        return None, unsupported("binary data", f" ({controls} control bytes in its first {len(sample)}), not text")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data[:nul].count(b"\n") + 1
        return None, Problem(
            "unreadable_file",
            f"the file holds a NUL byte (0x00) on line {line}: it is damaged or not text",
            "a CSV file saved as UTF-8 text, whole",
            row=line,
            value="0x00",
        )
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        line = data[: exc.start].count(b"\n") + 1
        header = data.split(b"\n", 1)[0].decode("utf-8", errors="replace")
        delimiter = _sniff_delimiter(header)
        before = data[line_start : exc.start].decode("utf-8", errors="replace")
        column_index = before.count(delimiter)
        columns = next(csv.reader([header], delimiter=delimiter))
        column = columns[column_index].strip() if column_index < len(columns) else f"field {column_index + 1}"
        bad = data[exc.start : exc.end + 2]
        return None, Problem(
            "encoding",
            f"the file is not UTF-8 text: byte 0x{data[exc.start]:02X} on line {line} cannot be read "
            f"(likely saved as Windows-1258 or another legacy code page)",
            "UTF-8 text (Excel: Save As → 'CSV UTF-8')",
            row=line,
            column=column,
            value=bad.hex(" "),
        )


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (",", ";", "\t", "|")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


_QUOTED = re.compile(r'"[^"]*"')


class _RecordLines:
    """The lines of a text as the csv reader takes them, keeping those of the record being read (its text
    as written, for a message), so that rows are read one at a time and never all held as lists."""

    def __init__(self, text: str, delimiter: str, limits: Limits):
        self._stream = io.StringIO(text, newline="")
        self.record: list[str] = []
        self.delimiter, self.limits, self.number = delimiter, limits, 0

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = self._stream.readline()
        if not line:
            raise StopIteration
        self.number += 1
        # A line whose quotes pair up holds one field more than the separators outside its quoted fields:
        # too many are refused before the csv module makes a list of them.
        outside = line if '"' not in line else _QUOTED.sub("", line) if line.count('"') % 2 == 0 else ""
        if outside.count(self.delimiter) >= self.limits.max_columns:
            fields = outside.count(self.delimiter) + 1
            raise Refused(
                Problem(
                    "too_many_columns",
                    f"line {self.number} has {fields:,} fields, more than the "
                    f"{self.limits.max_columns} columns a submission may have",
                    "the columns province, year, indicator, value, unit, note",
                    row=self.number,
                    value=f"{fields} > {self.limits.max_columns}",
                )
            )
        self.record.append(line)
        return line

    def take(self) -> str:
        text, self.record = "".join(self.record), []
        return text


@contextmanager
def _field_size_limit(limit: int):
    """Let the csv module read fields up to `limit` (the file's own size bounds them): the cell length is
    this reader's check (cell_too_long), with the row and column, not the csv module's error."""
    before = csv.field_size_limit()
    csv.field_size_limit(max(limit, before))
    try:
        yield
    finally:
        csv.field_size_limit(before)


def _csv_column(index: int, header: list[str] | None) -> str:
    name = header[index].strip() if header is not None and index < len(header) else None
    return f"{get_column_letter(index + 1)} ({_preview(name, 40)})" if name else get_column_letter(index + 1)


def _check_record(number: int, cells: list[str], header: list[str] | None, limits: Limits) -> None:
    if len(cells) > limits.max_columns:
        raise Refused(
            Problem(
                "too_many_columns",
                f"row {number} has {len(cells):,} fields, more than the {limits.max_columns} "
                f"columns a submission may have",
                "the columns province, year, indicator, value, unit, note",
                row=number,
                value=f"{len(cells)} > {limits.max_columns}",
            )
        )
    for index, cell in enumerate(cells):
        if len(cell) > limits.max_cell_chars:
            column = _csv_column(index, header)
            raise Refused(
                Problem(
                    "cell_too_long",
                    f"the field in row {number}, column {column} has {len(cell):,} characters, "
                    f"more than the {limits.max_cell_chars:,} a cell may hold (it begins '{_preview(cell, 40)}')",
                    f"at most {limits.max_cell_chars:,} characters in a field (a value, a name or a short note)",
                    row=number,
                    column=column,
                    value=f"{len(cell)} > {limits.max_cell_chars}",
                )
            )


def _header_mapping(header: list[str], number: int) -> dict[int, str]:
    """Column index → field; two columns read as the same field are the file's problem (duplicate_column)."""
    mapping: dict[int, str] = {}
    for index, name in enumerate(header):
        known = _field_for(name, HEADER_ALIASES)
        if not known:
            continue
        first = next((i for i, f in mapping.items() if f == known), None)
        if first is not None:
            both = f"{_csv_column(first, header)}, {_csv_column(index, header)}"
            raise Refused(
                Problem(
                    "duplicate_column",
                    f"columns {_csv_column(first, header)} and {_csv_column(index, header)} are both read as "
                    f"'{known}': which one holds the figures cannot be told",
                    f"one column for '{known}' (remove the other)",
                    row=number,
                    column=both,
                    value=known,
                )
            )
        mapping[index] = known
    return mapping


def _read_csv(data: bytes, limits: Limits) -> ReadResult:
    text, problem = _decode(data)
    if problem:
        return ReadResult("csv", problem=problem)
    start = len(text) - len(text.lstrip())
    if start == len(text):
        return ReadResult(
            "csv", problem=Problem("empty_file", "the file holds no text", "a header row and data rows", row=1)
        )
    if text[start] == "<":
        kind = (
            "HTML"
            if re.match(r"<(!doctype html|html|table|head|body)", text[start : start + 200], re.IGNORECASE)
            else ".xml (XML)"
        )
        return ReadResult("html", problem=unsupported(kind, " (a page or table saved as text)"))
    end = text.find("\n", start)
    delimiter = _sniff_delimiter(text[start : end if end >= 0 else len(text)])
    line_count = text.count("\n") + (not text.endswith("\n"))
    max_lines = LINES_PER_ROW * limits.max_rows_per_file
    if line_count > max_lines:
        return ReadResult(
            "csv",
            problem=Problem(
                "too_many_rows",
                f"the file has {line_count:,} lines, more than the {max_lines:,} lines (blank ones included) a file of "
                f"at most {limits.max_rows_per_file} data rows may have; it was not read further",
                f"one province and one year per file (at most {limits.max_rows_per_file} rows)",
                value=str(line_count),
            ),
        )
    lines = _RecordLines(text, delimiter, limits)
    header: list[str] | None = None
    header_number = 0
    mapping: dict[int, str] = {}
    columns: dict[str, str] = {}
    result = ReadResult("csv")
    data_rows = 0
    last: tuple[RawRow, list[str], str] | None = None
    final = 0
    with _field_size_limit(limits.max_file_bytes + 1):
        for number, cells in enumerate(csv.reader(lines, delimiter=delimiter), start=1):
            written, final = lines.take(), number
            _check_record(number, cells, header, limits)
            if not any(c.strip() for c in cells):
                continue
            if header is None:
                header, header_number = cells, number
                mapping = _header_mapping(header, number)
                missing = [f for f in REQUIRED_CSV if f not in mapping.values()]
                if missing:
                    return ReadResult(
                        "csv",
                        problem=Problem(
                            "missing_column",
                            f"required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} not found in the header "
                            f"(found: {', '.join(h.strip() for h in header) or 'nothing'})",
                            "columns province, year, indicator, value (unit, note optional; Vietnamese headings accepted)",
                            row=number,
                            column=", ".join(missing),
                        ),
                    )
                columns = {name: f"{get_column_letter(i + 1)} ({header[i].strip()})" for i, name in mapping.items()}
                continue
            data_rows += 1
            if data_rows > limits.max_rows_per_file:
                continue  # counted, not kept: the file is refused below with its count
            fields = {name: None for name in FIELDS}
            for index, name in mapping.items():
                fields[name] = cells[index].strip() if index < len(cells) else None
            row = RawRow(None, number, fields, columns)
            if len(cells) != len(header):
                row.problem = Problem(
                    "field_count",
                    f"the row has {len(cells)} fields but the header has {len(header)}",
                    f"{len(header)} fields separated by '{delimiter}' (quote values that contain '{delimiter}')",
                    row=number,
                    column=None,
                    value=_preview(delimiter.join(cells), 200),
                )
            result.rows.append(row)
            last = (row, cells, written)
    if data_rows > limits.max_rows_per_file:
        return ReadResult("csv", problem=_too_many_rows(data_rows, limits))
    if header is not None and not result.rows:
        result.problem = Problem(
            "no_rows", "the file has a header but no data rows", "one row per indicator", row=header_number + 1
        )
    if last is not None and last[0].row_number == final and not text.endswith(("\n", "\r")):
        _check_last_line(*last, header, mapping)
    return result


def _check_last_line(row: RawRow, cells: list[str], written: str, header: list[str], mapping: dict[int, str]) -> None:
    """A file that does not end with a line break may have been cut while it was written or sent. Its last
    row is quarantined when the cut could have changed what is read: it ends inside a quoted field, it has
    fewer fields than the header, or its last field is non-empty and is one the pipeline reads (all but
    `note` and unknown columns: '12345' cut to '123' looks whole). A last row ending in an empty or a note
    field is kept: a cut there changes no figure."""
    last_field = mapping.get(len(cells) - 1)
    if written.count('"') % 2 == 1:
        why = "ends inside a quoted field"
    elif len(cells) < len(header):
        why = f"has {len(cells)} of the {len(header)} fields of the header"
    elif cells and cells[-1].strip() and last_field not in (None, "note"):
        why = f"ends in the {last_field} field ('{_preview(cells[-1].strip(), 40)}'), which may be cut short"
    else:
        return
    row.problem = Problem(
        "truncated_last_line",
        f"the file does not end with a line break and its last line (row {row.row_number}) {why}: "
        f"found '{_preview(written, 160)}'",
        f"the whole last line ending with a line break ({len(header)} fields, every quoted field closed): send the file again whole",
        row=row.row_number,
        column=row.columns.get(last_field) if last_field else None,
        value=_preview(written, 160),
    )


# ------------------------------------------------------------------------------------------- Excel

# A workbook made by Excel or the template has a dozen parts; more is not a submission.
MAX_WORKBOOK_PARTS = 10_000
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']+)[\"']")
_CELL = re.compile(r"\$?([A-Za-z]{1,4})?\$?(\d{1,9})?")
_HEAD_BYTES = 1 << 16


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _cell_ref(text: str) -> tuple[int, int] | None:
    """(row, column) of a cell reference such as 'XFD1048576' (0 where a part is missing)."""
    match = _CELL.fullmatch(text.strip())
    if not match:
        return None
    return int(match.group(2) or 0), _column_number(match.group(1) or "")


def _sheet_limits_text(limits: Limits) -> str:
    return (
        f"a sheet of at most {limits.max_sheet_rows:,} rows and {limits.max_columns} columns, {limits.max_cells:,} cells in the "
        f"workbook: the table of the template (delete stray cells or formatting far from it)"
    )


def _sheet_too_large(what: str, row: int, column: int, limits: Limits, value: str) -> Refused:
    letter = get_column_letter(min(max(column, 1), 18278))
    return Refused(
        Problem("sheet_too_large", what, _sheet_limits_text(limits), row=row or None, column=letter, value=value)
    )


# A sheet's XML elements per cell it may hold (a cell is <c>, <v> and maybe <f> or <is><t>; then rows, columns, formats).
ELEMENTS_PER_CELL = 5
# Elements of a sheet whose range openpyxl fills with cell objects, and what they are called in a message.
RANGE_ELEMENTS = {"mergeCell": "merged range", "hyperlink": "hyperlink"}


class _SheetScan:
    """Counts the rows and cells of one worksheet as its XML streams past, and stops at the first one
    beyond the limits, before openpyxl builds a cell object for any of them."""

    def __init__(self, label: str, limits: Limits, cells_before: int):
        self.label, self.limits, self.cells = label, limits, cells_before
        self.row = self.column = self.max_row = self.max_column = self.area = self.elements = 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        self.elements += 1
        if self.elements > ELEMENTS_PER_CELL * self.limits.max_cells:
            raise _sheet_too_large(
                f"{self.label} has more than {ELEMENTS_PER_CELL * self.limits.max_cells:,} XML elements (counted up "
                f"to <{local}>), more than a sheet of {self.limits.max_cells:,} cells holds",
                self.row,
                max(self.column, 1),
                self.limits,
                f"> {ELEMENTS_PER_CELL * self.limits.max_cells} elements",
            )
        if local == "row":
            number = attributes.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            self.column = 0
            self._check()
        elif local == "c":
            ref = _cell_ref(attributes.get("r", "")) if attributes.get("r") else None
            if ref and ref[0]:
                self.row = ref[0]
            self.column = ref[1] if ref and ref[1] else self.column + 1
            self.cells += 1
            self._check()
        elif local in RANGE_ELEMENTS:
            for part in attributes.get("ref", "").split():
                self._check_range(local, part)

    def _check_range(self, element: str, text: str) -> None:
        """openpyxl makes a cell object for every cell of a merged range or a hyperlink's range: one
        `<mergeCell ref="A1:XFD1048576"/>` would make 17 billion. Their areas count against the cells."""
        first, _, last = text.partition(":")
        start, end = _cell_ref(first), _cell_ref(last or first)
        if start is None or end is None:
            return
        rows = abs(max(end[0], 1) - max(start[0], 1)) + 1
        columns = abs(max(end[1], 1) - max(start[1], 1)) + 1
        self.area += rows * columns
        limits = self.limits
        if (
            max(start[0], end[0]) > limits.max_sheet_rows
            or max(start[1], end[1]) > limits.max_columns
            or self.area > limits.max_cells
        ):
            raise _sheet_too_large(
                f"{self.label} has a {RANGE_ELEMENTS[element]} over {text} ({rows:,} rows × {columns:,} columns), beyond the "
                f"{limits.max_sheet_rows:,} rows, {limits.max_columns} columns and {limits.max_cells:,} cells a submission sheet may have",
                max(end[0], 1),
                max(end[1], 1),
                limits,
                f"{element} {text}: {rows} × {columns}",
            )

    def _check(self) -> None:
        limits, row, column = self.limits, self.row, self.column
        self.max_row, self.max_column = max(self.max_row, row), max(self.max_column, column)
        at = f"{get_column_letter(min(max(column, 1), 18278))}{row}"
        if row > limits.max_sheet_rows:
            raise _sheet_too_large(
                f"{self.label} has a row numbered {row:,}, beyond the {limits.max_sheet_rows:,} rows a "
                f"submission sheet may have",
                row,
                max(column, 1),
                limits,
                f"{row} > {limits.max_sheet_rows}",
            )
        if column > limits.max_columns:
            raise _sheet_too_large(
                f"{self.label} has a cell in column {get_column_letter(min(column, 18278))} (column number {column:,}), "
                f"beyond the {limits.max_columns} columns a submission sheet may have",
                row,
                column,
                limits,
                f"{at}: {column} > {limits.max_columns}",
            )
        if self.max_row * self.max_column > limits.max_cells:
            raise _sheet_too_large(
                f"{self.label} spans {self.max_row:,} rows × {self.max_column:,} columns up to cell {at}, "
                f"more than the {limits.max_cells:,} cells a submission may have",
                row,
                column,
                limits,
                f"{self.max_row} × {self.max_column} > {limits.max_cells}",
            )
        if self.cells > limits.max_cells:
            raise _sheet_too_large(
                f"the workbook has more than {limits.max_cells:,} cells (counted up to cell {at} of {self.label})",
                row,
                column,
                limits,
                f"{self.cells} > {limits.max_cells}",
            )


def _unsafe_xml(label: str, what: str) -> Refused:
    return Refused(
        Problem(
            "unsafe_xml",
            f"{label} declares {what} (a DTD), which a workbook saved by Excel never holds and "
            f"which can make a reader expand a few bytes into gigabytes: the workbook was not opened",
            "a workbook saved by Excel or LibreOffice as .xlsx, or the template (`dti template`)",
            value=what,
        )
    )


def _parse_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, start=None) -> None:
    """Stream one XML part of the workbook through expat: refuse any DTD (entity expansion, external
    entities) at its first byte, report XML that is not well-formed with its line and column, and call
    `start` for each element (to count a sheet's cells)."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def doctype(name, *_):
        raise _unsafe_xml(label, f"<!DOCTYPE {name}>")

    def entity(name, *_):
        raise _unsafe_xml(label, f"<!ENTITY {name}>")

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    if start is not None:
        parser.StartElementHandler = start
    try:
        with archive.open(info) as member:
            while chunk := member.read(_HEAD_BYTES):
                parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise Refused(
            Problem(
                "unreadable_workbook",
                f"not a readable Excel workbook: {label} is not well-formed XML "
                f"({expat.ErrorString(exc.code)} at line {exc.lineno}, column {exc.offset}); the file may be cut or damaged",
                "an .xlsx file made from the template (`dti template`), saved again by Excel or LibreOffice",
                value=f"{info.filename}: line {exc.lineno}, column {exc.offset}",
            )
        ) from None
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error) as exc:
        raise Refused(
            Problem(
                "unreadable_workbook",
                f"not a readable Excel workbook: part {info.filename} cannot be unpacked ({exc})",
                "an .xlsx file made from the template (`dti template`), saved again by Excel or LibreOffice",
                value=info.filename,
            )
        ) from None


def _sheet_parts(archive: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Worksheet part → its title ('xl/worksheets/sheet1.xml' → 'Báo cáo'), read by streaming."""
    titles: dict[str, str] = {}
    targets: dict[str, str] = {}

    def sheet(name, attributes):
        if name.rpartition(" ")[2] == "sheet":
            rid = next((v for k, v in attributes.items() if k.rpartition(" ")[2] == "id"), None)
            if rid:
                titles[rid] = attributes.get("name", rid)

    def relationship(name, attributes):
        if name.rpartition(" ")[2] == "Relationship" and "Id" in attributes:
            target = attributes.get("Target", "")
            targets[attributes["Id"]] = (
                target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            )

    if "xl/workbook.xml" in names:
        _parse_part(archive, archive.getinfo("xl/workbook.xml"), "part xl/workbook.xml", sheet)
    if "xl/_rels/workbook.xml.rels" in names:
        _parse_part(
            archive, archive.getinfo("xl/_rels/workbook.xml.rels"), "part xl/_rels/workbook.xml.rels", relationship
        )
    parts = {targets[rid]: title for rid, title in titles.items() if rid in targets and targets[rid] in names}
    for name in names:
        if re.fullmatch(r"xl/worksheets/[^/]+\.xml", name) and name not in parts:
            parts[name] = name
    return parts


def _check_workbook(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Before openpyxl opens the workbook: its zip directory (parts, inflated size, compression ratio),
    every XML part streamed through expat (no DTD, well-formed), each sheet's declared dimension (its
    first bytes only) and its actual rows, columns and cells (streamed, stopping at the first beyond the
    limits). Raises Refused with the problem."""
    infos = archive.infolist()
    expected = "an .xlsx of a few hundred KB at most, from the template (`dti template`)"
    if len(infos) > MAX_WORKBOOK_PARTS:
        raise Refused(
            Problem(
                "workbook_too_large",
                f"the workbook has {len(infos):,} parts, more than the {MAX_WORKBOOK_PARTS:,} a workbook may have",
                expected,
                value=f"{len(infos)} > {MAX_WORKBOOK_PARTS}",
            )
        )
    total = sum(info.file_size for info in infos)
    if total > limits.max_inflated_bytes:
        biggest = max(infos, key=lambda info: info.file_size)
        raise Refused(
            Problem(
                "workbook_too_large",
                f"the workbook unpacks to {total:,} bytes (its largest part, {biggest.filename}, "
                f"to {biggest.file_size:,}), more than the {limits.max_inflated_bytes:,} bytes a submission may; "
                f"it was not unpacked",
                expected,
                value=f"{total} > {limits.max_inflated_bytes} byte",
            )
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_FLOOR_BYTES and ratio > limits.max_compression_ratio:
            raise Refused(
                Problem(
                    "workbook_too_large",
                    f"part {info.filename} unpacks to {ratio:,.0f} times its packed size "
                    f"({info.file_size:,} bytes from {info.compress_size:,}), more than the "
                    f"{limits.max_compression_ratio:,.0f} times a real workbook's parts do; it was not unpacked",
                    expected,
                    value=f"{info.filename}: {ratio:.0f}:1 > {limits.max_compression_ratio:.0f}:1",
                )
            )
    names = {info.filename for info in infos}
    sheets = _sheet_parts(archive, names)
    cells = 0
    for info in infos:
        name = info.filename
        if name in sheets:
            label = f"sheet '{sheets[name]}'" if sheets[name] != name else f"sheet part {name}"
            _check_dimension(archive, info, label, limits)
            scan = _SheetScan(label, limits, cells)
            _parse_part(archive, info, label, scan.start)
            cells = scan.cells
        elif name not in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels") and _is_xml_part(archive, info):
            _parse_part(archive, info, f"part {name}", _ElementCount(name, limits).start)


class _ElementCount:
    """openpyxl makes an object of every element of the styles, shared strings and other parts: a part with
    more elements than the cells a workbook may hold (550,000 cell formats take 500 MB and 10 s) is refused."""

    def __init__(self, name: str, limits: Limits):
        self.name, self.limit, self.count = name, limits.max_cells, 0

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.count += 1
        if self.count > self.limit:
            raise Refused(
                Problem(
                    "workbook_too_large",
                    f"part {self.name} of the workbook has more than {self.limit:,} XML elements "
                    f"(counted up to <{name.rpartition(' ')[2]}>), more than the cells a submission may hold; it was not opened",
                    "an .xlsx of a few hundred KB at most, from the template (`dti template`)",
                    value=f"{self.name}: > {self.limit} elements",
                )
            )


def _is_xml_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    """Whether a part is XML (openpyxl may parse it, whatever its name), from its first bytes."""
    if info.filename.lower().endswith((".xml", ".rels", ".vml")):
        return True
    try:
        with archive.open(info) as member:
            head = member.read(64)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error):
        return True  # _parse_part reports it
    for mark in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        head = head.removeprefix(mark)
    return head.replace(b"\x00", b"").lstrip().startswith(b"<")


def _check_dimension(archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, limits: Limits) -> None:
    """The size a sheet declares (`<dimension ref="A1:XFD1048576"/>`), from its first 64 KB only."""
    try:
        with archive.open(info) as member:
            head = member.read(_HEAD_BYTES)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError, RuntimeError, zlib.error):
        return  # _parse_part reports it, located
    match = _DIMENSION.search(head)
    if not match:
        return
    ref = match.group(1).decode("ascii", errors="replace")
    end = _cell_ref(ref.split(":")[-1])
    if end is None:
        return
    rows, columns = max(end[0], 1), max(end[1], 1)
    if rows > limits.max_sheet_rows or columns > limits.max_columns or rows * columns > limits.max_cells:
        raise _sheet_too_large(
            f"{label} declares its cells as {ref} ({rows:,} rows × {columns:,} columns), more than the {limits.max_sheet_rows:,} "
            f"rows, {limits.max_columns} columns and {limits.max_cells:,} cells a submission sheet may have; it was not opened",
            rows,
            columns,
            limits,
            f"{ref}: {rows} × {columns}",
        )


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
            _header_mapping_xlsx(row)
            return row[0].row, mapping
    return None


def _header_mapping_xlsx(row) -> None:
    """Two header cells read as the same field (two 'Giá trị' columns): duplicate_column."""
    seen: dict[str, int] = {}
    heading = {cell.column: cell.value for cell in row}

    def columns_of(column: int) -> str:
        return f"{get_column_letter(column)} ({heading.get(column)})"

    for cell in row:
        known = _field_for(cell.value, HEADER_ALIASES) if isinstance(cell.value, str) else None
        if not known:
            continue
        if known in seen:
            raise Refused(
                Problem(
                    "duplicate_column",
                    f"columns {columns_of(seen[known])} and {columns_of(cell.column)} of the header "
                    f"(row {cell.row}) are both read as '{known}': which one holds the figures cannot be told",
                    f"one column for '{known}' (remove the other)",
                    row=cell.row,
                    column=f"{columns_of(seen[known])}, {columns_of(cell.column)}",
                    value=known,
                )
            )
        seen[known] = cell.column


def _labels(sheet, above: int) -> dict[str, tuple[object, str]]:
    """Labelled cells above the table ("Tỉnh/Thành phố:" → the next filled cell), with its address."""
    found: dict[str, tuple[object, str]] = {}
    for row in sheet.iter_rows(min_row=1, max_row=max(above - 1, 0)):
        cells = [c for c in row if c.value is not None and str(c.value).strip()]
        for label, answer in itertools.pairwise(cells):
            name = _field_for(label.value, LABEL_ALIASES) if isinstance(label.value, str) else None
            if name and name not in found:
                found[name] = (answer.value, f"{answer.coordinate} ({str(label.value).strip()})")
    return found


def _merged_in(sheet, column: int, first_row: int) -> str | None:
    """Merged ranges that cover the value column below the header, e.g. 'E9:E10'."""
    found = [str(r) for r in sheet.merged_cells.ranges if r.min_col <= column <= r.max_col and r.max_row > first_row]
    return ", ".join(found) or None


def _check_cell_lengths(sheet, limits: Limits) -> None:
    """Every text cell of the submission sheet (labels, header, rows) within the cell length."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and len(cell.value) > limits.max_cell_chars:
                raise Refused(
                    Problem(
                        "cell_too_long",
                        f"cell {cell.coordinate} of sheet '{sheet.title}' has {len(cell.value):,} characters, more than "
                        f"the {limits.max_cell_chars:,} a cell may hold (it begins '{_preview(cell.value, 40)}')",
                        f"at most {limits.max_cell_chars:,} characters in a cell (a value, a name or a short note)",
                        row=cell.row,
                        column=get_column_letter(cell.column),
                        value=f"{len(cell.value)} > {limits.max_cell_chars}",
                    )
                )


def _load_workbook(data: bytes, data_only: bool):
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=data_only)
    except Exception as exc:
        position = getattr(exc, "position", None)
        where = f" (line {position[0]}, column {position[1]} of one of its XML parts)" if position else ""
        raise Refused(
            Problem(
                "unreadable_workbook",
                f"not a readable Excel workbook: {exc or type(exc).__name__}{where}",
                "an .xlsx file made from the template (`dti template`)",
                row=None,
            )
        ) from None


def _read_xlsx(data: bytes, limits: Limits) -> ReadResult:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError) as exc:
        return ReadResult(
            "xlsx",
            problem=Problem(
                "unreadable_workbook",
                f"not a readable Excel workbook: {exc}",
                "an .xlsx file made from the template (`dti template`)",
                row=None,
            ),
        )
    with archive:
        _check_workbook(archive, limits)
    workbook = _load_workbook(data, data_only=True)
    visible = [s for s in workbook.worksheets if s.sheet_state == "visible"]
    ordered = sorted(visible, key=lambda s: s.title != SUBMISSION_SHEET)
    for sheet in ordered:
        table = _find_table(sheet)
        if table:
            break
    else:
        return ReadResult(
            "xlsx",
            problem=Problem(
                "missing_column",
                f"no visible sheet has a header row with 'Mã chỉ tiêu' and 'Giá trị' (sheets: {', '.join(s.title for s in workbook.worksheets)})",
                f"sheet '{SUBMISSION_SHEET}' from the template, header row with Mã chỉ tiêu, Giá trị",
                row=None,
            ),
        )
    header_row, mapping = table
    _check_cell_lengths(sheet, limits)
    labels = _labels(sheet, header_row)
    label_value = {name: value for name, (value, _) in labels.items()}
    result = ReadResult(
        "xlsx",
        declared_year=_as_year(label_value.get("year")),
        declared_province=_cell_text(label_value.get("province")),
        data_origin=_cell_text(label_value.get("data_origin")),
    )
    if "province" not in mapping.values() and result.declared_province is None:
        result.problem = Problem(
            "missing_column",
            "the workbook names no province (cell 'Tỉnh/Thành phố:' is empty)",
            "the province filled in next to 'Tỉnh/Thành phố:'",
            row=None,
            column="Tỉnh/Thành phố",
        )
        return result
    if "year" not in mapping.values() and result.declared_year is None:
        result.problem = Problem(
            "missing_column",
            "the workbook names no reporting year (cell 'Năm báo cáo:' is empty or not a year)",
            "a four-digit year next to 'Năm báo cáo:'",
            row=None,
            column="Năm báo cáo",
            value=_cell_text(label_value.get("year")),
        )
        return result
    value_col = next(col for col, name in mapping.items() if name == "value")
    merged = _merged_in(sheet, value_col, header_row)
    if merged:
        result.problem = Problem(
            "merged_cells",
            f"cells {merged} of the value column are merged",
            "one value cell per indicator row (unmerge the cells)",
            column=get_column_letter(value_col),
            value=merged,
        )
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
        is_number = (
            value_cell is not None
            and isinstance(value_cell.value, (int, float))
            and not isinstance(value_cell.value, bool)
        )
        if is_number:
            fields["value"] = repr(float(value_cell.value))
        raw_row = RawRow(
            sheet.title,
            row[0].row,
            fields,
            columns,
            value_is_number=is_number,
            value_format=value_cell.number_format if value_cell is not None else None,
        )
        formula = None
        if value_cell is not None and value_cell.value is None:
            # A formula whose result was never computed reads as empty for values; the cell as written
            # tells. The workbook is read that second way only when an empty value cell appears.
            written = written or _load_workbook(data, data_only=False)
            formula = written[sheet.title].cell(row[0].row, value_col).value
        if isinstance(formula, str) and formula.startswith("="):
            raw_row.problem = Problem(
                "formula_without_value",
                f"the value cell holds the formula {_preview(formula)} with no computed value",
                "a number typed in the cell (or the workbook saved by Excel, which stores the result)",
                row=row[0].row,
                column=columns["value"],
                value=_preview(formula),
            )
        result.rows.append(raw_row)
    return result
