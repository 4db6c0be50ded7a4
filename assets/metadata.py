"""Small tables for the Dagster UI's metadata panel."""


import dagster as dg
import polars as pl


def markdown_table(frame: pl.DataFrame, limit: int = 10) -> dg.MetadataValue:
    if frame.is_empty():
        return dg.MetadataValue.md("_none_")
    shown = frame.head(limit)
    cell = lambda v: "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    lines = ["| " + " | ".join(shown.columns) + " |", "|" + "---|" * shown.width]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in shown.iter_rows()]
    if frame.height > limit:
        lines.append(f"\n_{frame.height - limit} more rows_")
    return dg.MetadataValue.md("\n".join(lines))
