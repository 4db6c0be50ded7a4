"""The published warehouse: a read-only copy of the `reference`, `staging` and `marts` schemas that analysts
open while a run writes the working file. It is built beside the old copy and swapped in with one rename,
so a reader sees either the previous copy or the new one, never a half-written file."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.warehouse import sql_literal

PUBLISHED_SCHEMAS = ("reference", "staging", "marts")
PUBLISHED_SQL = Path(__file__).resolve().parent.parent / "sql" / "published"


def publish_warehouse(con: duckdb.DuckDBPyConnection, target: Path, run_id: str, methodology_version: str) -> dict[str, int]:
    """Copy the published schemas of the warehouse open on `con` (tables, rows and their bilingual
    comments) into a new file, add `marts.publication` and the views of sql/published, make it
    read-only and put it in place of `target`. Returns the row count of every table and view."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.stem}.{uuid.uuid4().hex}.tmp")
    working = con.execute("SELECT current_database()").fetchall()[0][0]
    tables = con.execute("""
        SELECT schema_name, table_name, comment FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY schema_name, table_name""", [list(PUBLISHED_SCHEMAS)]).fetchall()
    columns = con.execute("""
        SELECT schema_name, table_name, column_name, comment FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name IN (SELECT unnest(?::VARCHAR[]))
          AND comment IS NOT NULL""", [list(PUBLISHED_SCHEMAS)]).fetchall()
    for name, value in (("run_id", run_id), ("methodology_version", methodology_version),
                        ("published_at", datetime.now(UTC).isoformat())):
        con.execute(f"SET VARIABLE {name} = ?", [value])
    con.execute("SET VARIABLE latest_file_received_at = (SELECT max(received_at) FROM raw.submission_files)")
    con.execute(f"ATTACH {sql_literal(str(temporary))} AS published")
    try:
        con.execute("USE published")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, table, comment in tables:
            con.execute(f'CREATE TABLE {schema}.{table} AS SELECT * FROM "{working}".{schema}.{table}')
            if comment:
                con.execute(f"COMMENT ON TABLE {schema}.{table} IS {sql_literal(comment)}")
        for schema, table, column, comment in columns:
            con.execute(f'COMMENT ON COLUMN {schema}.{table}."{column}" IS {sql_literal(comment)}')
        for path in sorted(PUBLISHED_SQL.glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        relations = con.execute("""
            SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'published'
            UNION ALL
            SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE database_name = 'published' AND NOT internal
            ORDER BY 1""").fetchall()
        counts = {name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0] for (name,) in relations}
        con.execute(f'USE "{working}"')
        con.execute("CHECKPOINT published")
        con.execute("DETACH published")
    except BaseException:
        con.execute(f'USE "{working}"')
        con.execute("DETACH DATABASE IF EXISTS published")
        temporary.unlink(missing_ok=True)
        raise
    temporary.chmod(0o444)
    os.replace(temporary, target)
    return counts

