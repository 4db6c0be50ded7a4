"""Real materializations of the whole graph into a temporary DuckDB, read back."""

import hashlib
import json
import shutil

import dagster as dg
import duckdb
import pytest

from assets.marts import index_marts, target_gaps
from assets.raw import submission_files, submissions
from assets.reference import reference_assets
from assets.resources import build_resources
from assets.staging import figure_flags, staged_figures
from sources.home import PROJECT_ROOT, DataHome
from sources.index.engine import MART_TABLES, build_marts, build_target_gaps
from sources.intake.rules import RULES_FILE
from sources.intake.template import HEADER_ROW, write_workbook
from sources.release.releases import latest_release
from tests.conftest import HEADER, csv_file, dti_command

ALL_ASSETS = [*reference_assets, submission_files, submissions, staged_figures, figure_flags, index_marts, target_gaps]


def _materialize(home, year, instance=None):
    result = dg.materialize(
        ALL_ASSETS,
        partition_key=str(year),
        resources=build_resources(home),
        instance=instance or dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return result


def _query(home, sql, params=None):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _fill_inbox(inbox, methodology, register):
    csv_file(
        inbox / "hue_2024.csv",
        [
            ("Thừa Thiên - Huế", 2024, "fibre_household_pct", "85,5", "%"),
            ("Thừa Thiên - Huế", 2024, "digital_enterprises_count", "1.250", ""),
            ("Thừa Thiên - Huế", 2024, "smartphone_adult_pct", "khoảng 80", "%"),
        ],
    )
    csv_file(
        inbox / "hoabinh_2024.csv",
        [
            ("Hoà Bình", 2024, "fibre_household_pct", "70", "%"),
            ("Tỉnh Bắc Trung Bộ", 2024, "fibre_household_pct", "70", "%"),
        ],
    )
    write_workbook(
        inbox / "hue_2025.xlsx",
        methodology,
        register,
        2025,
        province="TP. Huế",
        values={"fibre_household_pct": 91.5, "ehealth_record_pct": "88,2%"},
        data_origin="SYNTHETIC",
    )
    legacy = (HEADER + "Hà Nam,2024,fibre_household_pct,80,%,,\n").encode().replace("à".encode(), b"a\xcc")
    (inbox / "hanam_2024.csv").write_bytes(legacy)
    return inbox


@pytest.fixture
def inbox(home, methodology, register):
    return _fill_inbox(home.inbox, methodology, register)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, methodology, register):
    """One materialization of the graph for 2024, then for 2025, over a small inbox of good and broken files;
    read by the tests below, changed by none (a test that runs again has its own data home)."""
    home = DataHome(tmp_path_factory.mktemp("small") / "data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DTI_HOME", str(home.root))
        patch.delenv("DTI_INBOX", raising=False)
        patch.setenv("DTI_SETTLE_SECONDS", "0")
        home.ensure()
        inbox = _fill_inbox(home.inbox, methodology, register)
        first = _materialize(home, 2024)
        _materialize(home, 2025)
    return home, inbox, first


def test_graph_materializes_and_reads_back(small_run, methodology):
    home, _, _ = small_run
    excel_row = {i.code: HEADER_ROW + 1 + n for n, i in enumerate(methodology.reported_in(2025))}

    figures = _query(
        home,
        "SELECT reporting_year, unit_set, province_code, province_name, indicator_code, value, file_name, row_number "
        "FROM staging.figures ORDER BY ALL",
    )
    assert figures == [
        (2024, "63", "17", "Hòa Bình", "fibre_household_pct", 70.0, "hoabinh_2024.csv", 2),
        (2024, "63", "46", "Thừa Thiên Huế", "digital_enterprises_count", 1250.0, "hue_2024.csv", 3),
        (2024, "63", "46", "Thừa Thiên Huế", "fibre_household_pct", 85.5, "hue_2024.csv", 2),
        (
            2025,
            "34",
            "46",
            "Thành phố Huế",
            "ehealth_record_pct",
            88.2,
            "hue_2025.xlsx",
            excel_row["ehealth_record_pct"],
        ),
        (
            2025,
            "34",
            "46",
            "Thành phố Huế",
            "fibre_household_pct",
            91.5,
            "hue_2025.xlsx",
            excel_row["fibre_household_pct"],
        ),
    ]

    rejects = _query(
        home, "SELECT reporting_year, file_name, row_number, column_name, rule FROM staging.rejected_rows ORDER BY ALL"
    )
    assert rejects == [
        (2024, "hanam_2024.csv", 2, "province", "encoding"),
        (2024, "hoabinh_2024.csv", 3, "A (province)", "unknown_province"),
        (2024, "hue_2024.csv", 4, "D (value)", "unreadable_number"),
    ]

    raw = _query(home, "SELECT count(*) FROM raw.submissions WHERE reporting_year = 2024")[0][0]
    assert raw == 5  # every row of the readable 2024 files, good or bad


def test_every_file_is_archived_unchanged_even_when_broken(small_run):
    home, inbox, _ = small_run
    files = _query(
        home, "SELECT file_name, file_sha256, archived_path, status FROM raw.submission_files ORDER BY file_name"
    )
    assert [(name, status) for name, _, _, status in files] == [
        ("hanam_2024.csv", "rejected"),
        ("hoabinh_2024.csv", "read"),
        ("hue_2024.csv", "read"),
        ("hue_2025.xlsx", "read"),
    ]
    for name, digest, archived, _ in files:
        stored = (home.root / archived).read_bytes()
        assert stored == (inbox / name).read_bytes()
        assert hashlib.sha256(stored).hexdigest() == digest and digest in archived


def test_rerunning_the_same_input_changes_nothing(home, inbox):
    instance = dg.DagsterInstance.ephemeral()
    _materialize(home, 2024, instance)
    tables = [
        "raw.submission_files",
        "raw.submissions",
        "staging.figures",
        "staging.rejected_rows",
        "reference.target_registry",
    ]
    before = {t: _query(home, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}
    archived_before = sorted(p.name for p in home.archive.rglob("*") if p.is_file())

    (inbox / "hue_2024_sent_again.csv").write_bytes((inbox / "hue_2024.csv").read_bytes())
    _materialize(home, 2024, instance)

    for table in ("raw.submissions", "staging.figures", "staging.rejected_rows", "reference.target_registry"):
        assert _query(home, f"SELECT * FROM {table} ORDER BY ALL") == before[table], table
    assert sorted(p.name for p in home.archive.rglob("*") if p.is_file()) == archived_before
    again = _query(
        home, "SELECT file_name, also_received_as FROM raw.submission_files WHERE file_name = 'hue_2024.csv'"
    )
    assert again == [("hue_2024.csv", "hue_2024_sent_again.csv")]


def test_reference_schema_is_loaded_and_documented(small_run):
    home, _, _ = small_run
    counts = dict(
        _query(home, "SELECT table_name, estimated_size FROM duckdb_tables() WHERE schema_name = 'reference'")
    )
    assert counts["provinces"] == 97 and counts["province_crosswalk"] == 63 and counts["target_registry"] == 89
    assert _query(home, "SELECT table_name FROM duckdb_tables() WHERE comment IS NULL") == []
    undocumented = _query(
        home,
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE schema_name IN ('reference', 'raw', 'staging', 'marts') AND comment NOT LIKE '_% | EN: _%'",
    )
    assert undocumented == []  # every column in Vietnamese and English
    quoted = _query(home, "SELECT count(*) FROM reference.target_registry WHERE quote_vi LIKE '%nhóm 15 tỉnh%'")[0][0]
    assert quoted >= 2


def test_materialization_metadata_explains_the_result(small_run):
    _, _, result = small_run  # the run for 2024
    events = {
        tuple(e.asset_key.path): e.step_materialization_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert events[("staging", "figures")]["provinces_by_year"].value == {"2024": 2}
    assert events[("staging", "figures")]["provinces_expected_by_year"].value == {"2024": 63}
    assert events[("staging", "rejected_rows")]["by_rule"].value == {
        "encoding": 1,
        "unknown_province": 1,
        "unreadable_number": 1,
    }
    assert events[("raw", "submission_files")]["files_rejected"].value == 1


def _demo_query(root, sql):
    with duckdb.connect(str(root / "warehouse" / "dti.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_make_run_on_the_bundled_demo_data(demo_run):
    """Every year, 63 units up to 2024 and 34 in 2025."""
    home, stdout = demo_run
    root = home.root
    assert "2025: 714 figures for 34 units" in stdout and "warehouse" in stdout
    units = dict(
        _demo_query(root, "SELECT reporting_year, count(DISTINCT province_code) FROM staging.figures GROUP BY 1")
    )
    assert units == {2021: 63, 2022: 63, 2023: 63, 2024: 63, 2025: 34}
    assert _demo_query(root, "SELECT bool_and(is_synthetic) FROM staging.figures") == [(True,)]
    rules = {r for (r,) in _demo_query(root, "SELECT DISTINCT rule FROM staging.rejected_rows")}
    assert {
        "encoding",
        "missing_column",
        "unreadable_workbook",
        "unknown_province",
        "retired_province",
        "unreadable_number",
        "out_of_domain",
    } <= rules

    instance = dg.DagsterInstance.from_config(str(root / "dagster"))
    materialized = instance.get_materialized_partitions(dg.AssetKey(["staging", "figures"]))
    assert materialized == {"2021", "2022", "2023", "2024", "2025"}
    assert instance.get_latest_materialization_event(dg.AssetKey(["marts", "target_gaps"])) is not None


def test_make_run_quarantines_the_broken_demo_rows_flags_warnings_and_publishes(demo_run):
    home, stdout = demo_run
    root = home.root
    assert "validation: 10 of 11 checks passed\n  WARN  staging/figure_flags values_change_plausibly:" in stdout
    assert "ERROR" not in stdout.split("validation:")[1].split("index:")[0]
    quarantined = _demo_query(
        root, "SELECT count(*), count(message_vi), count(DISTINCT severity) FROM staging.rejected_rows"
    )
    assert quarantined == [(9, 9, 1)]
    flagged = _demo_query(
        root,
        """
        SELECT count(*) FROM marts.indicator_values
        WHERE series = 'as_reported' AND flags LIKE 'implausible_change: changed from %'""",
    )
    assert flagged[0][0] >= 5
    docs = root / "validation" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    assert docs.exists() and "values_change_plausibly" in "".join(p.name for p in docs.parent.rglob("*"))


def test_make_run_fills_every_mart_for_every_year(demo_run):
    home, stdout = demo_run
    root = home.root
    assert "index: units ranked by year 2021: 63, 2022: 63, 2023: 63, 2024: 63, 2025: 34" in stdout
    ranked = _demo_query(
        root,
        """
        SELECT reporting_year, ranking, count(*), count(DISTINCT province_code), min(rank), max(units_ranked)
        FROM marts.province_rankings WHERE series = 'as_reported' GROUP BY ALL ORDER BY ALL""",
    )
    expected_units = {2021: 63, 2022: 63, 2023: 63, 2024: 63, 2025: 34}
    assert {(year, ranking) for year, ranking, *_ in ranked} == {
        (y, r) for y in expected_units for r in ("economy", "government", "index", "society")
    }
    for year, _, rows, units, best, total in ranked:
        assert rows == units == total == expected_units[year] and best == 1
    for table in (
        "indicator_values",
        "indicator_scores",
        "pillar_scores",
        "index_scores",
        "province_rankings",
        "indicator_contributions",
        "target_gaps",
    ):
        years = (
            _demo_query(root, f"SELECT DISTINCT reporting_year FROM marts.{table} ORDER BY 1")
            if table != "target_gaps"
            else None
        )
        if years is not None:
            assert [y for (y,) in years] == [2021, 2022, 2023, 2024, 2025], table
        versions = _demo_query(
            root,
            f"SELECT DISTINCT methodology_version, bool_and(is_synthetic) FROM marts.{table} "
            "WHERE is_synthetic IS NOT NULL GROUP BY 1",
        )
        assert versions == [("default-2026.1", True)], table
    restated = _demo_query(
        root,
        """
        SELECT reporting_year, count(DISTINCT province_code) FROM marts.province_rankings
        WHERE series = 'restated_34' AND ranking = 'index' GROUP BY 1 ORDER BY 1""",
    )
    assert restated == [(y, 34) for y in range(2021, 2026)]
    basis = _demo_query(
        root,
        """
        SELECT DISTINCT previous_rank_series FROM marts.province_rankings
        WHERE series = 'as_reported' AND reporting_year = 2025""",
    )
    assert basis == [("restated_34",)]
    off = _demo_query(
        root,
        """
        SELECT count(*) FROM (SELECT series, reporting_year, province_code, sum(contribution) AS total
                              FROM marts.indicator_contributions GROUP BY ALL) AS c
        JOIN marts.index_scores AS x USING (series, reporting_year, province_code)
        WHERE abs(c.total - x.score) > 1e-9""",
    )
    assert off == [(0,)]


def test_every_province_in_the_registry_has_its_targets_with_a_status(demo_run):
    root = demo_run[0].root
    missing = _demo_query(
        root,
        """
        SELECT r.target_id FROM reference.target_registry AS r
        WHERE NOT EXISTS (SELECT 1 FROM marts.target_gaps AS g
                          WHERE g.unit_set = r.unit_set AND g.province_code = r.province_code
                            AND split_part(g.target_id, ':', 1) = r.target_id AND g.status IS NOT NULL)""",
    )
    assert missing == []
    statuses = {s for (s,) in _demo_query(root, "SELECT DISTINCT status FROM marts.target_gaps")}
    assert statuses <= {"target met", "on track", "acceleration needed", "limited progress", "deterioration", "no data"}
    assert {"target met", "no data"} < statuses
    current = _demo_query(root, "SELECT count(DISTINCT province_code) FROM marts.target_gaps WHERE unit_set = '34'")
    assert current == [(34,)]


def test_recomputing_the_marts_gives_the_very_same_rows(demo_run, tmp_path, methodology):
    root = demo_run[0].root
    copy = tmp_path / "copy.duckdb"
    shutil.copy(root / "warehouse" / "dti.duckdb", copy)
    tables = [f"marts.{t}" for t in (*MART_TABLES, "target_gaps")]
    with duckdb.connect(str(copy)) as con:
        before = {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables}
        for _ in range(2):
            build_marts(con, methodology)
            build_target_gaps(con, methodology)
            assert {t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall() for t in tables} == before


def test_a_year_failing_its_own_check_blocks_the_marts_and_publication(demo_copy, tmp_path):
    """A per-year ERROR check (on staging/figures, run for the years the run stages) holds back the marts and
    the exports: the published copy, the releases and the marts stay."""
    root = demo_copy.root
    strict = tmp_path / "strict.yaml"  # every indicator must be reported by every province: the demo data is not
    strict.write_text(
        (PROJECT_ROOT / "methodology" / "default.yaml")
        .read_text(encoding="utf-8")
        .replace("min_province_share_per_indicator: 0.6", "min_province_share_per_indicator: 1.0"),
        encoding="utf-8",
    )
    published = root / "published" / "dti.duckdb"
    before = (
        _demo_query(root, "SELECT * FROM marts.province_rankings ORDER BY ALL"),
        hashlib.sha256(published.read_bytes()).hexdigest(),
        sorted(p.name for p in (root / "exports").iterdir()),
    )
    instance = dg.DagsterInstance.from_config(str(root / "dagster"))
    marts_by = instance.get_latest_materialization_event(dg.AssetKey(["marts", "province_rankings"])).run_id
    done = dti_command(root, "run", env={"DTI_METHODOLOGY": str(strict)})
    assert done.returncode == 1, done.stdout[-3000:]
    # In one run over every year the failing check stops what depends on it; in a later run (the sensor's,
    # for another year) the gate staged_years_passed_their_checks would.
    assert "ERROR staging/figures indicators_reported_by_enough_provinces" in done.stdout, done.stdout[-3000:]
    assert "publication blocked" in done.stderr
    after = (
        _demo_query(root, "SELECT * FROM marts.province_rankings ORDER BY ALL"),
        hashlib.sha256(published.read_bytes()).hexdigest(),
        sorted(p.name for p in (root / "exports").iterdir()),
    )
    assert after == before
    assert instance.get_latest_materialization_event(dg.AssetKey(["marts", "province_rankings"])).run_id == marts_by
    history = instance.event_log_storage.get_asset_check_execution_history(
        dg.AssetCheckKey(dg.AssetKey(["staging", "figures"]), "indicators_reported_by_enough_provinces"), limit=10
    )
    failed = [e for r in history if r.event and (e := r.event.asset_check_evaluation) and not e.passed]
    assert failed  # the check that failed is on staging/figures, where the UI shows it


def test_an_injected_error_blocks_publication_keeps_staging_and_leaves_every_release(demo_copy, tmp_path):
    """On a copy of the demo data home: the same data with plausibility made an ERROR. The checked table is
    rewritten (staging keeps the new data for inspection); the marts are not recomputed; the published copy,
    `latest` and every release's files stay as they were, byte for byte."""
    home = demo_copy
    strict = tmp_path / "rules.yaml"
    strict.write_text(
        RULES_FILE.read_text(encoding="utf-8").replace(
            "values_change_plausibly: WARN", "values_change_plausibly: ERROR"
        ),
        encoding="utf-8",
    )
    before = _demo_query(home.root, "SELECT * FROM marts.province_rankings ORDER BY ALL")
    published = _release_fingerprint(home)
    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    latest = lambda key: instance.get_latest_materialization_event(dg.AssetKey(key)).run_id  # noqa: E731
    published_by = latest(["marts", "province_rankings"])
    staged_by = latest(["staging", "figure_flags"])
    done = dti_command(home.root, "run", rules=strict)
    assert done.returncode == 1
    assert "ERROR staging/figure_flags values_change_plausibly: 10 failing row(s)" in done.stdout
    assert "publication blocked" in done.stderr
    assert "published copy, the releases and `latest` are unchanged" in done.stderr
    assert _demo_query(home.root, "SELECT * FROM marts.province_rankings ORDER BY ALL") == before
    assert latest(["marts", "province_rankings"]) == published_by  # not recomputed
    assert latest(["staging", "figure_flags"]) != staged_by  # the checked table was rewritten
    assert _demo_query(home.root, "SELECT count(*) FROM staging.figures") == [(6508,)]
    assert _release_fingerprint(home) == published
    manifest = json.loads((home.exports / "latest" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["release_id"] == published[1]


def _release_fingerprint(home):
    """Everything a blocked run must leave alone: the published file, `latest` and every release's files."""
    files = {
        path.relative_to(home.exports).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(home.exports.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }
    return hashlib.sha256(home.published.read_bytes()).hexdigest(), latest_release(home.exports), files
