"""The pipeline on a real Postgres-backed Dagster instance (deploy/dagster.yaml), against the embedded default.

The test starts its own PostgreSQL server from the binaries of the `pgserver` wheel (a dev dependency, so
`make test` installs it on Linux x86_64 and macOS; elsewhere a system PostgreSQL under /usr/lib/postgresql):
initdb and pg_ctl in a temporary folder, listening on a free port of 127.0.0.1, with password
authentication as in the deployment. As root it runs the server as `nobody` (PostgreSQL refuses root).
It skips only outside CI when no server can be had; under CI=true it fails instead."""

import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import sqlalchemy as sa

from sources.home import PROJECT_ROOT, DataHome
from tests.conftest import dti_command
from tests.processes import free_port

YEAR = 2024
DEPLOY_YAML = PROJECT_ROOT / "deploy" / "dagster.yaml"
PASSWORD = "dti-test-only"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def run_year_with_marts(instance: dg.DagsterInstance, year: int) -> list[dg.ExecuteInProcessResult]:
    """What a one-year run is: the pipeline's job(s) for `year` up to the marts. The one place this test
    names jobs; change it here when the jobs change."""
    from pipelines.definitions import defs

    job = defs.resolve_job_def("dti_pipeline")
    return [
        job.execute_in_process(
            instance=instance, partition_key=str(year), raise_on_error=False, tags={"trigger": "test_postgres_instance"}
        )
    ]


def _main() -> None:
    """In a fresh process (resources are bound to DTI_HOME at import): run the year on $DAGSTER_HOME's instance."""
    instance = dg.DagsterInstance.get()
    results = run_year_with_marts(instance, int(sys.argv[1]))
    json.dump(
        {
            "storage": type(instance.run_storage).__name__,
            "runs": [{"run_id": r.run_id, "job": r.job_def.name, "success": r.success} for r in results],
        },
        sys.stdout,
    )


# --- a PostgreSQL server of our own -------------------------------------------------------------------------


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"Postgres is required in CI: {reason}")
    pytest.skip(f"no Postgres server could be started here: {reason}")


def _install_postgres(root: Path) -> Path:
    """A bin/ folder with initdb and pg_ctl that the server's user can run: a copy of the pgserver wheel's
    binaries (keeping its layout: bin/ finds ../../../pgserver.libs), else a system PostgreSQL (Debian's)."""
    spec = importlib.util.find_spec("pgserver")
    package = Path(spec.origin).parent if spec is not None and spec.origin else None
    if package is not None and (package / "pginstall" / "bin" / "postgres").exists():
        install = root / "pgserver" / "pginstall"
        for part in ("bin", "lib", "share"):
            shutil.copytree(package / "pginstall" / part, install / part)
        shutil.copytree(package.parent / "pgserver.libs", root / "pgserver.libs")
        return install / "bin"
    system = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if system:
        return system[-1].parent
    _unavailable(
        "neither the pgserver wheel (a dev dependency, for Linux x86_64 and macOS) nor a system PostgreSQL "
        "(/usr/lib/postgresql/*/bin) is installed"
    )


@contextmanager
def postgres_server():
    """A PostgreSQL server on 127.0.0.1:<free port>, user `dagster` with a password, database `dagster`;
    stopped and removed afterwards."""
    # As root, in /tmp itself: the server's user must be able to reach the folder (TMPDIR may be private).
    root = Path(tempfile.mkdtemp(prefix="dti-postgres-", dir="/tmp" if os.geteuid() == 0 else None))
    user = None
    try:
        bin_dir = _install_postgres(root)
        data, password_file = root / "data", root / "password"
        data.mkdir()
        password_file.write_text(PASSWORD + "\n")
        root.chmod(0o755)
        if os.geteuid() == 0:
            user = "nobody"
            entry = pwd.getpwnam(user)
            for path in (data, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)

        def pg(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
            return subprocess.run(
                [str(bin_dir / args[0]), *args[1:]],
                user=user,
                cwd=root,
                capture_output=True,
                text=True,
                timeout=timeout,
            )

        done = pg(
            "initdb",
            "-D",
            str(data),
            "-U",
            "dagster",
            f"--pwfile={password_file}",
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if done.returncode != 0:
            _unavailable(f"initdb failed: {done.stderr[-2000:]}")
        for _attempt in range(3):
            port = free_port()
            options = f"-h 127.0.0.1 -p {port} -k {data} -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            done = pg(
                "pg_ctl", "-D", str(data), "-l", str(data / "server.log"), "-o", options, "-w", "-t", "60", "start"
            )
            if done.returncode == 0:
                break
        else:
            log = (data / "server.log").read_text() if (data / "server.log").exists() else ""
            _unavailable(f"pg_ctl start failed: {done.stderr[-1000:]} {log[-2000:]}")
        try:
            import psycopg2

            con = psycopg2.connect(host="127.0.0.1", port=port, user="dagster", password=PASSWORD, dbname="postgres")
            try:
                con.autocommit = True
                with con.cursor() as cursor:
                    cursor.execute("CREATE DATABASE dagster")
            finally:
                con.close()
            yield {
                "DAGSTER_PG_HOST": "127.0.0.1",
                "DAGSTER_PG_PORT": str(port),
                "DAGSTER_PG_DB": "dagster",
                "DAGSTER_PG_USERNAME": "dagster",
                "DAGSTER_PG_PASSWORD": PASSWORD,
            }
        finally:
            pg("pg_ctl", "-D", str(data), "-m", "fast", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


# --- the test -----------------------------------------------------------------------------------------------


def _run_in_own_process(home: Path, dagster_home: Path, extra_env: dict[str, str]) -> dict:
    env = {**os.environ, **extra_env, "DTI_HOME": str(home), "DAGSTER_HOME": str(dagster_home)}
    env.pop("DTI_INBOX", None)
    done = subprocess.run(
        [sys.executable, "-c", "from tests.test_postgres_instance import _main; _main()", str(YEAR)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _marts(home: Path) -> dict[str, list[tuple]]:
    """Every table of the marts schema, sorted; floats to 12 significant digits (DuckDB's parallel sums may
    differ in the last bits between two runs of the same data)."""
    with duckdb.connect(str(DataHome(home).warehouse), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts' ORDER BY 1"
            ).fetchall()
        ]
        return {
            table: [
                tuple(float(f"{v:.12g}") if isinstance(v, float) else v for v in row)
                for row in con.execute(f"SELECT * FROM marts.{table} ORDER BY ALL").fetchall()
            ]
            for table in tables
        }


def _index_ranking(home: Path) -> list[tuple]:
    with duckdb.connect(str(DataHome(home).warehouse), read_only=True) as con:
        return con.execute(
            "SELECT province_code, rank, score_rounded FROM marts.province_rankings "
            "WHERE series = 'as_reported' AND reporting_year = ? AND ranking = 'index' ORDER BY rank, "
            "province_code",
            [YEAR],
        ).fetchall()


@pytest.mark.slow
def test_pipeline_on_a_postgres_instance_gives_the_marts_of_the_embedded_default(tmp_path):
    homes = {kind: tmp_path / kind / "data" for kind in ("postgres", "default")}
    for home in homes.values():
        assert dti_command(home, "demo").returncode == 0

    started = time.monotonic()
    with postgres_server() as pg_env:
        pg_dagster_home = tmp_path / "postgres" / "dagster_home"
        pg_dagster_home.mkdir()
        shutil.copy(DEPLOY_YAML, pg_dagster_home / "dagster.yaml")
        default_dagster_home = tmp_path / "default" / "dagster_home"
        default_dagster_home.mkdir()  # no dagster.yaml: Dagster's embedded default (SQLite files under it)
        with ThreadPoolExecutor(2) as pool:
            on_postgres = pool.submit(_run_in_own_process, homes["postgres"], pg_dagster_home, pg_env)
            on_default = pool.submit(_run_in_own_process, homes["default"], default_dagster_home, {})
            on_postgres, on_default = on_postgres.result(), on_default.result()

        assert on_postgres["storage"] == "PostgresRunStorage" and on_default["storage"] == "SqliteRunStorage"
        assert on_postgres["runs"] and all(run["success"] for run in on_postgres["runs"] + on_default["runs"])

        # The runs, their events and the asset catalogue are in Postgres.
        url = (
            f"postgresql+psycopg2://{pg_env['DAGSTER_PG_USERNAME']}:{PASSWORD}@127.0.0.1:"
            f"{pg_env['DAGSTER_PG_PORT']}/{pg_env['DAGSTER_PG_DB']}"
        )
        engine = sa.create_engine(url)
        try:
            with engine.connect() as con:
                runs = dict(con.execute(sa.text("SELECT run_id, status FROM runs")).fetchall())
                materialized = {
                    key
                    for (key,) in con.execute(
                        sa.text(
                            "SELECT DISTINCT asset_key FROM event_logs WHERE dagster_event_type = 'ASSET_MATERIALIZATION'"
                        )
                    )
                }
                partitions = {
                    p
                    for (p,) in con.execute(
                        sa.text("SELECT DISTINCT partition FROM event_logs WHERE partition IS NOT NULL")
                    )
                }
                pids = con.execute(
                    sa.text("SELECT count(DISTINCT run_id) FROM run_tags WHERE key = 'dti/pid'")
                ).scalar()
        finally:
            engine.dispose()
        assert runs == {run["run_id"]: "SUCCESS" for run in on_postgres["runs"]}
        assert {
            json.dumps(["marts", "province_rankings"]).replace(" ", ""),
            json.dumps(["staging", "figures"]).replace(" ", ""),
        } <= {k.replace(" ", "") for k in materialized}
        assert partitions == {str(YEAR)}
        # Every run is tagged with the process that ran it, so a run whose process died is found and failed.
        assert pids == len(runs)

        # The same instance as the deployment's daemon would load it: Postgres storage, the queue and its limits.
        os.environ.update(pg_env)
        try:
            with dg.DagsterInstance.from_config(str(pg_dagster_home)) as instance:
                assert type(instance.run_storage).__name__ == "PostgresRunStorage"
                assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
                assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
                assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
                queue = instance.get_concurrency_config().run_queue_config
                assert [dict(limit) for limit in queue.tag_concurrency_limits] == [
                    {"key": "dti/warehouse", "value": "write", "limit": 1}
                ]
                assert instance.run_monitoring_enabled
                assert {run.run_id for run in instance.get_runs()} == set(runs)
        finally:
            for name in pg_env:
                os.environ.pop(name, None)

    ranking = _index_ranking(homes["postgres"])
    assert len(ranking) == 63 and [rank for _, rank, _ in ranking][:3] == [1, 2, 3]
    assert ranking == _index_ranking(homes["default"])
    on_pg, on_default = _marts(homes["postgres"]), _marts(homes["default"])
    assert "province_rankings" in on_pg and all(on_pg[table] for table in ("province_rankings", "index_scores"))
    assert on_pg == on_default
    assert time.monotonic() - started < 600
