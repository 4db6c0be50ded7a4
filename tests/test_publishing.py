"""The published warehouse, the releases and `dti sql`, on the data home of the session's demo run (read
only: a test that runs the pipeline again, such as a second run while an analyst reads, works on a copy).
A blocked run leaving the published copy and the releases alone is tested in tests/test_pipeline.py."""

import csv
import re
import stat
import time

import dagster as dg
import duckdb
import openpyxl
import polars as pl
import pytest

from sources.catalog.catalog import catalog
from sources.home import PROJECT_ROOT
from sources.release.readable import CODES, OTHER_LANGUAGE
from sources.release.releases import (
    YEAR_TABLES,
    csv_safe,
    latest_release,
    releases,
    verify,
    write_release,
)
from sources.release.report import render_report
from tests.conftest import dti_command


def _published(home, sql, params=None):
    with duckdb.connect(str(home.published), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_published_copy_is_read_only_and_holds_the_three_schemas(published_home):
    assert stat.S_IMODE(published_home.published.stat().st_mode) == 0o444
    schemas = {s for (s,) in _published(published_home, "SELECT DISTINCT schema_name FROM duckdb_tables()")}
    assert schemas == {"reference", "staging", "marts"}
    with (
        duckdb.connect(str(published_home.published), read_only=True) as con,
        pytest.raises(duckdb.Error, match="read-only"),
    ):
        con.execute("DELETE FROM marts.province_rankings")
    working = duckdb.connect(str(published_home.warehouse), read_only=True)
    try:
        for (table,) in _published(
            published_home,
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE table_name <> 'publication'",
        ):
            assert (
                _published(published_home, f"SELECT count(*) FROM {table}")
                == working.execute(f"SELECT count(*) FROM {table}").fetchall()
            )
    finally:
        working.close()


def test_every_table_view_and_column_is_described_in_vietnamese_and_english(published_home, methodology):
    relations = _published(
        published_home,
        """
        SELECT table_name, comment FROM duckdb_tables()
        UNION ALL SELECT view_name, comment FROM duckdb_views() WHERE NOT internal""",
    )
    assert len(relations) >= 25
    columns = _published(
        published_home,
        """
        SELECT schema_name || '.' || table_name, column_name, comment FROM duckdb_columns()
        WHERE schema_name IN ('reference', 'staging', 'marts')""",
    )
    for name, comment in relations + [(f"{t}.{c}", comment) for t, c, comment in columns]:
        assert comment and re.fullmatch(r".+ \| EN: .+", comment, re.S), f"{name}: {comment!r}"
    for table, column, comment in columns:  # the comments are the catalog's, pillar columns the methodology's
        assert comment.startswith(catalog().column(table, column, methodology).vi + " | EN: "), (table, column)
    assert "Điểm trụ cột kinh tế số (0–1) | EN: Digital economy pillar score (0-1)." in {c for *_, c in columns}


def test_latest_ranking_view_is_the_latest_year_with_its_pillars(published_home):
    latest = _published(
        published_home, "SELECT province_name, rank, score, economy_score, targets FROM marts.latest_ranking"
    )
    assert len(latest) == 34
    ranks = dict(
        _published(
            published_home,
            """
        SELECT province_name, rank FROM marts.province_rankings
        WHERE series = 'as_reported' AND ranking = 'index' AND reporting_year = 2025""",
        )
    )
    economy = dict(
        _published(
            published_home,
            """
        SELECT province_name, score FROM marts.pillar_scores
        WHERE series = 'as_reported' AND pillar = 'economy' AND reporting_year = 2025""",
        )
    )
    assert {name: rank for name, rank, *_ in latest} == ranks
    assert all(row[3] == economy[row[0]] for row in latest)
    assert [r[1] for r in latest] == sorted(r[1] for r in latest)
    assert all(row[4] > 0 for row in latest)  # every current unit has targets (its own or the national ones)
    publication = _published(published_home, "SELECT reporting_years, is_synthetic, files_used FROM marts.publication")
    assert publication[0][:2] == ("2021, 2022, 2023, 2024, 2025", True) and publication[0][2] > 250


def test_make_run_fills_rank_uncertainty_for_every_ranked_unit_and_year(published_home):
    by_year = dict(_published(published_home, "SELECT reporting_year, count(*) FROM marts.rank_uncertainty GROUP BY 1"))
    assert by_year == {2021: 63, 2022: 63, 2023: 63, 2024: 63, 2025: 34}
    disagreeing = _published(
        published_home,
        """
        SELECT u.reporting_year, u.province_name, u.rank, r.rank FROM marts.rank_uncertainty AS u
        JOIN marts.province_rankings AS r USING (series, unit_set, reporting_year, province_code)
        WHERE r.ranking = 'index' AND (u.rank IS DISTINCT FROM r.rank OR NOT u.rank BETWEEN u.rank_p05 AND u.rank_p95)""",
    )
    assert disagreeing == []  # the Monte Carlo's nominal ranks are the published ones, inside their interval
    assert _published(
        published_home, "SELECT min(samples), max(samples), count(DISTINCT seed) FROM marts.rank_uncertainty"
    ) == [(10_000, 10_000, 1)]
    exported = pl.read_parquet(next(releases(published_home.exports)[0].folder.glob("dti_2025_xep-hang_*.parquet")))
    assert exported["rank_p05"].null_count() == 0 and (exported["rank_p05"] <= exported["rank"]).all()


def test_every_query_of_the_analyst_guide_runs_on_the_published_copy(published_home):
    guide = (PROJECT_ROOT / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    queries = re.findall(r"```sql\n(.*?)```", guide, re.S)
    assert len(queries) >= 8
    for query in queries:
        assert _published(published_home, query), query


def test_dti_sql_queries_the_published_copy_and_refuses_writes(published_home, tmp_path):
    done = dti_command(
        published_home.root,
        "sql",
        "--format",
        "csv",
        "SELECT rank, province_name FROM marts.latest_ranking ORDER BY rank LIMIT 3",
    )
    assert done.returncode == 0, done.stderr
    rows = list(csv.reader(done.stdout.splitlines()))
    expected = _published(published_home, "SELECT rank, province_name FROM marts.latest_ranking ORDER BY rank LIMIT 3")
    assert rows == [["rank", "province_name"], *[[str(r), n] for r, n in expected]]
    refused = dti_command(published_home.root, "sql", "DROP TABLE marts.province_rankings")
    assert refused.returncode == 1 and "read-only" in refused.stderr
    nothing = dti_command(tmp_path / "empty", "sql", "SELECT 1")
    assert nothing.returncode == 1 and "no published warehouse yet" in nothing.stderr and "dti run" in nothing.stderr


def test_release_holds_every_year_in_three_formats_with_a_valid_manifest(published_home):
    (release,) = releases(published_home.exports)
    assert latest_release(published_home.exports) == release.id
    assert verify(release) == []
    manifest = release.manifest
    assert manifest["synthetic"] is True and manifest["methodology_version"] == "default-2026.1"
    assert manifest["reporting_years"] == [2021, 2022, 2023, 2024, 2025]
    assert release.id.endswith(manifest["run_id"][:8]) and manifest["data_vintage"]["latest_file_received_at"]
    for year in manifest["reporting_years"]:
        for part, _ in YEAR_TABLES.values():
            for suffix in ("parquet", "csv"):
                assert (release.folder / f"dti_{year}_{part}_SYNTHETIC.{suffix}").is_file()
        assert (release.folder / f"dti_{year}_SYNTHETIC.xlsx").is_file()
    assert all(stat.S_IMODE((release.folder / f["name"]).stat().st_mode) == 0o444 for f in manifest["files"])

    entry = next(f for f in manifest["files"] if f["name"] == "dti_2025_xep-hang_SYNTHETIC.csv")
    raw = (release.folder / entry["name"]).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == entry["rows"] == 34
    assert {"Hạng", "Tỉnh/thành phố", "Điểm chỉ số", "Điểm kinh tế số", "Dữ liệu mô phỏng"} <= set(rows[0])
    ranking = pl.read_parquet(release.folder / "dti_2025_xep-hang_SYNTHETIC.parquet")
    published = _published(published_home, "SELECT province_name, rank FROM marts.latest_ranking")
    assert dict(zip(ranking["province_name"], ranking["rank"])) == dict(published)
    assert ranking["is_synthetic"].all()

    workbook = openpyxl.load_workbook(release.folder / "dti_2025_SYNTHETIC.xlsx", read_only=True)
    assert workbook.sheetnames == [
        "Xếp hạng",
        "Khoảng cách mục tiêu",
        "Giá trị chỉ tiêu",
        "Vì sao thứ hạng thay đổi",
        "Lộ trình đạt mục tiêu",
        "Điểm mạnh, điểm yếu",
        "Kiểm định | Audit",
        "Phương pháp",
    ]
    sheet = list(workbook["Xếp hạng"].iter_rows(values_only=True))
    assert "SYNTHETIC" in sheet[0][0] and sheet[1][:7] == (
        "Năm báo cáo",
        "Hạng",
        "Hạng tốt nhất (P5)",
        "Hạng kém nhất (P95)",
        "Hạng trung vị (mô phỏng)",
        "Mã tỉnh",
        "Tỉnh/thành phố",
    )
    assert len(sheet) == 2 + 34
    method = dict(row[:2] for row in workbook["Phương pháp"].iter_rows(values_only=True))
    assert "MÔ PHỎNG" in method["Dữ liệu / Data"] and method["Phương pháp / Methodology"] == "default-2026.1"
    assert "749/QĐ-TTg" in method["Mục tiêu / Targets"] and method["Nguồn / Sources"]
    audit = [row[0] for row in workbook["Kiểm định | Audit"].iter_rows(values_only=True)]
    # people read names, never codes: the pillars by their Vietnamese names
    assert "Độ tin cậy của trụ cột | Pillar reliability" in audit
    assert {"Kinh tế số", "Chính quyền số", "Xã hội số", "Chỉ số chung"} <= set(audit)
    assert not {"economy", "government", "society", "index"} & set(audit)


def test_csv_and_excel_never_run_a_cell_as_a_formula(published_home, tmp_path, methodology):
    hostile = pl.DataFrame(
        {"province_name": ['=HYPERLINK("http://x","y")', "+1", "-1+2", "@SUM(A1)", "Hà Nội"], "rank": [1, 2, 3, 4, -5]}
    )
    assert csv_safe(hostile, methodology)["Tỉnh/thành phố"].to_list() == [
        '\'=HYPERLINK("http://x","y")',
        "'+1",
        "'-1+2",
        "'@SUM(A1)",
        "Hà Nội",
    ]
    assert csv_safe(hostile, methodology)["Hạng"].to_list() == [1, 2, 3, 4, -5]  # numbers stay numbers

    # a release written from a copy whose province name is a formula
    copy = tmp_path / "published.duckdb"
    with duckdb.connect(str(copy)) as con:
        con.execute(f"ATTACH '{published_home.published}' AS src (READ_ONLY)")
        con.execute("COPY FROM DATABASE src TO " + con.execute("SELECT current_database()").fetchall()[0][0])
        con.execute("UPDATE marts.province_rankings SET province_name = '=1+1' WHERE province_name = 'Bắc Ninh'")
    written = write_release(copy, tmp_path / "exports", "formula-test-run", methodology, render_report)
    text = (written.folder / "dti_2025_xep-hang_SYNTHETIC.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in text and ",=1+1" not in text
    sheet = openpyxl.load_workbook(written.folder / "dti_2025_SYNTHETIC.xlsx")["Xếp hạng"]
    cells = [cell for row in sheet.iter_rows() for cell in row if cell.value == "=1+1"]
    assert cells and all(cell.data_type == "s" for cell in cells)


def test_static_report_is_one_self_contained_file(published_home):
    (release,) = releases(published_home.exports)
    html = (release.folder / "bao-cao_SYNTHETIC.html").read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<link" not in html and "<script src" not in html
    assert 'id="synthetic-banner"' in html and "SYNTHETIC DATA" in html
    names = [n for (n,) in _published(published_home, "SELECT province_name FROM marts.latest_ranking")]
    assert all(name in html for name in names)
    assert html.count("<svg") == 6  # a bar chart per year and the trend of the 34 units
    assert all(f'id="year-{y}"' in html for y in range(2021, 2026))
    assert all(f'id="audit-{y}"' in html for y in range(2021, 2026)) and "Cronbach alpha" in html


def test_export_assets_report_rows_top_ten_and_paths(published_home):
    instance = dg.DagsterInstance.from_config(str(published_home.dagster_home))
    release_event = instance.get_latest_materialization_event(dg.AssetKey(["exports", "release"]))
    metadata = release_event.asset_materialization.metadata
    (release,) = releases(published_home.exports)
    assert metadata["release_id"].value == release.id
    assert metadata["rows"].value["ranking 2025"] == 34
    top = metadata["top_10_2025"].value.splitlines()
    assert len(top) == 12 and top[0] == "| hạng | tỉnh/thành phố | điểm |" and top[2].startswith("| 1 |")
    assert all(str(release.folder / f["name"]) in metadata["files"].value for f in release.manifest["files"])
    warehouse_event = instance.get_latest_materialization_event(dg.AssetKey(["exports", "published_warehouse"]))
    assert "marts.latest_ranking | 34" in warehouse_event.asset_materialization.metadata["tables"].value


def test_analysts_read_the_published_copy_while_a_second_run_writes(demo_copy):
    home = demo_copy
    (first,) = releases(home.exports)
    before = {f["name"]: f["sha256"] for f in first.manifest["files"]}
    source = home.inbox / "SYNTHETIC_2025_04_caobang.csv"
    (home.inbox / "SYNTHETIC_2025_04_caobang_correction.csv").write_text(
        source.read_text(encoding="utf-8").replace("SYNTHETIC", "SYNTHETIC correction", 1), encoding="utf-8"
    )
    run = dti_command(home.root, "run", background=True)
    reads, seen_while_running = 0, 0
    while run.poll() is None:
        assert len(_published(home, "SELECT * FROM marts.latest_ranking")) == 34
        reads += 1
        seen_while_running += run.poll() is None
        time.sleep(0.05)
    assert run.returncode == 0, run.stderr.read()[-3000:]
    assert seen_while_running >= 10, reads
    found = releases(home.exports)
    assert len(found) == 2 and latest_release(home.exports) == found[0].id != first.id
    # The earlier release is untouched, file for file.
    assert verify(found[1]) == [] and {f["name"]: f["sha256"] for f in found[1].manifest["files"]} == before
    assert found[0].manifest["fingerprint"] != found[1].manifest["fingerprint"]


def _english_words(methodology) -> tuple[set[str], set[str]]:
    """What counts as English in a Vietnamese column: a code of the methodology (indicator, pillar, unit,
    target subject) or a value of a catalog vocabulary in English (or its code) that differs from its
    Vietnamese; and the codes with an underscore, which must not appear even inside a longer text."""
    vocabularies = catalog().vocabularies
    cells = {value for values in vocabularies.values() for value, text in values.items() if value != text.vi}
    cells |= {text.en for values in vocabularies.values() for text in values.values() if text.en != text.vi}
    codes = {i.code for i in methodology.indicators} | {s.code for s in methodology.target_subjects}
    cells |= codes | {p.code for p in methodology.pillars} | set(methodology.units) | {"True", "False"}
    return cells, {code for code in codes if "_" in code}


def test_release_workbook_and_csv_read_as_people_read_them(published_home, methodology):
    (release,) = releases(published_home.exports)
    cells, codes = _english_words(methodology)
    english_prose = re.compile(r"\b(row|from|the|pace|target|figure|population)\b")
    for year in release.manifest["reporting_years"]:
        workbook = openpyxl.load_workbook(release.folder / f"dti_{year}_SYNTHETIC.xlsx")
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    if isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool):
                        assert cell.number_format != "General", (year, sheet.title, cell.coordinate, cell.value)
        for _, title in YEAR_TABLES.values():
            sheet = workbook[title]
            assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
            assert (sheet.page_setup.fitToWidth or 1) == 1 and sheet.page_setup.fitToHeight == 0
            assert sheet.print_title_rows == "$2:$2"
            header = [cell.value for cell in sheet[2]]
            for row in sheet.iter_rows(min_row=2, values_only=True):
                for name, value in zip(header, row):
                    if not isinstance(value, str):
                        continue
                    assert value not in cells, (year, title, name, value)
                    assert not any(code in value for code in codes), (year, title, name, value)
                    if name != "Nguồn":  # sources are addresses and file paths
                        assert not english_prose.search(value), (year, title, name, value)
    # 2025: ranks as integers, scores to 4 decimals, indicator values in their unit's decimals
    workbook = openpyxl.load_workbook(release.folder / "dti_2025_SYNTHETIC.xlsx")
    ranking = workbook["Xếp hạng"]
    header = [cell.value for cell in ranking[2]]
    first = dict(zip(header, ranking[3]))
    assert first["Hạng"].number_format == "0" and first["Điểm chỉ số"].number_format == "#,##0.0000"
    values = workbook["Giá trị chỉ tiêu"]
    header = [cell.value for cell in values[2]]
    formats = {
        (row[header.index("Đơn vị đo")].value, row[header.index("Giá trị")].number_format)
        for row in values.iter_rows(min_row=3)
    }
    assert {("%", "#,##0.0"), ("số lượng", "#,##0"), ("/1.000 dân", "#,##0.00")} <= formats
    assert "Tên chỉ tiêu" in header and "Mã chỉ tiêu" not in header and "Trụ cột" in header
    # gaps in words, met targets filled
    gaps = workbook["Khoảng cách mục tiêu"]
    header = [cell.value for cell in gaps[2]]
    rows = list(gaps.iter_rows(min_row=3))
    words = [row[header.index("Khoảng cách (diễn giải)")].value or "" for row in rows]
    assert any(w.startswith("còn thiếu ") for w in words) and any(w.startswith("vượt ") for w in words)
    met = [row for row in rows if row[header.index("Trạng thái")].value == "đã đạt"]
    assert met and all(row[0].fill.fgColor.rgb.endswith("DCFCE7") for row in met)
    short = [row for row in rows if row[header.index("Trạng thái")].value != "đã đạt"]
    assert not any(row[0].fill.fgColor.rgb and row[0].fill.fgColor.rgb.endswith("DCFCE7") for row in short)
    # CSV: province codes stay text, values rounded
    text = (release.folder / "dti_2025_gia-tri-chi-tieu_SYNTHETIC.csv").read_text(encoding="utf-8-sig")
    assert "\n2025,01,Thành phố Hà Nội," in text
    frame = pl.read_csv(release.folder / "dti_2025_xep-hang_SYNTHETIC.csv", infer_schema=False)
    assert frame["Mã tỉnh"].str.len_chars().min() == 2
    assert all(len(score.split(".")[1]) <= 4 for score in frame["Điểm chỉ số"])


def test_every_years_target_gaps_have_rows_and_thai_nguyen_2025_holds_nghi_quyet_01(published_home):
    (release,) = releases(published_home.exports)
    for year in release.manifest["reporting_years"]:
        gaps = release.table("target_gaps", year)
        assert gaps.height > 0 and gaps["reporting_year"].unique().to_list() == [year]
    current = release.table("target_gaps", 2025).filter(
        (pl.col("unit_set") == "34") & (pl.col("province_name") == "Thái Nguyên")
    )
    own = current.filter(pl.col("target_source") == "resolution")
    assert own.height > 0 and own["set_by"].unique().to_list() == ["Thái Nguyên"]
    assert own["document"].str.contains("01").all()
    assert current.filter(pl.col("target_source") == "national").height > 0


def test_every_release_holds_a_pdf_profile_per_unit_of_the_latest_year(published_home):
    (release,) = releases(published_home.exports)
    profiles = [f for f in release.manifest["files"] if f["table"] == "profile"]
    assert len(profiles) == release.manifest["profiles"]["pdf"] == 34
    assert {f["province_code"] for f in profiles} == set(release.table("ranking", 2025)["province_code"])
    assert release.manifest["profiles"]["seconds"] > 0  # how long printing took, for the operator
    for entry in profiles:
        data = (release.folder / entry["name"]).read_bytes()
        assert data.startswith(b"%PDF-") and len(data) > 20_000, entry["name"]
    assert "ho-so_2025_19_SYNTHETIC.pdf" in {f["name"] for f in profiles}


def test_the_release_holds_why_ranks_changed_the_paths_to_targets_and_strengths(published_home, methodology):
    """Issue 17: per year the change of each unit's score split by indicator (the parts and the part not split
    add up to the change), the paths to its rank and score targets (planned from the latest year only) and its
    strengths and weaknesses, with the catalog's headers in the CSV; Thái Nguyên's 2025 rows as the marts."""
    (release,) = releases(published_home.exports)
    headers = catalog().headers("vi", methodology)
    for year in release.manifest["reporting_years"]:
        for table in ("score_change_attribution", "target_paths", "province_strengths"):
            frame = release.table(table, year)
            part = YEAR_TABLES[table][0]
            text = (release.folder / f"dti_{year}_{part}_SYNTHETIC.csv").read_text(encoding="utf-8-sig")
            header = next(csv.reader(text.splitlines()))
            read = [c for c in frame.columns if c not in CODES | OTHER_LANGUAGE["vi"]]
            assert header == [headers[c] for c in read], (year, table)
        attribution = release.table("score_change_attribution", year)
        if year == release.manifest["reporting_years"][0]:
            assert attribution.height == 0  # no earlier year to compare with
            continue
        assert attribution["to_year"].unique().to_list() == [year] and attribution["from_year"].max() < year
        sums = attribution.group_by("province_code").agg(
            pl.col("indicator_part").sum() + pl.col("non_additive_part").first() - pl.col("index_change").first()
        )
        assert sums["indicator_part"].abs().max() < 1e-12
    paths = {y: release.table("target_paths", y).height for y in release.manifest["reporting_years"]}
    assert paths.pop(2025) > 0 and set(paths.values()) == {0}

    thai_nguyen = release.table("score_change_attribution", 2025).filter(pl.col("province_name") == "Thái Nguyên")
    (marts,) = _published(
        published_home,
        """SELECT index_change, rank_from, rank_to, count(*) FROM marts.score_change_attribution
           WHERE series = 'restated_34' AND to_year = 2025 AND province_code = '19' AND coverage <> 'absent'
           GROUP BY ALL""",
    )
    first = thai_nguyen.row(0, named=True)
    assert (first["index_change"], first["rank_from"], first["rank_to"], thai_nguyen.height) == marts
    assert thai_nguyen["indicator_name_vi"].null_count() == 0
    plan = release.table("target_paths", 2025).filter(pl.col("province_code") == "19")
    assert plan.filter(pl.col("target_kind") == "rank")["probability_planned"].drop_nulls().len() > 0
    strengths = release.table("province_strengths", 2025).filter(pl.col("province_code") == "19")
    assert strengths["series"].unique().to_list() == ["restated_34"]  # pillar growth reaches back to 2021
    pillars = strengths.filter(pl.col("component_type") == "pillar")
    assert pillars.height == len(methodology.pillars) and pillars["annual_growth"].null_count() == 0
    workbook = openpyxl.load_workbook(release.folder / "dti_2025_SYNTHETIC.xlsx", read_only=True)
    rows = list(workbook["Vì sao thứ hạng thay đổi"].iter_rows(values_only=True))
    assert rows[1][:4] == ("Chuỗi số liệu", "Bộ đơn vị", "Năm gốc", "Năm so sánh")
    assert len(rows) == 2 + release.table("score_change_attribution", 2025).height
