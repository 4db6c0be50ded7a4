"""The inbox where provinces' files land, the archive that keeps each one unchanged under its content hash,
and the arrival ledger: the order in which the pipeline first saw each file.

- Only regular files in the inbox are read. Symbolic links, FIFOs, sockets and devices are never followed or
  opened: they are listed as refused.
- A file is read once it has stopped changing: its size and modification time stable across the settle
  interval (DTI_SETTLE_SECONDS, default 3), or a completion marker `<name>.done` beside it.
- "Later" means later in arrival order, recorded by the pipeline (never the file's own modification time,
  which the sender controls).
- A file stays in force once received, even if it later disappears from the inbox; only `dti withdraw`
  takes it out, with a reason that the release notes record.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl

from sources.home import DataHome
from sources.intake.submissions import ReadResult, read_submission
from sources.warehouse.locks import WriterLock, lock_timeout_seconds

# Office lock files (~$…), hidden files, partial uploads and completion markers are not submissions.
NOT_SUBMISSIONS_PREFIX = ("~$", ".")
NOT_SUBMISSIONS_SUFFIX = (".partial", ".done", ".tmp", ".crdownload")
DONE_MARKER = ".done"
DEFAULT_SETTLE_SECONDS = 3.0
CHUNK = 1 << 20

FILE_SCHEMA = {
    "file_sha256": pl.String,
    "file_name": pl.String,
    "also_received_as": pl.String,
    "format": pl.String,
    "size_bytes": pl.Int64,
    "received_at": pl.Datetime("us", "UTC"),
    "arrival": pl.Int32,
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
    "withdrawn_reason": pl.String,
}


def settle_seconds() -> float:
    return float(os.environ.get("DTI_SETTLE_SECONDS", DEFAULT_SETTLE_SECONDS))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_candidate(name: str) -> bool:
    return not name.startswith(NOT_SUBMISSIONS_PREFIX) and not name.endswith(NOT_SUBMISSIONS_SUFFIX)


@dataclass
class Listing:
    files: list[Path] = field(default_factory=list)  # regular files, in a stable order
    refused: list[tuple[Path, str]] = field(default_factory=list)  # (path, what it is) never opened


def list_inbox(inbox: Path) -> Listing:
    """What is in the inbox, without following any link."""
    listing = Listing()
    if not inbox.is_dir() or inbox.is_symlink():
        return listing
    for folder, dirnames, filenames in os.walk(inbox, followlinks=False):
        base = Path(folder)
        for name in sorted(dirnames):
            if (base / name).is_symlink():
                listing.refused.append((base / name, "symlink"))
        dirnames[:] = sorted(d for d in dirnames if not (base / d).is_symlink() and not d.startswith("."))
        for name in sorted(filenames):
            if not _is_candidate(name):
                continue
            path = base / name
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                listing.refused.append((path, "symlink"))
            elif not stat.S_ISREG(mode):
                kind = "fifo" if stat.S_ISFIFO(mode) else "socket" if stat.S_ISSOCK(mode) else "device"
                listing.refused.append((path, kind))
            else:
                listing.files.append(path)
    listing.files.sort()
    return listing


def inbox_files(inbox: Path) -> list[Path]:
    """The regular files of the inbox that are submissions, in a stable order."""
    return list_inbox(inbox).files


def _signature(path: Path) -> tuple[int, int]:
    info = os.lstat(path)
    return info.st_size, info.st_mtime_ns


def settled(paths: list[Path], interval: float | None = None) -> tuple[list[Path], list[Path]]:
    """Split files into those that have stopped changing and those still being written. A file with a
    completion marker, or not modified for `interval` seconds, is settled; the others are watched for one
    interval and are settled if their size and modification time did not move."""
    interval = settle_seconds() if interval is None else interval
    now = time.time_ns()
    ready, watch = [], {}
    for path in paths:
        size, mtime = _signature(path)
        if path.with_name(path.name + DONE_MARKER).exists() or 0 <= now - mtime >= interval * 1e9:
            ready.append(path)
        else:
            watch[path] = (size, mtime)
    if watch:
        time.sleep(interval)
        for path, before in watch.items():
            if path.exists() and _signature(path) == before:
                ready.append(path)
    pending = sorted(p for p in watch if p not in ready)
    return sorted(ready), pending


def _archive_stream(path: Path, archive: Path) -> tuple[str, Path, int]:
    """Copy a regular file into archive/<first two hex>/<sha256><suffix>, hashing it on the way (never the
    whole file in memory), without following links. Atomic: a reader never sees half a file."""
    archive.mkdir(parents=True, exist_ok=True)
    partial = archive / f".incoming.{os.getpid()}.{time.time_ns()}.partial"
    digest, size = hashlib.sha256(), 0
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as source, open(partial, "wb") as target:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                target.write(chunk)
                size += len(chunk)
    finally:
        os.close(fd)
    hexdigest = digest.hexdigest()
    target = archive / hexdigest[:2] / f"{hexdigest}{path.suffix.lower()}"
    if target.exists():
        partial.unlink()
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(partial, target)
    return hexdigest, target, size


# ---------------------------------------------------------------------------------------- the ledger


def ledger_path(home: DataHome) -> Path:
    return home.root / "raw" / "ledger.json"


def load_ledger(home: DataHome) -> dict:
    """{"files": {sha256: {...}}, "next_arrival": n}: every file ever received, in arrival order."""
    path = ledger_path(home)
    if not path.exists():
        return {"files": {}, "next_arrival": 1}
    return json.loads(path.read_text(encoding="utf-8"))


def save_ledger(home: DataHome, ledger: dict) -> None:
    """Atomic replace; only the holder of the warehouse writer lock writes the ledger."""
    path = ledger_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(ledger, ensure_ascii=False, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def _next_arrival_time(last: datetime | None) -> datetime:
    """Now, strictly after the previous arrival: arrival order and arrival time never disagree."""
    now = datetime.now(UTC)
    return last + timedelta(microseconds=1) if last is not None and now <= last else now


@dataclass
class ReceivedFile:
    sha256: str
    archived: Path
    received_at: datetime
    arrival: int
    result: ReadResult
    size: int
    names: list[str]
    withdrawn_reason: str | None = None
    new: bool = False  # arrived in this call


@dataclass
class Intake:
    files: list[ReceivedFile]
    refused: list[tuple[str, str]]  # (name, kind)
    pending: list[str]  # still being written: read by a later run


def receive(home: DataHome, interval: float | None = None) -> Intake:
    """Archive every settled new file of the inbox, record its arrival, and read every file in force (from
    the archive, never from the inbox, whose files the sender may change)."""
    inbox, archive = home.inbox, home.archive
    listing = list_inbox(inbox)
    ready, pending = settled(listing.files, interval)
    ledger = load_ledger(home)
    last = max((datetime.fromisoformat(e["received_at"]) for e in ledger["files"].values()), default=None)
    arrived = set()
    for path in ready:
        name = str(path.relative_to(inbox))
        try:
            digest, target, size = _archive_stream(path, archive)
        except OSError:
            pending.append(path)  # vanished or replaced while being read: the next run sees it
            continue
        entry = ledger["files"].get(digest)
        if entry is None:
            last = _next_arrival_time(last)
            ledger["files"][digest] = {
                "arrival": ledger["next_arrival"],
                "received_at": last.isoformat(),
                "names": [name],
                "archived_path": str(target.relative_to(home.root)),
                "size": size,
            }
            ledger["next_arrival"] += 1
            arrived.add(digest)
        elif name not in entry["names"]:
            entry["names"].append(name)
    save_ledger(home, ledger)
    files = []
    for digest, entry in sorted(ledger["files"].items(), key=lambda item: item[1]["arrival"]):
        archived = home.root / entry["archived_path"]
        files.append(
            ReceivedFile(
                sha256=digest,
                archived=archived,
                received_at=datetime.fromisoformat(entry["received_at"]),
                arrival=entry["arrival"],
                result=read_submission(archived, name=entry["names"][0]),
                size=entry["size"],
                names=list(entry["names"]),
                withdrawn_reason=(entry.get("withdrawn") or {}).get("reason"),
                new=digest in arrived,
            )
        )
    refused = [(str(path.relative_to(inbox)), kind) for path, kind in listing.refused]
    return Intake(files, refused, [str(p.relative_to(inbox)) for p in sorted(set(pending))])


def withdraw(home: DataHome, name_or_sha: str, reason: str) -> dict:
    """Take a received file out of force: its rows stop counting from the next run; it stays archived and
    listed, and the next release's notes record the withdrawal with its reason."""
    ledger = load_ledger(home)
    matches = [
        (digest, entry)
        for digest, entry in ledger["files"].items()
        if (digest.startswith(name_or_sha.lower()) and len(name_or_sha) >= 8)
        or name_or_sha in entry["names"]
        or Path(name_or_sha).name in {Path(n).name for n in entry["names"]}
    ]
    if not matches:
        raise LookupError(f"không có tệp nào tên {name_or_sha} đã nhận | no received file named {name_or_sha}")
    if len(matches) > 1:
        raise LookupError(
            f"{name_or_sha} khớp {len(matches)} tệp đã nhận; hãy dùng mã SHA-256 | "
            f"{name_or_sha} matches {len(matches)} received files; give its SHA-256: "
            + ", ".join(d[:12] for d, _ in matches)
        )
    digest, entry = matches[0]
    entry["withdrawn"] = {"reason": reason, "at": datetime.now(UTC).isoformat(timespec="seconds")}
    save_ledger(home, ledger)
    return {"sha256": digest, "names": entry["names"], **entry["withdrawn"]}


def withdraw_received(
    home: DataHome, name_or_sha: str, reason: str, on_wait: Callable[[str], None] | None = None
) -> str:
    """`dti withdraw`: under the warehouse's writer lock (no run reads the ledger meanwhile), withdraw the
    received file and say so, with what to do next, in Vietnamese and English. LookupError when no file
    or several match."""
    with WriterLock(home.writer_lock, "dti withdraw", lock_timeout_seconds(), on_wait=on_wait):
        done = withdraw(home, name_or_sha, reason)
    return (
        f"đã rút tệp | withdrawn: {', '.join(done['names'])} (sha256 {done['sha256'][:12]}…): {reason}\n"
        f"chạy `dti run` để áp dụng | run `dti run` to apply it"
    )


def withdrawn_files(home: DataHome) -> list[dict]:
    return [
        {"sha256": digest, "names": entry["names"], **entry["withdrawn"]}
        for digest, entry in load_ledger(home)["files"].items()
        if entry.get("withdrawn")
    ]


def mark_staged(home: DataHome, digests: list[str], run_id: str) -> None:
    """Record that staging has used these files (the sensor starts no run for them again)."""
    ledger = load_ledger(home)
    for digest in digests:
        if digest in ledger["files"]:
            ledger["files"][digest]["staged_by"] = run_id
    save_ledger(home, ledger)


def unstaged_contents(
    home: DataHome, paths: list[Path], known: dict[str, tuple[int, int, str]]
) -> tuple[list[tuple[Path, str]], dict]:
    """The settled inbox files whose content staging has not used yet, with their SHA-256. `known` caches
    (size, mtime) → hash per name between calls, so unchanged files are not hashed again."""
    ledger = load_ledger(home)["files"]
    found, cache = [], {}
    for path in paths:
        name = str(path.relative_to(home.inbox))
        size, mtime = _signature(path)
        cached = known.get(name)
        if cached and tuple(cached[:2]) == (size, mtime):
            digest = cached[2]
        else:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            digest_of = hashlib.sha256()
            with os.fdopen(fd, "rb") as handle:
                while chunk := handle.read(CHUNK):
                    digest_of.update(chunk)
            digest = digest_of.hexdigest()
        cache[name] = (size, mtime, digest)
        entry = ledger.get(digest)
        if entry is None or not entry.get("staged_by") or name not in entry["names"]:
            found.append((path, digest))
    return found, cache


def inventory_frame(intake: Intake, data_home: Path, first_year: int, last_year: int) -> pl.DataFrame:
    """One row per distinct file received (in force, withdrawn or refused), with its reporting year and
    whether it could be read. A file whose year is outside `first_year`–`last_year` is kept with no year and
    the reason, so it shows in every year's quarantine instead of vanishing."""
    rows = []
    for f in intake.files:
        problem = f.result.problem
        year = f.result.reporting_year
        row = {
            "file_sha256": f.sha256,
            "file_name": f.names[0],
            "also_received_as": "; ".join(f.names[1:]) or None,
            "format": f.result.format,
            "size_bytes": f.size,
            "received_at": f.received_at,
            "arrival": f.arrival,
            "archived_path": str(f.archived.relative_to(data_home))
            if f.archived.is_relative_to(data_home)
            else str(f.archived),
            "reporting_year": year,
            "declared_province": f.result.declared_province,
            "is_synthetic": f.result.is_synthetic,
            "row_count": len(f.result.rows),
            "status": "withdrawn" if f.withdrawn_reason else "rejected" if problem else "read",
            "problem_rule": problem.rule if problem else None,
            "problem_message": problem.message if problem else None,
            "problem_expected": problem.expected if problem else None,
            "problem_row": problem.row if problem else None,
            "problem_column": problem.column if problem else None,
            "problem_value": problem.value if problem else None,
            "withdrawn_reason": f.withdrawn_reason,
        }
        if not problem and year is not None and not first_year <= year <= last_year and not f.withdrawn_reason:
            row |= {
                "status": "rejected",
                "reporting_year": None,
                "problem_rule": "year_out_of_range",
                "problem_message": f"the file reports year {year}, outside the reporting years {first_year}–{last_year}",
                "problem_expected": f"a reporting year from {first_year} to {last_year} (a year that is over)",
                "problem_column": "year",
                "problem_value": str(year),
            }
        rows.append(row)
    for name, kind in intake.refused:
        rows.append(
            {
                "file_sha256": None,
                "file_name": name,
                "format": kind,
                "status": "rejected",
                "problem_rule": "refused_file",
                "problem_message": f"{name} is a {kind}, not a regular file: it was not opened (links are never followed)",
                "problem_expected": "a regular CSV or Excel file copied into the inbox",
                "problem_value": kind,
                "is_synthetic": False,
                "row_count": 0,
            }
        )
    return pl.DataFrame(rows, schema=FILE_SCHEMA)


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
