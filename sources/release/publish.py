"""Publication: the read-only copy analysts open (`published/dti.duckdb`) and the release for ministry staff
(`exports/<id>`, pointed to by `exports/latest`) move together, both or neither.

Both are built beside what readers see: the copy in a temporary file, the release in a hidden `.partial`
folder. Only when both are complete is a journal written; then the release folder is renamed, the copy
swapped in with one rename and `latest` moved. A run that dies before the journal leaves only temporary
files, which the next run removes; a run that dies after it is finished by the next run (roll forward).
A publication whose content is the very same as the latest release's (same fingerprint: every published
row and the methodology version) writes nothing: no new release, `latest` stays."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from sources.catalog.catalog import pillar_columns
from sources.home import PROJECT_ROOT, DataHome
from sources.index.methodology import Methodology
from sources.release.releases import (
    Release,
    latest_release,
    point_latest,
    releases,
    write_release,
)
from sources.warehouse.tables import comment_table, sql_literal

PUBLISHED_SCHEMAS = ("reference", "staging", "marts")
PUBLISHED_SQL = PROJECT_ROOT / "sql" / "published"
JOURNAL = ".publication.json"


@dataclass(frozen=True)
class Publication:
    changed: bool
    release: Release | None
    counts: dict[str, int]
    fingerprint: str


def _published_tables(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute(
        """
        SELECT schema_name, table_name FROM duckdb_tables()
        WHERE database_name = current_database() AND schema_name IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY schema_name, table_name""",
        [list(PUBLISHED_SCHEMAS)],
    ).fetchall()


def fingerprint(con: duckdb.DuckDBPyConnection, methodology_version: str) -> str:
    """What a publication holds, as one hash: every row of every published table (order-free) and the
    methodology version. Equal fingerprints: nothing a reader could see has changed."""
    parts = [f"methodology={methodology_version}"]
    for schema, table in _published_tables(con):
        count, total = con.execute(
            f"SELECT count(*), coalesce(sum(hash(t)), 0)::HUGEINT FROM {schema}.{table} AS t"
        ).fetchone()
        columns = ",".join(
            name
            for (name,) in con.execute(
                "SELECT column_name || ':' || data_type FROM duckdb_columns() WHERE database_name = current_database() "
                "AND schema_name = ? AND table_name = ? ORDER BY column_index",
                [schema, table],
            ).fetchall()
        )
        parts.append(f"{schema}.{table}({columns})={count}:{total}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def published_sql(path: Path, methodology: Methodology) -> str:
    """A file of sql/published with the methodology's pillars written in: each pillar's score and rank
    taken from marts.province_rankings, in the methodology's order."""
    pivot = "".join(
        f'max({suffix}) FILTER (ranking = {sql_literal(code)}) AS "{column}", '
        for column, code, suffix in pillar_columns(methodology)
    )
    return path.read_text(encoding="utf-8").replace("$pillar_columns", pivot)


def build_copy(
    con: duckdb.DuckDBPyConnection, folder: Path, run_id: str, methodology: Methodology, content_fingerprint: str
) -> tuple[Path, dict[str, int]]:
    """Copy the published schemas of the warehouse open on `con` (tables and rows) into a new temporary
    file in `folder`, add `marts.publication` and the views of sql/published, describe every table, view
    and column from the catalog, and make it read-only. Returns the file and the row count of every table
    and view."""
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / f".dti.{uuid.uuid4().hex}.tmp"
    working = con.execute("SELECT current_database()").fetchall()[0][0]
    tables = _published_tables(con)
    for name, value in (
        ("run_id", run_id),
        ("methodology_version", methodology.version),
        ("published_at", datetime.now(UTC).isoformat()),
        ("fingerprint", content_fingerprint),
    ):
        con.execute(f"SET VARIABLE {name} = ?", [value])
    con.execute("SET VARIABLE latest_file_received_at = (SELECT max(received_at) FROM raw.submission_files)")
    con.execute(f"ATTACH {sql_literal(str(temporary))} AS published")
    try:
        con.execute("USE published")
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"CREATE SCHEMA {schema}")
        for schema, table in tables:
            con.execute(f'CREATE TABLE {schema}.{table} AS SELECT * FROM "{working}".{schema}.{table}')
        for path in sorted(PUBLISHED_SQL.glob("*.sql")):
            con.execute(published_sql(path, methodology))
        relations = con.execute("""
            SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = 'published'
            UNION ALL
            SELECT schema_name || '.' || view_name FROM duckdb_views() WHERE database_name = 'published' AND NOT internal
            ORDER BY 1""").fetchall()
        for (name,) in relations:
            comment_table(con, name, methodology)
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
    return temporary, counts


def publish(
    con: duckdb.DuckDBPyConnection,
    home: DataHome,
    run_id: str,
    methodology: Methodology,
    report: Callable,
    notes: dict | None = None,
) -> Publication:
    """Publish the warehouse open on `con`: the analysts' copy and a release, together, unless nothing
    changed since the latest release."""
    content = fingerprint(con, methodology.version)
    latest = latest_release(home.exports)
    current = next((r for r in releases(home.exports) if r.id == latest), None)
    if current is not None and current.manifest.get("fingerprint") == content and home.published.exists():
        return Publication(False, current, {}, content)
    notes = dict(notes or {})
    if current is not None and notes.get("withdrawn"):  # the notes say what changed since the latest release
        notes["withdrawn"] = [w for w in notes["withdrawn"] if w["at"] > current.manifest["created_at"]]
    temporary, counts = build_copy(con, home.published.parent, run_id, methodology, content)
    try:
        partial = write_release(temporary, home.exports, run_id, methodology, report, content, notes)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    journal = home.exports / JOURNAL
    _write_json(journal, {"copy": temporary.name, "release": partial.release_id, "partial": partial.folder.name})
    _finish(home, json.loads(journal.read_text(encoding="utf-8")))
    final = next(r for r in releases(home.exports) if r.id == partial.release_id)
    return Publication(True, final, counts, content)


def _write_json(path: Path, payload: dict) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(payload), encoding="utf-8")
    with open(temporary, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, path)


def _finish(home: DataHome, journal: dict) -> None:
    """Every step is safe to repeat: the next run repeats them after a crash."""
    partial, final = home.exports / journal["partial"], home.exports / journal["release"]
    if partial.exists() and not final.exists():
        os.rename(partial, final)
    copy = home.published.parent / journal["copy"]
    if copy.exists():
        os.replace(copy, home.published)
    point_latest(home.exports, journal["release"])
    (home.exports / JOURNAL).unlink(missing_ok=True)


def recover_publication(home: DataHome) -> str | None:
    """Before a run writes: finish the publication a dead run had committed to (both the copy and `latest`
    move), and remove what dead runs left half-written (temporary copies, `.partial` release folders,
    half-archived files). Only called by the holder of the writer lock. Says what it did, if anything."""
    done = []
    journal_path = home.exports / JOURNAL
    if journal_path.exists():
        journal = json.loads(journal_path.read_text(encoding="utf-8"))
        _finish(home, journal)
        done.append(
            f"hoàn tất công bố dở dang {journal['release']} | finished the interrupted publication "
            f"{journal['release']} (published copy and latest moved together)"
        )
    leftovers = [
        *home.published.parent.glob(".dti.*.tmp*"),
        *home.exports.glob(".*.partial"),
        *home.exports.glob(f".{JOURNAL}.tmp"),
        *home.exports.glob(".latest.*"),
        *home.archive.glob("*/*.partial"),
    ]
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    if leftovers:
        done.append(
            f"đã xoá {len(leftovers)} tệp tạm của lượt chạy bị dừng | removed {len(leftovers)} temporary "
            f"file(s) left by a run that stopped: {', '.join(sorted(p.name for p in leftovers)[:5])}"
        )
    return "; ".join(done) or None
