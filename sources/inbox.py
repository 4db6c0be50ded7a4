"""The inbox where provinces' files land, and the archive that keeps each one unchanged under its
content hash. Archiving the same bytes twice is a no-op, so re-ingesting a file changes nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from sources.submissions import ReadResult, read_submission

ACCEPTED_SUFFIXES = {".csv", ".txt", ".xlsx", ".xlsm"}

FILE_SCHEMA = {
    "file_sha256": pl.String,
    "file_name": pl.String,
    "also_received_as": pl.String,
    "format": pl.String,
    "size_bytes": pl.Int64,
    "received_at": pl.Datetime("us", "UTC"),
    "archived_path": pl.String,
    "reporting_year": pl.Int32,
    "declared_province": pl.String,
    "is_synthetic": pl.Boolean,
    "row_count": pl.Int32,
    "status": pl.String,
    "problem_rule": pl.String,
    "problem_message": pl.String,
    "problem_expected": pl.String,
    "problem_row": pl.Int32,
    "problem_column": pl.String,
    "problem_value": pl.String,
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def inbox_files(inbox: Path) -> list[Path]:
    """Submission files in the inbox, in a stable order. Office lock files (~$…) and hidden or partial
    uploads are not submissions."""
    if not inbox.is_dir():
        return []
    return sorted(
        p for p in inbox.rglob("*")
        if p.is_file() and p.suffix.lower() in ACCEPTED_SUFFIXES
        and not p.name.startswith(("~$", ".")) and not p.name.endswith(".partial")
    )


def archive_file(data: bytes, suffix: str, archive: Path) -> Path:
    """Store `data` at archive/<first two hex>/<sha256><suffix>, once. Atomic: a reader never sees half."""
    digest = sha256(data)
    target = archive / digest[:2] / f"{digest}{suffix.lower()}"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        partial.write_bytes(data)
        os.replace(partial, target)
    return target


@dataclass
class ReceivedFile:
    sha256: str
    archived: Path
    received_at: datetime
    result: ReadResult
    size: int
    names: list[str]


def receive(inbox: Path, archive: Path) -> list[ReceivedFile]:
    """Archive and read every file in the inbox, one entry per distinct content (the same bytes under
    two names are one submission, listed with both names)."""
    by_hash: dict[str, ReceivedFile] = {}
    for path in inbox_files(inbox):
        data = path.read_bytes()
        digest = sha256(data)
        name = str(path.relative_to(inbox))
        if digest in by_hash:
            by_hash[digest].names.append(name)
            continue
        received_at = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)
        by_hash[digest] = ReceivedFile(
            sha256=digest, archived=archive_file(data, path.suffix, archive),
            received_at=received_at, result=read_submission(path, data), size=len(data), names=[name],
        )
    return list(by_hash.values())


def inventory_frame(files: list[ReceivedFile], data_home: Path) -> pl.DataFrame:
    """One row per distinct file received, with its reporting year and whether it could be read."""
    rows = []
    for f in files:
        problem = f.result.problem
        rows.append({
            "file_sha256": f.sha256,
            "file_name": f.names[0],
            "also_received_as": "; ".join(f.names[1:]) or None,
            "format": f.result.format,
            "size_bytes": f.size,
            "received_at": f.received_at,
            "archived_path": str(f.archived.relative_to(data_home)) if f.archived.is_relative_to(data_home) else str(f.archived),
            "reporting_year": f.result.reporting_year,
            "declared_province": f.result.declared_province,
            "is_synthetic": f.result.is_synthetic,
            "row_count": len(f.result.rows),
            "status": "rejected" if problem else "read",
            "problem_rule": problem.rule if problem else None,
            "problem_message": problem.message if problem else None,
            "problem_expected": problem.expected if problem else None,
            "problem_row": problem.row if problem else None,
            "problem_column": problem.column if problem else None,
            "problem_value": problem.value if problem else None,
        })
    return pl.DataFrame(rows, schema=FILE_SCHEMA, orient="row")


def copy_into(source: Path, inbox: Path) -> list[Path]:
    """Copy the files of `source` into the inbox (skipping ones already there with the same bytes)."""
    inbox.mkdir(parents=True, exist_ok=True)
    copied = []
    for path in inbox_files(source):
        target = inbox / path.relative_to(source)
        if target.exists() and target.read_bytes() == path.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
        copied.append(target)
    return copied
