"""The index audited as the European Commission's Joint Research Centre audits a composite index, step by
step as COINr (its R package) offers them, on the as-reported series of every reporting year:

- coherence: Pearson and Spearman correlations of each indicator with its pillar and the index, of each
  pillar with the index, and between the indicators of one pillar; pairs above 0.92 within a pillar
  (collinear: double counting) and indicators negatively correlated with their own pillar are flagged;
- reliability: Cronbach's alpha and a principal component analysis per pillar (and of the pillars in the
  index): does one dimension carry the pillar?
- effective weights: the share of each child's squared correlation with its parent (and with the index),
  beside the nominal weight the methodology gives it: the weight the data actually give;
- outliers: skewness and kurtosis of the reported values, and what COINr's treatment rule (winsorise, then
  log) does to them;
- variance-based sensitivity: first-order and total Sobol indices of each province's rank and score with
  respect to each contestable choice of the methodology's `uncertainty` section.

Every statistic is written from its textbook definition here; SALib (the reference implementation)
samples the Sobol design and estimates the indices. The same input gives the same tables: the Sobol
design and its bootstrap are seeded by the methodology's `uncertainty.seed`.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import polars as pl
from scipy import stats

from sources.catalog.catalog import catalog
from sources.index.methodology import Methodology
from sources.index.outliers import is_outlying, kurtosis, skewness, treat_vector
from sources.index.uncertainty import (
    problem_from_long,
    rank_sobol,
)
from sources.warehouse.tables import (
    query_frame,
    replace_table,
    transaction,
)

SERIES = "as_reported"
COLLINEAR = 0.92
SIGNIFICANCE = 0.05

# --- statistics, from their textbook definitions ---------------------------------------------------------


def _ranks(x: np.ndarray) -> np.ndarray:
    """Ranks 1..n, ties given their average rank (Spearman's convention)."""
    return stats.rankdata(x, method="average")


def correlation(x: np.ndarray, y: np.ndarray, method: str = "pearson") -> tuple[float | None, int]:
    """Correlation of x and y on the units where both are present (pairwise complete observations, as R's
    `cor(use = "pairwise.complete.obs")` in COINr's get_corr), and that number of units. Pearson:
    Σ(x - x̄)(y - ȳ) / √(Σ(x - x̄)² Σ(y - ȳ)²). Spearman: Pearson's r of the ranks (ties averaged),
    ranked again on each pair's complete units. None below 3 units or when either side is constant."""
    both = ~(np.isnan(x) | np.isnan(y))
    n = int(both.sum())
    if n < 3:
        return None, n
    a, b = x[both], y[both]
    if method == "spearman":
        a, b = _ranks(a), _ranks(b)
    da, db = a - a.mean(), b - b.mean()
    denominator = np.sqrt((da * da).sum() * (db * db).sum())
    if denominator == 0:
        return None, n
    return float(np.clip((da * db).sum() / denominator, -1.0, 1.0)), n


def correlation_p_value(r: float | None, n: int) -> float | None:
    """Two-sided p-value of H0: no correlation, by the t statistic r √((n - 2) / (1 - r²)) on n - 2 degrees
    of freedom (R's cor.test for Pearson; for Spearman the same t approximation, which cor.test uses when
    there are ties). COINr's get_corr blanks correlations with p > 0.05."""
    if r is None or n < 3:
        return None
    if abs(r) >= 1:
        return 0.0
    t = r * np.sqrt((n - 2) / (1 - r * r))
    return float(2 * stats.t.sf(abs(t), n - 2))


def covariance_pairwise(matrix: np.ndarray) -> np.ndarray:
    """Sample covariance matrix (denominator n - 1), each entry on the rows where both columns are present
    (R's `cov(use = "pairwise.complete.obs")`); NaN where fewer than 2 rows are."""
    k = matrix.shape[1]
    out = np.full((k, k), np.nan)
    for i in range(k):
        for j in range(i, k):
            both = ~(np.isnan(matrix[:, i]) | np.isnan(matrix[:, j]))
            if both.sum() >= 2:
                a, b = matrix[both, i], matrix[both, j]
                out[i, j] = out[j, i] = ((a - a.mean()) * (b - b.mean())).sum() / (both.sum() - 1)
    return out


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """Cronbach's alpha of the columns (items) of a units × items matrix: α = k / (k - 1) · (1 - Σσ²ᵢ / σ²ₜ),
    σ²ᵢ the item variances and σ²ₜ the variance of the units' totals, i.e. Σ of every entry of the
    covariance matrix. Written as COINr's get_cronbach writes it, k² · mean(off-diagonal covariances) /
    Σ(all covariances), with the covariances on pairwise complete observations (COINr's default), which is
    the same number when nothing is missing. None with fewer than 2 items or no variance."""
    k = matrix.shape[1]
    if k < 2:
        return None
    covariance = covariance_pairwise(matrix)
    total = np.nansum(covariance)
    if not np.isfinite(total) or total == 0:
        return None
    off_diagonal_mean = (total - np.nansum(np.diag(covariance))) / (k * (k - 1))
    return float(k * k * off_diagonal_mean / total)


def principal_components(matrix: np.ndarray) -> tuple[np.ndarray | None, int]:
    """Eigenvalues, largest first, of the correlation matrix of the columns on the complete cases (rows
    with every column present: COINr's get_PCA drops the others, then runs prcomp(center = TRUE,
    scale = TRUE), whose component variances are these eigenvalues), and the number of complete cases.
    None with fewer than 2 columns, fewer than 3 complete cases or a constant column (prcomp cannot
    scale it)."""
    complete = matrix[~np.isnan(matrix).any(axis=1)]
    n = complete.shape[0]
    if matrix.shape[1] < 2 or n < 3 or (complete.std(axis=0) == 0).any():
        return None, n
    eigenvalues = np.linalg.eigvalsh(np.corrcoef(complete, rowvar=False))[::-1]
    return np.clip(eigenvalues, 0.0, None), n


# --- coherence, reliability, effective weights ----------------------------------------------------------


def _matrix(frame: pl.DataFrame, units: list[str], columns: list[str], key: str, column: str) -> np.ndarray:
    """units × columns of `frame`'s `value` (long: province_code, `key`, value); NaN where absent."""
    grid = np.full((len(units), len(columns)), np.nan)
    row, col = {u: i for i, u in enumerate(units)}, {c: j for j, c in enumerate(columns)}
    for unit, code, value in frame.select("province_code", key, column).iter_rows():
        if unit in row and code in col and value is not None:
            grid[row[unit], col[code]] = value
    return grid


def _pair(level: str, variable: str, against: str, group: str | None, x: np.ndarray, y: np.ndarray) -> dict:
    pearson, n = correlation(x, y, "pearson")
    spearman, _ = correlation(x, y, "spearman")
    return {
        "level": level,
        "variable": variable,
        "against": against,
        "pillar": group,
        "pearson": pearson,
        "spearman": spearman,
        "units": n,
        "pearson_p_value": correlation_p_value(pearson, n),
        "spearman_p_value": correlation_p_value(spearman, n),
    }


def coherence(
    methodology: Methodology, year: int, units: list[str], indicator_scores: pl.DataFrame, node_scores: pl.DataFrame
) -> pl.DataFrame:
    """One year's correlations: each indicator with each node it feeds ('indicator–pillar') and with the
    index ('indicator–index'), each pillar with the index ('pillar–index'), and every pair of indicators of
    one pillar ('indicator–indicator'), Pearson and Spearman on pairwise complete observations with their
    p-values. `flag`: 'collinear' for a pair of indicators of one pillar with Pearson r > 0.92 (COINr's
    get_corr_flags, cortype pearson), 'negative' for an indicator negatively correlated (Pearson) with its
    own pillar. `indicator_scores` is long (province_code, indicator_code, score), `node_scores` long
    (province_code, node, score) with node 'index' for the index."""
    indicators = [leaf.code for leaf in methodology.leaves if leaf.valid_in(year)]
    nodes = [n.code for n in methodology.nodes]
    leaf = _matrix(indicator_scores, units, indicators, "indicator_code", "score")
    node = _matrix(node_scores, units, nodes, "node", "score")
    at, node_at = {c: j for j, c in enumerate(indicators)}, {c: j for j, c in enumerate(nodes)}
    index = methodology.index.code
    rows = []
    for pillar in methodology.pillars:
        members = [c for c in pillar.children if c in at]
        for code in members:
            rows.append(
                _pair(
                    "indicator–pillar", code, pillar.code, pillar.code, leaf[:, at[code]], node[:, node_at[pillar.code]]
                )
            )
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                rows.append(
                    _pair("indicator–indicator", first, second, pillar.code, leaf[:, at[first]], leaf[:, at[second]])
                )
    for code in indicators:
        rows.append(_pair("indicator–index", code, index, None, leaf[:, at[code]], node[:, node_at[index]]))
    for child in methodology.index.children:
        if child in node_at:
            rows.append(_pair("pillar–index", child, index, None, node[:, node_at[child]], node[:, node_at[index]]))
    schema = {
        "level": pl.Utf8,
        "variable": pl.Utf8,
        "against": pl.Utf8,
        "pillar": pl.Utf8,
        "pearson": pl.Float64,
        "spearman": pl.Float64,
        "units": pl.Int64,
        "pearson_p_value": pl.Float64,
        "spearman_p_value": pl.Float64,
    }
    frame = pl.DataFrame(rows, schema=schema)
    return frame.with_columns(
        pl.when((pl.col("level") == "indicator–indicator") & (pl.col("pearson") > COLLINEAR))
        .then(pl.lit("collinear"))
        .when((pl.col("level") == "indicator–pillar") & (pl.col("pearson") < 0))
        .then(pl.lit("negative"))
        .otherwise(None)
        .alias("flag")
    )


def reliability(
    methodology: Methodology, year: int, units: list[str], indicator_scores: pl.DataFrame, node_scores: pl.DataFrame
) -> pl.DataFrame:
    """Per node (each pillar over its indicators; the index over its pillars): Cronbach's alpha (pairwise
    complete covariances, as COINr's get_cronbach) and a principal component analysis on the correlation
    matrix of the complete cases (as COINr's get_PCA): the first component's share of the variance (its
    eigenvalue over the number of children) and the number of eigenvalues above 1 (Kaiser's rule)."""
    indicators = [leaf.code for leaf in methodology.leaves if leaf.valid_in(year)]
    nodes = [n.code for n in methodology.nodes]
    leaf = _matrix(indicator_scores, units, indicators, "indicator_code", "score")
    node = _matrix(node_scores, units, nodes, "node", "score")
    at, node_at = {c: j for j, c in enumerate(indicators)}, {c: j for j, c in enumerate(nodes)}
    rows = []
    for parent in [*methodology.pillars, methodology.index]:
        children = [c for c in parent.children if c in at or c in node_at]
        matrix = (
            np.column_stack([leaf[:, at[c]] if c in at else node[:, node_at[c]] for c in children])
            if children
            else np.empty((len(units), 0))
        )
        eigenvalues, complete = principal_components(matrix)
        rows.append(
            {
                "node": parent.code,
                "children": len(children),
                "units": len(units),
                "complete_units": complete,
                "cronbach_alpha": cronbach_alpha(matrix),
                "pca_first_share": None if eigenvalues is None else float(eigenvalues[0] / len(children)),
                "pca_eigenvalues_above_1": None if eigenvalues is None else int((eigenvalues > 1).sum()),
                "pca_eigenvalues": None if eigenvalues is None else "; ".join(f"{e:.4f}" for e in eigenvalues),
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "node": pl.Utf8,
            "children": pl.Int64,
            "units": pl.Int64,
            "complete_units": pl.Int64,
            "cronbach_alpha": pl.Float64,
            "pca_first_share": pl.Float64,
            "pca_eigenvalues_above_1": pl.Int64,
            "pca_eigenvalues": pl.Utf8,
        },
    )


def effective_weights(methodology: Methodology, year: int, coherence_table: pl.DataFrame) -> pl.DataFrame:
    """Nominal beside effective weights. Per child of a node: the nominal weight (normalised within the
    parent) and the effective one, its squared Pearson correlation with the parent over the sum of its
    siblings' (the share of the parent's variance each child explains: the JRC's reading of what the
    weights do); and the same against the index: the nominal weight of the child in the index (the
    product of the normalised weights along its paths) and its r² with the index normalised over the
    children of its level (indicators, or pillars)."""
    valid = {leaf.code for leaf in methodology.leaves if leaf.valid_in(year)}
    pearson = {(v, a): r for v, a, r in coherence_table.select("variable", "against", "pearson").iter_rows()}
    index = methodology.index.code
    in_index = _index_weights(methodology, valid)
    rows = []
    for parent in [*methodology.pillars, methodology.index]:
        children = [c for c in parent.children if c in valid or c in methodology.levels]
        total = sum(parent.children[c] for c in children)
        squares = {c: pearson.get((c, parent.code)) for c in children}
        squares = {c: None if r is None else r * r for c, r in squares.items()}
        known = sum(s for s in squares.values() if s is not None)
        for c in children:
            rows.append(
                {
                    "node": parent.code,
                    "child": c,
                    "child_is_indicator": c in valid,
                    "nominal_weight": parent.children[c] / total,
                    "correlation": pearson.get((c, parent.code)),
                    "effective_weight": None if squares[c] is None or known == 0 else squares[c] / known,
                    "nominal_weight_in_index": in_index.get(c),
                }
            )
    frame = pl.DataFrame(
        rows,
        schema={
            "node": pl.Utf8,
            "child": pl.Utf8,
            "child_is_indicator": pl.Boolean,
            "nominal_weight": pl.Float64,
            "correlation": pl.Float64,
            "effective_weight": pl.Float64,
            "nominal_weight_in_index": pl.Float64,
        },
    )
    with_index = frame.join(
        coherence_table.filter(pl.col("against") == index)
        .select(pl.col("variable").alias("child"), pl.col("pearson").alias("correlation_with_index"))
        .unique("child"),
        on="child",
        how="left",
    )
    return with_index.with_columns(
        (
            pl.col("correlation_with_index") ** 2
            / (pl.col("correlation_with_index") ** 2).sum().over("child_is_indicator")
        ).alias("effective_weight_in_index")
    )


def _index_weights(methodology: Methodology, valid: set[str]) -> dict[str, float]:
    """Each child's nominal weight in the index: the sum over its paths of the product of the weights,
    normalised within each parent over the children present."""
    by_code = {n.code: n for n in methodology.nodes}
    weights: dict[str, float] = {}

    def walk(code: str, share: float) -> None:
        node = by_code[code]
        children = [c for c in node.children if c in valid or c in by_code]
        total = sum(node.children[c] for c in children)
        for c in children:
            weights[c] = weights.get(c, 0.0) + share * node.children[c] / total
            if c in by_code:
                walk(c, share * node.children[c] / total)

    walk(methodology.index.code, 1.0)
    return weights


def outliers(
    methodology: Methodology, year: int, units: list[str], names: dict[str, str], values: pl.DataFrame
) -> pl.DataFrame:
    """Per indicator of the year, on the values as reported across the units: skewness and excess kurtosis,
    COINr's outlier flag, and what the treatment rule (the methodology's `outliers` thresholds, COINr's
    by default) does to it: 'winsorised' (how many points, which units, from what to what) or 'log'.
    `applied` says whether the methodology applies the treatment to the index's inputs."""
    settings = methodology.outliers
    indicators = [leaf.code for leaf in methodology.leaves if leaf.valid_in(year)]
    matrix = _matrix(values, units, indicators, "indicator_code", "value")
    rows = []
    for j, code in enumerate(indicators):
        x = matrix[:, j]
        treated, labels = treat_vector(x, settings)
        changed = [i for i, label in enumerate(labels) if label and label != "log_CT"]
        treatment = "log" if "log_CT" in labels else "winsorised" if changed else None
        rows.append(
            {
                "indicator_code": code,
                "units": int((~np.isnan(x)).sum()),
                "skewness": skewness(x),
                "kurtosis": kurtosis(x),
                "outlier": is_outlying(x, settings.skew_thresh, settings.kurt_thresh),
                "treatment": treatment,
                "points_treated": len(changed)
                if treatment == "winsorised"
                else int((~np.isnan(x)).sum())
                if treatment
                else 0,
                "skewness_after": skewness(treated) if treatment else None,
                "kurtosis_after": kurtosis(treated) if treatment else None,
                "treated_units": "; ".join(
                    f"{names.get(units[i], units[i])} ({x[i]:g} → {treated[i]:g})" for i in changed
                )
                or None,
                "applied": settings.treatment != "none" and treatment is not None,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "indicator_code": pl.Utf8,
            "units": pl.Int64,
            "skewness": pl.Float64,
            "kurtosis": pl.Float64,
            "outlier": pl.Boolean,
            "treatment": pl.Utf8,
            "points_treated": pl.Int64,
            "skewness_after": pl.Float64,
            "kurtosis_after": pl.Float64,
            "treated_units": pl.Utf8,
            "applied": pl.Boolean,
        },
    )


# --- the marts ----------------------------------------------------------------------------------------------

AUDIT_TABLES = (
    "audit_coherence",
    "audit_flagged_pairs",
    "audit_reliability",
    "audit_effective_weights",
    "audit_outliers",
    "audit_sobol",
)  # described in sources/catalog/catalog.yaml


def _year_inputs(con: duckdb.DuckDBPyConnection) -> dict[str, pl.DataFrame]:
    return {
        "units": query_frame(
            con,
            """
            SELECT reporting_year, unit_set, province_code, province_name, is_synthetic FROM marts.index_scores
            WHERE series = ? ORDER BY reporting_year, province_code""",
            [SERIES],
        ),
        "indicator_scores": query_frame(
            con,
            """
            SELECT reporting_year, unit_set, province_code, indicator_code, score FROM marts.indicator_scores
            WHERE series = ?""",
            [SERIES],
        ),
        "node_scores": query_frame(
            con,
            """
            SELECT reporting_year, unit_set, province_code, pillar AS node, score FROM marts.pillar_scores WHERE series = ?
            UNION ALL
            SELECT reporting_year, unit_set, province_code, 'index', score FROM marts.index_scores WHERE series = ?""",
            [SERIES, SERIES],
        ),
        "values": query_frame(
            con,
            """
            SELECT reporting_year, unit_set, province_code, province_code AS unit, indicator_code, value
            FROM marts.indicator_values WHERE series = ? AND value IS NOT NULL""",
            [SERIES],
        ),
    }


def audit_tables(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> dict[str, pl.DataFrame]:
    """Every audit table for every reporting year of the as-reported series, from the index marts."""
    inputs = _year_inputs(con)
    frames: dict[str, list[pl.DataFrame]] = {name: [] for name in AUDIT_TABLES}
    for (year, unit_set), year_units in inputs["units"].group_by("reporting_year", "unit_set", maintain_order=True):
        units = year_units["province_code"].to_list()
        names = dict(zip(units, year_units["province_name"]))

        def of_year(frame: pl.DataFrame, year: int = year, unit_set: str = unit_set) -> pl.DataFrame:
            return frame.filter((pl.col("reporting_year") == year) & (pl.col("unit_set") == unit_set))

        leaf, node = of_year(inputs["indicator_scores"]), of_year(inputs["node_scores"])
        table = coherence(methodology, year, units, leaf, node)
        same_set = inputs["values"].filter(pl.col("unit_set") == unit_set)
        indicators = [c.code for c in methodology.leaves if c.valid_in(year)]
        problem = problem_from_long(
            same_set.filter(pl.col("reporting_year") == year),
            units,
            indicators,
            earlier=same_set.filter(pl.col("reporting_year") < year),
        )
        year_frames = {
            "audit_coherence": table,
            "audit_flagged_pairs": table.filter(pl.col("flag").is_not_null()),
            "audit_reliability": reliability(methodology, year, units, leaf, node),
            "audit_effective_weights": effective_weights(methodology, year, table),
            "audit_outliers": outliers(methodology, year, units, names, of_year(inputs["values"])),
            "audit_sobol": rank_sobol(methodology, problem)
            .with_columns(
                pl.col("unit").alias("province_code"),
                pl.col("unit").replace_strict(names, default=None).alias("province_name"),
            )
            .drop("unit"),
        }
        keys = [
            pl.lit(SERIES).alias("series"),
            pl.lit(unit_set).alias("unit_set"),
            pl.lit(year, dtype=pl.Int32).alias("reporting_year"),
        ]
        tail = [
            pl.lit(bool(year_units["is_synthetic"].any())).alias("is_synthetic"),
            pl.lit(methodology.version).alias("methodology_version"),
        ]
        for name, frame in year_frames.items():
            frames[name].append(frame.select(*keys, pl.all(), *tail))
    empty = pl.DataFrame(schema={"series": pl.Utf8, "unit_set": pl.Utf8, "reporting_year": pl.Int32})
    return {name: pl.concat(parts) if parts else empty for name, parts in frames.items()}


def build_audit(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> dict[str, int]:
    """Recompute the marts.audit_* tables from the index marts, in one transaction, described from the
    catalog. Returns the row count of each table."""
    tables = audit_tables(con, methodology)
    with transaction(con):
        for name, frame in tables.items():
            replace_table(con, "marts", name, frame)
    return {name: frame.height for name, frame in tables.items()}


# --- the audit as people read it (release workbook and report, `dti audit`) ---------------------------------

REPORT_QUERIES = [
    (
        "Độ tin cậy của trụ cột | Pillar reliability",
        """
        SELECT node AS "Nút | Node", children AS "Số thành phần | Children", complete_units AS "Đơn vị đủ số liệu | Complete units",
               round(cronbach_alpha, 3) AS "Cronbach alpha", round(pca_first_share, 3) AS "Thành phần chính 1 | PC1 share",
               pca_eigenvalues_above_1 AS "Giá trị riêng > 1 | Eigenvalues > 1"
        FROM marts.audit_reliability WHERE reporting_year = $year ORDER BY node = 'index', node""",
    ),
    (
        "Tương quan với trụ cột và chỉ số | Correlations with pillar and index",
        """
        SELECT level AS "Cặp | Pair", variable AS "Biến | Variable", against AS "So với | Against",
               round(pearson, 3) AS "Pearson", round(spearman, 3) AS "Spearman", units AS "Số đơn vị | Units",
               coalesce(flag, '') AS "Cảnh báo | Flag"
        FROM marts.audit_coherence WHERE reporting_year = $year AND level <> 'indicator–indicator'
        ORDER BY level, against, variable""",
    ),
    (
        "Cặp bị cảnh báo (r > 0,92 trong trụ cột; tương quan âm) | Flagged pairs (r > 0.92 within a pillar; negative)",
        """
        SELECT flag AS "Cảnh báo | Flag", pillar AS "Trụ cột | Pillar", variable AS "Biến | Variable",
               against AS "So với | Against", round(pearson, 3) AS "Pearson", round(spearman, 3) AS "Spearman"
        FROM marts.audit_flagged_pairs WHERE reporting_year = $year ORDER BY flag, pearson DESC""",
    ),
    (
        "Trọng số danh nghĩa và hiệu dụng | Nominal and effective weights",
        """
        SELECT node AS "Nút | Node", child AS "Thành phần | Child", round(nominal_weight, 3) AS "Danh nghĩa | Nominal",
               round(effective_weight, 3) AS "Hiệu dụng | Effective",
               round(nominal_weight_in_index, 3) AS "Danh nghĩa trong chỉ số | Nominal in index",
               round(effective_weight_in_index, 3) AS "Hiệu dụng trong chỉ số | Effective in index"
        FROM marts.audit_effective_weights WHERE reporting_year = $year ORDER BY node = 'index', node, child""",
    ),
    (
        "Giá trị ngoại lai | Outliers",
        """
        SELECT indicator_code AS "Chỉ tiêu | Indicator", round(skewness, 2) AS "Độ lệch | Skewness",
               round(kurtosis, 2) AS "Độ nhọn | Kurtosis", coalesce(treatment, '') AS "Xử lý | Treatment",
               points_treated AS "Số điểm | Points", treated_units AS "Đơn vị được xử lý | Treated units",
               CASE WHEN applied THEN 'có | yes' ELSE 'không | no' END AS "Đã áp dụng | Applied"
        FROM marts.audit_outliers WHERE reporting_year = $year AND (outlier OR treatment IS NOT NULL)
        ORDER BY indicator_code""",
    ),
    (
        "Độ nhạy Sobol của độ dịch hạng trung bình | Sobol indices of the mean absolute rank shift",
        """
        SELECT choice AS "Lựa chọn | Choice", round(first_order, 3) AS "Bậc một | First order",
               round(first_order_low, 3) || ' – ' || round(first_order_high, 3) AS "Khoảng bậc một | First-order interval",
               round(total_order, 3) AS "Toàn phần | Total",
               round(total_order_low, 3) || ' – ' || round(total_order_high, 3) AS "Khoảng toàn phần | Total interval",
               evaluations AS "Số lần tính | Evaluations"
        FROM marts.audit_sobol WHERE reporting_year = $year AND output = 'mean_abs_rank_shift' ORDER BY total_order DESC""",
    ),
    (
        "Chỉ số Sobol toàn phần của hạng từng tỉnh | Total Sobol index of each province's rank",
        """
        WITH s AS (SELECT * FROM marts.audit_sobol WHERE reporting_year = $year AND output = 'rank'),
        r AS (SELECT province_code, rank FROM marts.province_rankings
              WHERE series = 'as_reported' AND ranking = 'index' AND reporting_year = $year)
        SELECT r.rank AS "Hạng | Rank", s.province_name AS "Tỉnh/thành phố | Province",
               round(max(total_order) FILTER (choice = 'weights'), 3) AS "Trọng số | Weights",
               round(max(total_order) FILTER (choice = 'normalisation'), 3) AS "Chuẩn hóa | Normalisation",
               round(max(total_order) FILTER (choice = 'aggregation'), 3) AS "Tổng hợp | Aggregation",
               round(max(total_order) FILTER (choice = 'imputation'), 3) AS "Bù số liệu | Imputation",
               CASE WHEN max(total_order) > 0 THEN arg_max(choice, total_order) END AS "Ảnh hưởng nhất | Most influential"
        FROM s LEFT JOIN r USING (province_code)
        GROUP BY ALL ORDER BY r.rank NULLS LAST, s.province_name""",
    ),
]


def has_audit(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the warehouse open on `con` holds the audit tables (a warehouse built before them does not)."""
    found = con.execute("""SELECT count(*) FROM duckdb_tables()
                           WHERE schema_name = 'marts' AND table_name = 'audit_sobol'""").fetchall()
    return found[0][0] > 0


def audit_report(con: duckdb.DuckDBPyConnection, year: int) -> list[tuple[str, pl.DataFrame]]:
    """The audit of one reporting year as people read it, Vietnamese first: (title, table) for the pillar
    reliability, the correlations, the flagged pairs, the weights, the outliers and the Sobol indices.
    Empty when the warehouse has no audit."""
    if not has_audit(con):
        return []
    words = _vietnamese_names(con)
    return [
        (title, _readable(query_frame(con, sql.replace("$year", str(int(year)))), words))
        for title, sql in REPORT_QUERIES
    ]


AUDIT_VOCABULARIES = ("audit_level", "audit_flag", "audit_treatment", "audit_node", "sensitivity_choice")


def _vietnamese_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Code -> what a person reads: the indicators' and pillars' Vietnamese names (reference.indicators) and
    the audit's words (the catalog's vocabularies)."""
    names = dict(con.execute("SELECT code, name_vi FROM reference.indicators").fetchall())
    names |= dict(con.execute("SELECT DISTINCT pillar, pillar_name_vi FROM reference.indicators").fetchall())
    for vocabulary in AUDIT_VOCABULARIES:
        names |= {value: text.vi for value, text in catalog().vocabularies[vocabulary].items()}
    return names


def _readable(frame: pl.DataFrame, names: dict[str, str]) -> pl.DataFrame:
    """Every text cell that is a code, as its name (other text, such as a province's name, as it is)."""
    text = [column for column, dtype in frame.schema.items() if dtype == pl.Utf8]
    return frame.with_columns(pl.col(column).replace(names) for column in text)


class AuditUnavailable(RuntimeError):
    """No audit to show: no published copy yet, one without the audit, or a year not audited."""


def published_audit(published: Path, year: int | None = None) -> tuple[int, list[tuple[str, pl.DataFrame]]]:
    """`dti audit`: the audit of `year` (default: the latest audited) from the published copy, which can be
    read while a run writes. Raises AuditUnavailable with a bilingual reason."""
    if not published.exists():
        raise AuditUnavailable(f"chưa có bản công bố | no published copy yet at {published}; run `dti run` first")
    con = duckdb.connect(str(published), read_only=True)
    try:
        if not has_audit(con):
            raise AuditUnavailable(
                "bản công bố chưa có kiểm định | the published copy holds no audit; run `dti run` again"
            )
        years = [
            row[0]
            for row in con.execute("SELECT DISTINCT reporting_year FROM marts.audit_reliability ORDER BY 1").fetchall()
        ]
        year = year if year is not None else (years[-1] if years else None)
        if year not in years:
            raise AuditUnavailable(
                f"không có kiểm định cho năm {year} | no audit for {year}; audited years: "
                f"{', '.join(map(str, years)) or 'none'}"
            )
        return year, audit_report(con, year)
    finally:
        con.close()
