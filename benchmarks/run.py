"""`make bench`: every benchmark case in its own process, the figures as JSON and as a markdown table
(BENCHMARKS.md) next to the targets, with the machine described. `--smoke` runs tiny sizes (CI runs it
so the harness cannot rot; no figure is judged then).

    python -m benchmarks.run [--smoke] [--out DIR] [--markdown PATH]
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import click

from sources.home import PROJECT_ROOT

FULL = {
    "make_run": True,
    "index": [
        (3321, 25, 10, "3,321 communes × 25 indicators × 10 years"),
        (100_000, 200, 1, "100,000 units × 200 indicators"),
    ],
    "monte_carlo": [1_000, 10_000, 100_000],
    "ingest": 1_000,
    "repeat": 5,
    "hostile": "all",
}
SMOKE = {
    "make_run": False,
    "index": [(40, 6, 2, "40 units × 6 indicators × 2 years (smoke)")],
    "monte_carlo": [200],
    "ingest": 4,
    "repeat": 2,
    "hostile": ["styled_cell_xfd1048576", "zip_bomb_small"],
}
GIB = 1024
ENGINE = "the index engine (sql/index/engine, as dti score runs it; every thread)"
SOBOL = "Sobol indices of every rank and score, 34 units × 25 indicators (the audit)"
UI_RUN = "one year launched from the UI (GraphQL, queue, daemon, run worker) vs dti run --year"
WHATIF = "dti whatif: one pillar's weight doubled, the latest year ranked again by the engine (demo data)"
WAREHOUSE = "the warehouse marts (the engine + sql/index/provenance, every mart; every thread)"


def _case(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.cases", *args], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise click.ClickException(f"benchmark case {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _load() -> str:
    """The 1, 5 and 15-minute load averages: other work on the machine slows every case."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_kb = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        **{name: version(name) for name in ("duckdb", "polars", "numpy", "pandas", "dagster")},
    }


GROUPS = ("make_run", "index", "monte_carlo", "sobol", "ingest", "hostile")


def run_cases(sizes: dict, scratch: Path, progress, only: tuple[str, ...] = GROUPS) -> list[dict]:
    """Every case of the groups in `only` (make_run includes the UI-launched run), in order."""
    results = []

    def record(group: str, label: str, figures: dict, **extra) -> dict:
        row = {"group": group, "case": label, **figures, **extra}
        results.append(row)
        progress(f"{group:12} {label:60} {figures['seconds']:>8}s {figures['peak_mb']:>8} MB")
        return row

    if sizes["make_run"] and "make_run" in only:
        home = scratch / "make-run" / "data"
        record("make_run", "first run (dti demo && dti run, bundled data)", _case("make-run", "--home", str(home)))
        record("make_run", "repeat run (same inbox)", _case("make-run", "--home", str(home), "--repeat"))
        record("whatif", WHATIF, _case("whatif", "--home", str(home), "--repeat", str(sizes["repeat"])))
        record("dagster", UI_RUN, _case("ui-vs-cli", "--home", str(scratch / "ui-vs-cli" / "data")))
    for units, indicators, years, label in sizes["index"] if "index" in only else []:
        db = scratch / f"index-{units}x{indicators}x{years}.duckdb"
        record(
            "index",
            f"{label}: prepare inputs (not compared)",
            _case(
                "prepare-index",
                "--db",
                str(db),
                "--units",
                str(units),
                "--indicators",
                str(indicators),
                "--years",
                str(years),
            ),
        )
        floor = record(
            "index",
            f"{label}: floor (bare DuckDB aggregate)",
            _case("index-floor", "--db", str(db), "--repeat", str(sizes["repeat"])),
        )
        engines = [
            record(
                "index",
                f"{label}: {what}",
                _case(
                    "index-engine",
                    "--db",
                    str(db),
                    "--indicators",
                    str(indicators),
                    "--engine",
                    engine,
                    "--repeat",
                    str(sizes["repeat"] if engine == "engine" else 1),
                ),
            )
            for engine, what in (("engine", ENGINE), ("warehouse", WAREHOUSE))
        ]
        frames = {
            library: record(
                "index",
                f"{label}: {library} version",
                _case(
                    "index-dataframe",
                    "--db",
                    str(db),
                    "--indicators",
                    str(indicators),
                    "--library",
                    library,
                    "--repeat",
                    str(sizes["repeat"] if library == "polars" else 1),
                ),
            )
            for library in ("polars", "pandas")
        }
        for engine in engines:
            engine["ratio_to_floor"] = round(engine["seconds"] / max(floor["seconds"], 1e-3), 2)
            engine["ratio_to_polars"] = round(engine["seconds"] / max(frames["polars"]["seconds"], 1e-3), 2)
            engine["ratio_to_pandas"] = round(engine["seconds"] / max(frames["pandas"]["seconds"], 1e-3), 2)
        db.unlink(missing_ok=True)
    for samples in sizes["monte_carlo"] if "monte_carlo" in only else []:
        record(
            "monte_carlo",
            f"{samples:,} samples, 34 units × 25 indicators",
            _case("monte-carlo", "--samples", str(samples)),
            samples=samples,
        )
    if "sobol" in only:
        record("sobol", SOBOL, _case("sobol"))
    if "ingest" in only:
        record(
            "ingest",
            f"{sizes['ingest']:,} submission files (half CSV, half Excel), dti run",
            _case("ingest", "--files", str(sizes["ingest"])),
            files=sizes["ingest"],
        )
    from tests.hostile import hostile_files

    kinds = [h.kind for h in hostile_files()] if sizes["hostile"] == "all" else sizes["hostile"]
    for kind in kinds if "hostile" in only else []:
        record(
            "hostile",
            f"hostile file: {kind} (read_submission, own process)",
            _case("hostile-file", "--kind", kind),
            kind=kind,
        )
    return results


def judge(results: list[dict]) -> list[dict]:
    """The targets of the issue against the figures."""
    by = {row["case"]: row for row in results}
    verdicts = []

    def target(name: str, value: float | None, limit: float, unit: str, met: bool | None = None) -> None:
        if value is None:
            return
        verdicts.append(
            {
                "target": name,
                "value": value,
                "limit": limit,
                "unit": unit,
                "met": bool(value <= limit) if met is None else met,
            }
        )

    for row in results:
        if row["group"] == "monte_carlo" and row["samples"] in (10_000, 100_000):
            target(
                f"Monte Carlo {row['samples']:,} samples", row["seconds"], 0.5 if row["samples"] == 10_000 else 3.0, "s"
            )
        if row["case"].endswith(ENGINE) and "100,000 units" in row["case"]:
            target("100,000 × 200 dti score vs the DuckDB floor", row["ratio_to_floor"], 3.0, "×")
            target("100,000 × 200 dti score vs polars", row["ratio_to_polars"], 1.0, "×")
        if row["case"].endswith(WAREHOUSE) and "100,000 units" in row["case"]:
            target("100,000 × 200 warehouse marts vs the DuckDB floor", row["ratio_to_floor"], 10.0, "×")
    sobol = by.get(SOBOL)
    target("Sobol indices for 34 units", sobol and sobol["seconds"], 10.0, "s")
    ui_run = by.get(UI_RUN)
    target("UI-launched one-year run ÷ dti run --year", ui_run and ui_run["ratio"], 1.5, "×")
    whatif = by.get(WHATIF)
    target("dti whatif with one weight doubled: a full ranking", whatif and whatif["seconds"], 1.0, "s")
    repeat = by.get("repeat run (same inbox)")
    target("repeat make run", repeat and repeat["seconds"], 30.0, "s")
    ingest = next((row for row in results if row["group"] == "ingest" and row["files"] == 1_000), None)
    target("1,000 files ingested", ingest and ingest["seconds"], 60.0, "s")
    hostile = [row for row in results if row["group"] == "hostile"]
    if hostile:
        target(
            "peak memory, any hostile file (tests/hostile.py)",
            round(max(row["peak_mb"] for row in hostile) / GIB, 2),
            1.0,
            "GiB",
        )
    # The polars and pandas versions are the yardstick, not the project: their memory is reported, not judged.
    peak = max(row["peak_mb"] for row in results if not row["case"].endswith(("polars version", "pandas version")))
    target("peak memory, every case of the project", round(peak / GIB, 2), 2.0, "GiB")
    return verdicts


def markdown(results: list[dict], verdicts: list[dict], machine: dict, started: str, wall: float) -> str:
    took = f", {wall:.0f} s in all" if wall else ""
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (benchmarks/run.py), started {started}{took}. "
        "Every case runs in its own process; `peak` is that process's peak resident memory (for a "
        "command, its largest child's); where `runs` is noted, `seconds` is the median of that many runs "
        "in the process (`spread`: the fastest and the slowest). All inputs are SYNTHETIC, generated by benchmarks/workloads.py. "
        "Why a target is missed and what would fix it: [docs/performance.md](docs/performance.md).",
        "",
        "## Machine",
        "",
    ]
    lines += [f"- {key}: {value}" for key, value in machine.items()]
    lines += ["", "## Targets", "", "| target | measured | limit | met |", "|---|---:|---:|---|"]
    lines += [
        f"| {v['target']} | {v['value']} {v['unit']} | {v['limit']} {v['unit']} | {'yes' if v['met'] else '**no**'} |"
        for v in verdicts
    ]
    lines += ["", "## Figures", "", "| group | case | seconds | peak MB | notes |", "|---|---|---:|---:|---|"]
    for row in results:
        notes = ", ".join(
            f"{k} {v}" for k, v in row.items() if k not in ("group", "case", "seconds", "peak_mb", "steps")
        )
        lines.append(f"| {row['group']} | {row['case']} | {row['seconds']} | {row['peak_mb']} | {notes} |")
    stepped = [row for row in results if row.get("steps")]
    if stepped:
        lines += [
            "",
            "## The index SQL step by step",
            "",
            "Seconds per SQL file of the last timed run (a view's work counts in the step that reads it).",
            "",
        ]
        for row in stepped:
            lines += [f"**{row['case']}**", "", "| step | seconds |", "|---|---:|"]
            lines += [f"| {step} | {seconds} |" for step, seconds in row["steps"].items()] + [""]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--smoke", is_flag=True, help="Tiny sizes, to check the harness runs (figures not judged).")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=PROJECT_ROOT / "build" / "bench",
    show_default=True,
    help="Where results.json goes.",
)
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where the markdown table goes (default: BENCHMARKS.md for a full run, OUT/BENCHMARKS.md for --smoke).",
)
@click.option(
    "--render-only", is_flag=True, help="Judge and write the markdown again from OUT/results.json, running nothing."
)
@click.option(
    "--only",
    type=click.Choice(GROUPS),
    multiple=True,
    help="Measure these groups again and replace their rows in OUT/results.json (the date of each is noted).",
)
def main(smoke: bool, out: Path, markdown_path: Path | None, render_only: bool, only: tuple[str, ...]) -> None:
    """Run the benchmarks and write their figures."""
    if only:
        saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
        started, smoke, machine, wall = (
            saved["started"],
            saved["smoke"],
            saved["machine"],
            saved.get("wall_seconds", 0.0),
        )
        again = datetime.now(UTC).isoformat(timespec="seconds")
        with tempfile.TemporaryDirectory(prefix="dti-bench-") as scratch:
            fresh = run_cases(SMOKE if smoke else FULL, Path(scratch), click.echo, only)
        kept = [
            row
            for row in saved["results"]
            if row["group"] not in only and not (row["group"] == "dagster" and "make_run" in only)
        ]
        results = kept + [{**row, "measured_again": again} for row in fresh]
        machine = {**machine, f"load average when measured again ({again})": _load()}
    elif render_only:
        saved = json.loads((out / "results.json").read_text(encoding="utf-8"))
        started, smoke, machine, results, wall = (
            saved["started"],
            saved["smoke"],
            saved["machine"],
            saved["results"],
            saved.get("wall_seconds", 0.0),
        )
    else:
        started, clock, load = datetime.now(UTC).isoformat(timespec="seconds"), time.perf_counter(), _load()
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="dti-bench-") as scratch:
            results = run_cases(SMOKE if smoke else FULL, Path(scratch), click.echo)
        machine = {**_machine(), "load average (1, 5, 15 min) at start": load, "at the end": _load()}
        wall = time.perf_counter() - clock
    verdicts = [] if smoke else judge(results)
    (out / "results.json").write_text(
        json.dumps(
            {
                "started": started,
                "smoke": smoke,
                "wall_seconds": round(wall, 1),
                "machine": machine,
                "results": results,
                "targets": verdicts,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    markdown_path = markdown_path or (out / "BENCHMARKS.md" if smoke else PROJECT_ROOT / "BENCHMARKS.md")
    markdown_path.write_text(markdown(results, verdicts, machine, started, wall), encoding="utf-8")
    click.echo(f"wrote {out / 'results.json'} and {markdown_path}")
    for verdict in verdicts:
        click.echo(
            f"  {'met   ' if verdict['met'] else 'MISSED'} {verdict['target']}: {verdict['value']} {verdict['unit']} "
            f"(limit {verdict['limit']} {verdict['unit']})"
        )


if __name__ == "__main__":
    main()
