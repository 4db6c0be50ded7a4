"""Asset checks: pandera contracts and Great Expectations suites decide what may be published.

Each check hangs on the asset whose table it checks. The severity of each check comes from
sources/intake/rules.yaml: ERROR checks are blocking, so nothing downstream is produced in that run (the
checked table itself stays for the operator to inspect); WARN checks report without blocking.

The per-year checks (raw rows, staged figures, the quarantine) are on the partitioned assets and check
the run's reporting year, in the run that stages the year. They are plain (unpartitioned) checks: a
partitioned check is a preview API of Dagster; each evaluation says its year in `reporting_years`. The
cross-year checks hang on `staging/figure_flags`, the first table built from every staged year, which
every mart depends on; among them `staged_years_passed_their_checks` carries the per-year gate across
runs: the marts and exports of any later run wait until every staged year's latest blocking checks
passed."""

from collections.abc import Sequence

import dagster as dg
import pandera.polars as pa
import polars as pl

from assets.metadata import markdown_table
from assets.resources import DataHomeResource, WarehouseResource
from expectations import contracts, frames
from expectations.gx_suites import SuiteResult, run_suite
from sources.intake.rules import Rules, default_rules
from sources.warehouse.tables import query_frame

RAW_ROWS = dg.AssetKey(["raw", "submissions"])
FIGURES = dg.AssetKey(["staging", "figures"])
REJECTED_ROWS = dg.AssetKey(["staging", "rejected_rows"])
FIGURE_FLAGS = dg.AssetKey(["staging", "figure_flags"])
RANKINGS = dg.AssetKey(["marts", "province_rankings"])
TARGET_GAPS = dg.AssetKey(["marts", "target_gaps"])


def _severity(rules: Rules, name: str) -> dg.AssetCheckSeverity:
    return dg.AssetCheckSeverity.ERROR if rules.severity(name) == "ERROR" else dg.AssetCheckSeverity.WARN


def _run_years(context: dg.AssetCheckExecutionContext) -> list[int] | None:
    """The reporting years of the run (one, or a range in a backfill); None when the run has no partition
    (a check launched on its own): then every year is checked."""
    if context.has_partition_key or context.has_partition_key_range:
        return [int(key) for key in context.partition_keys]
    return None


def _of_years(con, table: str, years: Sequence[int] | None, with_unassigned: bool = False) -> pl.DataFrame:
    if years is None:
        return query_frame(con, f"SELECT * FROM {table}")
    unassigned = " OR reporting_year IS NULL" if with_unassigned else ""
    return query_frame(con, f"SELECT * FROM {table} WHERE list_contains(?, reporting_year){unassigned}", [list(years)])


def _years_metadata(years: Sequence[int] | None) -> dict[str, dg.MetadataValue]:
    """The years an evaluation covered, read back by `staged_years_passed_their_checks`."""
    return {
        "reporting_years": dg.MetadataValue.json(list(years)) if years is not None else dg.MetadataValue.text("all")
    }


def _contract_result(
    rules: Rules, name: str, checked: dict[str, tuple[pl.DataFrame, pa.DataFrameSchema]], extra: dict | None = None
) -> dg.AssetCheckResult:
    """Validate each table against its pandera schema; one result for them all."""
    found = pl.concat(
        [
            contracts.violations(schema, frame).with_columns(pl.lit(table).alias("table"))
            for table, (frame, schema) in checked.items()
        ]
    )
    return dg.AssetCheckResult(
        passed=found.is_empty(),
        severity=_severity(rules, name),
        metadata={
            **(extra or {}),
            "rows_checked": {table: frame.height for table, (frame, _) in checked.items()},
            "failure_cases": found.height,
            "sample": markdown_table(found.select("table", "check", "column", "failure_case", "index")),
        },
    )


def _suite_result(rules: Rules, result: SuiteResult, extra: dict | None = None) -> dg.AssetCheckResult:
    sample = (
        pl.DataFrame(
            [row | {"expectation": f["expectation"]} for f in result.failures for row in f["rows"]],
            infer_schema_length=None,
        )
        if result.failures
        else None
    )
    metadata = {
        **(extra or {}),
        "expectations_evaluated": result.evaluated,
        "failed_rows": result.failed_rows,
        "gx_errors": "; ".join(result.errors) or "none",
        "sample": markdown_table(sample.select(pl.all().cast(pl.String)))
        if sample is not None and sample.width
        else "none",
    }
    if result.docs_index:
        metadata["gx_data_docs"] = dg.MetadataValue.url(result.docs_index.as_uri())
    return dg.AssetCheckResult(passed=result.success, severity=_severity(rules, result.suite), metadata=metadata)


def build_checks(rules: Rules) -> list[dg.AssetChecksDefinition]:
    """Every asset check, blocking or not as `rules` says."""

    def check(asset: dg.AssetKey, name: str, description: str, **kwargs):
        return dg.asset_check(
            asset=asset, name=name, description=description, blocking=rules.severity(name) == "ERROR", **kwargs
        )

    # ---- per year: on the partitioned assets, in the run that stages the year ---------------------------

    @check(
        RAW_ROWS,
        "raw_rows_match_contract",
        "pandera: the year's raw rows have their types and one row per file, sheet and row number.",
    )
    def raw_rows_match_contract(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        years = _run_years(context)
        with warehouse.get_connection() as con:
            raw = _of_years(con, "raw.submissions", years)
        return _contract_result(
            rules,
            "raw_rows_match_contract",
            {"raw.submissions": (raw, contracts.raw_submissions())},
            _years_metadata(years),
        )

    @check(
        FIGURES,
        "figures_match_contract",
        "pandera: the year's staged figures are typed, unique per province, year and indicator, within their domain, "
        "in their catalogue unit, for a province in force and an indicator valid that year.",
    )
    def figures_match_contract(
        context: dg.AssetCheckExecutionContext, data_home: DataHomeResource, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        years = _run_years(context)
        with warehouse.get_connection() as con:
            figures = _of_years(con, "staging.figures", years)
        schema = contracts.staged_figures(data_home.methodology, data_home.register)
        return _contract_result(
            rules, "figures_match_contract", {"staging.figures": (figures, schema)}, _years_metadata(years)
        )

    @check(
        REJECTED_ROWS,
        "quarantine_is_complete",
        "pandera: every quarantined row of the year (and every file whose year could not be read) names its rule, "
        "severity, file and what was expected, in Vietnamese and English.",
    )
    def quarantine_is_complete(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        years = _run_years(context)
        with warehouse.get_connection() as con:
            rejects = _of_years(con, "staging.rejected_rows", years, with_unassigned=True)
        return _contract_result(
            rules,
            "quarantine_is_complete",
            {"staging.rejected_rows": (rejects, contracts.rejected_rows(rules))},
            _years_metadata(years),
        )

    def figures_suite(name: str, description: str, frame_of, parameters_of):
        @check(FIGURES, name, description)
        def _suite(
            context: dg.AssetCheckExecutionContext, data_home: DataHomeResource, warehouse: WarehouseResource
        ) -> dg.AssetCheckResult:
            years = _run_years(context)
            with warehouse.get_connection() as con:
                figures = _of_years(con, "staging.figures", years)
                rejects = _of_years(con, "staging.rejected_rows", years)
            result = run_suite(
                name, frame_of(figures, rejects, data_home), parameters_of(data_home), data_home.home.validation
            )
            return _suite_result(rules, result, _years_metadata(years))

        return _suite

    per_year_suites = [
        figures_suite(
            "provinces_report_enough_indicators",
            "Great Expectations: each province reports at least the methodology's share of the year's indicators.",
            lambda f, r, h: frames.province_coverage(f, h.methodology, h.register),
            lambda h: {"min_indicator_share_per_province": h.methodology.coverage.min_indicator_share_per_province},
        ),
        figures_suite(
            "indicators_reported_by_enough_provinces",
            "Great Expectations: each indicator of the year is reported by at least the methodology's share of the provinces.",
            lambda f, r, h: frames.indicator_coverage(f, h.methodology, h.register),
            lambda h: {"min_province_share_per_indicator": h.methodology.coverage.min_province_share_per_indicator},
        ),
        figures_suite(
            "submissions_are_not_duplicated",
            "Great Expectations: one file per province and year (when two arrive the later counts and the "
            "earlier is kept and flagged) and one value per province, year and indicator.",
            lambda f, r, h: frames.submissions(f, r),
            lambda h: None,
        ),
    ]
    gated = [
        (FIGURES, "figures_match_contract"),
        (REJECTED_ROWS, "quarantine_is_complete"),
        *((FIGURES, key.name) for suite in per_year_suites for key in suite.check_keys),
    ]

    # ---- across years: on staging/figure_flags, the gate of the marts ------------------------------------

    @check(
        FIGURE_FLAGS,
        "values_change_plausibly",
        "Great Expectations: no value jumps implausibly against the national spread of changes or the "
        "province's own history (flagged values are published with the flag).",
    )
    def values_change_plausibly(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            figures = query_frame(con, "SELECT * FROM staging.figures")
        frame = frames.plausibility(figures, rules, data_home.methodology.counts)
        parameters = {
            "min_change_z": -rules.plausibility.max_change_z,
            "max_change_z": rules.plausibility.max_change_z,
            "max_own_change_ratio": rules.plausibility.max_own_change_ratio,
        }
        return _suite_result(rules, run_suite("values_change_plausibly", frame, parameters, data_home.home.validation))

    @dg.asset_check(
        asset=FIGURE_FLAGS,
        name="staged_years_passed_their_checks",
        blocking=True,
        description="Every staged year's latest evaluation of each blocking (ERROR) check of staging/figures "
        "and staging/rejected_rows passed: a year that failed, or was never checked, holds back "
        "the marts and the exports of every run until it is staged again and passes.",
    )
    def staged_years_passed_their_checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            staged = [
                y
                for (y,) in con.execute(
                    "SELECT DISTINCT reporting_year FROM staging.figures WHERE reporting_year IS NOT NULL ORDER BY 1"
                ).fetchall()
            ]
        blocking = [(asset, name) for asset, name in gated if rules.severity(name) == "ERROR"]
        problems = []
        for asset, name in blocking:
            latest = _latest_by_year(context.instance, dg.AssetCheckKey(asset, name), set(staged))
            for year in staged:
                if year not in latest:
                    problems.append(
                        {"year": year, "check": f"{asset.to_user_string()} {name}", "problem": "never checked"}
                    )
                elif not latest[year]:
                    problems.append({"year": year, "check": f"{asset.to_user_string()} {name}", "problem": "failed"})
        return dg.AssetCheckResult(
            passed=not problems,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "years_staged": dg.MetadataValue.json(staged),
                "checks_gating": [f"{a.to_user_string()} {n}" for a, n in blocking],
                "failed_rows": len(problems),
                "sample": markdown_table(
                    pl.DataFrame(problems, schema={"year": pl.Int64, "check": pl.String, "problem": pl.String})
                ),
            },
        )

    @check(
        RANKINGS,
        "marts_match_contract",
        "pandera: the index marts have unique keys, scores within 0-1 (z-scores excepted) and ranks from 1 to the units ranked.",
    )
    def marts_match_contract(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        schemas = contracts.marts(data_home.methodology)
        with warehouse.get_connection() as con:
            checked = {
                f"marts.{t}": (query_frame(con, f"SELECT * FROM marts.{t}"), schemas[t])
                for t in ("indicator_scores", "pillar_scores", "index_scores", "province_rankings")
            }
        return _contract_result(rules, "marts_match_contract", checked)

    @check(TARGET_GAPS, "marts_match_contract", "pandera: one row per province and target, with a known status.")
    def target_gaps_match_contract(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            gaps = query_frame(con, "SELECT * FROM marts.target_gaps")
        return _contract_result(
            rules,
            "marts_match_contract",
            {"marts.target_gaps": (gaps, contracts.marts(data_home.methodology)["target_gaps"])},
        )

    @check(
        RANKINGS,
        "rankings_are_sane",
        "Great Expectations: scores within bounds, every scored province ranked, ranks a standard competition ranking.",
    )
    def rankings_are_sane(data_home: DataHomeResource, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.get_connection() as con:
            frame = frames.rankings(
                query_frame(con, "SELECT * FROM marts.index_scores"),
                query_frame(con, "SELECT * FROM marts.pillar_scores"),
                query_frame(con, "SELECT * FROM marts.province_rankings"),
                data_home.methodology,
                data_home.methodology.score_decimals,
            )
        return _suite_result(rules, run_suite("rankings_are_sane", frame, None, data_home.home.validation))

    return [
        raw_rows_match_contract,
        figures_match_contract,
        quarantine_is_complete,
        *per_year_suites,
        values_change_plausibly,
        staged_years_passed_their_checks,
        marts_match_contract,
        target_gaps_match_contract,
        rankings_are_sane,
    ]


def _latest_by_year(
    instance: dg.DagsterInstance, key: dg.AssetCheckKey, years: set[int], page: int = 100
) -> dict[int, bool]:
    """For each year, whether the latest completed evaluation of the check `key` that covered it passed."""
    latest: dict[int, bool] = {}
    cursor = None
    while True:
        records = instance.event_log_storage.get_asset_check_execution_history(key, limit=page, cursor=cursor)
        for record in records:  # newest first; planned or running executions have no evaluation yet
            evaluation = record.event.asset_check_evaluation if record.event else None
            covered = evaluation.metadata.get("reporting_years") if evaluation else None
            if covered is None:
                continue
            covered_years = years if covered.value == "all" else set(covered.value)
            for year in covered_years - latest.keys():
                latest[year] = evaluation.passed
        if len(records) < page or latest.keys() >= years:
            return latest
        cursor = records[-1].id


asset_checks = build_checks(default_rules())
