"""What the Dagster UI shows of an asset: its description and column schema from the catalog
(sources/catalog/catalog.yaml), and small tables for the metadata panel."""

import dagster as dg
import duckdb
import polars as pl

from sources.catalog.catalog import bilingual, catalog


def description(key: str) -> str:
    """The catalog's description of the asset `key` ("schema.table", or an export), in both languages."""
    found = catalog().table(key) or catalog().assets[key]
    return bilingual(found)


def column_schema(con: duckdb.DuckDBPyConnection, qualified: str) -> dg.MetadataValue:
    """`dagster/column_schema` of a warehouse table: its columns and types as DuckDB has them, each
    described by the catalog."""
    schema, table = qualified.split(".")
    columns = con.execute(
        """
        SELECT column_name, data_type FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name = ? AND table_name = ? ORDER BY column_index""",
        [schema, table],
    ).fetchall()
    return dg.MetadataValue.table_schema(
        dg.TableSchema(
            columns=[
                dg.TableColumn(name, data_type, description=bilingual(catalog().column(qualified, name)))
                for name, data_type in columns
            ]
        )
    )


def markdown_table(frame: pl.DataFrame, limit: int = 10) -> dg.MetadataValue:
    if frame.is_empty():
        return dg.MetadataValue.md("_none_")
    shown = frame.head(limit)

    def cell(v: object) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(name) for name in shown.columns) + " |", "|" + "---|" * shown.width]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown.iter_rows()]
    if frame.height > limit:
        lines.append(f"\n_{frame.height - limit} more rows_")
    return dg.MetadataValue.md("\n".join(lines))
