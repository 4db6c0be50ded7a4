"""`dti sql` reads the published warehouse and nothing else: no file read or written, no ATTACH, no
extension, no setting changed, a row cap and a time limit, a one-line message (Vietnamese and English)
instead of a traceback. Each case runs the real command in its own process on a small published copy
built here (a read-only DuckDB file at the published path, as sources/release/publish.py leaves it)."""

import csv
import hashlib
import time

import duckdb
import pytest

from sources.home import PROJECT_ROOT, DataHome
from tests.conftest import dti_command


@pytest.fixture(scope="module")
def small_home(tmp_path_factory) -> DataHome:
    home = DataHome(tmp_path_factory.mktemp("sql_door") / "data").ensure()
    with duckdb.connect(str(home.published)) as con:
        con.execute("CREATE SCHEMA marts")
        con.execute(
            "CREATE TABLE marts.latest_ranking AS SELECT * FROM (VALUES (1, 'Hà Nội', 0.81), (2, 'Đà Nẵng', 0.79), "
            "(3, 'Thành phố Hồ Chí Minh', 0.77)) t(rank, province_name, score)"
        )
    home.published.chmod(0o444)
    return home


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _refused(done) -> str:
    """The command failed with one clear bilingual line and no traceback; returns the message."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr and done.stdout == ""
    message = done.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert message.startswith("lỗi / error: ") and " / " in message.removeprefix("lỗi / error: "), message
    return message


def test_a_reading_query_answers(small_home):
    done = dti_command(
        small_home.root, "sql", "--format", "csv", "SELECT rank, province_name FROM marts.latest_ranking ORDER BY rank"
    )
    assert done.returncode == 0, done.stderr
    assert list(csv.reader(done.stdout.splitlines())) == [
        ["rank", "province_name"],
        ["1", "Hà Nội"],
        ["2", "Đà Nẵng"],
        ["3", "Thành phố Hồ Chí Minh"],
    ]


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("SELECT * FROM read_text('/etc/hostname')", "no access to files"),
        ("SELECT * FROM read_csv('/etc/passwd')", "no access to files"),
        ("SELECT * FROM glob('/root/**')", "no access to files"),
        ("SELECT * FROM read_parquet('/etc/*.parquet')", "no access to files"),
        ("ATTACH '/tmp/dti_sql_door_attached.duckdb' AS other", "ATTACH statement"),
        ("INSTALL httpfs", "INSTALL/LOAD statement"),
        ("LOAD httpfs", "INSTALL/LOAD statement"),
        ("SET enable_external_access = true", "SET statement"),
        ("RESET lock_configuration", "SET statement"),
        ("PRAGMA enable_profiling", "configuration is locked"),
        ("CREATE TEMP TABLE t AS SELECT 1", "CREATE statement"),
        ("DROP TABLE marts.latest_ranking", "read-only"),
        ("SELECT 1; SELECT 2", "exactly one statement"),
        ("SELEC 1", "does not parse"),
        ("SELECT * FROM marts.no_such_table", "the query failed"),
    ],
)
def test_everything_but_reading_the_published_copy_is_refused(small_home, query, said):
    before = _digest(small_home.published)
    message = _refused(dti_command(small_home.root, "sql", query))
    assert said in message
    assert _digest(small_home.published) == before
    assert not (PROJECT_ROOT / "dti_sql_door_attached.duckdb").exists()


def test_copy_writes_no_file_anywhere(small_home, tmp_path):
    before = _digest(small_home.published)
    cases = [
        ("COPY (SELECT 1) TO 'x.csv'", PROJECT_ROOT / "x.csv", "read-only"),
        (f"COPY (SELECT 1) TO '{tmp_path / 'x.csv'}'", tmp_path / "x.csv", "read-only"),
        (f"COPY (SELECT 1 AS rank) TO '{small_home.published}'", None, "read-only"),
        (f"EXPORT DATABASE '{tmp_path / 'exported'}'", tmp_path / "exported", "read-only"),
        (f"SELECT 1; COPY (SELECT 1) TO '{tmp_path / 'y.csv'}'", tmp_path / "y.csv", "exactly one statement"),
    ]
    for query, target, said in cases:
        message = _refused(dti_command(small_home.root, "sql", query))
        assert said in message, message
        if target is not None:
            assert not target.exists(), query
    assert _digest(small_home.published) == before
    again = dti_command(small_home.root, "sql", "--format", "csv", "SELECT count(*) AS n FROM marts.latest_ranking")
    assert again.returncode == 0 and again.stdout.splitlines() == ["n", "3"], again.stderr


def test_a_long_query_is_stopped_at_the_time_limit(small_home):
    started = time.monotonic()
    done = dti_command(
        small_home.root,
        "sql",
        "--timeout",
        "2",
        "SELECT count(*) FROM range(1000000) a, range(1000000) b WHERE a.range + b.range = 7",
    )
    took = time.monotonic() - started
    message = _refused(done)
    assert "stopped after 2 s" in message and "dừng sau 2 giây" in message
    assert took < 20, took


def test_a_result_over_the_cap_is_cut_with_a_notice(small_home):
    done = dti_command(
        small_home.root, "sql", "--format", "csv", "--max-rows", "100", "SELECT range AS n FROM range(250)"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "n" and lines[1:] == [str(n) for n in range(100)]
    assert "first 100 rows only" in done.stderr and "chỉ 100 dòng đầu" in done.stderr
    whole = dti_command(
        small_home.root, "sql", "--format", "csv", "--max-rows", "250", "SELECT range AS n FROM range(250)"
    )
    assert whole.returncode == 0 and len(whole.stdout.splitlines()) == 251 and whole.stderr == ""


def test_no_published_copy_says_what_to_do(tmp_path):
    message = _refused(dti_command(tmp_path / "empty", "sql", "SELECT 1"))
    assert "no published warehouse yet" in message and "dti run" in message


def test_every_query_of_the_analyst_guide_is_one_reading_statement():
    """The door refuses nothing the analyst guide shows (the queries themselves run in test_publishing)."""
    import re

    from sources.warehouse.sql_door import READING_STATEMENTS

    guide = (PROJECT_ROOT / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    queries = [
        q
        for block in re.findall(r"```sql\n(.*?)```", guide, re.DOTALL)
        for q in block.split(";")
        if q.strip(" \n") and not all(line.strip().startswith("--") or not line.strip() for line in q.splitlines())
    ]
    assert len(queries) >= 8
    with duckdb.connect() as con:
        kinds = {q: [s.type.name for s in con.extract_statements(q)] for q in queries}
    assert all(len(k) == 1 and k[0] in READING_STATEMENTS for k in kinds.values()), kinds
