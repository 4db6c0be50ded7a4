"""The benchmark harness in its smoke version (tiny sizes): every case runs and reports its figures, so
`make bench` cannot rot. No timing is asserted here; the figures live in BENCHMARKS.md."""

import json
import subprocess
import sys

from sources.home import PROJECT_ROOT


def test_the_smoke_benchmark_runs_every_case_and_writes_json_and_markdown(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--smoke", "--out", str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert report["smoke"] is True and report["machine"]["cores"] >= 1 and report["machine"]["duckdb"]
    groups = {row["group"] for row in report["results"]}
    assert groups == {"index", "monte_carlo", "sobol", "ingest", "hostile"}
    assert all(row["seconds"] >= 0 and row["peak_mb"] > 0 for row in report["results"])
    engine = next(row for row in report["results"] if "the index engine" in row["case"])
    warehouse = next(row for row in report["results"] if "the warehouse marts" in row["case"])
    floor = next(row for row in report["results"] if "floor" in row["case"])
    # The engine alone and with the provenance rank the same units (min_share leaves some unranked); medians
    # of repeated runs are marked.
    assert engine["ranked"] == warehouse["ranked"] > 0 and floor["groups"] == 80
    assert engine["ratio_to_floor"] > 0 and engine["runs"] == floor["runs"] == 2
    ingest = next(row for row in report["results"] if row["group"] == "ingest")
    assert ingest["files"] == 4 and ingest["figures"] > 0
    hostile = {row["kind"]: row for row in report["results"] if row["group"] == "hostile"}
    assert set(hostile) == {"styled_cell_xfd1048576", "zip_bomb_small"}
    assert (
        hostile["styled_cell_xfd1048576"]["rule"] == "sheet_too_large"
        and hostile["zip_bomb_small"]["rule"] == "workbook_too_large"
    )
    table = (tmp_path / "BENCHMARKS.md").read_text(encoding="utf-8")
    assert "## Machine" in table and table.count("\n| index |") == 6
