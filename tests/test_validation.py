"""Every dataset rule fails when its property is broken: pandera contracts, Great Expectations suites,
WARN flags, severity from configuration, and the blocking gate in a real Dagster run."""

from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import pytest
import yaml

from assets.checks import build_checks
from assets.marts import index_marts, target_gaps
from assets.raw import submission_files, submissions
from assets.reference import reference_assets
from assets.resources import build_resources
from assets.staging import figure_flags, staged_figures
from expectations import contracts, frames
from expectations.gx_suites import run_suite, suite_names
from expectations.plausibility import figure_flags as flag_figures
from sources.home import methodology_path
from sources.index.engine import score_values
from sources.index.methodology import load_methodology
from sources.intake.rules import RULES_FILE, RulesError, default_rules, load_rules
from sources.intake.staging import FIGURE_SCHEMA, REJECT_SCHEMA
from tests.conftest import csv_file

ASSETS = [*reference_assets, submission_files, submissions, staged_figures, figure_flags, index_marts, target_gaps]


def _figure(year, code, indicator, value, unit_set=None, name="P", unit="percent", **extra):
    row = {
        "reporting_year": year,
        "unit_set": unit_set or ("34" if year >= 2025 else "63"),
        "province_code": code,
        "province_name": name,
        "indicator_code": indicator,
        "value": float(value),
        "unit": unit,
        "is_synthetic": True,
        "file_name": "f.csv",
        "row_number": 2,
        "file_sha256": "0" * 64,
    } | extra
    return row


def _figures(rows) -> pl.DataFrame:
    frame = pl.DataFrame(rows)
    return frame.select(
        [pl.col(c).cast(t) if c in frame.columns else pl.lit(None, dtype=t).alias(c) for c, t in FIGURE_SCHEMA.items()]
    )


def _checks(frame, schema):
    return set(contracts.violations(schema, frame)["check"].to_list())


# ---- pandera contracts ------------------------------------------------------------------------------


def test_staged_figures_contract_passes_good_rows(methodology, register):
    good = _figures([_figure(2024, "46", "fibre_household_pct", 85), _figure(2025, "46", "fibre_household_pct", 90)])
    assert contracts.violations(contracts.staged_figures(methodology, register), good).height == 0


@pytest.mark.parametrize(
    ("row", "check"),
    [
        (
            _figure(2024, "46", "fibre_household_pct", 150),
            "value within the indicator's domain (percent 0–100, counts ≥ 0, rates in band)",
        ),
        (
            _figure(2024, "46", "digital_enterprises_count", -1, unit="count"),
            "value within the indicator's domain (percent 0–100, counts ≥ 0, rates in band)",
        ),
        (
            _figure(2024, "46", "labour_productivity_growth_pct", 80, unit="percent_per_year"),
            "value within the indicator's domain (percent 0–100, counts ≥ 0, rates in band)",
        ),
        (_figure(2024, "46", "fibre_household_pct", 50, unit="count"), "the catalogue unit of the indicator"),
        (
            _figure(2025, "46", "fibre_household_pct", 50, unit_set="63"),
            "63 former units up to 2024, 34 units from 2025",
        ),
        (_figure(2024, "99", "fibre_household_pct", 50), "a province code of its unit set"),
        (_figure(2025, "46", "records_online_district_pct", 50), "an indicator valid in the reporting year"),
        (
            _figure(2024, "46", "digital_enterprises_per_1000", 1, unit="per_1000_people"),
            "a reported indicator of the catalogue",
        ),
    ],
)
def test_staged_figures_contract_catches_each_violation(methodology, register, row, check):
    assert check in _checks(_figures([row]), contracts.staged_figures(methodology, register))


def test_staged_figures_contract_keys_province_year_indicator(methodology, register):
    twice = _figures([_figure(2024, "46", "fibre_household_pct", 85)] * 2)
    assert "multiple_fields_uniqueness" in _checks(twice, contracts.staged_figures(methodology, register))


def test_raw_and_quarantine_contracts():
    raw = pl.DataFrame(
        {
            "reporting_year": [2024, 2024],
            "file_sha256": ["a" * 64, "a" * 64],
            "file_name": ["x", "x"],
            "sheet": [None, None],
            "row_number": [2, 2],
        },
        schema_overrides={"reporting_year": pl.Int32, "row_number": pl.Int32, "sheet": pl.String},
    )
    assert "multiple_fields_uniqueness" in _checks(raw, contracts.raw_submissions())
    rejects = pl.DataFrame(
        [
            {
                "rule": "no_such_rule",
                "severity": "ERROR",
                "message": "something",
                "message_vi": None,
                "file_name": "x",
                "expected": "y",
            }
        ],
        schema={
            c: REJECT_SCHEMA.get(c, pl.String)
            for c in ("rule", "severity", "message", "message_vi", "file_name", "expected")
        },
    )
    found = contracts.violations(contracts.rejected_rows(default_rules()), rejects)
    assert set(found["column"].to_list()) >= {"rule", "message_vi"}


def _official(values: dict[str, float]) -> tuple:
    methodology = load_methodology(methodology_path("dti-922"))
    leaves = [leaf.code for leaf in methodology.leaves]
    frame = pl.DataFrame(
        [{"unit": unit, "indicator_code": code, "value": value} for unit, value in values.items() for code in leaves]
    )
    return score_values(frame, methodology), methodology


def test_marts_contract_catches_out_of_range_scores_and_ranks():
    result, methodology = _official({"A": 0.1, "B": 0.9})
    schemas = contracts.marts(methodology)
    assert contracts.violations(schemas["province_rankings"], result["province_rankings"]).height == 0
    broken = result["province_rankings"].with_columns(pl.col("rank") + 5)
    assert "rank ≤ number of units ranked" in _checks(broken, schemas["province_rankings"])
    scores = result["indicator_scores"].with_columns(pl.lit(1.5).alias("score"))
    assert "a score from 0 to 1 (z-scores excepted)" in _checks(scores, schemas["indicator_scores"])


# ---- Great Expectations suites ----------------------------------------------------------------------


def test_every_suite_is_a_file_and_each_has_a_check():
    assert suite_names() == sorted(
        [
            "provinces_report_enough_indicators",
            "indicators_reported_by_enough_provinces",
            "values_change_plausibly",
            "submissions_are_not_duplicated",
            "rankings_are_sane",
        ]
    )
    assert set(suite_names()) <= set(default_rules().checks)


def _suite(tmp_path, name, frame, parameters=None):
    return run_suite(name, frame, parameters, tmp_path / "validation")


def test_coverage_suites_fail_below_the_methodology_thresholds(tmp_path, methodology, register):
    few = _figures([_figure(2024, "46", i.code, 50, unit=i.unit) for i in methodology.reported_in(2024)[:5]])
    by_province = _suite(
        tmp_path,
        "provinces_report_enough_indicators",
        frames.province_coverage(few, methodology, register),
        {"min_indicator_share_per_province": 0.6},
    )
    assert not by_province.success and by_province.failed_rows == 63  # Huế: 5 of 23; the 62 others: none
    by_indicator = _suite(
        tmp_path,
        "indicators_reported_by_enough_provinces",
        frames.indicator_coverage(few, methodology, register),
        {"min_province_share_per_indicator": 0.6},
    )
    assert not by_indicator.success and by_indicator.failed_rows == len(methodology.reported_in(2024))
    assert by_indicator.docs_index.exists()
    everyone = _figures(
        [
            _figure(2024, u.code, i.code, 50, unit=i.unit)
            for u in register.in_set("63")
            for i in methodology.reported_in(2024)
        ]
    )
    assert _suite(
        tmp_path,
        "indicators_reported_by_enough_provinces",
        frames.indicator_coverage(everyone, methodology, register),
        {"min_province_share_per_indicator": 0.6},
    ).success


def _history(jump_to: float) -> pl.DataFrame:
    rows = []
    for code in [f"{n:02}" for n in range(1, 21)]:
        for year, value in zip(range(2021, 2025), (40, 41, 42, 43)):
            rows.append(_figure(year, code, "fibre_household_pct", value + int(code) % 3, name=f"P{code}"))
    rows[-1] = _figure(2024, "20", "fibre_household_pct", jump_to, name="P20")
    return _figures(rows)


def test_plausibility_flags_a_jump_against_the_national_spread_and_own_history(tmp_path):
    rules = default_rules()
    parameters = {"min_change_z": -6.0, "max_change_z": 6.0, "max_own_change_ratio": 4.0}
    calm = _suite(tmp_path, "values_change_plausibly", frames.plausibility(_history(44), rules, set()), parameters)
    assert calm.success
    jumpy = _suite(tmp_path, "values_change_plausibly", frames.plausibility(_history(95), rules, set()), parameters)
    assert not jumpy.success and {r["province_name"] for f in jumpy.failures for r in f["rows"]} == {"P20"}
    flags = flag_figures(_history(95), pl.DataFrame(schema=REJECT_SCHEMA), rules, set())
    assert flags.select("province_name", "reporting_year", "rule", "severity").rows() == [
        ("P20", 2024, "implausible_change", "WARN")
    ]
    assert flags["message"][0].startswith("changed from 44.0 to 95.0 since the previous year")


def test_duplicate_submission_suite_and_flag(tmp_path):
    figures = _figures(
        [
            _figure(
                2024,
                "46",
                "fibre_household_pct",
                85,
                name="Thừa Thiên Huế",
                file_name="later.csv",
                file_sha256="b" * 64,
            )
        ]
    )
    rejects = (
        pl.DataFrame(
            [
                {
                    "reporting_year": 2024,
                    "file_sha256": "a" * 64,
                    "file_name": "earlier.csv",
                    "rule": "superseded_by_later_file",
                    "province_raw": "Thừa Thiên Huế",
                    "indicator_raw": "fibre_household_pct",
                }
            ]
        )
        .cast({"reporting_year": pl.Int32})
        .select(
            [
                pl.col(c)
                if c in ("reporting_year", "file_sha256", "file_name", "rule", "province_raw", "indicator_raw")
                else pl.lit(None, dtype=t).alias(c)
                for c, t in REJECT_SCHEMA.items()
            ]
        )
    )
    result = _suite(tmp_path, "submissions_are_not_duplicated", frames.submissions(figures, rejects))
    assert not result.success and result.failures[0]["column"] == "files_received"
    flags = flag_figures(figures, rejects, default_rules(), set())
    assert flags["message"].to_list() == ["sent twice: later.csv (received later) counts over earlier.csv"]
    assert _suite(tmp_path, "submissions_are_not_duplicated", frames.submissions(figures, rejects.clear())).success


def test_rankings_suite_catches_a_wrong_or_missing_rank(tmp_path):
    result, methodology = _official({"A": 0.1, "B": 0.9, "C": 0.9})
    frame = lambda rankings: frames.rankings(result["index_scores"], result["pillar_scores"], rankings, methodology, 4)  # noqa: E731
    assert _suite(tmp_path, "rankings_are_sane", frame(result["province_rankings"])).success
    dense = result["province_rankings"].with_columns(
        pl.when(pl.col("rank") == 3).then(2).otherwise(pl.col("rank")).alias("rank")
    )
    assert not _suite(tmp_path, "rankings_are_sane", frame(dense)).success
    missing = result["province_rankings"].filter(pl.col("province_code") != "A")
    failed = _suite(tmp_path, "rankings_are_sane", frame(missing))
    assert not failed.success and failed.failures[0]["expectation"] == "expect_column_values_to_not_be_null"


# ---- severity is configuration ----------------------------------------------------------------------


def _rules_file(tmp_path, change) -> Path:
    raw = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_warn_is_refused_for_a_rule_whose_row_has_no_value(tmp_path):
    path = _rules_file(tmp_path, lambda raw: raw["row_rules"]["unreadable_number"].update(severity="WARN"))
    with pytest.raises(RulesError, match="row rule unreadable_number: WARN is not possible"):
        load_rules(path)
    missing = _rules_file(tmp_path, lambda raw: raw["checks"].pop("rankings_are_sane"))
    with pytest.raises(RulesError, match="missing \\['rankings_are_sane'\\]"):
        load_rules(missing)


def test_out_of_domain_as_warn_keeps_the_value_with_a_flag(tmp_path, methodology, register):
    from sources.intake.staging import rows_frame, stage
    from sources.intake.submissions import read_submission

    path = csv_file(tmp_path / "f.csv", [("Huế", 2024, "fibre_household_pct", "150", "%")])
    raw = rows_frame(read_submission(path), 2024, "0" * 64, "f.csv", None)
    strict = stage(raw, 2024, methodology, register, default_rules())
    assert strict.figures.height == 0 and strict.rejects["rule"].to_list() == ["out_of_domain"]
    lenient = load_rules(_rules_file(tmp_path, lambda raw: raw["row_rules"]["out_of_domain"].update(severity="WARN")))
    kept = stage(raw, 2024, methodology, register, lenient)
    assert kept.rejects.height == 0
    assert kept.figures["flags"].to_list() == [
        "out_of_domain: 150 is outside the possible range [0, 100] of fibre_household_pct"
    ]


def _inbox(home, methodology, register, provinces):
    for unit in register.in_set("63")[:provinces]:
        csv_file(
            home.inbox / f"{unit.code}.csv",
            [(unit.name, 2024, i.code, "50", "") for i in methodology.reported_in(2024) if i.kind != "count"],
        )


def _run(home, rules):
    return dg.materialize(
        [*ASSETS, *build_checks(rules)],
        partition_key="2024",
        resources=build_resources(home),
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def _tables(home):
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        return {t for (t,) in con.execute("SELECT schema_name || '.' || table_name FROM duckdb_tables()").fetchall()}


def test_an_error_check_blocks_the_outputs_and_keeps_staging(home, methodology, register):
    _inbox(home, methodology, register, provinces=5)  # 5 of 63 provinces: coverage per indicator fails
    result = _run(home, default_rules())
    assert not result.success
    failed = {(e.check_name, e.severity) for e in result.get_asset_check_evaluations() if not e.passed}
    assert ("indicators_reported_by_enough_provinces", dg.AssetCheckSeverity.ERROR) in failed
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "indicators_reported_by_enough_provinces"
    )
    assert evaluation.asset_key == dg.AssetKey(["staging", "figures"]) and evaluation.metadata[
        "reporting_years"
    ].value == [2024]
    tables = _tables(home)
    # The year's staging stays for the operator; everything built from it (flags, marts) waits.
    assert {"staging.figures", "staging.rejected_rows"} <= tables
    assert not any(t.startswith("marts.") for t in tables) and "staging.figure_flags" not in tables


def test_the_same_failure_as_warn_does_not_block(home, methodology, register, tmp_path):
    _inbox(home, methodology, register, provinces=5)
    relaxed = load_rules(
        _rules_file(tmp_path, lambda raw: raw["checks"].update(indicators_reported_by_enough_provinces="WARN"))
    )
    result = _run(home, relaxed)
    assert result.success
    failed = {(e.check_name, e.severity) for e in result.get_asset_check_evaluations() if not e.passed}
    assert ("indicators_reported_by_enough_provinces", dg.AssetCheckSeverity.WARN) in failed
    assert {"marts.province_rankings", "marts.target_gaps"} <= _tables(home)
    evaluation = next(
        e for e in result.get_asset_check_evaluations() if e.check_name == "indicators_reported_by_enough_provinces"
    )
    assert evaluation.metadata["gx_data_docs"].value.startswith("file://")


def test_a_year_that_failed_its_checks_holds_back_the_marts_of_later_runs(home, methodology, register, tmp_path):
    """The per-year checks run in the run that stages the year; the marts are computed in another run
    (as `dti run` and the sensor do): the gate on staging/figure_flags carries the failure across."""
    _inbox(home, methodology, register, provinces=5)
    instance = dg.DagsterInstance.ephemeral()
    per_year = [*reference_assets, submission_files, submissions, staged_figures]
    cross_year = [figure_flags, index_marts, target_gaps]
    staged = dg.materialize(
        [*ASSETS, *build_checks(default_rules())],
        selection=[k for a in per_year for k in a.keys],
        partition_key="2024",
        resources=build_resources(home),
        instance=instance,
        raise_on_error=False,
    )
    assert not staged.success and "staging.figures" in _tables(home)

    def marts(rules, on=instance):
        return dg.materialize(
            [*ASSETS, *build_checks(rules)],
            selection=[k for a in cross_year for k in a.keys],
            resources=build_resources(home),
            instance=on,
            raise_on_error=False,
        )

    def gate(result):
        return next(
            e for e in result.get_asset_check_evaluations() if e.check_name == "staged_years_passed_their_checks"
        )

    blocked = marts(default_rules())
    assert not blocked.success and not gate(blocked).passed
    assert (
        "2024" in gate(blocked).metadata["sample"].value
        and "indicators_reported_by_enough_provinces" in gate(blocked).metadata["sample"].value
    )
    assert not any(t.startswith("marts.") for t in _tables(home))

    never_checked = marts(default_rules(), on=dg.DagsterInstance.ephemeral())
    assert not gate(never_checked).passed and "never checked" in gate(never_checked).metadata["sample"].value

    relaxed = load_rules(
        _rules_file(tmp_path, lambda raw: raw["checks"].update(indicators_reported_by_enough_provinces="WARN"))
    )
    allowed = marts(relaxed)  # the same failure, now a WARN: it no longer holds the marts back
    assert allowed.success and gate(allowed).passed
    assert {"marts.province_rankings", "marts.target_gaps"} <= _tables(home)
