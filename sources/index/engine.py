"""The one index engine. The methodology file is loaded into DuckDB tables, then the SQL of
sql/index/engine computes, for every unit, the normalised score of each value, every node level by level
(min-share rule, arithmetic or geometric mean, every imputation) and competition ranks, on integer ids, with
exact sums, on every thread (`compute_index`). `dti score` (`score`, through
sources/index/user_tables.py), the warehouse (`build_marts`) and every analysis call it; there is no second
copy of the arithmetic.

The warehouse adds its provenance on top of the engine's output (sql/index/provenance: `add_provenance`):
the grid of every indicator expected with its value status and source, edge shares, the contributions of
every indicator along every path, names and the rank change. `score_values` gives the same marts in memory."""

from __future__ import annotations

import time
from pathlib import Path

import duckdb
import polars as pl

from sources.home import PROJECT_ROOT
from sources.index.methodology import Methodology
from sources.index.outliers import treat_outliers
from sources.index.progress import load_macros
from sources.warehouse.tables import (
    comment_table,
    query_frame,
    scalar,
    single_threaded,
    temp_table,
    transaction,
)

ENGINE_SQL = PROJECT_ROOT / "sql" / "index" / "engine"
PROVENANCE_SQL = PROJECT_ROOT / "sql" / "index" / "provenance"
WAREHOUSE_SQL = PROJECT_ROOT / "sql" / "warehouse"

MART_TABLES = (
    "indicator_values",
    "indicator_scores",
    "pillar_scores",
    "index_scores",
    "province_rankings",
    "indicator_contributions",
    "framework_weights",
)
IN_MEMORY_MARTS = ("indicator_scores", "pillar_scores", "index_scores", "province_rankings", "indicator_contributions")
SERIES_INPUT = "input"


def _run(con: duckdb.DuckDBPyConnection, folder: Path, name: str, timings: dict[str, float] | None = None) -> None:
    """One SQL file; with `timings`, its wall time is added under `folder/name` (`make bench` reports them)."""
    started = time.perf_counter()
    con.execute((folder / name).read_text(encoding="utf-8"))
    if timings is not None:
        key = f"{folder.name}/{name}"
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - started


def _paths_from_index(methodology: Methodology) -> dict[str, int]:
    """How many paths lead from the index down to each node and indicator (more than one where a component
    has several parents)."""
    parents: dict[str, list[str]] = {}
    for node in methodology.nodes:
        for child in node.children:
            parents.setdefault(child, []).append(node.code)

    def paths(code: str) -> int:
        return 1 if code == methodology.index.code else sum(paths(parent) for parent in parents.get(code, []))

    return {code: paths(code) for code in parents}


def _descendants(methodology: Methodology) -> list[dict]:
    """(node, indicator) for every indicator beneath every node, at any depth."""
    children = {n.code: list(n.children) for n in methodology.nodes}

    def leaves_under(code: str) -> set[str]:
        return set().union(*(leaves_under(c) if c in children else {c} for c in children[code]))

    return [{"node": node, "indicator_code": leaf} for node in children for leaf in sorted(leaves_under(node))]


def load_framework(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> None:
    """The methodology as temporary tables the SQL joins against: m_settings, m_nodes, m_edges,
    m_leaves (scored indicators), m_indicators (the whole catalogue) and m_descendants (the indicators
    beneath each node); and the engine's macros (sql/index/engine/00_formulas.sql)."""
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    settings = pl.DataFrame(
        [
            {
                "version": methodology.version,
                "name": methodology.name,
                "imputation": methodology.imputation,
                "geometric_floor": methodology.geometric_floor,
                "score_decimals": methodology.score_decimals,
                "on_track_min_ratio": methodology.gap_status.on_track_min_ratio,
                "acceleration_min_ratio": methodology.gap_status.acceleration_min_ratio,
                "approx_tolerance": methodology.gap_status.approx_tolerance,
                "gap_method": methodology.gap_status.method,
            }
        ],
        schema_overrides={"score_decimals": pl.Int32},
    )
    nodes = pl.DataFrame(
        [
            {
                "node": n.code,
                "name_vi": n.name_vi,
                "name_en": n.name_en,
                "aggregation": n.aggregation,
                "min_share": n.min_share,
                "level": methodology.levels[n.code],
                "is_index": n.code == methodology.index.code,
                "is_pillar": n.code != methodology.index.code,
            }
            for n in methodology.nodes
        ]
    )
    edges = pl.DataFrame(
        [
            {
                "parent": n.code,
                "child": child,
                "weight": weight,
                "weight_normalised": n.normalised_weights()[child],
                "parent_level": methodology.levels[n.code],
                "child_is_indicator": child in methodology.by_code,
            }
            for n in methodology.nodes
            for child, weight in n.children.items()
        ]
    )
    paths = _paths_from_index(methodology)
    indicators = pl.DataFrame(
        [
            {
                "indicator_code": i.code,
                "kind": i.kind,
                "direction": i.direction,
                "unit": i.unit,
                "normalisation": methodology.normalisation_of(i),
                "worst": i.goalposts[0],
                "best": i.goalposts[1],
                "valid_from": i.valid_from,
                "valid_to": i.valid_to,
                "restatement": methodology.restatement[i.kind],
                "derived_numerator": i.derived_from.numerator if i.derived_from else None,
                "derived_per": i.derived_from.per if i.derived_from else None,
                "is_leaf": i in methodology.leaves,
                "paths": paths.get(i.code, 0),
            }
            for i in methodology.indicators
        ],
        schema_overrides={
            "valid_to": pl.Int32,
            "valid_from": pl.Int32,
            "derived_numerator": pl.Utf8,
            "derived_per": pl.Float64,
        },
    )
    descendants = pl.DataFrame(_descendants(methodology), schema={"node": pl.Utf8, "indicator_code": pl.Utf8})
    main_indicators = pl.DataFrame({"indicator_code": methodology.main_indicators}, schema={"indicator_code": pl.Utf8})
    for name, frame in (
        ("m_settings", settings),
        ("m_nodes", nodes),
        ("m_edges", edges),
        ("m_indicators", indicators),
        ("m_descendants", descendants),
        ("m_main_indicators", main_indicators),
    ):
        temp_table(con, name, frame)
    con.execute("CREATE OR REPLACE TEMP TABLE m_leaves AS SELECT * FROM m_indicators WHERE is_leaf")
    _run(con, ENGINE_SQL, "00_formulas.sql")


def compute_index(
    con: duckdb.DuckDBPyConnection,
    methodology: Methodology,
    keep_leaf_scores: bool = False,
    timings: dict[str, float] | None = None,
) -> None:
    """The engine: from `units_in` and `values_in` (and the tables of `load_framework`) to the temporary
    tables leaf_scores, node_scores and node_ranks and the view engine_scores (see sql/index/engine).
    `keep_leaf_scores` stores the leaf scores for a later reader (the provenance) instead of a view read
    once. `timings` collects the seconds of each SQL file (a view's work counts where it is read).

    With the methodology's `outliers` treatment, the values of `values_in` are first treated by COINr's rule
    (sources/index/outliers.py) and each changed value is listed, with its original, in `treated_values`."""
    _treat_outliers(con, methodology)
    for name in ("10_ids.sql", "20_leaf_values.sql"):
        _run(con, ENGINE_SQL, name, timings)
    if methodology.imputation == "carry_forward":
        _run(con, ENGINE_SQL, "21_carry_forward.sql", timings)
    _run(con, ENGINE_SQL, "30_leaf_scores.sql", timings)
    kind = "TABLE" if keep_leaf_scores else "VIEW"
    con.execute(f"CREATE OR REPLACE TEMP {kind} leaf_scores AS SELECT * FROM leaf_score_rows")
    _run(con, ENGINE_SQL, "40_leaf_sums.sql", timings)
    if methodology.imputation == "pillar_mean":
        _run(con, ENGINE_SQL, "41_pillar_mean.sql", timings)
    for level in sorted(set(methodology.levels.values())):
        con.execute(f"SET VARIABLE level = {level}")
        _run(con, ENGINE_SQL, "50_node_scores.sql", timings)
    _run(con, ENGINE_SQL, "60_ranks.sql", timings)


def _treat_outliers(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> None:
    """`treated_values` (series, reporting_year, province_code, indicator_code, original_value, treatment):
    empty unless the methodology treats outliers, when `values_in` gets the treated values (per indicator,
    series and year across the units)."""
    con.execute("""CREATE OR REPLACE TEMP TABLE treated_values (series VARCHAR, reporting_year INTEGER,
                   province_code VARCHAR, indicator_code VARCHAR, original_value DOUBLE, treatment VARCHAR)""")
    if methodology.outliers.treatment == "none":
        return
    treated = treat_outliers(query_frame(con, "SELECT * FROM values_in"), methodology.outliers)
    changed = treated.filter(pl.col("treated")).select(
        "series", "reporting_year", "province_code", "indicator_code", "original_value", "treatment"
    )
    temp_table(con, "values_in", treated.drop("original_value", "treated", "treatment"))
    con.register("_treated", changed.to_arrow())
    try:
        con.execute("INSERT INTO treated_values SELECT * FROM _treated")
    finally:
        con.unregister("_treated")


def add_provenance(
    con: duckdb.DuckDBPyConnection, methodology: Methodology, timings: dict[str, float] | None = None
) -> None:
    """The warehouse's layer on the engine's output (sql/index/provenance): marts.indicator_scores,
    pillar_scores, index_scores, indicator_contributions, province_rankings and framework_weights."""
    for name in ("10_indicator_scores.sql", "20_pillar_and_index_scores.sql", "30_contributions.sql"):
        _run(con, PROVENANCE_SQL, name, timings)
    if methodology.imputation == "pillar_mean":
        _run(con, PROVENANCE_SQL, "35_pillar_mean_shares.sql", timings)
    for depth in range(max(methodology.levels.values())):
        con.execute(f"SET VARIABLE depth = {depth}")
        _run(con, PROVENANCE_SQL, "31_node_paths.sql", timings)
    for name in ("40_indicator_contributions.sql", "50_province_rankings.sql"):
        _run(con, PROVENANCE_SQL, name, timings)


def build_marts(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> dict[str, int]:
    """Recompute every index mart from `staging.figures` and `reference`, in one transaction.
    Returns the row count of each table."""
    with transaction(con):
        load_framework(con, methodology)
        with single_threaded(con):  # the restated series averages former units' values: float sums
            _run(con, WAREHOUSE_SQL, "10_indicator_values.sql")
            _run(con, WAREHOUSE_SQL, "20_index_inputs.sql")
        compute_index(con, methodology, keep_leaf_scores=True)
        add_provenance(con, methodology)
        for table in MART_TABLES:
            comment_table(con, f"marts.{table}")
    return {t: scalar(con, f"SELECT count(*) FROM marts.{t}") for t in MART_TABLES}


def build_target_gaps(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> int:
    """Recompute marts.target_gaps from the registry, the national targets and the index marts."""
    with single_threaded(con), transaction(con):
        load_framework(con, methodology)
        load_macros(con)
        _run(con, WAREHOUSE_SQL, "30_target_gaps.sql")
        comment_table(con, "marts.target_gaps")
    return scalar(con, "SELECT count(*) FROM marts.target_gaps")


def _input_tables(values: pl.DataFrame, units: list[str] | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """`units_in` and `values_in` for long values (`unit`, `indicator_code`, `value`, optionally
    `reporting_year`); `units` lists units that reported nothing too."""
    if "reporting_year" not in values.columns:
        values = values.with_columns(pl.lit(None, dtype=pl.Int32).alias("reporting_year"))
    values = values.with_columns(pl.col("reporting_year").cast(pl.Int32))
    years = values["reporting_year"].unique().sort().to_list() or [None]
    names = list(dict.fromkeys([*(units or []), *values["unit"].to_list()]))
    units_in = pl.DataFrame(
        [
            {"series": SERIES_INPUT, "unit_set": None, "reporting_year": y, "province_code": u, "province_name": u}
            for y in years
            for u in names
        ],
        schema={
            "series": pl.Utf8,
            "unit_set": pl.Utf8,
            "reporting_year": pl.Int32,
            "province_code": pl.Utf8,
            "province_name": pl.Utf8,
        },
    )
    values_in = values.select(
        pl.lit(SERIES_INPUT).alias("series"),
        "reporting_year",
        pl.col("unit").alias("province_code"),
        "indicator_code",
        pl.col("value").cast(pl.Float64),
        pl.lit("reported").alias("value_status"),
        pl.lit(None, dtype=pl.Utf8).alias("traced_to"),
        pl.lit(None, dtype=pl.Boolean).alias("is_synthetic"),
    )
    return units_in, values_in


def _in_memory(
    values: pl.DataFrame, methodology: Methodology, units: list[str] | None, threads: int | None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB in memory holding the methodology tables and the inputs of long values."""
    units_in, values_in = _input_tables(values, units)
    con = duckdb.connect(config={"threads": threads} if threads else {})
    load_framework(con, methodology)
    temp_table(con, "units_in", units_in)
    temp_table(con, "values_in", values_in)
    return con


def score(
    values: pl.DataFrame, methodology: Methodology, units: list[str] | None = None, threads: int | None = None
) -> pl.DataFrame:
    """The engine in memory on long values (`unit`, `indicator_code`, `value`, optionally `reporting_year`):
    per unit, year and ranking ('index' or a node code) the score, scored flag, coverage and rank. Every
    thread unless `threads` says otherwise (the scores are the same). `units` lists units that reported
    nothing too."""
    con = _in_memory(values, methodology, units, threads)
    try:
        compute_index(con, methodology)
        return query_frame(con, "SELECT * FROM engine_scores")
    finally:
        con.close()


def score_values(
    values: pl.DataFrame, methodology: Methodology, units: list[str] | None = None
) -> dict[str, pl.DataFrame]:
    """The engine and the warehouse's provenance in memory on long values (see `score`): the marts
    indicator_scores, pillar_scores, index_scores, province_rankings and indicator_contributions."""
    con = _in_memory(values, methodology, units, None)
    try:
        compute_index(con, methodology, keep_leaf_scores=True)
        add_provenance(con, methodology)
        return {table: query_frame(con, f"SELECT * FROM marts.{table}") for table in IN_MEMORY_MARTS}
    finally:
        con.close()
