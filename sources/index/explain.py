"""Why a province's index score and rank moved between two years, told exactly.

The change of a province's index score between a year `from` and a year `to` is split into one part per
indicator, read off the engine's contributions (marts.indicator_contributions: effective weight w times
score s, which add up to the index score under arithmetic aggregation):

- value part `w̄ · Δs`: what the indicator's own score change brought, at the mean of the two years'
  effective weights;
- weight part `s̄ · Δw`: what the change of its effective weight brought (a pillar that lost or gained
  components, a weight that changed), at the mean of the two scores. The two together are the symmetric
  (Shapley) split of the contribution change, `Δ(w·s) = w̄·Δs + s̄·Δw`, which is exact; an indicator
  scored in only one of the two years (gained or lost) has its whole contribution change here, as a
  coverage change;
- methodology part: when the `to` year is scored by another methodology than the `from` year, the from
  year's values are scored again by the to year's methodology (the *bridge*) and each indicator's
  contribution change from the old methodology to the new one on the same values is its methodology part;
  the value and weight parts are then taken between the bridge and the `to` year;
- non-additive part (per province): what the contributions do not carry, the index change minus the sum of
  every part above: zero (to floating point) under arithmetic aggregation, the interaction of the
  indicators under a geometric mean.

By construction the parts add up to the index change (to 1e-12). The rank change is told as who the
province overtook (ahead of it in `from`, behind it in `to`) and who overtook it.

Within one warehouse every year is scored by one methodology (build_marts), so marts.score_change_attribution
has a zero methodology part; `attribute_change` with a bridge serves comparisons across methodologies. Each
pair compares units of one unit set: the as-reported series where both years have the same units, and for
a pair across the merger of 01/07/2025 (2024 on the 63 former units, 2025 on the 34 current ones) the `from`
year restated on the 34 units (series restated_34) against the as-reported `to` year."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import duckdb
import polars as pl

from sources.index.methodology import Methodology
from sources.reference.provinces import fold
from sources.warehouse.tables import comment_table, query_frame, replace_table, transaction

AS_REPORTED = "as_reported"
RESTATED = "restated_34"
CONTRIBUTION_COLUMNS = ("province_code", "indicator_code", "score", "effective_weight")
INDEX_COLUMNS = ("province_code", "province_name", "score", "rank")


@dataclass(frozen=True)
class Scored:
    """One year of one series as the engine scored it: `contributions` (province_code, indicator_code,
    score, effective_weight), `index` (province_code, province_name, score, rank) and, for the pillar
    attribution, `pillars` (the same with `ranking`, the pillar's code)."""

    contributions: pl.DataFrame
    index: pl.DataFrame
    pillars: pl.DataFrame | None = None

    @classmethod
    def of(cls, marts: dict[str, pl.DataFrame], year: int | None = None) -> Scored:
        """From the in-memory marts of the engine (`score_values`), one reporting year (all when None)."""
        contributions, ranks = marts["indicator_contributions"], marts["province_rankings"]
        if year is not None:
            contributions = contributions.filter(pl.col("reporting_year") == year)
            ranks = ranks.filter(pl.col("reporting_year") == year)
        return cls(
            contributions.select(CONTRIBUTION_COLUMNS),
            ranks.filter(pl.col("ranking") == "index").select(INDEX_COLUMNS),
            ranks.filter(pl.col("ranking") != "index").select("ranking", *INDEX_COLUMNS),
        )


def _contribution(frame: pl.DataFrame, suffix: str) -> pl.DataFrame:
    return frame.select(
        "province_code",
        "indicator_code",
        pl.col("score").alias(f"score_{suffix}"),
        pl.col("effective_weight").alias(f"weight_{suffix}"),
        (pl.col("effective_weight") * pl.col("score")).alias(f"contribution_{suffix}"),
    )


def attribute_change(before: Scored, after: Scored, bridge: Scored | None = None) -> pl.DataFrame:
    """Per province scored in both years and indicator of either year: the effective weights, scores and
    contributions of both years, and the value, weight and methodology parts of the index change; with,
    repeated on each of the province's rows, its index scores, change, non-additive part and ranks.
    `bridge` is the `before` year's values scored by the `after` year's methodology (see the module)."""
    scored = pl.col("score").is_not_null()
    old = before.index.filter(scored).select(
        "province_code", pl.col("score").alias("index_from"), pl.col("rank").alias("rank_from")
    )
    new = after.index.filter(scored).select(
        "province_code", "province_name", pl.col("score").alias("index_to"), pl.col("rank").alias("rank_to")
    )
    provinces = old.join(new, on="province_code")
    middle = bridge or before
    keys = ["province_code", "indicator_code"]
    rows = (
        _contribution(before.contributions, "from")
        .join(_contribution(middle.contributions, "bridge"), on=keys, how="full", coalesce=True)
        .join(_contribution(after.contributions, "to"), on=keys, how="full", coalesce=True)
        .join(provinces.select("province_code"), on="province_code", how="semi")
    )
    both = pl.col("score_bridge").is_not_null() & pl.col("score_to").is_not_null()
    c_from, c_bridge, c_to = (pl.col(f"contribution_{s}").fill_null(0.0) for s in ("from", "bridge", "to"))
    mean_weight = (pl.col("weight_bridge") + pl.col("weight_to")) / 2
    mean_score = (pl.col("score_bridge") + pl.col("score_to")) / 2
    rows = rows.with_columns(
        pl.when(both)
        .then(mean_weight * (pl.col("score_to") - pl.col("score_bridge")))
        .otherwise(0.0)
        .alias("value_part"),
        pl.when(both)
        .then(mean_score * (pl.col("weight_to") - pl.col("weight_bridge")))
        .otherwise(c_to - c_bridge)
        .alias("weight_part"),
        (c_bridge - c_from if bridge is not None else pl.lit(0.0)).alias("methodology_part"),
        pl.when(pl.col("score_from").is_null() & pl.col("score_to").is_not_null())
        .then(pl.lit("gained"))
        .when(pl.col("score_from").is_not_null() & pl.col("score_to").is_null())
        .then(pl.lit("lost"))
        .when(pl.col("score_from").is_null() & pl.col("score_to").is_null())
        .then(pl.lit("absent"))
        .otherwise(pl.lit("both"))
        .alias("coverage"),
    )
    # Summed in the indicators' order, so that the float rounding (the non-additive part, about 1e-16 under
    # arithmetic aggregation) is the same on every run and a repeated run publishes nothing new.
    explained = rows.group_by("province_code").agg(
        (pl.col("value_part") + pl.col("weight_part") + pl.col("methodology_part"))
        .sort_by(pl.col("indicator_code"))
        .sum()
        .alias("explained")
    )
    provinces = (
        provinces.with_columns((pl.col("index_to") - pl.col("index_from")).alias("index_change"))
        .join(explained, on="province_code", how="left")
        .with_columns((pl.col("index_change") - pl.col("explained").fill_null(0.0)).alias("non_additive_part"))
        .drop("explained")
        .join(_overtaking(provinces), on="province_code", how="left")
    )
    return (
        rows.join(provinces, on="province_code")
        .select(
            "province_code",
            "province_name",
            "indicator_code",
            "coverage",
            "score_from",
            "score_to",
            "weight_from",
            "weight_to",
            "contribution_from",
            "contribution_to",
            "value_part",
            "weight_part",
            "methodology_part",
            "index_from",
            "index_to",
            "index_change",
            "non_additive_part",
            "rank_from",
            "rank_to",
            "overtook",
            "overtaken_by",
        )
        .sort("province_code", "indicator_code")
    )


def _overtaking(provinces: pl.DataFrame) -> pl.DataFrame:
    """Per province ranked in both years: who it overtook (ranked ahead of it in `from`, behind it in `to`)
    and who overtook it, as '; '-separated names in order of the `to` rank (NULL: nobody)."""
    ranked = provinces.filter(pl.col("rank_from").is_not_null() & pl.col("rank_to").is_not_null())
    pairs = (
        ranked.join(ranked, how="cross", suffix="_other")
        .filter(pl.col("province_code") != pl.col("province_code_other"))
        .sort("rank_to_other", "province_name_other")
    )
    ahead_then = pl.col("rank_from_other") < pl.col("rank_from")
    behind_now = pl.col("rank_to_other") > pl.col("rank_to")
    behind_then = pl.col("rank_from_other") > pl.col("rank_from")
    ahead_now = pl.col("rank_to_other") < pl.col("rank_to")
    names = pl.col("province_name_other")

    def listed(condition: pl.Expr, name: str) -> pl.Expr:
        text = names.filter(condition).str.join("; ")
        return pl.when(text == "").then(None).otherwise(text).alias(name)

    return pairs.group_by("province_code", maintain_order=True).agg(
        listed(ahead_then & behind_now, "overtook"), listed(behind_then & ahead_now, "overtaken_by")
    )


def pillar_leaves(children: dict[str, list[str]]) -> dict[str, list[str]]:
    """The indicators beneath each pillar, at any depth, from the framework's edges (each node's children;
    the index is the node no other node holds; a child that holds nothing is an indicator)."""
    held = {child for kids in children.values() for child in kids}

    def leaves(code: str) -> list[str]:
        return [leaf for c in children[code] for leaf in (leaves(c) if c in children else [c])]

    return {node: sorted(set(leaves(node))) for node in children if node in held}


def framework_children(methodology: Methodology) -> dict[str, list[str]]:
    """Each node's children, as `pillar_leaves` reads them."""
    return {node.code: list(node.children) for node in methodology.nodes}


def _pillar_view(scored: Scored, pillar: str, leaves: list[str]) -> Scored:
    """One pillar as if it were the index: its indicators with their weight within the pillar (their index
    effective weight over the sum of those of the pillar's scored indicators: exact when each indicator
    reaches the index through one path) and the pillar's scores and ranks."""
    rows = scored.contributions.filter(pl.col("indicator_code").is_in(leaves))
    scored_weight = pl.when(pl.col("score").is_not_null()).then(pl.col("effective_weight"))
    rows = rows.with_columns(pl.col("effective_weight") / scored_weight.sum().over("province_code"))
    pillars = scored.pillars if scored.pillars is not None else pl.DataFrame(schema={"ranking": pl.Utf8})
    return Scored(rows, pillars.filter(pl.col("ranking") == pillar).select(INDEX_COLUMNS))


def attribute_pillar_change(
    before: Scored, after: Scored, children: dict[str, list[str]], bridge: Scored | None = None
) -> pl.DataFrame:
    """`attribute_change` for each pillar's score (`children`: each node's children, see `pillar_leaves`):
    per pillar (`pillar_code`), province and indicator beneath it, the value, weight and methodology parts of the pillar's change, with the weights taken within the
    pillar; `pillar_from`, `pillar_to`, `pillar_change` and the pillar's non-additive part (zero to floating
    point under arithmetic aggregation) and rank change. The parts of a pillar add up to its change."""
    frames = []
    for pillar, leaves in pillar_leaves(children).items():
        views = [_pillar_view(s, pillar, leaves) if s is not None else None for s in (before, after, bridge)]
        frames.append(
            attribute_change(views[0], views[1], views[2])
            .rename({"index_from": "pillar_from", "index_to": "pillar_to", "index_change": "pillar_change"})
            .select(pl.lit(pillar).alias("pillar_code"), pl.all())
        )
    return pl.concat(frames, how="vertical_relaxed")


def _warehouse_year(con: duckdb.DuckDBPyConnection, series: str, year: int) -> Scored:
    """One year of one series of the warehouse marts."""
    contributions = query_frame(
        con,
        """SELECT province_code, indicator_code, score, effective_weight FROM marts.indicator_contributions
           WHERE series = ? AND reporting_year = ?""",
        [series, year],
    )
    ranks = query_frame(
        con,
        """SELECT ranking, province_code, province_name, score, rank FROM marts.province_rankings
           WHERE series = ? AND reporting_year = ?""",
        [series, year],
    )
    index = ranks.filter(pl.col("ranking") == "index").drop("ranking")
    return Scored(contributions, index, ranks.filter(pl.col("ranking") != "index"))


def comparable_series(con: duckdb.DuckDBPyConnection, year_from: int, year_to: int) -> str | None:
    """The series whose two years hold the same units: as reported where the unit set is the same, else
    restated on the 34 current units (a pair across the merger, 2024 → 2025); None if neither has both."""
    sets = dict(
        con.execute(
            """SELECT series, list(DISTINCT unit_set) FROM marts.index_scores
               WHERE reporting_year IN (?, ?) GROUP BY ALL HAVING count(DISTINCT reporting_year) = 2""",
            [year_from, year_to],
        ).fetchall()
    )
    return next((s for s in (AS_REPORTED, RESTATED) if len(sets.get(s, [])) == 1), None)


def attribute_in_warehouse(
    con: duckdb.DuckDBPyConnection,
    year_from: int,
    year_to: int,
    series: str | None = None,
    pillars: bool = False,
) -> pl.DataFrame | None:
    """`attribute_change` between two reporting years of the warehouse (any two) in `series` (default:
    `comparable_series`), with the keys of marts.score_change_attribution; None when the years cannot be
    compared in that series. With `pillars`, the pillars' changes instead (`attribute_pillar_change` on the
    framework of marts.framework_weights; marts.pillar_change_attribution)."""
    series = series or comparable_series(con, year_from, year_to)
    if series is None:
        return None
    before, after = _warehouse_year(con, series, year_from), _warehouse_year(con, series, year_to)
    result = attribute_pillar_change(before, after, _children(con)) if pillars else attribute_change(before, after)
    info = query_frame(
        con,
        """SELECT reporting_year, any_value(unit_set) AS unit_set, any_value(methodology_version) AS version,
                  count(DISTINCT unit_set) AS sets
           FROM marts.index_scores WHERE series = ? AND reporting_year IN (?, ?) GROUP BY ALL""",
        [series, year_from, year_to],
    )
    if info.height != len({year_from, year_to}) or info["unit_set"].n_unique() != 1 or info["sets"].max() != 1:
        return None
    version = dict(zip(info["reporting_year"], info["version"]))
    return result.select(
        pl.lit(series).alias("series"),
        pl.lit(info["unit_set"][0]).alias("unit_set"),
        pl.lit(year_from, dtype=pl.Int32).alias("from_year"),
        pl.lit(year_to, dtype=pl.Int32).alias("to_year"),
        pl.all(),
        pl.lit(version[year_from]).alias("from_methodology_version"),
        pl.lit(version[year_to]).alias("methodology_version"),
    )


def _children(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Each node's children in the warehouse's framework (marts.framework_weights)."""
    return dict(
        con.execute("SELECT parent, list(child ORDER BY child) FROM marts.framework_weights GROUP BY 1").fetchall()
    )


def _every_pair(con: duckdb.DuckDBPyConnection, pillars: bool = False) -> pl.DataFrame:
    """`attribute_in_warehouse` for every pair of consecutive reporting years of both series, with the
    synthetic flag of the `to` year."""
    frames = []
    for series in (AS_REPORTED, RESTATED):
        years = [
            row[0]
            for row in con.execute(
                "SELECT DISTINCT reporting_year FROM marts.index_scores WHERE series = ? ORDER BY 1", [series]
            ).fetchall()
        ]
        frames += [attribute_in_warehouse(con, a, b, series, pillars) for a, b in itertools.pairwise(years)]
        if years and not any(f is not None for f in frames):
            # One reporting year only: no pair to compare, and an empty table of the same columns.
            frames.append(attribute_in_warehouse(con, years[0], years[0], series, pillars).clear())
    table = pl.concat([f for f in frames if f is not None])
    synthetic = query_frame(
        con,
        """SELECT series, province_code, reporting_year AS to_year, bool_or(is_synthetic) AS is_synthetic
           FROM marts.index_scores GROUP BY ALL""",
    )
    return table.join(synthetic, on=["series", "province_code", "to_year"], how="left")


def build_score_change_attribution(con: duckdb.DuckDBPyConnection) -> int:
    """marts.score_change_attribution: `attribute_in_warehouse` for every pair of consecutive reporting
    years, in the as-reported series where both years have the same units and in the series restated on the
    34 current units (which alone compares 2024, 63 former units, to 2025, 34 units). Returns the row count."""
    table = _every_pair(con)
    with transaction(con):
        replace_table(con, "marts", "score_change_attribution", table)
        comment_table(con, "marts.score_change_attribution")
    return table.height


def build_pillar_change_attribution(con: duckdb.DuckDBPyConnection) -> int:
    """marts.pillar_change_attribution: as marts.score_change_attribution, for each pillar's score (the
    weights within the pillar). Returns the row count."""
    table = _every_pair(con, pillars=True)
    with transaction(con):
        replace_table(con, "marts", "pillar_change_attribution", table)
        comment_table(con, "marts.pillar_change_attribution")
    return table.height


class ExplainError(ValueError):
    """A province or a pair of years that cannot be explained, said in both languages."""


def _points(value: float | None) -> str:
    return "–" if value is None else f"{value:+.4f}"


def explain_province(con: duckdb.DuckDBPyConnection, province: str, year_from: int, year_to: int) -> str:
    """Why `province` (its code or its name, with or without diacritics) moved between two reporting years
    of the warehouse open on `con`: its index change, the indicator parts largest first (they add up to the
    change) and who it overtook and who overtook it; Vietnamese first, English beside. Raises ExplainError."""
    table = attribute_in_warehouse(con, year_from, year_to)
    if table is None or table.is_empty():
        raise ExplainError(
            f"không so sánh được {year_from} với {year_to}: không có đơn vị chung đã tính điểm / "
            f"{year_from} cannot be compared with {year_to}: no units scored in both"
        )
    wanted = fold(province.strip())  # without case or diacritics: "thai nguyen" finds "Thái Nguyên"
    rows = table.filter(
        (pl.col("province_code") == province.strip().zfill(2))
        | (pl.col("province_name").map_elements(fold, return_dtype=pl.Utf8) == wanted)
    )
    if rows.is_empty():
        raise ExplainError(
            f"không tìm thấy '{province}' trong chuỗi {table['series'][0]} năm {year_from} và {year_to} / "
            f"'{province}' not found in series {table['series'][0]} of {year_from} and {year_to}"
        )
    names = dict(con.execute("SELECT code, name_vi || ' / ' || name_en FROM reference.indicators").fetchall())
    first = rows.row(0, named=True)
    parts = rows.with_columns(
        (pl.col("value_part") + pl.col("weight_part") + pl.col("methodology_part")).alias("total")
    ).sort(pl.col("total").abs(), descending=True)
    width = max(20, *(len(code) for code in parts["indicator_code"]))
    coverage_words = {"gained": "có thêm / gained", "lost": "mất / lost", "both": "", "absent": ""}
    lines = [
        f"{first['province_name']} ({first['province_code']}), {year_from} → {year_to}, "
        f"chuỗi / series {first['series']} (bộ {first['unit_set']} đơn vị / {first['unit_set']} units)",
        f"Điểm chỉ số / Index score: {first['index_from']:.4f} → {first['index_to']:.4f} "
        f"(thay đổi / change {_points(first['index_change'])})",
        f"Hạng / Rank: {first['rank_from']} → {first['rank_to']}",
        f"  Đã vượt qua / Overtook: {first['overtook'] or 'không tỉnh nào / none'}",
        f"  Bị vượt qua bởi / Overtaken by: {first['overtaken_by'] or 'không tỉnh nào / none'}",
        "",
        "Phần của từng chỉ tiêu (lớn nhất trước) / Part of each indicator (largest first):",
        f"  {'chỉ tiêu / indicator':<{width}} {'giá trị/value':>14} {'trọng số/weight':>16}"
        f" {'phương pháp/method':>19} {'tổng/total':>11}",
    ]
    for row in parts.iter_rows(named=True):
        note = coverage_words[row["coverage"]]
        lines.append(
            f"  {row['indicator_code']:<{width}} {_points(row['value_part']):>14} {_points(row['weight_part']):>16}"
            f" {_points(row['methodology_part']):>19} {_points(row['total']):>11}  "
            f"{names.get(row['indicator_code'], '')}{f' ({note})' if note else ''}"
        )
    lines += [
        f"  {'không cộng tính / non-additive':<{width + 49}} {_points(first['non_additive_part']):>11}",
        f"  {'tổng / sum':<{width + 49}} {_points(parts['total'].sum() + first['non_additive_part']):>11}"
        f"  = thay đổi điểm chỉ số / the index change",
    ]
    return "\n".join(lines + _pillar_lines(con, first, year_from, year_to))


def _pillar_lines(con: duckdb.DuckDBPyConnection, first: dict, year_from: int, year_to: int) -> list[str]:
    """Each pillar's change for the province of `first` and its three largest indicator parts."""
    table = attribute_in_warehouse(con, year_from, year_to, first["series"], pillars=True)
    if table is None:
        return []
    rows = table.filter(pl.col("province_code") == first["province_code"]).with_columns(
        (pl.col("value_part") + pl.col("weight_part") + pl.col("methodology_part")).alias("total")
    )
    lines = ["", "Trụ cột (ba phần lớn nhất) / Pillars (three largest parts):"]
    for (pillar,), group in rows.sort("pillar_code").group_by("pillar_code", maintain_order=True):
        top = group.sort(pl.col("total").abs(), descending=True).head(3)
        head = group.row(0, named=True)
        parts = ", ".join(
            f"{code} {_points(total)}" for code, total in top.select("indicator_code", "total").iter_rows()
        )
        lines.append(
            f"  {pillar}: {head['pillar_from']:.4f} → {head['pillar_to']:.4f} ({_points(head['pillar_change'])}; "
            f"hạng / rank {head['rank_from']} → {head['rank_to']}): {parts}"
        )
    return lines
