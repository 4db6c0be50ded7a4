"""What-if (sources/index/whatif.py): the changes are applied to a validated copy of the methodology and the
engine ranks again; no change gives the same ranking (Spearman 1), a doubled weight is the engine's own
answer with that weight written in the methodology, and a change the methodology refuses is refused."""

import duckdb
import numpy as np
import polars as pl
import pytest

from sources.index.engine import score
from sources.index.methodology import Methodology
from sources.index.whatif import (
    Changes,
    WhatIfError,
    apply_changes,
    published_values,
    values_from_frames,
    what_if,
    what_if_text,
)
from sources.release.releases import releases
from tests.conftest import dti_command

YEAR = 2024
UNITS = [f"U{i:02}" for i in range(15)]


@pytest.fixture(scope="module")
def values(methodology) -> pl.DataFrame:
    """SYNTHETIC values of every leaf valid in 2024 for 15 units."""
    rng = np.random.default_rng(21)
    leaves = [leaf for leaf in methodology.leaves if leaf.valid_in(YEAR)]
    return pl.DataFrame(
        [
            {
                "unit": u,
                "reporting_year": YEAR,
                "indicator_code": leaf.code,
                "value": float(rng.uniform(*sorted(leaf.goalposts))),
            }
            for u in UNITS
            for leaf in leaves
        ],
        schema_overrides={"reporting_year": pl.Int32},
    )


UNIT_TABLE = pl.DataFrame({"province_code": UNITS, "province_name": [f"Unit {u}" for u in UNITS]})


def test_no_change_gives_the_same_ranking(methodology, values):
    table, rho = what_if(values, UNIT_TABLE, methodology, YEAR, Changes())
    assert table.height == len(UNITS) and rho == pytest.approx(1.0)
    assert (table["score_after"] == table["score_before"]).all() and (table["rank_shift"] == 0).all()


def test_a_doubled_weight_is_the_engines_answer_with_that_weight_written(methodology, values):
    node, child = "index", next(iter(methodology.index.children))
    table, rho = what_if(values, UNIT_TABLE, methodology, YEAR, Changes(multiply_weights={node: {child: 2}}))
    raw = methodology.model_dump()
    raw["index"]["children"][child] *= 2
    expected = score(values, Methodology.model_validate(raw), UNITS).filter(pl.col("ranking") == "index")
    joined = table.join(expected, on="province_code")
    assert (joined["score_after"] == joined["score"]).all() and (joined["rank_after"] == joined["rank"]).all()
    assert (table["score_after"] != table["score_before"]).any()
    assert -1 <= rho <= 1
    text = what_if_text(table, rho, YEAR, Changes(multiply_weights={node: {child: 2}}))
    assert f"index.{child} × 2" in text and all(f"Unit {u}" in text for u in UNITS)


def test_exclude_switch_methods_and_change_values(methodology, values):
    leaf = methodology.leaves[0].code
    changes = Changes(
        exclude=[leaf],
        normalisation="minmax",
        aggregation="geometric",
        values={"U03": {methodology.leaves[1].code: 0.0}},
    )
    changed = apply_changes(methodology, changes)
    assert leaf not in {c for n in changed.nodes for c in n.children}
    assert {n.aggregation for n in changed.nodes} == {"geometric"} and changed.normalisation == "minmax"
    assert methodology.leaves[0].code == leaf, "the methodology itself is never changed"
    table, _ = what_if(values, UNIT_TABLE, methodology, YEAR, changes)
    assert table["rank_after"].null_count() == 0
    better = Changes(values={"U03": {c.code: c.goalposts[1] for c in methodology.leaves}})
    table, _ = what_if(values, UNIT_TABLE, methodology, YEAR, better)
    assert table.filter(pl.col("province_code") == "U03")["rank_after"][0] == 1


def test_changes_that_cannot_apply_are_refused(methodology, values):
    with pytest.raises(WhatIfError, match="no node 'nowhere'"):
        apply_changes(methodology, Changes(weights={"nowhere": {"x": 1}}))
    with pytest.raises(WhatIfError, match="not in the framework"):
        apply_changes(methodology, Changes(exclude=["not_an_indicator"]))
    with pytest.raises(WhatIfError, match="refused"):
        apply_changes(methodology, Changes(normalisation="zscore", aggregation="geometric"))
    with pytest.raises(WhatIfError, match="no unit U99"):
        what_if(values, UNIT_TABLE, methodology, YEAR, Changes(values={"U99": {"x": 1.0}}))


def test_dti_whatif_with_one_weight_doubled_ranks_every_unit_on_the_demo_run(published_home):
    done = dti_command(published_home.root, "whatif", "--year", "2025", "--weight", "index.government=2")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "index.government × 2" in done.stdout and "Spearman" in done.stdout
    header = next(i for i, line in enumerate(lines) if line.lstrip().startswith("hạng mới/new"))
    assert len(lines) - header - 1 == 34, "the full ranking of the 34 units"
    # each new rank with its interval under the changed methodology (5th-95th percentile of the Monte Carlo)
    assert "khoảng hạng/interval" in lines[header]
    for line in lines[header + 1 :]:
        interval = next(part for part in line.split() if "–" in part)
        low, high = (int(x) for x in interval.split("–"))
        assert 1 <= low <= high <= 34, line
    refused = dti_command(published_home.root, "whatif", "--year", "2025", "--weight", "index.nowhere=2")
    assert refused.returncode == 1 and "has no child 'nowhere'" in refused.stderr


def test_dti_whatif_refuses_a_changes_file_it_cannot_read_in_words(published_home, tmp_path):
    """A broken or ambiguous changes file is refused with what is wrong and where, never a traceback."""
    for text, said in (
        ("exclude: [a\n  b: c\n", "expected ',' or ']'"),
        ("exclude: [dx_districts_pct]\nexclude: []\n", "key 'exclude' written twice"),
    ):
        path = tmp_path / "changes.yaml"
        path.write_text(text, encoding="utf-8")
        done = dti_command(published_home.root, "whatif", "--year", "2025", "--changes", str(path))
        assert done.returncode == 1 and said in done.stderr and "Traceback" not in done.stderr, done.stderr
        assert "không đọc được YAML / not readable YAML" in done.stderr


def test_two_methodologies_side_by_side_are_the_engines_two_rankings(methodology, values):
    raw = methodology.model_dump()
    raw["version"] = methodology.version + "-geometric"
    for node in [raw["index"], *raw["pillars"]]:
        node["aggregation"] = "geometric"
    other = Methodology.model_validate(raw)
    table, rho = what_if(values, UNIT_TABLE, methodology, YEAR, Changes(), against=other)
    expected = score(values, other, UNITS).filter(pl.col("ranking") == "index")
    joined = table.join(expected, on="province_code")
    assert (joined["score_after"] == joined["score"]).all() and (joined["rank_after"] == joined["rank"]).all()
    assert (table["score_after"] < table["score_before"]).all()  # a geometric mean is below the arithmetic one
    text = what_if_text(table, rho, YEAR, Changes(), (methodology.version, other.version))
    assert f"{methodology.version} → mới / new {other.version}" in text


def test_a_releases_files_give_the_inputs_the_published_copy_gives(published_home):
    """The portal's what-if reads a release's ranking and indicator values, never the warehouse: for every
    year, the values (with the earlier years of the same unit set) and the units are the published copy's."""
    (release,) = releases(published_home.exports)
    years = release.manifest["reporting_years"]
    rankings = {y: release.table("ranking", y) for y in years}
    frames = {y: release.table("indicator_values", y) for y in years}
    with duckdb.connect(str(published_home.published), read_only=True) as con:
        for year in years:
            values, units = values_from_frames(year, rankings, frames)
            expected_values, expected_units = published_values(con, year)
            assert values.sort(pl.all()).equals(expected_values.sort(pl.all())), year
            assert units.equals(expected_units), year
    with pytest.raises(WhatIfError, match="no reporting year 1999"):
        values_from_frames(1999, rankings, frames)
