"""Writing to the DuckDB warehouse with explicit SQL: whole tables replaced, or one reporting year of a
table replaced (delete, then insert by column name, in one transaction) so a re-run never duplicates
rows and reordered columns can never swap values."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from sources.catalog.columns import TABLE_DOCS, column_doc
from sources.catalog.columns_vi import COLUMNS_VI, TABLES_VI, bilingual

# DuckDB has no schema comments: these descriptions are for the docs and `dti info`.
SCHEMAS = {
    "reference": "Reference data: provinces (63 former, 34 current), names, crosswalk, population, indicator catalogue, targets, sources.",
    "raw": "Submissions as received: one row per file and per row of each file, archived by content hash.",
    "staging": "Typed figures mapped to province and indicator codes, and the rows that could not be, with the reason.",
    "marts": "The index: indicator values and scores, pillar and index scores, rankings, contributions, gaps to targets.",
}


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    for schema in SCHEMAS:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_table(con: duckdb.DuckDBPyConnection, qualified: str, comment: str | None = None) -> None:
    """Describe the table (`comment`, else its entry in sources/columns.TABLE_DOCS) and each of its
    columns, in Vietnamese (sources/catalog/columns_vi.py) and English (sources/catalog/columns.py)."""
    comment = bilingual(TABLES_VI.get(qualified), comment or TABLE_DOCS.get(qualified))
    if comment:
        con.execute(f"COMMENT ON TABLE {qualified} IS {sql_literal(comment)}")
    schema, table = qualified.split(".")
    columns = con.execute("SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
                          [schema, table]).fetchall()
    for (column,) in columns:
        doc = bilingual(COLUMNS_VI.get(column), column_doc(qualified, column))
        if doc:
            con.execute(f'COMMENT ON COLUMN {qualified}."{column}" IS {sql_literal(doc)}')


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """All or nothing: commit when the block ends, roll back if it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except Exception:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


@contextmanager
def single_threaded(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Run the block on one thread. A float sum depends on the order in which DuckDB's threads combine
    their partial aggregates, so only one thread makes a re-run give the very same scores."""
    threads = scalar(con, "SELECT current_setting('threads')")
    con.execute("SET threads = 1")
    try:
        yield
    finally:
        con.execute(f"SET threads = {threads}")


def temp_table(con: duckdb.DuckDBPyConnection, name: str, frame: pl.DataFrame) -> None:
    """(Re)create temporary table `name` holding `frame`."""
    con.register("_frame", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT * FROM _frame")
    finally:
        con.unregister("_frame")


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame,
                  comment: str | None = None) -> int:
    """Replace a whole table with `frame`."""
    ensure_schemas(con)
    qualified = f"{schema}.{table}"
    con.register("_incoming", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {qualified} AS SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")
    comment_table(con, qualified, comment)
    return frame.height


def replace_partition(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame,
                      year: int, comment: str | None = None, with_unassigned: bool = False) -> int:
    """Replace the rows of one reporting year, atomically. `with_unassigned` also replaces the rows
    whose year is unknown (files whose reporting year could not be read), so they are never lost
    and never duplicated by re-runs."""
    ensure_schemas(con)
    qualified = f"{schema}.{table}"
    con.register("_incoming", frame.to_arrow())
    try:
        with transaction(con):
            con.execute(f"CREATE TABLE IF NOT EXISTS {qualified} AS SELECT * FROM _incoming LIMIT 0")
            unassigned = " OR reporting_year IS NULL" if with_unassigned else ""
            con.execute(f"DELETE FROM {qualified} WHERE reporting_year = ?{unassigned}", [year])
            con.execute(f"INSERT INTO {qualified} BY NAME SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")
    comment_table(con, qualified, comment)
    return frame.height


def query_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run a query and return a polars frame (DuckDB 2.0 has `.pl()` on relations, not on connections)."""
    return con.sql(sql, params=params).pl()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    """The single value of a query, with the result fully consumed (DuckDB 2.0 refuses new work on a
    connection whose previous result was not read to the end)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
