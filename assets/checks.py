"""Asset checks: pandera contracts and Great Expectations suites decide what may be published.

The severity of each check comes from expectations/rules.yaml: ERROR checks are blocking, so nothing
downstream is produced in that run (the checked table itself stays for the operator to inspect); WARN
checks report without blocking. The cross-year checks of staging hang on `staging/figure_flags`, the
first table built from every staged year, which every mart depends on: that makes them the gate of
the marts in every run that computes them."""


import dagster as dg
import pandera.polars as pa
import polars as pl

from assets.metadata import markdown_table
from expectations import contracts, frames
from expectations.gx_suites import SuiteResult, run_suite
from expectations.rules import Rules, default_rules
from pipelines.resources import DataHomeResource, WarehouseResource
from sources.warehouse import query_frame

FIGURE_FLAGS = dg.AssetKey(["staging", "figure_flags"])
RANKINGS = dg.AssetKey(["marts", "province_rankings"])
TARGET_GAPS = dg.AssetKey(["marts", "target_gaps"])


def _severity(rules: Rules, name: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if rules.severity(name) == "ERROR" else dg.AssetCheckSeverity.WARN


def _contract_result(rules: Rules, name: str, checked: dict[str, tuple[pl.DataFrame, pa.DataFrameSchema]]) -> dg.AssetCheckResult:
    """Validate each table against its pandera schema; one result for them all."""
    found = pl.concat([contracts.violations(schema, frame).with_columns(pl.lit(table).alias("table"))
                       for table, (frame, schema) in checked.items()])
    return dg.AssetCheckResult(
        passed=found.is_empty(), severity=_severity(rules, name),
        metadata={"rows_checked": {table: frame.height for table, (frame, _) in checked.items()},
                  "failure_cases": found.height,
                  "sample": markdown_table(found.select("table", "check", "column", "failure_case", "index"))},
    )


def _suite_result(rules: Rules, result: SuiteResult) -> dg.AssetCheckResult:
    sample = pl.DataFrame([row | {"expectation": f["expectation"]} for f in result.failures for row in f["rows"]],
                          infer_schema_length=None) if result.failures else None
    metadata = {"expectations_evaluated": result.evaluated, "failed_rows": result.failed_rows,
                "gx_errors": "; ".join(result.errors) or "none",
                "sample": markdown_table(sample.select(pl.all().cast(pl.String))) if sample is not None and sample.width else "none"}
    if result.docs_index:
        metadata["gx_data_docs"] = dg.MetadataValue.url(result.docs_index.as_uri())
    return dg.AssetCheckResult(passed=result.success, severity=_severity(rules, result.suite), metadata=metadata)


def build_checks(rules: Rules) -> list[dg.AssetChecksDefinition]:
    """Every asset check, blocking or not as `rules` says."""

    def check(asset: dg.AssetKey, name: str, description: str, **kwargs):
        return dg.asset_check(asset=asset, name=name, description=description,
                              blocking=rules.severity(name) == "ERROR", **kwargs)

    @check(dg.AssetKey(["raw", "submissions"]), "raw_rows_match_contract",
           "pandera: the raw rows have their types and one row per file, sheet and row number.")
    def raw_rows_match_contract(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            raw = query_frame(con, "SELECT * FROM raw.submissions")
        return _contract_result(rules, "raw_rows_match_contract", {"raw.submissions": (raw, contracts.raw_submissions())})

    @check(FIGURE_FLAGS, "figures_match_contract",
           "pandera: staged figures are typed, unique per province, year and indicator, within their domain, in "
           "their catalogue unit, for a province in force and an indicator valid that year.")
    def figures_match_contract(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            figures = query_frame(con, "SELECT * FROM staging.figures")
        schema = contracts.staged_figures(data_home.methodology, data_home.register)
        return _contract_result(rules, "figures_match_contract", {"staging.figures": (figures, schema)})

    @check(FIGURE_FLAGS, "quarantine_is_complete",
           "pandera: every quarantined row names its rule, severity, file and what was expected, in Vietnamese and English.")
    def quarantine_is_complete(warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            rejects = query_frame(con, "SELECT * FROM staging.rejected_rows")
        return _contract_result(rules, "quarantine_is_complete", {"staging.rejected_rows": (rejects, contracts.rejected_rows(rules))})

    def figures_suite(name: str, description: str, frame_of, parameters_of):
        @check(FIGURE_FLAGS, name, description)
        def _suite(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
            with warehouse.get_connection() as con:
                figures = query_frame(con, "SELECT * FROM staging.figures")
                rejects = query_frame(con, "SELECT * FROM staging.rejected_rows")
            result = run_suite(name, frame_of(figures, rejects, data_home), parameters_of(data_home), data_home.home.validation)
            return _suite_result(rules, result)
        return _suite

    suites = [
        figures_suite("provinces_report_enough_indicators",
                      "Great Expectations: each province reports at least the methodology's share of the year's indicators.",
                      lambda f, r, h: frames.province_coverage(f, h.methodology, h.register),
                      lambda h: {"min_indicator_share_per_province": h.methodology.coverage.min_indicator_share_per_province}),
        figures_suite("indicators_reported_by_enough_provinces",
                      "Great Expectations: each indicator is reported by at least the methodology's share of the provinces.",
                      lambda f, r, h: frames.indicator_coverage(f, h.methodology, h.register),
                      lambda h: {"min_province_share_per_indicator": h.methodology.coverage.min_province_share_per_indicator}),
        figures_suite("values_change_plausibly",
                      "Great Expectations: no value jumps implausibly against the national spread of changes or the "
                      "province's own history (flagged values are published with the flag).",
                      lambda f, r, h: frames.plausibility(f, rules, h.methodology.counts),
                      lambda h: {"min_change_z": -rules.plausibility.max_change_z, "max_change_z": rules.plausibility.max_change_z,
                                 "max_own_change_ratio": rules.plausibility.max_own_change_ratio}),
        figures_suite("submissions_are_not_duplicated",
                      "Great Expectations: one file per province and year (when two arrive the later counts and the "
                      "earlier is kept and flagged) and one value per province, year and indicator.",
                      lambda f, r, h: frames.submissions(f, r), lambda h: None),
    ]

    @check(RANKINGS, "marts_match_contract",
           "pandera: the index marts have unique keys, scores within 0-1 (z-scores excepted) and ranks from 1 to the units ranked.")
    def marts_match_contract(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        schemas = contracts.marts(data_home.methodology)
        with warehouse.get_connection() as con:
            checked = {f"marts.{t}": (query_frame(con, f"SELECT * FROM marts.{t}"), schemas[t])
                       for t in ("indicator_scores", "pillar_scores", "index_scores", "province_rankings")}
        return _contract_result(rules, "marts_match_contract", checked)

    @check(TARGET_GAPS, "marts_match_contract", "pandera: one row per province and target, with a known status.")
    def target_gaps_match_contract(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            gaps = query_frame(con, "SELECT * FROM marts.target_gaps")
        return _contract_result(rules, "marts_match_contract",
                                {"marts.target_gaps": (gaps, contracts.marts(data_home.methodology)["target_gaps"])})

    @check(RANKINGS, "rankings_are_sane",
           "Great Expectations: scores within bounds, every scored province ranked, ranks a standard competition ranking.")
    def rankings_are_sane(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            frame = frames.rankings(query_frame(con, "SELECT * FROM marts.index_scores"),
                                    query_frame(con, "SELECT * FROM marts.pillar_scores"),
                                    query_frame(con, "SELECT * FROM marts.province_rankings"),
                                    data_home.methodology, data_home.methodology.score_decimals)
        return _suite_result(rules, run_suite("rankings_are_sane", frame, None, data_home.home.validation))

    return [raw_rows_match_contract, figures_match_contract, quarantine_is_complete, *suites,
            marts_match_contract, target_gaps_match_contract, rankings_are_sane]


asset_checks = build_checks(default_rules())
