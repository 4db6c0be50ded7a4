"""The catalog (sources/catalog/catalog.yaml) is the one data dictionary: it validates, it describes every
column of every table and view the pipeline writes and every exported column, it holds nothing that no
longer exists, nothing else in the code keeps a dictionary of its own, and pillars come from the
methodology (a methodology with other pillars gets its own columns and labels)."""

import ast
import datetime as dt

import duckdb
import polars as pl
import pytest
import yaml
from pydantic import ValidationError

from portal.rendering import TEMPLATES as PORTAL_TEMPLATES
from sources.catalog.catalog import (
    CATALOG_FILE,
    Catalog,
    catalog,
    pillar_labels,
    pillars,
)
from sources.home import PROJECT_ROOT
from sources.index.methodology import Methodology, load_methodology
from sources.release.profiles import history_chart
from sources.release.publish import PUBLISHED_SQL, published_sql
from sources.release.readable import ADDED_COLUMNS
from sources.release.releases import export_sql, releases
from sources.release.report import render_report
from sources.warehouse.tables import comment_table


def test_the_catalog_file_validates_and_a_misspelt_entry_does_not():
    assert catalog().tables and catalog().columns and catalog().words
    raw = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    raw["columns"]["rank"]["descripton"] = "typo"
    with pytest.raises(ValidationError, match="descripton"):
        Catalog.model_validate(raw)
    raw = yaml.safe_load(CATALOG_FILE.read_text(encoding="utf-8"))
    raw["tables"]["marts.index_scores"]["vi"] = ""
    with pytest.raises(ValidationError, match=r"marts\.index_scores"):
        Catalog.model_validate(raw)


def _relations(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    rows = con.execute("""
        SELECT schema_name || '.' || table_name, list(column_name ORDER BY column_index) FROM duckdb_columns()
        WHERE database_name = current_database() GROUP BY 1""").fetchall()
    return dict(rows)


def test_every_column_written_or_exported_is_catalogued_and_no_entry_is_orphan(published_home, methodology):
    """The working warehouse (raw included), the published copy's views and a release's files, against the
    catalog: every relation and column described in both languages, every exported column with a header,
    and every entry of the catalog used by at least one of them."""
    with duckdb.connect(str(published_home.warehouse), read_only=True) as con:
        relations = _relations(con)
    with duckdb.connect(str(published_home.published), read_only=True) as con:
        relations |= _relations(con)
    cat = catalog()
    pillar_columns = {f"{p.code}_{suffix}" for p in methodology.pillars for suffix in cat.pillar_columns}
    used: set[tuple] = set()
    for qualified, columns in relations.items():
        assert cat.table(qualified), f"{qualified}: no description in {CATALOG_FILE.name}"
        for column in columns:
            described = cat.column(qualified, column, methodology)
            assert described.vi and described.en, f"{qualified}.{column}: {described}"
            if column in pillar_columns:
                continue
            levels = [
                ("tables", qualified, cat.tables[qualified].columns.get(column)),
                ("schemas", qualified.split(".")[0], cat.schemas[qualified.split(".")[0]].columns.get(column)),
                ("columns", None, cat.columns.get(column)),
            ]
            for lang in ("vi", "en"):  # the level each language is taken from
                used.add(next((*level[:2], column) for level in levels if level[2] and getattr(level[2], lang)))
    (release,) = releases(published_home.exports)
    headers = cat.headers("vi", methodology)
    exported = {
        c
        for f in release.manifest["files"]
        if f["format"] == "parquet"
        for c in release.table(f["table"], f["year"]).columns
    }
    exported |= set(ADDED_COLUMNS)  # the CSV and Excel files' own columns (sources/release/readable.py)
    assert exported - set(headers) == set(), "exported columns without a header"
    used |= {("columns", None, column) for column in exported if column not in pillar_columns}

    entries = {("tables", t, c) for t, table in cat.tables.items() for c in table.columns}
    entries |= {("schemas", s, c) for s, schema in cat.schemas.items() for c in schema.columns}
    entries |= {("columns", None, c) for c in cat.columns}
    assert entries - used == set(), "catalog entries no table, view or export uses"
    assert set(cat.tables) - set(relations) == set(), "catalogued tables that do not exist"
    assert set(cat.schemas) == {q.split(".")[0] for q in relations}


def _catalogue_like_dicts(tree: ast.AST, names: set[str]) -> list[int]:
    """Lines of dict literals that map several catalogued names (columns, words) to literal text: a
    dictionary of descriptions, headers or labels kept outside the catalog."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            texts = [
                key.value
                for key, value in zip(node.keys, node.values, strict=True)
                if isinstance(key, ast.Constant)
                and key.value in names
                and (
                    (isinstance(value, ast.Constant) and isinstance(value.value, str) and " " in value.value)
                    or (
                        isinstance(value, ast.Tuple)
                        and len(value.elts) == 2  # (vi, en)
                        and all(isinstance(v, ast.Constant) for v in value.elts)
                    )
                )
            ]
            if len(texts) >= 3:
                found.append(node.lineno)
    return found


def test_no_other_module_keeps_a_dictionary_of_columns_or_labels():
    names = set(catalog().columns) | set(catalog().words) | {c for t in catalog().tables.values() for c in t.columns}
    offenders = {}
    for folder in ("sources", "assets", "expectations", "pipelines", "portal", "dti"):
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py")):
            lines = _catalogue_like_dicts(ast.parse(path.read_text(encoding="utf-8")), names)
            if lines:
                offenders[str(path.relative_to(PROJECT_ROOT))] = lines
    assert offenders == {}
    commented = [p.name for p in (PROJECT_ROOT / "sql").rglob("*.sql") if "COMMENT ON" in p.read_text(encoding="utf-8")]
    assert commented == [], "SQL files comment tables themselves instead of the catalog"


def test_the_dictionary_check_finds_a_dictionary():
    """The check above can fail: it finds the kind of dictionary it forbids."""
    source = 'HEADERS = {"rank": "Hạng (1 = cao nhất)", "score": "Điểm chỉ số", "unit": "Đơn vị đo"}'
    assert _catalogue_like_dicts(ast.parse(source), set(catalog().columns)) == [1]


@pytest.fixture
def two_pillars(tmp_path) -> Methodology:
    """SYNTHETIC: the default methodology with its pillars regrouped as two others, `services` and `market`."""
    raw = yaml.safe_load((PROJECT_ROOT / "methodology" / "default.yaml").read_text(encoding="utf-8"))
    regroup = {"government": "services", "society": "services", "economy": "market"}
    children = {"services": {}, "market": {}}
    for pillar in raw["pillars"]:
        children[regroup[pillar["code"]]] |= pillar["children"]
    raw["pillars"] = [
        {
            "code": "services",
            "name_vi": "Dịch vụ số",
            "name_en": "Digital services",
            "min_share": 0.6,
            "children": children["services"],
        },
        {
            "code": "market",
            "name_vi": "Thị trường số",
            "name_en": "Digital market",
            "min_share": 0.6,
            "children": children["market"],
        },
    ]
    raw["index"]["children"] = {"services": 2, "market": 1}
    for indicator in raw["indicators"]:
        if indicator.get("pillar"):
            indicator["pillar"] = regroup[indicator["pillar"]]
    path = tmp_path / "two-pillars.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return load_methodology(path)


def test_a_methodology_with_other_pillars_gets_its_own_columns_comments_headers_and_labels(two_pillars):
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts")
    con.execute("""
        CREATE TABLE marts.province_rankings AS
        SELECT 'as_reported' AS series, '34' AS unit_set, 2025 AS reporting_year, '01' AS province_code,
               'Hà Nội' AS province_name, ranking, score, rank, 34 AS units_ranked, 0 AS rank_change,
               true AS is_synthetic, 'two-pillars' AS methodology_version
        FROM (VALUES ('index', 0.6::DOUBLE, 2), ('services', 0.7, 1), ('market', 0.4, 5)) AS t(ranking, score, rank)""")
    con.execute("""
        CREATE TABLE marts.rank_uncertainty AS
        SELECT 'as_reported' AS series, '34' AS unit_set, 2025 AS reporting_year, '01' AS province_code,
               2.0 AS median_rank, 1 AS rank_p05, 4 AS rank_p95, 1 AS tie_group""")
    con.execute(published_sql(PUBLISHED_SQL / "10_ranking_with_pillars.sql", two_pillars))
    comment_table(con, "marts.ranking_with_pillars", two_pillars)
    columns = dict(
        con.execute("""
        SELECT column_name, comment FROM duckdb_columns() WHERE table_name = 'ranking_with_pillars'""").fetchall()
    )
    assert [c for c in columns if c.startswith(("services_", "market_"))] == [
        "services_score",
        "services_rank",
        "market_score",
        "market_rank",
    ]
    assert not any(c.startswith(("government", "economy", "society")) for c in columns)
    assert (
        columns["market_rank"]
        == "Hạng theo trụ cột thị trường số (1 = cao nhất) | EN: Digital market pillar rank (1 = best)."
    )
    ranking = con.sql(export_sql("ranking", two_pillars, 2025)).pl()
    assert ranking.select("services_score", "market_rank").row(0) == (0.7, 5)
    history = con.sql(export_sql("pillar_history", two_pillars)).pl()
    assert catalog().headers("vi", two_pillars)["services_score"] == "Điểm dịch vụ số"

    manifest = {
        "pillars": pillars(two_pillars),
        "release_id": "test",
        "synthetic": True,
        "methodology_version": "x",
        "run_id": "r",
        "created_at": dt.datetime(2026, 1, 1).isoformat(),
    }
    assert pillar_labels(manifest["pillars"], "en") == {
        "services_score": "Digital services",
        "market_score": "Digital market",
    }
    report = render_report(
        {2025: {"ranking": ranking}}, history.with_columns(pl.lit("restated_34").alias("series")), manifest
    )
    assert "<th>Dịch vụ số</th><th>Thị trường số</th>" in report and "Chính quyền số" not in report
    table = PORTAL_TEMPLATES.get_template("_ranking_table.html").render(
        t=catalog().words_in("en"),
        pillars=pillar_labels(manifest["pillars"], "en"),
        rows=ranking.to_dicts(),
        banded=True,
        link=None,
        year=2025,
        lang="en",
    )
    assert "<th>Digital services</th><th>Digital market</th>" in table and "0.7000" in table
    lines = {"score": "Index", **pillar_labels(manifest["pillars"], "en")}
    assert "Digital market" in history_chart(history.to_dicts(), lines, "History")
