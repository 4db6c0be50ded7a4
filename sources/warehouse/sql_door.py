"""The read-only SQL door (`dti sql`): one query on the published warehouse and nothing else.

The published copy is opened read-only with DuckDB's external access switched off (no file read or
written outside the database: no `read_csv`, `read_text`, `glob`, `COPY … TO`, `EXPORT`, no ATTACH of
another file, no extension installed or loaded, no Python object scanned) and its configuration locked,
so a query cannot switch any of it back on. Only one reading statement is accepted (SELECT and its
shorthands such as FROM, DESCRIBE, SHOW, SUMMARIZE; EXPLAIN; CALL and PRAGMA of table functions). The
result is capped in rows and the query in time; memory and spill to disk are capped too. Every refusal
and error is a `SqlDoorError` carrying one line in Vietnamese and one in English."""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

DEFAULT_MAX_ROWS = 100_000
DEFAULT_TIMEOUT_S = 30.0
MEMORY_LIMIT = "2GB"
MAX_SPILL = "4GB"

# Statement types that only read (DuckDB's parser names them). A PRAGMA or CALL that would change a
# setting is refused by the locked configuration; one that would write is refused by read-only mode.
READING_STATEMENTS = {"SELECT", "EXPLAIN", "CALL", "PRAGMA"}

# Set at connection time, then locked: `SET`, `RESET` and state-changing PRAGMAs are refused afterwards.
LOCKED_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "allow_community_extensions": False,
    "allow_persistent_secrets": False,
    "python_enable_replacements": False,
    "memory_limit": MEMORY_LIMIT,
    "max_temp_directory_size": MAX_SPILL,
    "lock_configuration": True,
}


class SqlDoorError(Exception):
    """A refused or failed query, told in Vietnamese and English (one line each, no traceback)."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi, self.en = vi, en

    def line(self) -> str:
        return f"{self.vi} / {self.en}"


@dataclass(frozen=True)
class SqlResult:
    frame: pl.DataFrame
    truncated: bool  # more rows than max_rows: `frame` holds the first max_rows
    max_rows: int

    def render(self, output_format: str = "table", limit: int = 100) -> str:
        """The result as `dti sql` prints it: `csv` or `json` for other programs, or `table` for reading (the
        first `limit` rows, then how many there are)."""
        if output_format == "csv":
            return self.frame.write_csv()
        if output_format == "json":
            return self.frame.write_json() + "\n"
        with pl.Config(
            tbl_rows=limit, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=200, tbl_hide_dataframe_shape=True
        ):
            shown = str(self.frame.head(limit))
        return (
            f"{shown}\n{self.frame.height} row(s)"
            + (f", {limit} shown (--limit)" if self.frame.height > limit else "")
            + "\n"
        )

    def notice(self) -> str | None:
        """A word, in Vietnamese and English, when the result was cut at the row cap."""
        if not self.truncated:
            return None
        return (
            f"kết quả bị cắt: chỉ {self.max_rows} dòng đầu (--max-rows) / result cut: first {self.max_rows} rows "
            f"only (--max-rows)"
        )


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _open(path: Path, spill: Path) -> duckdb.DuckDBPyConnection:
    if not path.exists():
        raise SqlDoorError(
            f"chưa có kho dữ liệu công bố tại {path}; hãy chạy `dti run` (hoặc `make run`) trước",
            f"no published warehouse yet at {path}; run `dti run` (or `make run`) first",
        )
    try:
        return duckdb.connect(str(path), read_only=True, config={**LOCKED_CONFIG, "temp_directory": str(spill)})
    except duckdb.Error as exc:
        raise SqlDoorError(
            f"không mở được kho dữ liệu công bố {path} ({_one_line(exc)})",
            f"cannot open the published warehouse {path} ({_one_line(exc)})",
        ) from None


def _check_statement(con: duckdb.DuckDBPyConnection, query: str) -> None:
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as exc:
        raise SqlDoorError(
            f"câu truy vấn sai cú pháp: {_one_line(exc)}", f"the query does not parse: {_one_line(exc)}"
        ) from None
    if len(statements) != 1:
        raise SqlDoorError(
            f"mỗi lần chỉ chạy đúng một câu lệnh (nhận được {len(statements)})",
            f"exactly one statement at a time (got {len(statements)})",
        )
    kind = statements[0].type.name
    shown = "INSTALL/LOAD" if kind == "LOAD" else kind
    if kind not in READING_STATEMENTS:
        raise SqlDoorError(
            f"từ chối câu lệnh {shown}: kho công bố chỉ đọc, chỉ cho phép SELECT (FROM, DESCRIBE, SHOW, SUMMARIZE), "
            f"EXPLAIN, CALL, PRAGMA đọc",
            f"refused: {shown} statement; the published warehouse is read-only and only SELECT (FROM, DESCRIBE, SHOW, "
            f"SUMMARIZE), EXPLAIN and reading CALL/PRAGMA are allowed",
        )


def _explain(exc: duckdb.Error, timeout_s: float, timed_out: bool) -> SqlDoorError:
    detail = _one_line(exc)
    if timed_out or isinstance(exc, duckdb.InterruptException):
        return SqlDoorError(
            f"truy vấn bị dừng sau {timeout_s:g} giây (giới hạn thời gian, --timeout)",
            f"the query was stopped after {timeout_s:g} s (time limit, --timeout)",
        )
    if isinstance(exc, duckdb.PermissionException):
        return SqlDoorError(
            f"từ chối: kho công bố chỉ đọc, không truy cập tệp, mạng hay tiện ích mở rộng ({detail})",
            f"refused: the published warehouse is read-only, with no access to files, network or extensions ({detail})",
        )
    if "configuration has been locked" in detail:
        return SqlDoorError(
            f"từ chối: cấu hình đã bị khóa, không đổi được thiết lập ({detail})",
            f"refused: the configuration is locked and cannot be changed ({detail})",
        )
    if "read-only" in detail:
        return SqlDoorError(
            f"từ chối: kho công bố chỉ đọc ({detail})", f"refused: the published warehouse is read-only ({detail})"
        )
    if isinstance(exc, duckdb.OutOfMemoryException):
        return SqlDoorError(
            f"truy vấn vượt giới hạn bộ nhớ {MEMORY_LIMIT} ({detail})",
            f"the query went over the memory limit of {MEMORY_LIMIT} ({detail})",
        )
    return SqlDoorError(f"truy vấn lỗi: {detail}", f"the query failed: {detail}")


def query_published(
    path: Path, query: str, max_rows: int = DEFAULT_MAX_ROWS, timeout_s: float = DEFAULT_TIMEOUT_S
) -> SqlResult:
    """Run one reading `query` on the published warehouse at `path`: at most `max_rows` rows (the result
    says whether there were more) within `timeout_s` seconds. Raises SqlDoorError otherwise."""
    if max_rows < 1 or timeout_s <= 0:
        raise SqlDoorError(
            "số dòng tối đa và thời gian tối đa phải dương", "the row cap and the time limit must be positive"
        )
    frame, error = None, None
    with tempfile.TemporaryDirectory(prefix="dti-sql-") as spill:
        con = _open(Path(path), Path(spill))
        timed_out = threading.Event()
        # The timer is cancelled and joined before `con` is deleted below: the lambda never sees it undefined.
        timer = threading.Timer(timeout_s, lambda: (timed_out.set(), con.interrupt()))  # noqa: F821
        timer.daemon = True
        try:
            _check_statement(con, query)
            timer.start()
            relation = con.sql(query)
            frame = pl.DataFrame() if relation is None else relation.limit(max_rows + 1).pl()
            relation = None
        except duckdb.Error as exc:
            error = _explain(exc, timeout_s, timed_out.is_set())
        except SqlDoorError as exc:
            error = exc
        finally:
            timer.cancel()
            if timer.ident is not None:
                timer.join()
            con.close()
            # Nothing may keep the connection alive until the interpreter ends (DuckDB's bindings then
            # report it as leaked on stderr): not the timer, not a frame held by a traceback.
            del con, timer
    if error is not None:
        raise error
    return SqlResult(frame.head(max_rows), frame.height > max_rows, max_rows)
