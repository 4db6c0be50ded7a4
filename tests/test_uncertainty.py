"""Rank uncertainty: intervals on cases with a known answer, the nominal ranks against the index SQL, and
`dti uncertainty`."""

import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from dti.cli import main
from sources.home import PROJECT_ROOT
from sources.index.engine import score_values
from sources.index.methodology import MethodologyError, load_methodology
from sources.index.uncertainty import Problem, Simulation, problem_from_long, rank_uncertainty, tie_groups

DTI_922 = load_methodology(PROJECT_ROOT / "methodology" / "dti-922.yaml")


def _problem(methodology, rows: dict[str, float | list[float]], year=2024) -> Problem:
    indicators = [leaf.code for leaf in methodology.leaves if leaf.valid_in(year)]
    matrix = np.array([[v] * len(indicators) if np.isscalar(v) else v for v in rows.values()], dtype=float)
    return Problem(list(rows), indicators, matrix)


def _with(methodology, **uncertainty):
    return methodology.model_copy(update={"uncertainty": methodology.uncertainty.model_copy(update=uncertainty)})


def _goalpost_values(methodology, share: float, year=2024) -> list[float]:
    """Every indicator at `share` of the way from its worst to its best goalpost."""
    return [
        leaf.goalposts[0] + share * (leaf.goalposts[1] - leaf.goalposts[0])
        for leaf in methodology.leaves
        if leaf.valid_in(year)
    ]


def test_a_province_far_ahead_has_a_zero_width_interval_and_identical_ones_share_theirs(methodology):
    rng = np.random.default_rng(1)
    rows = {"far ahead": _goalpost_values(methodology, 0.99)}
    rows |= {f"middle {i}": _goalpost_values(methodology, 0.45 + rng.uniform(0, 0.1)) for i in range(8)}
    rows |= {
        "twin A": _goalpost_values(methodology, 0.3),
        "twin B": _goalpost_values(methodology, 0.3),
        "far behind": _goalpost_values(methodology, 0.01),
    }
    result = rank_uncertainty(methodology, _problem(methodology, rows), samples=2_000).rows_by_key(
        "unit", named=True, unique=True
    )
    assert (
        result["far ahead"]["rank_p05"],
        result["far ahead"]["rank_p95"],
        result["far ahead"]["interval_width"],
    ) == (1, 1, 0)
    assert result["far ahead"]["tied_with"] is None and result["far ahead"]["most_influential_choice"] is None
    assert (result["far behind"]["rank_p05"], result["far behind"]["rank_p95"]) == (12, 12)
    twins = [result["twin A"], result["twin B"]]
    assert twins[0]["rank"] == twins[1]["rank"] == 10  # competition ranking: both 10th, nobody 11th
    for key in ("median_rank", "rank_p05", "rank_p95", "tie_group"):
        assert twins[0][key] == twins[1][key]
    assert "twin B" in twins[0]["tied_with"] and "twin A" in twins[1]["tied_with"]
    assert len({r["tie_group"] for r in result.values()}) >= 3


def test_no_choice_left_to_draw_means_no_uncertainty(methodology):
    fixed = _with(
        methodology,
        weight_perturbation=0.0,
        normalisations=["goalposts"],
        aggregations=["arithmetic"],
        imputations=["none"],
    )
    rng = np.random.default_rng(7)
    problem = _problem(methodology, {f"u{i}": list(rng.uniform(0, 100, 23)) for i in range(12)})
    result = rank_uncertainty(fixed, problem, samples=500)
    assert (result["rank_p05"] == result["rank"]).all() and (result["rank_p95"] == result["rank"]).all()
    assert result["most_influential_choice"].null_count() == 12


def test_only_the_choice_that_varies_can_move_a_rank(methodology):
    only_normalisation = _with(methodology, weight_perturbation=0.0, aggregations=["arithmetic"], imputations=["none"])
    rng = np.random.default_rng(11)
    problem = _problem(
        methodology, {f"u{i}": list(rng.uniform(0, 100, 23) ** rng.uniform(0.5, 1.5)) for i in range(15)}
    )
    result = rank_uncertainty(only_normalisation, problem, samples=1_000)
    # Only the normalisation is contestable: the other choices get no Sobol index at all.
    assert result.select("sobol_weights", "sobol_aggregation", "sobol_imputation").null_count().row(0) == (15, 15, 15)
    assert set(result["most_influential_choice"].drop_nulls()) == {"normalisation"}
    assert result["sobol_normalisation"].max() > 0


def test_intervals_are_ordered_reproducible_and_within_the_field(methodology):
    rng = np.random.default_rng(3)
    problem = _problem(methodology, {f"u{i}": list(rng.uniform(20, 90, 23)) for i in range(20)})
    first = rank_uncertainty(methodology, problem, samples=3_000)
    assert first.equals(rank_uncertainty(methodology, problem, samples=3_000))
    assert ((first["rank_p05"] <= first["median_rank"]) & (first["median_rank"] <= first["rank_p95"])).all()
    assert first["rank_p05"].min() >= 1 and first["rank_p95"].max() <= 20
    assert (first["samples"] == 3_000).all() and (first["seed"] == methodology.uncertainty.seed).all()
    assert not first.equals(rank_uncertainty(methodology, problem, samples=3_000, seed=1))


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("which", ["default", "dti-922"])
def test_the_nominal_ranks_are_the_index_sqls(which, seed, methodology):
    chosen = methodology if which == "default" else DTI_922
    rng = np.random.default_rng(seed)
    indicators = [leaf for leaf in chosen.leaves if leaf.valid_in(2023)]  # dti-922 is valid 2021-2023
    rows = []
    for unit in range(25):
        for leaf in indicators:
            if rng.uniform() < 0.12:
                continue  # not reported: min_share and renormalised weights come into play
            low, high = sorted(leaf.goalposts)
            rows.append(
                {
                    "unit": f"u{unit:02}",
                    "indicator_code": leaf.code,
                    "value": float(np.round(rng.uniform(low, high + 0.2 * (high - low)), 2)),
                }
            )
    values = pl.DataFrame(rows)
    units = [f"u{unit:02}" for unit in range(25)]
    sql = score_values(values.with_columns(pl.lit(2023).alias("reporting_year")), chosen, units=units)
    published = dict(
        sql["province_rankings"].filter(pl.col("ranking") == "index").select("province_code", "rank").iter_rows()
    )
    nominal = Simulation(chosen, problem_from_long(values, units, [leaf.code for leaf in indicators])).nominal()
    assert {u: (None if np.isnan(r) else int(r)) for u, r in zip(units, nominal)} == {
        u: published.get(u) for u in units
    }


def test_tie_groups_chain_overlapping_intervals():
    units = ["a", "b", "c", "d", "e"]
    low, high = np.array([1, 2, 4, 4, 5.0]), np.array([2, 3, 4, 6, 6.0])
    group, tied = tie_groups(units, low, high, median=np.array([1, 2, 4, 5, 5.0]))
    assert group == [1, 1, 2, 2, 2]
    assert tied == [["b"], ["a"], ["d"], ["c", "e"], ["d"]]


def test_the_methodology_refuses_alternatives_that_cannot_be_drawn(methodology, tmp_path):
    import yaml

    raw = yaml.safe_load((PROJECT_ROOT / "methodology" / "default.yaml").read_text(encoding="utf-8"))
    for change, message in (
        (dict(normalisations=["zscore"], aggregations=["geometric"]), "geometric mean needs positive"),
        (dict(interval=[95, 5]), "uncertainty: Value error, interval [95.0, 5.0] must be [low, high]"),
        (dict(weight_perturbation=1.5), "weight_perturbation"),
    ):
        broken = {**raw, "uncertainty": {**raw["uncertainty"], **change}}
        path = tmp_path / "broken.yaml"
        path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
        with pytest.raises(MethodologyError, match=re.escape(message)):
            load_methodology(path)


def _main_indices(path: Path, rows: list[tuple]) -> Path:
    header = "unit,NT,TC,HT,NL,ATTT,HD_CQS,HD_KTS,HD_XHS\n"
    path.write_text(header + "".join(",".join(map(str, row)) + "\n" for row in rows), encoding="utf-8")
    return path


def test_dti_uncertainty_writes_the_interval_of_every_unit(tmp_path):
    source = _main_indices(
        tmp_path / "main.csv",
        [
            ("Leader", *[0.98] * 8),
            ("B", *[0.5] * 8),
            ("C", *[0.5] * 8),
            ("D", 0.6, 0.4, 0.55, 0.45, 0.5, 0.52, 0.48, 0.5),
            ("Last", *[0.05] * 8),
        ],
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        main, ["uncertainty", "--methodology", "dti-922", str(source), "--samples", "2000", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "5 unit(s), 2000 samples, seed 20250701" in result.output
    table = pl.read_csv(out)
    assert table.columns[:5] == ["unit", "rank", "median_rank", "rank_p05", "rank_p95"]
    rows = table.rows_by_key("unit", named=True, unique=True)
    assert (rows["Leader"]["rank"], rows["Leader"]["rank_p05"], rows["Leader"]["rank_p95"]) == (1, 1, 1)
    assert (rows["Last"]["rank_p05"], rows["Last"]["rank_p95"]) == (5, 5)
    assert rows["B"]["rank_p05"] == rows["C"]["rank_p05"] and rows["B"]["rank_p95"] == rows["C"]["rank_p95"]
    again = CliRunner().invoke(main, ["uncertainty", "--methodology", "dti-922", str(source), "--samples", "2000"])
    assert again.exit_code == 0 and again.stdout == out.read_text(encoding="utf-8")


def test_dti_uncertainty_says_what_is_wrong_with_the_input(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,NT\nA,0.5\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["uncertainty", "--methodology", "dti-922", str(bad)])
    assert result.exit_code == 1 and "no column for indicator(s) TC, HT" in result.output
    result = CliRunner().invoke(main, ["uncertainty", "--samples", "5", str(bad)])
    assert result.exit_code == 2 and "--samples" in result.output
