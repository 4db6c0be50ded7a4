"""One benchmark case per process, so that each peak memory figure is that case's own. Prints one JSON
object: `seconds` (the timed work only), `peak_mb` (the process's, or its children's for commands) and
what was computed. Run by benchmarks/run.py; `python -m benchmarks.cases --help` lists the cases."""

from __future__ import annotations

import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import duckdb

from benchmarks.workloads import (
    floor_duckdb_sql,
    monte_carlo_problem,
    pandas_index,
    polars_index,
    prepare_index_db,
    synthetic_methodology,
    write_submissions,
)
from sources.home import PROJECT_ROOT

# DuckDB's memory limit for the engines (it spills past it), so that each case stays under 2 GiB.
ENGINE_MEMORY = "1200MB"


def _peak_mb(who: int = resource.RUSAGE_SELF) -> float:
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)


def _emit(**figures) -> None:
    click.echo(json.dumps(figures))


def _dti(home: Path, *args: str, blocked_ok: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "DTI_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    done = subprocess.run(
        [sys.executable, "-m", "dti.cli", *args], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    if done.returncode != 0 and not (blocked_ok and "publication blocked" in done.stderr):
        raise click.ClickException(f"dti {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done


@click.group()
def main() -> None:
    """Benchmark cases (each prints one JSON line)."""


@main.command("make-run")
@click.option("--home", type=click.Path(path_type=Path), required=True)
@click.option("--repeat", is_flag=True, help="The home has been run before: time the repeat run.")
def make_run(home: Path, repeat: bool) -> None:
    """`dti demo && dti run` on the bundled data (what `make run` does once installed)."""
    started = time.perf_counter()
    if not repeat:
        _dti(home, "demo")
    done = _dti(home, "run")
    seconds = time.perf_counter() - started
    _emit(
        seconds=round(seconds, 2),
        peak_mb=_peak_mb(resource.RUSAGE_CHILDREN),
        ranked=re.search(r"index: (.*?);", done.stdout).group(1),
    )


@main.command("prepare-index")
@click.option("--db", type=click.Path(path_type=Path), required=True)
@click.option("--units", type=int, required=True)
@click.option("--indicators", type=int, required=True)
@click.option("--years", type=int, required=True)
def prepare_index(db: Path, units: int, indicators: int, years: int) -> None:
    """Write the SYNTHETIC input tables of the index at scale into a DuckDB file."""
    started = time.perf_counter()
    rows = prepare_index_db(db, units, indicators, years)
    _emit(seconds=round(time.perf_counter() - started, 2), peak_mb=_peak_mb(), rows=rows)


def _timed(work, repeat: int) -> dict:
    """Run `work` `repeat` times; the median wall time (the runs' spread is what a single run can't show)."""
    runs, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        runs.append(time.perf_counter() - started)
    figures = {"seconds": round(statistics.median(runs), 3), "result": result}
    if repeat > 1:
        figures["runs"] = repeat
        figures["spread"] = f"{min(runs):.3f}-{max(runs):.3f}"
    return figures


REPEAT = click.option(
    "--repeat", type=int, default=1, show_default=True, help="Time this many runs; report the median."
)


def _connect(db: Path, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    config = {"threads": threads, "memory_limit": ENGINE_MEMORY} if threads else {}
    return duckdb.connect(str(db), config=config)


@main.command("index-engine")
@click.option("--db", type=click.Path(path_type=Path), required=True)
@click.option("--indicators", type=int, required=True)
@click.option(
    "--engine",
    type=click.Choice(["engine", "warehouse"]),
    required=True,
    help="engine: sql/index/engine (scores and ranks), as `dti score` runs it; warehouse: the engine and "
    "sql/index/provenance (every mart), as the pipeline fills them. Both on every thread.",
)
@REPEAT
def index_engine(db: Path, indicators: int, engine: str, repeat: int) -> None:
    """The project's index SQL on the prepared tables."""
    from sources.index.engine import add_provenance, compute_index, load_framework

    methodology = synthetic_methodology(indicators)
    con = _connect(db, os.cpu_count())

    steps: dict[str, float] = {}

    def work() -> int:
        steps.clear()
        load_framework(con, methodology)
        if engine == "engine":
            compute_index(con, methodology, timings=steps)
            started = time.perf_counter()
            ranked = con.execute("SELECT count(rank) FROM engine_scores WHERE ranking = 'index'").fetchall()[0][0]
            steps["engine_scores (the view read)"] = time.perf_counter() - started
            return ranked
        compute_index(con, methodology, keep_leaf_scores=True, timings=steps)
        add_provenance(con, methodology, timings=steps)
        return con.execute("SELECT count(rank) FROM marts.province_rankings WHERE ranking = 'index'").fetchall()[0][0]

    figures = _timed(work, repeat)
    con.close()
    _emit(peak_mb=_peak_mb(), ranked=figures.pop("result"), steps={k: round(v, 3) for k, v in steps.items()}, **figures)


@main.command("index-floor")
@click.option("--db", type=click.Path(path_type=Path), required=True)
@REPEAT
def index_floor(db: Path, repeat: int) -> None:
    """The floor: one grouped aggregate over the same values in DuckDB (all threads)."""
    con = _connect(db)
    figures = _timed(lambda: len(con.execute(floor_duckdb_sql()).fetchall()), repeat)
    con.close()
    _emit(peak_mb=_peak_mb(), groups=figures.pop("result"), **figures)


@main.command("index-dataframe")
@click.option("--db", type=click.Path(path_type=Path), required=True)
@click.option("--indicators", type=int, required=True)
@click.option("--library", type=click.Choice(["polars", "pandas"]), required=True)
@REPEAT
def index_dataframe(db: Path, indicators: int, library: str, repeat: int) -> None:
    """The same arithmetic as a user would write it in polars or pandas (reading the table is not timed)."""
    from sources.warehouse.tables import query_frame

    methodology = synthetic_methodology(indicators)
    con = _connect(db)
    values = query_frame(con, "SELECT province_code AS unit, indicator_code, reporting_year, value FROM values_in")
    con.close()
    figures = _timed(lambda: len((polars_index if library == "polars" else pandas_index)(values, methodology)), repeat)
    _emit(peak_mb=_peak_mb(), ranked=figures.pop("result"), **figures)


@main.command("monte-carlo")
@click.option("--samples", type=int, required=True)
@click.option("--units", type=int, default=34, show_default=True)
@click.option("--indicators", type=int, default=25, show_default=True)
def monte_carlo(samples: int, units: int, indicators: int) -> None:
    """Rank intervals (sources/index/uncertainty.py: the Monte Carlo) for units × indicators. The Sobol
    indices it reports beside them are computed before the clock starts: the `sobol` case times them."""
    from sources.index.uncertainty import rank_sobol, rank_uncertainty

    methodology = synthetic_methodology(indicators)
    problem = monte_carlo_problem(units, indicators)
    sobol = rank_sobol(methodology, problem)
    rank_uncertainty(methodology, problem, samples=100, sobol=sobol)  # NumPy's first call pays its own start-up
    started = time.perf_counter()
    result = rank_uncertainty(methodology, problem, samples=samples, sobol=sobol)
    seconds = time.perf_counter() - started
    _emit(seconds=round(seconds, 3), peak_mb=_peak_mb(), median_width=float(result["interval_width"].median()))


@main.command("sobol")
@click.option("--units", type=int, default=34, show_default=True)
@click.option("--indicators", type=int, default=25, show_default=True)
def sobol(units: int, indicators: int) -> None:
    """The Sobol indices (sources/index/uncertainty.py: rank_sobol, in the audit and the rank intervals) of every unit's rank and score for each
    contestable choice, with their bootstrap intervals, at the methodology's sample size."""
    from sources.index.uncertainty import rank_sobol

    methodology = synthetic_methodology(indicators)
    problem = monte_carlo_problem(units, indicators)
    started = time.perf_counter()
    result = rank_sobol(methodology, problem)
    seconds = time.perf_counter() - started
    _emit(
        seconds=round(seconds, 3), peak_mb=_peak_mb(), rows=result.height, evaluations=int(result["evaluations"].max())
    )


@main.command("ingest")
@click.option("--files", type=int, required=True)
def ingest(files: int) -> None:
    """`dti run` on an inbox of SYNTHETIC submissions of one year, half CSV and half Excel."""
    with tempfile.TemporaryDirectory(prefix="dti-bench-") as folder:
        home = Path(folder) / "data"
        write_submissions(home / "inbox", files)
        an_hour_ago = time.time() - 3600  # complete files, as after an upload: no settle wait is measured
        for path in (home / "inbox").iterdir():
            os.utime(path, (an_hour_ago, an_hour_ago))
        started = time.perf_counter()
        # A few files cover too few provinces for the coverage check (ERROR): ingestion is still measured.
        done = _dti(home, "run", blocked_ok=True)
        seconds = time.perf_counter() - started
    staged = re.search(r"^(\d+): (\d+) figures", done.stdout, re.MULTILINE)
    _emit(
        seconds=round(seconds, 2),
        peak_mb=_peak_mb(resource.RUSAGE_CHILDREN),
        figures=int(staged.group(2)),
        published="published:" in done.stdout,
    )


@main.command("ui-vs-cli")
@click.option("--home", type=click.Path(path_type=Path), required=True)
@click.option("--year", default="2024", show_default=True)
def ui_vs_cli(home: Path, year: str) -> None:
    """One reporting year run both ways on the same data home: `dti run --year` and the `dti_pipeline` job
    launched as the UI launches it (GraphQL on `dti ui`: run queue, daemon, run worker process). Each is timed
    from launch to the end of the run; the UI side is timed once the webserver and daemon are up."""
    from dagster_graphql import DagsterGraphQLClient

    from tests.processes import running_ui

    _dti(home, "demo")
    _dti(home, "run")  # the data home as `make run` leaves it
    started = time.perf_counter()
    _dti(home, "run", "--year", year)
    cli_seconds = time.perf_counter() - started

    with running_ui(home, startup_seconds=300) as port:
        client = DagsterGraphQLClient("127.0.0.1", port_number=port)
        started = time.perf_counter()
        run_id = client.submit_job_execution("dti_pipeline", tags={"dagster/partition": year, "trigger": "benchmark"})
        while (status := client.get_run_status(run_id).value) not in ("SUCCESS", "FAILURE", "CANCELED"):
            time.sleep(0.5)
        ui_seconds = time.perf_counter() - started
    if status != "SUCCESS":
        raise click.ClickException(f"the UI-launched run {run_id} ended {status}")
    _emit(
        seconds=round(ui_seconds, 2),
        cli_seconds=round(cli_seconds, 2),
        ratio=round(ui_seconds / cli_seconds, 2),
        peak_mb=_peak_mb(resource.RUSAGE_CHILDREN),
        year=year,
    )


@main.command("whatif")
@click.option("--home", type=click.Path(path_type=Path), required=True, help="A data home after `dti run`.")
@click.option("--repeat", type=int, default=5, show_default=True)
def whatif(home: Path, repeat: int) -> None:
    """`dti whatif --weight index.<first pillar>=2` on the latest year of a published copy: the two rankings
    computed by the engine in the process (`seconds`, the median of `repeat` runs; the published values read
    once), and the whole command in a new process (`command_seconds`: Python start-up and imports included)."""
    from sources.home import methodology_path
    from sources.index.methodology import load_methodology
    from sources.index.whatif import Changes, published_values, what_if

    methodology = load_methodology(methodology_path())
    pillar = methodology.pillars[0].code
    with duckdb.connect(str(home / "published" / "dti.duckdb"), read_only=True) as con:
        [(year,)] = con.execute("SELECT max(reporting_year) FROM marts.index_scores").fetchall()
        values, units = published_values(con, year)
    changes = Changes(multiply_weights={methodology.index.code: {pillar: 2}})
    timed = _timed(lambda: what_if(values, units, methodology, year, changes)[0].height, repeat)
    started = time.perf_counter()
    _dti(home, "whatif", "--year", str(year), "--weight", f"{methodology.index.code}.{pillar}=2")
    command_seconds = time.perf_counter() - started
    _emit(**timed, command_seconds=round(command_seconds, 2), year=year, peak_mb=_peak_mb())


@main.command("hostile-file")
@click.option("--kind", required=True, help="A kind of tests/hostile.py (e.g. zip_bomb, styled_cell_xfd1048576).")
def hostile_file(kind: str) -> None:
    """Read one hostile file as the pipeline does, in a fresh process capped at 1.5 GiB of address space:
    seconds, that process's peak memory (target under 1 GiB) and the rule it was refused by. Building the
    file is not measured."""
    from tests.hostile import by_kind, read_in_child

    hostile = by_kind(kind)
    with tempfile.TemporaryDirectory(prefix="dti-bench-hostile-") as folder:
        path = hostile.build(Path(folder))
        size = path.stat().st_size
        [figures] = read_in_child([path], memory_limit_mb=1536)
    # A file the reader reads (its problem is a row rule, found by staging) counts; a wrong reader rule does not.
    if figures["rule"] not in (hostile.rule, None):
        raise click.ClickException(f"{kind}: expected rule {hostile.rule}, got {figures['rule']}: {figures['message']}")
    _emit(seconds=figures["seconds"], peak_mb=figures["peak_mb"], rule=figures["rule"], bytes=size)


if __name__ == "__main__":
    main()
