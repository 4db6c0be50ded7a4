"""Writing to the DuckDB warehouse with explicit SQL: whole tables replaced, or one reporting year of a
table replaced (delete, then insert by column name, in one transaction) so a re-run never duplicates
rows and reordered columns can never swap values."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import polars as pl

from sources.catalog.catalog import bilingual, catalog
from sources.index.methodology import Methodology


def ensure_schemas(con: duckdb.DuckDBPyConnection) -> None:
    """The schemas of the catalog (sources/catalog/catalog.yaml says what each holds)."""
    for schema in catalog().schemas:
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")


def sql_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_table(con: duckdb.DuckDBPyConnection, qualified: str, methodology: Methodology | None = None) -> None:
    """Describe the table or view `qualified` ("schema.table") of the current database and each of its
    columns, in Vietnamese and English, from the catalog. Pillar columns (`<pillar>_score`...) need the
    `methodology` whose pillars they are."""
    schema, table = qualified.split(".")
    where = "database_name = current_database() AND schema_name = ? AND {name} = ?"
    is_view = (
        con.execute(
            f"SELECT count(*) FROM duckdb_views() WHERE {where.format(name='view_name')}", [schema, table]
        ).fetchall()[0][0]
        > 0
    )
    if described := catalog().table(qualified):
        con.execute(f"COMMENT ON {'VIEW' if is_view else 'TABLE'} {qualified} IS {sql_literal(bilingual(described))}")
    columns = con.execute(
        f"SELECT column_name FROM duckdb_columns() WHERE {where.format(name='table_name')}", [schema, table]
    ).fetchall()
    for (column,) in columns:
        if doc := bilingual(catalog().column(qualified, column, methodology)):
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


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pl.DataFrame) -> int:
    """Replace a whole table with `frame`."""
    ensure_schemas(con)
    qualified = f"{schema}.{table}"
    con.register("_incoming", frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TABLE {qualified} AS SELECT * FROM _incoming")
    finally:
        con.unregister("_incoming")
    comment_table(con, qualified)
    return frame.height


def replace_partition(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    frame: pl.DataFrame,
    year: int,
    with_unassigned: bool = False,
) -> int:
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
    comment_table(con, qualified)
    return frame.height


def query_frame(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> pl.DataFrame:
    """Run a query and return a polars frame (DuckDB 2.0 has `.pl()` on relations, not on connections)."""
    return con.sql(sql, params=params).pl()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> object:
    """The single value of a query, with the result fully consumed (DuckDB 2.0 refuses new work on a
    connection whose previous result was not read to the end)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None
