"""A snapshot of the asset graph as the UI shows it: every asset's key, group, partitioning, upstream
assets and the checks hung on it (with whether each blocks); and the tables of its metadata panel. A change to any of them fails this test
until the snapshot is refreshed on purpose, so a moved check or a lost dependency is seen in review.

Refresh after an intended change, then review the diff of tests/snapshots/asset_specs.json:

    UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_specs.py
"""

import json
import os
import re
from pathlib import Path

import dagster as dg
import polars as pl

from assets.metadata import markdown_table
from pipelines.definitions import defs

SNAPSHOT = Path(__file__).parent / "snapshots" / "asset_specs.json"


def asset_specs(definitions: dg.Definitions) -> dict[str, dict]:
    graph = definitions.resolve_asset_graph()
    checks: dict[str, list[dict]] = {}
    for assets_def in graph.assets_defs:
        for spec in assets_def.check_specs:
            checks.setdefault(spec.asset_key.to_user_string(), []).append(
                {"name": spec.name, "blocking": spec.blocking}
            )
    return {
        spec.key.to_user_string(): {
            "group": spec.group_name,
            "partitioned": spec.partitions_def is not None,
            "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
            "checks": sorted(checks.get(spec.key.to_user_string(), []), key=lambda c: c["name"]),
        }
        for spec in sorted(definitions.resolve_all_asset_specs(), key=lambda s: s.key.to_user_string())
    }


def test_asset_specs_match_the_snapshot():
    current = asset_specs(defs)
    text = json.dumps(current, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1":
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert SNAPSHOT.exists(), f"no snapshot yet: UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest {Path(__file__).name}"
    assert json.loads(SNAPSHOT.read_text(encoding="utf-8")) == current, (
        "the asset graph changed; if intended: UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest tests/test_asset_specs.py "
        "and review the diff of tests/snapshots/asset_specs.json"
    )


def test_checks_hang_on_the_asset_they_check():
    specs = asset_specs(defs)
    names = {key: {c["name"] for c in spec["checks"]} for key, spec in specs.items()}
    assert {
        "figures_match_contract",
        "provinces_report_enough_indicators",
        "indicators_reported_by_enough_provinces",
        "submissions_are_not_duplicated",
    } <= names["staging/figures"]
    assert names["staging/rejected_rows"] == {"quarantine_is_complete"}
    assert names["staging/figure_flags"] == {"values_change_plausibly", "staged_years_passed_their_checks"}
    assert specs["staging/figures"]["partitioned"] and not specs["staging/figure_flags"]["partitioned"]
    # The gate: every mart and export is built from staging/figure_flags, whose cross-year gate always blocks.
    assert next(c for c in specs["staging/figure_flags"]["checks"] if c["name"] == "staged_years_passed_their_checks")[
        "blocking"
    ]

    def upstream(key: str) -> set[str]:
        direct = set(specs[key]["deps"])
        return direct.union(*(upstream(dep) for dep in direct if dep in specs))

    downstream = [key for key in specs if key.startswith(("marts/", "exports/"))]
    assert len(downstream) >= 10 and all("staging/figure_flags" in upstream(key) for key in downstream)


def test_a_table_in_the_asset_panel_keeps_its_columns_when_a_heading_holds_a_bar():
    """The audit's headings are bilingual ("Nút | Node"): an unescaped bar would add a column in the UI."""
    lines = markdown_table(pl.DataFrame({"Nút | Node": ["Kinh tế số"], "alpha": [0.9]})).value.splitlines()
    columns = [len(re.findall(r"(?<!\\)\|", line)) - 1 for line in lines]
    assert columns == [2, 2, 2], lines
