"""The index engine: the methodology file loaded into DuckDB tables, then the SQL files of `sql/` run
against them. Two SQL paths read the same methodology tables: `sql/index` scores the warehouse with its
provenance (`build_marts`, `score_values`), and `sql/index_at_scale` computes only scores and ranks, on
every thread with exact sums (`compute_scores_at_scale`, behind `dti score`). tests/test_index_at_scale.py
holds them to the same scores, so an analyst's trial and the published ranking cannot drift apart."""

from __future__ import annotations

from pathlib import Path

import duckdb
import polars as pl

from sources.home import PROJECT_ROOT
from sources.index.methodology import Methodology
from sources.intake.numbers import Domain, number_text, parse_number
from sources.reference.provinces import ProvinceRegister
from sources.index.uncertainty import problem_from_long, rank_uncertainty
from sources.warehouse.tables import comment_table, query_frame, replace_table, scalar, single_threaded, temp_table, transaction

SQL_DIR = PROJECT_ROOT / "sql"
INDEX_SQL = SQL_DIR / "index"
INDEX_AT_SCALE_SQL = SQL_DIR / "index_at_scale"
WAREHOUSE_SQL = SQL_DIR / "warehouse"

MART_TABLES = ("indicator_values", "indicator_scores", "pillar_scores", "index_scores", "province_rankings",
               "indicator_contributions", "framework_weights")
SERIES_INPUT = "input"
MAX_PROBLEMS_SHOWN = 25  # of a table given to `dti score`: the first ones, then how many more


class ScoreInputError(ValueError):
    """A table given to `dti score` that cannot be scored, with every problem found in it."""


def run_sql(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(path.read_text(encoding="utf-8"))


def load_framework(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> None:
    """The methodology as temporary tables the SQL joins against: m_settings, m_nodes, m_edges,
    m_leaves (scored indicators) and m_indicators (the whole catalogue); and the macros of sql/formulas.sql."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    settings = pl.DataFrame([{
        "version": methodology.version, "name": methodology.name, "imputation": methodology.imputation,
        "geometric_floor": methodology.geometric_floor, "score_decimals": methodology.score_decimals,
        "on_track_min_ratio": methodology.gap_status.on_track_min_ratio,
        "acceleration_min_ratio": methodology.gap_status.acceleration_min_ratio,
        "approx_tolerance": methodology.gap_status.approx_tolerance,
    }], schema_overrides={"score_decimals": pl.Int32})
    nodes = pl.DataFrame([{
        "node": n.code, "name_vi": n.name_vi, "name_en": n.name_en, "aggregation": n.aggregation,
        "min_share": n.min_share, "level": methodology.levels[n.code],
        "is_index": n.code == methodology.index.code, "is_pillar": n.code != methodology.index.code,
    } for n in methodology.nodes])
    edges = pl.DataFrame([{
        "parent": n.code, "child": child, "weight": weight, "weight_normalised": n.normalised_weights()[child],
        "parent_level": methodology.levels[n.code], "child_is_indicator": child in methodology.by_code,
    } for n in methodology.nodes for child, weight in n.children.items()])
    indicators = pl.DataFrame([{
        "indicator_code": i.code, "kind": i.kind, "direction": i.direction, "unit": i.unit,
        "normalisation": methodology.normalisation_of(i), "worst": i.goalposts[0], "best": i.goalposts[1],
        "valid_from": i.valid_from, "valid_to": i.valid_to, "restatement": methodology.restatement[i.kind],
        "derived_numerator": i.derived_from.numerator if i.derived_from else None,
        "derived_per": i.derived_from.per if i.derived_from else None,
        "is_leaf": i in methodology.leaves,
    } for i in methodology.indicators], schema_overrides={"valid_to": pl.Int32, "valid_from": pl.Int32,
                                                          "derived_numerator": pl.Utf8, "derived_per": pl.Float64})
    for name, frame in (("m_settings", settings), ("m_nodes", nodes), ("m_edges", edges), ("m_indicators", indicators)):
        temp_table(con, name, frame)
    con.execute("CREATE OR REPLACE TEMP TABLE m_leaves AS SELECT * FROM m_indicators WHERE is_leaf")
    run_sql(con, SQL_DIR / "formulas.sql")


def compute_scores(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> None:
    """From `units_in` and `values_in` to the scores, rankings and contributions in `marts`."""
    run_sql(con, INDEX_SQL / "10_indicator_scores.sql")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE node_scores (
            series VARCHAR, unit_set VARCHAR, reporting_year INTEGER, province_code VARCHAR, province_name VARCHAR,
            node VARCHAR, children_expected BIGINT, children_reported BIGINT, children_imputed BIGINT,
            coverage DOUBLE, scored BOOLEAN, score DOUBLE, not_scored_reason VARCHAR, aggregation VARCHAR,
            is_synthetic BOOLEAN);
        CREATE OR REPLACE TEMP TABLE edge_shares (
            series VARCHAR, reporting_year INTEGER, province_code VARCHAR, parent VARCHAR, child VARCHAR,
            parent_aggregation VARCHAR, share DOUBLE);
    """)
    for level in sorted(set(methodology.levels.values())):
        con.execute(f"SET VARIABLE level = {level}")
        run_sql(con, INDEX_SQL / "20_node_scores.sql")
    run_sql(con, INDEX_SQL / "30_pillar_and_index_scores.sql")
    run_sql(con, INDEX_SQL / "40_contribution_roots.sql")
    for depth in range(max(methodology.levels.values())):
        con.execute(f"SET VARIABLE depth = {depth}")
        run_sql(con, INDEX_SQL / "41_contribution_paths.sql")
    for name in ("45_indicator_contributions.sql", "50_province_rankings.sql"):
        run_sql(con, INDEX_SQL / name)
    con.execute("""
        CREATE OR REPLACE TABLE marts.framework_weights AS
        SELECT e.parent, e.child, e.weight, e.weight_normalised, e.child_is_indicator, n.aggregation, n.min_share,
               l.normalisation, l.direction, l.worst AS goalpost_worst, l.best AS goalpost_best,
               s.version AS methodology_version
        FROM m_edges AS e JOIN m_nodes AS n ON n.node = e.parent
        LEFT JOIN m_leaves AS l ON l.indicator_code = e.child
        CROSS JOIN m_settings AS s
        ORDER BY n.level DESC, e.parent, e.child
    """)


def compute_scores_at_scale(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> None:
    """From `units_in` and `values_in` to the temporary table `scores_at_scale`: the index and every node
    of every unit with its coverage, score and rank, without provenance (see sql/index_at_scale). Exact
    sums make it give the very same scores on any number of threads. Methodologies that impute values
    need the full engine (`compute_scores`)."""
    if methodology.imputation != "none":
        raise ValueError(f"the index at scale does not impute ({methodology.name} imputes "
                         f"{methodology.imputation!r}): use compute_scores")
    run_sql(con, INDEX_AT_SCALE_SQL / "10_leaf_scores.sql")
    run_sql(con, INDEX_AT_SCALE_SQL / "15_leaf_sums.sql")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE node_scores_at_scale (
            unit_id INTEGER, cohort_id INTEGER, node_id SMALLINT, children_reported BIGINT, children_expected BIGINT,
            coverage DOUBLE, scored BOOLEAN, score DOUBLE)""")
    for level in sorted(set(methodology.levels.values())):
        con.execute(f"SET VARIABLE level = {level}")
        run_sql(con, INDEX_AT_SCALE_SQL / "20_node_scores.sql")
    run_sql(con, INDEX_AT_SCALE_SQL / "30_scores_and_ranks.sql")


def build_marts(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> dict[str, int]:
    """Recompute every index mart from `staging.figures` and `reference`, in one transaction.
    Returns the row count of each table."""
    with single_threaded(con), transaction(con):
        load_framework(con, methodology)
        run_sql(con, WAREHOUSE_SQL / "10_indicator_values.sql")
        run_sql(con, WAREHOUSE_SQL / "20_index_inputs.sql")
        compute_scores(con, methodology)
        for table in MART_TABLES:
            comment_table(con, f"marts.{table}")
    return {t: scalar(con, f"SELECT count(*) FROM marts.{t}") for t in MART_TABLES}


def build_target_gaps(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> int:
    """Recompute marts.target_gaps from the registry, the national targets and the index marts."""
    with single_threaded(con), transaction(con):
        load_framework(con, methodology)
        run_sql(con, WAREHOUSE_SQL / "30_target_gaps.sql")
        comment_table(con, "marts.target_gaps")
    return scalar(con, "SELECT count(*) FROM marts.target_gaps")


def table_values(frame: pl.DataFrame, methodology: Methodology, register: ProvinceRegister,
                 merge_to_34: bool = False) -> tuple[pl.DataFrame, list[str]]:
    """A wide table (`unit` + one column per leaf indicator) as long values (`unit`, `indicator_code`,
    `value`) and its units in order. Every value is read against its indicator's domain ("31.632" is a
    percentage of 31.632, "0.632" a 0-1 score of 0.632); a value outside the domain or that reads two ways
    is refused with its row and column (ScoreInputError). With `merge_to_34`, former units are first merged into the 34
    current ones by the ministry's rule: the unweighted mean of the constituents' values."""
    leaves = [leaf.code for leaf in methodology.leaves]
    problems = []
    if "unit" not in frame.columns:
        problems.append(f"no 'unit' column (found: {', '.join(frame.columns)})")
    missing = [code for code in leaves if code not in frame.columns]
    if missing:
        problems.append(f"no column for indicator(s) {', '.join(missing)} of methodology {methodology.name}")
    if problems:
        raise ScoreInputError("; ".join(problems))
    long_rows = []
    for row_number, row in enumerate(frame.iter_rows(named=True), start=2):
        unit = str(row["unit"]).strip() if row["unit"] is not None else ""
        if not unit:
            problems.append(f"row {row_number}, column unit: empty")
            continue
        for code in leaves:
            text = row[code]
            if text is None or str(text).strip() == "":
                continue
            domain = Domain.of(methodology.by_code[code])
            parsed = parse_number(text, domain)
            if parsed.error:
                problems.append(f"row {row_number}, column {code}: {parsed.error}")
                continue
            if parsed.value is None:
                continue
            if not domain.contains(parsed.value):
                problems.append(f"row {row_number}, column {code}: '{text}' is outside the domain of {code}: expected a "
                                f"value from {number_text(domain.low)} to {number_text(domain.high)} "
                                f"{methodology.units[methodology.by_code[code].unit].symbol}")
                continue
            long_rows.append({"unit": unit, "indicator_code": code, "value": parsed.value})
    units = [str(u).strip() for u in frame["unit"].to_list() if u is not None and str(u).strip()]
    duplicated = sorted({u for u in units if units.count(u) > 1})
    if duplicated:
        problems.append(f"unit(s) listed more than once: {', '.join(duplicated)}")
    former = {u: register.resolve(u, 2024).unit for u in units} if merge_to_34 else {}
    not_former = [u for u, unit in former.items() if unit is None]
    if not_former:
        problems.append("--merge-to-34 needs the 63 former units; not a former unit: " + ", ".join(not_former))
    if problems:
        shown = problems[:MAX_PROBLEMS_SHOWN]
        more = f"; and {len(problems) - len(shown)} more problem(s)" if len(problems) > len(shown) else ""
        raise ScoreInputError("; ".join(shown) + more)

    values = pl.DataFrame(long_rows, schema={"unit": pl.Utf8, "indicator_code": pl.Utf8, "value": pl.Float64})
    if merge_to_34:
        by_codes = all(u.isdigit() for u in units)
        successors = {u: register.successor(unit.code) for u, unit in former.items()}
        label = {u: unit.code if by_codes else unit.name for u, unit in successors.items()}
        values = (values.with_columns(pl.col("unit").replace_strict(label))
                  .group_by("unit", "indicator_code", maintain_order=True).agg(pl.col("value").mean()))
        units = list(dict.fromkeys(label.values()))
    return values, units


def score_table(frame: pl.DataFrame, methodology: Methodology, register: ProvinceRegister,
                merge_to_34: bool = False, year: int | None = None) -> pl.DataFrame:
    """Score a wide table (see `table_values`) without the warehouse: score, pillars and rank per unit.
    Runs the index at scale, or the full engine when the methodology imputes values."""
    values, units = table_values(frame, methodology, register, merge_to_34)
    values = values.with_columns(pl.lit(year, dtype=pl.Int32).alias("reporting_year"))
    if methodology.imputation == "none":
        scores = scores_at_scale(values, methodology, units)
    else:
        scores = ranked_nodes(score_values(values, methodology, units=units))
    decimals = methodology.score_decimals
    wide = scores.pivot(on="ranking", index="province_code", values="score")
    ranks = scores.filter(pl.col("ranking") == "index").select("province_code", "rank")
    return (wide.select("province_code", pl.col("index").alias("score"), *[p.code for p in methodology.pillars])
            .join(ranks, on="province_code", how="left")
            .with_columns(pl.exclude("province_code", "rank").round(decimals), pl.col("rank").cast(pl.Int64))
            .rename({"province_code": "unit"})
            .sort(pl.col("rank").is_null(), "rank", pl.col("unit").replace_strict({u: i for i, u in enumerate(units)}, default=None)))


def _input_tables(values: pl.DataFrame, units: list[str] | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`units_in` and `values_in` for long values (`unit`, `indicator_code`, `value`, optionally
    `reporting_year`); `units` lists units that reported nothing too."""
    if "reporting_year" not in values.columns:
        values = values.with_columns(pl.lit(None, dtype=pl.Int32).alias("reporting_year"))
    values = values.with_columns(pl.col("reporting_year").cast(pl.Int32))
    years = values["reporting_year"].unique().to_list() or [None]
    names = list(dict.fromkeys([*(units or []), *values["unit"].to_list()]))
    units_in = pl.DataFrame([{"series": SERIES_INPUT, "unit_set": None, "reporting_year": y,
                              "province_code": u, "province_name": u} for y in years for u in names],
                            schema={"series": pl.Utf8, "unit_set": pl.Utf8, "reporting_year": pl.Int32,
                                    "province_code": pl.Utf8, "province_name": pl.Utf8})
    values_in = values.select(
        pl.lit(SERIES_INPUT).alias("series"), "reporting_year", pl.col("unit").alias("province_code"),
        "indicator_code", pl.col("value").cast(pl.Float64), pl.lit("reported").alias("value_status"),
        pl.lit(None, dtype=pl.Utf8).alias("traced_to"), pl.lit(None, dtype=pl.Boolean).alias("is_synthetic"))
    return units_in, values_in


def scores_at_scale(values: pl.DataFrame, methodology: Methodology, units: list[str] | None = None,
                    threads: int | None = None) -> pl.DataFrame:
    """Run the index at scale in memory on long values (see `_input_tables`) and return `scores_at_scale`:
    per unit, year and ranking ('index' or a node code) the score, coverage and rank. Every thread unless
    `threads` says otherwise (the scores are the same)."""
    units_in, values_in = _input_tables(values, units)
    con = duckdb.connect(config={"threads": threads} if threads else {})
    try:
        load_framework(con, methodology)
        temp_table(con, "units_in", units_in)
        temp_table(con, "values_in", values_in)
        compute_scores_at_scale(con, methodology)
        return query_frame(con, "SELECT * FROM scores_at_scale")
    finally:
        con.close()


def score_values(values: pl.DataFrame, methodology: Methodology, units: list[str] | None = None) -> dict[str, pl.DataFrame]:
    """Run the index SQL in memory on long values (`unit`, `indicator_code`, `value`, optionally
    `reporting_year`) and return its tables: indicator_scores, pillar_scores, index_scores,
    province_rankings, indicator_contributions. `units` lists units that reported nothing too."""
    units_in, values_in = _input_tables(values, units)
    con = duckdb.connect(config={"threads": 1})  # same scores on every run: see warehouse.single_threaded
    try:
        load_framework(con, methodology)
        temp_table(con, "units_in", units_in)
        temp_table(con, "values_in", values_in)
        compute_scores(con, methodology)
        return {table: query_frame(con, f"SELECT * FROM marts.{table}")
                for table in ("indicator_scores", "pillar_scores", "index_scores", "province_rankings",
                              "indicator_contributions")}
    finally:
        con.close()


def ranked_nodes(full: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The index and node scores of `score_values` with their ranks, shaped like `scores_at_scale`:
    province_code, reporting_year, ranking ('index' or a node code), score, scored, rank."""
    keys = ["province_code", "reporting_year", "ranking"]
    scores = pl.concat([
        full["index_scores"].select("province_code", "reporting_year", pl.lit("index").alias("ranking"), "score", "scored"),
        full["pillar_scores"].select("province_code", "reporting_year", pl.col("pillar").alias("ranking"), "score", "scored")])
    return scores.join(full["province_rankings"].select(*keys, "rank"), on=keys, how="left")


def build_rank_uncertainty(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> int:
    """marts.rank_uncertainty: the Monte Carlo of sources/index/uncertainty.py for every year of the
    as-reported ranking, on the values of marts.indicator_values. Returns the row count."""
    values = query_frame(con, """
        SELECT reporting_year, unit_set, province_code AS unit, indicator_code, value
        FROM marts.indicator_values WHERE series = 'as_reported' AND value IS NOT NULL""")
    units = query_frame(con, """
        SELECT reporting_year, unit_set, province_code, province_name, is_synthetic
        FROM marts.index_scores WHERE series = 'as_reported' ORDER BY reporting_year, province_code""")
    frames = []
    for (year, unit_set), year_units in units.group_by("reporting_year", "unit_set", maintain_order=True):
        codes = year_units["province_code"].to_list()
        indicators = [leaf.code for leaf in methodology.leaves if leaf.valid_in(year)]
        same_set = values.filter(pl.col("unit_set") == unit_set)
        problem = problem_from_long(same_set.filter(pl.col("reporting_year") == year), codes, indicators,
                                    earlier=same_set.filter(pl.col("reporting_year") < year))
        result = rank_uncertainty(methodology, problem)
        names = dict(zip(codes, year_units["province_name"]))
        frames.append(result.rename({"unit": "province_code"}).with_columns(
            pl.lit("as_reported").alias("series"), pl.lit(unit_set).alias("unit_set"),
            pl.lit(year, dtype=pl.Int32).alias("reporting_year"),
            pl.col("province_code").replace_strict(names).alias("province_name"),
            pl.lit(bool(year_units["is_synthetic"].any())).alias("is_synthetic"),
            pl.col("tied_with").map_elements(lambda text: "; ".join(names[c] for c in text.split("; ")) if text else None,
                                             return_dtype=pl.Utf8),
            pl.lit(methodology.version).alias("methodology_version")))
    table = pl.concat(frames).select(
        "series", "unit_set", "reporting_year", "province_code", "province_name", "rank", "median_rank", "rank_p05",
        "rank_p95", "interval_width", "tie_group", "tied_with", "most_influential_choice", "shift_weights",
        "shift_normalisation", "shift_aggregation", "shift_imputation", "samples", "seed", "is_synthetic",
        "methodology_version")
    with transaction(con):
        replace_table(con, "marts", "rank_uncertainty", table)
    return table.height
