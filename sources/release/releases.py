"""Releases for ministry staff: an immutable folder per successful run under `exports/`, written from the
published warehouse. Per reporting year the ranking with pillar scores, the target gaps, the indicator
values, why each score and rank changed from the year before, what it takes to reach each rank or score
target (planned from the latest year: earlier years' files are empty) and each unit's strengths and
weaknesses, each as Parquet and as CSV (UTF-8 with BOM, formula-safe), and one Excel workbook; a static HTML
report; a manifest with checksums. The folder is assembled under a hidden name and renamed when complete,
and only then does the `latest` pointer move."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl
import xlsxwriter

from sources.catalog.catalog import pillar_columns, pillars
from sources.home import PROJECT_ROOT, DataHome
from sources.index.audit import audit_report
from sources.index.methodology import Methodology
from sources.release.profiles import chromium, print_pdfs, profile_page
from sources.release.readable import INTEGER, ReadableTable, readable
from sources.warehouse.locks import WriterLock, lock_timeout_seconds
from sources.warehouse.tables import query_frame

EXPORT_SQL = PROJECT_ROOT / "sql" / "exports"
LATEST = "latest"
MANIFEST = "manifest.json"
SYNTHETIC_BANNER_VI = "DỮ LIỆU MÔ PHỎNG (SYNTHETIC) — không phải số liệu chính thức"
SYNTHETIC_BANNER_EN = "SYNTHETIC demo data — not official figures"
AUDIT_SHEET = "Kiểm định | Audit"

# table (its SQL file in sql/exports/): (file name part, sheet name)
YEAR_TABLES = {
    "ranking": ("xep-hang", "Xếp hạng"),
    "target_gaps": ("khoang-cach-muc-tieu", "Khoảng cách mục tiêu"),
    "indicator_values": ("gia-tri-chi-tieu", "Giá trị chỉ tiêu"),
    "score_change_attribution": ("vi-sao-thu-hang-thay-doi", "Vì sao thứ hạng thay đổi"),
    "target_paths": ("lo-trinh-dat-muc-tieu", "Lộ trình đạt mục tiêu"),
    "province_strengths": ("diem-manh-diem-yeu", "Điểm mạnh, điểm yếu"),
}

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class ReleaseExists(RuntimeError):
    """A release folder is never overwritten."""


@dataclass(frozen=True)
class Release:
    id: str
    folder: Path
    manifest: dict

    @property
    def synthetic(self) -> bool:
        return bool(self.manifest["synthetic"])

    def has(self, name: str, year: int | None = None) -> bool:
        """Whether the release holds the table (a release written before a table was added does not)."""
        return any(e["table"] == name and e["year"] == year for e in self.manifest["files"])

    def table(self, name: str, year: int | None = None) -> pl.DataFrame:
        """A table of the release (one of `YEAR_TABLES`, or pillar_history) from its Parquet file."""
        entry = next(
            e for e in self.manifest["files"] if e["table"] == name and e["year"] == year and e["format"] == "parquet"
        )
        path = self.folder / entry["name"]
        return _read_parquet(path, path.stat().st_mtime)


@lru_cache(maxsize=64)
def _read_parquet(path: Path, _mtime: float) -> pl.DataFrame:
    """A release's files never change; the modification time in the key is a guard all the same."""
    return pl.read_parquet(path)


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula get a leading apostrophe (OWASP CSV injection)."""
    return frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(name).str.starts_with(prefix) for prefix in FORMULA_START))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.Utf8
    )


def csv_safe(frame: pl.DataFrame, methodology: Methodology) -> pl.DataFrame:
    """`frame` as written to CSV: as people read it in Vietnamese (sources/release/readable.py: names, not
    codes; numbers rounded to what they mean; the catalog's headers), formula-like text neutralised."""
    return neutralise(readable(frame, methodology).frame)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def export_sql(name: str, methodology: Methodology, year: int | None = None) -> str:
    """A file of sql/exports with the year and the methodology's pillar columns written in."""
    text = (EXPORT_SQL / f"{name}.sql").read_text(encoding="utf-8")
    text = text.replace("$pillar_columns", ", ".join(f'"{column}"' for column, _, _ in pillar_columns(methodology)))
    text = text.replace(
        "$pillar_scores", ", ".join(f'"{column}"' for column, _, _ in pillar_columns(methodology, ("score",)))
    )
    return text.replace("$year", str(int(year))) if year is not None else text


def _year_frames(con: duckdb.DuckDBPyConnection, year: int, methodology: Methodology) -> dict[str, pl.DataFrame]:
    return {table: query_frame(con, export_sql(table, methodology, year)) for table in YEAR_TABLES}


MET_FILL = "#dcfce7"  # a met target's row in the workbook: visibly distinct
AUDIT_NUMBER = "0.000"


class _Formats:
    """The workbook's cell formats, one per number format and fill, made once."""

    def __init__(self, workbook: xlsxwriter.Workbook) -> None:
        self.workbook, self.made = workbook, {}

    def __call__(self, num_format: str | None, met: bool = False):
        key = (num_format, met)
        if key not in self.made:
            spec = {"num_format": num_format} if num_format else {}
            self.made[key] = self.workbook.add_format(spec | ({"bg_color": MET_FILL} if met else {}))
        return self.made[key]


def _write_sheet(sheet, table: ReadableTable, formats: _Formats, bold, banner) -> None:
    """One table as people read it: numbers as numbers in their formats (never General), text as text, the
    rows of met targets filled green; printed landscape, fit to the page's width, the header on every page."""
    frame, start = table.frame, 0
    if banner is not None:
        sheet.write_string(0, 0, f"{SYNTHETIC_BANNER_VI} / {SYNTHETIC_BANNER_EN}", banner)
        start = 1
    for col, name in enumerate(frame.columns):
        sheet.write_string(start, col, name, bold)
        sheet.set_column(col, col, max(10, min(40, len(name) + 2)))
    for row, (values, met) in enumerate(zip(frame.iter_rows(), table.met), start=start + 1):
        for col, value in enumerate(values):
            num_format = table.formats[col]
            if isinstance(num_format, list):
                num_format = num_format[row - start - 1]
            if value is None:
                if met:
                    sheet.write_blank(row, col, None, formats(None, met))
            elif isinstance(value, str):
                sheet.write_string(row, col, value, formats(None, met))
            else:
                sheet.write_number(row, col, value, formats(num_format or "0.####", met))
    sheet.freeze_panes(start + 1, 0)
    sheet.autofilter(start, 0, start + frame.height, max(len(frame.columns) - 1, 0))
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(start)


def _write_workbook(
    path: Path,
    frames: dict[str, pl.DataFrame],
    about: list[tuple[str, str]],
    synthetic: bool,
    methodology: Methodology,
    audit: list[tuple[str, pl.DataFrame]],
) -> None:
    """One sheet per table as people read it in Vietnamese (sources/release/readable.py), the audit of the
    year (sources/index/audit.py) on one sheet, and a sheet on the method, sources and the data's status.
    Text is written as text: a cell starting with '=' stays a string, never a formula."""
    workbook = xlsxwriter.Workbook(
        str(path), {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    )
    bold = workbook.add_format({"bold": True, "bg_color": "#e8eef7", "border": 1, "text_wrap": True})
    warning = workbook.add_format({"bold": True, "font_color": "#b91c1c"})
    formats = _Formats(workbook)
    for table, frame in frames.items():
        _write_sheet(
            workbook.add_worksheet(YEAR_TABLES[table][1]),
            readable(frame, methodology),
            formats,
            bold,
            warning if synthetic else None,
        )
    if audit:
        _write_audit_sheet(workbook.add_worksheet(AUDIT_SHEET), audit, bold, warning if synthetic else None, formats)
    sheet = workbook.add_worksheet("Phương pháp")
    sheet.set_column(0, 0, 30)
    sheet.set_column(1, 1, 110)
    for row, (label, text) in enumerate(about):
        sheet.write_string(row, 0, label, bold)
        sheet.write_string(row, 1, text, warning if label.startswith("Dữ liệu") and synthetic else None)
    workbook.close()


def _write_audit_sheet(sheet, audit: list[tuple[str, pl.DataFrame]], bold, banner, formats: _Formats) -> None:
    """The audit's tables one under the other, each under its title, Vietnamese first."""
    row = 0
    if banner:
        sheet.write_string(0, 0, f"{SYNTHETIC_BANNER_VI} / {SYNTHETIC_BANNER_EN}", banner)
        row = 2
    sheet.set_column(0, 8, 18)
    for title, frame in audit:
        frame = neutralise(frame)
        sheet.write_string(row, 0, title, bold)
        row += 1
        for col, name in enumerate(frame.columns):
            sheet.write_string(row, col, name, bold)
        for values in frame.iter_rows():
            row += 1
            for col, value in enumerate(values):
                if isinstance(value, str):
                    sheet.write_string(row, col, value)
                elif isinstance(value, bool):
                    sheet.write_boolean(row, col, value)
                elif value is not None:
                    sheet.write_number(row, col, value, formats(INTEGER if isinstance(value, int) else AUDIT_NUMBER))
        row += 2
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)


def _about(
    con: duckdb.DuckDBPyConnection, publication: dict, release_id: str, methodology: Methodology
) -> list[tuple[str, str]]:
    weights = con.execute("""
        SELECT parent, string_agg(child || ' ' || round(weight_normalised, 3), ', ' ORDER BY child)
        FROM marts.framework_weights WHERE NOT child_is_indicator GROUP BY parent ORDER BY parent""").fetchall()
    normalisation = con.execute(
        "SELECT string_agg(DISTINCT normalisation, ', ') FROM marts.indicator_scores"
    ).fetchall()[0][0]
    aggregation = con.execute("SELECT string_agg(DISTINCT aggregation, ', ') FROM marts.pillar_scores").fetchall()[0][0]
    documents = con.execute(
        "SELECT string_agg(issuer_document || ': ' || title, ' | ') FROM reference.documents"
    ).fetchall()[0][0]
    synthetic = publication["is_synthetic"]
    return [
        (
            "Dữ liệu / Data",
            f"{SYNTHETIC_BANNER_VI}. {SYNTHETIC_BANNER_EN}."
            if synthetic
            else "Số liệu do các tỉnh báo cáo / Figures as reported by the provinces.",
        ),
        ("Bản phát hành / Release", release_id),
        ("Lượt chạy / Run", publication["run_id"]),
        ("Phương pháp / Methodology", publication["methodology_version"]),
        (
            "Chỉ số / Index",
            (
                f"{methodology.title_vi}: {len(methodology.pillars)} trụ cột "
                f"{', '.join(node.name_vi for node in methodology.pillars)}. Điểm 0–1; hạng cạnh tranh chuẩn "
                f"trên điểm làm tròn {methodology.score_decimals} chữ số thập phân. / {methodology.title_en}: "
                f"pillars {', '.join(node.name_en for node in methodology.pillars)}; scores 0-1, standard "
                f"competition ranks on scores rounded to {methodology.score_decimals} decimals."
            ),
        ),
        ("Trọng số / Weights", "; ".join(f"{parent}: {children}" for parent, children in weights)),
        ("Chuẩn hóa / Normalisation", normalisation or ""),
        ("Tổng hợp / Aggregation", aggregation or ""),
        (
            "Mục tiêu / Targets",
            "Mục tiêu trong nghị quyết của tỉnh; nơi tỉnh không đặt mục tiêu: mục tiêu quốc gia "
            "(749/QĐ-TTg, 411/QĐ-TTg). Khoảng cách tính theo từng năm báo cáo trên số liệu đã có đến hết năm đó; "
            "mục tiêu của đơn vị cũ được chuyển sang đơn vị kế thừa, ghi rõ đơn vị đặt mục tiêu.",
        ),
        ("Sáp nhập 2025 / 2025 merger", "63 đơn vị đến 2024, 34 đơn vị từ 2025 (Nghị quyết 202/2025/QH15)."),
        ("Nguồn / Sources", documents or ""),
        (
            "Số liệu đến / Data vintage",
            f"năm báo cáo {publication['reporting_years']}; tệp nhận gần nhất {publication['latest_file_received_at']}",
        ),
    ]


def _write_table(folder: Path, stem: str, frame: pl.DataFrame, methodology: Methodology) -> list[Path]:
    """The Parquet file keeps the codes and every digit; the CSV is as people read it (a province code
    stays the text "01")."""
    parquet, csv = folder / f"{stem}.parquet", folder / f"{stem}.csv"
    frame.write_parquet(parquet)
    csv_safe(frame, methodology).write_csv(csv, include_bom=True)
    return [parquet, csv]


@dataclass(frozen=True)
class PartialRelease:
    """A complete release still under its hidden name: sources/release/publish.py renames it when it commits."""

    release_id: str
    folder: Path
    manifest: dict


def write_release(
    published: Path,
    exports: Path,
    run_id: str,
    methodology: Methodology,
    report: Callable[
        [dict[int, dict[str, pl.DataFrame]], pl.DataFrame, dict, dict[int, list[tuple[str, pl.DataFrame]]]], str
    ],
    fingerprint: str | None = None,
    notes: dict | None = None,
    now: datetime | None = None,
) -> PartialRelease:
    """Write a complete release from a published copy into a hidden `.partial` folder (renamed and pointed
    to by `latest` only when the publication commits). Headers and pillar columns come from the catalog and
    `methodology`, whose pillars the manifest records for the portal."""
    now = now or datetime.now(UTC)
    release_id = f"{now:%Y%m%dT%H%M%SZ}-{run_id[:8]}"
    final, partial = exports / release_id, exports / f".{release_id}.partial"
    if final.exists():
        raise ReleaseExists(f"release {release_id} already exists in {exports}; releases are never overwritten")
    partial.mkdir(parents=True)
    con = duckdb.connect(str(published), read_only=True)
    try:
        publication = query_frame(con, "SELECT * FROM marts.publication").row(0, named=True)
        synthetic = bool(publication["is_synthetic"])
        tag = "_SYNTHETIC" if synthetic else ""
        years = [
            row[0]
            for row in con.execute("""
            SELECT DISTINCT reporting_year FROM marts.province_rankings WHERE series = 'as_reported' ORDER BY 1""").fetchall()
        ]
        about = _about(con, publication, release_id, methodology)
        by_year, audits, files = {}, {}, []
        for year in years:
            frames = _year_frames(con, year, methodology)
            by_year[year], audits[year] = frames, audit_report(con, year)
            for table, frame in frames.items():
                for path in _write_table(partial, f"dti_{year}_{YEAR_TABLES[table][0]}{tag}", frame, methodology):
                    files.append(
                        {
                            "name": path.name,
                            "year": year,
                            "table": table,
                            "format": path.suffix[1:],
                            "rows": frame.height,
                        }
                    )
            workbook = partial / f"dti_{year}{tag}.xlsx"
            _write_workbook(workbook, frames, about, synthetic, methodology, audits[year])
            files.append(
                {
                    "name": workbook.name,
                    "year": year,
                    "table": "workbook",
                    "format": "xlsx",
                    "rows": sum(f.height for f in frames.values()),
                }
            )
        history = query_frame(con, export_sql("pillar_history", methodology))
        for path in _write_table(partial, f"dti_lich-su-diem{tag}", history, methodology):
            files.append(
                {
                    "name": path.name,
                    "year": None,
                    "table": "pillar_history",
                    "format": path.suffix[1:],
                    "rows": history.height,
                }
            )
    finally:
        con.close()
    manifest = {
        "release_id": release_id,
        "created_at": now.isoformat(timespec="seconds"),
        "run_id": run_id,
        "methodology_version": publication["methodology_version"],
        "synthetic": synthetic,
        "banner": {"vi": SYNTHETIC_BANNER_VI, "en": SYNTHETIC_BANNER_EN} if synthetic else None,
        "reporting_years": years,
        "pillars": pillars(methodology),
        "data_vintage": {
            "reporting_years": years,
            "latest_file_received_at": publication["latest_file_received_at"],
            "files_used": publication["files_used"],
            "published_at": publication["published_at"],
        },
        "fingerprint": fingerprint,
        "notes": notes or {},
        "files": files,
    }
    html = partial / f"bao-cao{tag}.html"
    html.write_text(report(by_year, history, manifest, audits), encoding="utf-8")
    files.append({"name": html.name, "year": None, "table": "report", "format": "html", "rows": None})
    manifest["profiles"] = _write_profiles(partial, tag, manifest, by_year, history, methodology, files)
    for entry in files:
        path = partial / entry["name"]
        entry |= {"sha256": _sha256(path), "bytes": path.stat().st_size}
        path.chmod(0o444)
    earlier = releases(exports)
    manifest["changes"] = release_changes(earlier[0] if earlier else None, manifest, by_year)
    (partial / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    (partial / MANIFEST).chmod(0o444)
    return PartialRelease(release_id, partial, manifest)


def release_changes(previous: Release | None, manifest: dict, by_year: dict[int, dict[str, pl.DataFrame]]) -> dict:
    """What a release changed against the one before it: files added, changed (another checksum) and
    removed, the reporting years whose ranking moved and by how many units, the methodology version; the
    operator's reason is the run's note (`dti run --note`)."""
    if previous is None:
        return {"previous": None}
    before = {entry["name"]: entry.get("sha256") for entry in previous.manifest["files"]}
    now = {entry["name"]: entry.get("sha256") for entry in manifest["files"]}
    ranks_moved = {}
    for year, frames in by_year.items():
        if year not in previous.manifest["reporting_years"]:
            continue
        earlier = previous.table("ranking", year).select("province_code", pl.col("rank").alias("before"))
        joined = frames["ranking"].select("province_code", "rank").join(earlier, on="province_code", how="full")
        moved = joined.filter(pl.col("rank").ne_missing(pl.col("before"))).height
        if moved:
            ranks_moved[str(year)] = moved
    return {
        "previous": previous.id,
        "files_added": sorted(set(now) - set(before)),
        "files_changed": sorted(name for name in set(now) & set(before) if now[name] != before[name]),
        "files_removed": sorted(set(before) - set(now)),
        "ranks_moved": ranks_moved,
        "methodology_changed": previous.manifest["methodology_version"] != manifest["methodology_version"],
    }


def change_summary(manifest: dict, lang: str = "vi") -> str:
    """One line on what a release changed, for the front page and `dti releases`."""
    changes, note = manifest.get("changes") or {}, (manifest.get("notes") or {}).get("note")
    vi = lang == "vi"
    if not changes.get("previous"):
        parts = ["bản phát hành đầu tiên" if vi else "first release"]
    else:
        parts = [
            (
                f"{len(changes['files_added'])} tệp mới, {len(changes['files_changed'])} tệp thay đổi"
                if vi
                else f"{len(changes['files_added'])} file(s) added, {len(changes['files_changed'])} changed"
            )
        ]
        moved = changes.get("ranks_moved") or {}
        if moved:
            years = ", ".join(f"{year}: {n}" for year, n in moved.items())
            parts.append(f"hạng thay đổi ({years} đơn vị)" if vi else f"ranks moved ({years} units)")
        else:
            parts.append("không đơn vị nào đổi hạng" if vi else "no rank moved")
        if changes.get("methodology_changed"):
            parts.append("phương pháp mới" if vi else "new methodology")
    parts.append(f"{'phương pháp' if vi else 'methodology'} {manifest['methodology_version']}")
    if note:
        parts.append(f"{'lý do' if vi else 'reason'}: {note}")
    return "; ".join(parts)


def _write_profiles(
    partial: Path,
    tag: str,
    manifest: dict,
    by_year: dict[int, dict[str, pl.DataFrame]],
    history: pl.DataFrame,
    methodology: Methodology,
    files: list[dict],
) -> dict:
    """A PDF profile per unit of the latest year (sources/release/profiles.py), printed by headless
    Chromium; without Chromium the release is written all the same and says why it has no PDF."""
    if not by_year:
        return {"pdf": 0}
    if chromium() is None:
        return {"pdf": 0, "skipped": "chromium not found: run scripts/ensure-chromium.sh"}
    year = max(by_year)
    ranking = by_year[year]["ranking"]
    gaps = {y: frames["target_gaps"] for y, frames in by_year.items()}
    pages = {
        f"ho-so_{year}_{code}{tag}.pdf": profile_page(manifest, year, by_year[year], history, gaps, code, methodology)
        for code in ranking["province_code"]
    }
    started = time.perf_counter()
    print_pdfs(pages, partial)
    for name, code in zip(pages, ranking["province_code"]):
        files.append(
            {"name": name, "year": year, "table": "profile", "format": "pdf", "rows": None, "province_code": code}
        )
    return {"pdf": len(pages), "year": year, "seconds": round(time.perf_counter() - started, 1)}


def point_latest(exports: Path, release_id: str) -> None:
    """Move `latest` in one rename: a reader follows either the old release or the new one."""
    temporary = exports / f".{LATEST}.{release_id}"
    temporary.unlink(missing_ok=True)
    temporary.symlink_to(release_id, target_is_directory=True)
    os.replace(temporary, exports / LATEST)


def releases(exports: Path) -> list[Release]:
    """Complete releases, newest first (partial folders and anything without a manifest are not releases)."""
    found = []
    if exports.is_dir():
        for folder in exports.iterdir():
            if (
                folder.is_dir()
                and not folder.is_symlink()
                and not folder.name.startswith(".")
                and (folder / MANIFEST).is_file()
            ):
                found.append(Release(folder.name, folder, json.loads((folder / MANIFEST).read_text(encoding="utf-8"))))
    return sorted(found, key=lambda r: r.id, reverse=True)


def latest_release(exports: Path) -> str | None:
    pointer = exports / LATEST
    return os.readlink(pointer) if pointer.is_symlink() else None


def prune(exports: Path, keep: int) -> list[str]:
    """Remove all but the `keep` newest releases, never the one `latest` points to. Returns the removed ids."""
    latest = latest_release(exports)
    removed = []
    for release in releases(exports)[keep:]:
        if release.id == latest:
            continue
        for path in [release.folder, *release.folder.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        shutil.rmtree(release.folder)
        removed.append(release.id)
    return removed


def verify(release: Release) -> list[str]:
    """Problems with a release on disk: files missing, changed, or not listed."""
    problems = []
    listed = {entry["name"]: entry for entry in release.manifest["files"]}
    for name, entry in listed.items():
        path = release.folder / name
        if not path.is_file():
            problems.append(f"{name}: missing")
        elif _sha256(path) != entry["sha256"]:
            problems.append(f"{name}: checksum differs from the manifest")
    for path in release.folder.iterdir():
        if path.name not in listed and path.name != MANIFEST:
            problems.append(f"{path.name}: not in the manifest")
    return problems


def describe_releases(exports: Path) -> str:
    """The releases as ministry staff list them (`dti releases`), newest first: id, `latest`, methodology,
    years, SYNTHETIC, number of files and whether the folder still matches its manifest; then what it changed
    against the one before with the operator's reason, and every withdrawn file with its reason, in Vietnamese
    and English."""
    found = releases(exports)
    if not found:
        return f"no release yet in {exports}; run `dti run` first"
    latest = latest_release(exports)
    lines = []
    for release in found:
        problems = verify(release)
        manifest = release.manifest
        lines.append(
            f"{release.id}{'  (latest)' if release.id == latest else ''}  {manifest['methodology_version']}  "
            f"years {', '.join(map(str, manifest['reporting_years']))}"
            f"{'  SYNTHETIC' if release.synthetic else ''}  {len(manifest['files'])} files  "
            + ("ok" if not problems else "PROBLEMS: " + "; ".join(problems))
        )
        notes = manifest.get("notes") or {}
        lines.append(f"    thay đổi: {change_summary(manifest, 'vi')}")
        lines.append(f"    changes: {change_summary(manifest, 'en')}")
        for withdrawn in notes.get("withdrawn", []):
            lines.append(
                f"    đã rút | withdrawn: {', '.join(withdrawn['names'])} ({withdrawn['at']}): {withdrawn['reason']}"
            )
    return "\n".join(lines)


def prune_releases(home: DataHome, keep: int, on_wait: Callable[[str], None] | None = None) -> str:
    """`dti releases prune`: under the warehouse's writer lock (no run publishes meanwhile), remove all but
    the `keep` newest releases (never `latest`); says which were removed, in Vietnamese and English."""
    with WriterLock(home.writer_lock, "dti releases prune", lock_timeout_seconds(), on_wait=on_wait):
        removed = prune(home.exports, keep)
    return f"đã xoá {len(removed)} bản phát hành | removed {len(removed)} release(s)" + "".join(
        f"\n  {release_id}" for release_id in removed
    )
