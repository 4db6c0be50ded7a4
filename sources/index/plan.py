"""What it takes to reach a target: for each province with a rank target ("nhóm 10 tỉnh dẫn đầu") or a
score target whose horizon is still ahead, the smallest improvement of its indicators that reaches it.

Targets are those of marts.target_gaps (a province's own resolution, or a national target) on the index
rank (`dti_rank`), a pillar rank (`dti_<pillar>_rank`), the index score (`dti_score`, e.g. "≥ 800/1000 điểm")
or a pillar score (`dti_<pillar>_score`). A former unit's
target is planned on its successor's figures, named as such (as marts.target_gaps measures it).

Two scenarios for the other provinces, from the latest reporting year:
- `others_stay`: they keep their latest values;
- `others_trend`: each other province's value of each indicator is extrapolated to the target's horizon
  year along the straight line fitted (least squares) to its history, clipped to the indicator's domain
  (a value with no history stays as it is). The framework is the one valid in the latest year.

The score to reach: for a rank target "≤ k", the k-th highest score of the other provinces (rounded as the
ranking rounds; a tie shares the rank); for a score target, the target itself. The gap is that score minus
the province's own.

Method. Under arithmetic aggregation an index (or pillar) score is Σ wᵢ·sᵢ over the province's scored
indicators, wᵢ its effective weight (marts.indicator_contributions), sᵢ its normalised score; with goalposts
normalisation sᵢ = (xᵢ − worstᵢ) / (bestᵢ − worstᵢ) capped to [0, 1], so raising sᵢ by δᵢ adds wᵢ·δᵢ to the
score. The smallest total movement Σ δᵢ (normalised points) that closes a gap G, each indicator at most up
to its goalpost (δᵢ ≤ 1 − sᵢ), is found greedily: the indicators giving most score per normalised point
of distance (largest wᵢ) first, each moved to its goalpost, the last one only as far as needed (the
fractional knapsack, whose greedy solution is optimal). Only indicators the province reports are moved
(reporting a missing one would change the weights of the others). Each δᵢ is told in the indicator's own unit,
δᵢ·(bestᵢ − worstᵢ). This is exact for arithmetic aggregation with goalposts normalisation (the other
provinces' scores do not depend on the province's values); otherwise (geometric means, normalisations
across provinces) it is a linear approximation. Either way the planned values are scored again by the
engine (`score`) with the other provinces' scenario values; when they fall short the gap is widened by the
shortfall and the plan made again (a few times at most), and the engine's verdict is what is reported.

Probability: the methodology's Monte Carlo (sources/index/uncertainty.py: weights perturbed, normalisation,
aggregation and imputation drawn) on the planned values: the share of samples in which the province's
index rank reaches the target (index rank targets only; the Monte Carlo ranks the index)."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from sources.index.engine import score, score_values
from sources.index.explain import framework_children, pillar_leaves
from sources.index.methodology import Methodology
from sources.index.uncertainty import Simulation, problem_from_long
from sources.intake.numbers import say_number, say_share
from sources.reference.provinces import fold
from sources.warehouse.tables import comment_table, query_frame, replace_table, transaction

SCENARIOS = ("others_stay", "others_trend")
CHECKS = 5  # plans re-made after the engine says the last one fell short
EXACT = "exact: arithmetic aggregation, goalposts normalisation"
APPROXIMATE = "approximate: linear in the effective weights; checked by the engine"


class PlanError(ValueError):
    """A province without a target to plan, said in both languages."""


@dataclass(frozen=True)
class Target:
    """One target to plan, on the unit that holds its figures in the latest year."""

    target_id: str
    target_source: str
    document: str | None
    quote_vi: str | None
    holder_name: str  # the unit that set the target (a former unit keeps its name)
    province_code: str  # the unit whose figures it is measured on in the latest year
    ranking: str  # 'index' or a pillar code
    kind: str  # 'rank' or 'score'
    comparator: str
    value: float
    horizon_year: int


def _ranking_of(subject: str, methodology: Methodology) -> str | None:
    """The ranking a target subject is on: 'index' (dti_rank, dti_score) or a pillar (dti_<pillar>_rank,
    dti_<pillar>_score); None for any other subject."""
    if subject in ("dti_rank", "dti_score"):
        return "index"
    for suffix in ("_rank", "_score"):
        pillar = subject.removeprefix("dti_").removesuffix(suffix)
        if subject.startswith("dti_") and subject.endswith(suffix) and pillar in {p.code for p in methodology.pillars}:
            return pillar
    return None


def targets_to_plan(con: duckdb.DuckDBPyConnection, methodology: Methodology, unit_set: str, year: int) -> list[Target]:
    """The rank and score targets of marts.target_gaps whose horizon is after `year`, each on the unit of
    `unit_set` that holds its figures: the unit itself, or its successor after the merger, to which
    marts.target_gaps carries a former unit's targets (named by `set_by`). Each target once, as measured
    in the latest reporting year."""
    rows = query_frame(
        con,
        """SELECT g.target_id, g.target_source, g.document, g.quote_vi,
                  coalesce(g.set_by, g.province_name) AS holder_name, g.province_code,
                  g.subject, g.target_type, g.comparator, g.target_value, g.horizon_year
           FROM marts.target_gaps AS g
           WHERE g.unit_set = ? AND g.as_of_year = (SELECT max(as_of_year) FROM marts.target_gaps)
             AND g.horizon_year > ? AND g.target_value IS NOT NULL
             AND ((g.target_type = 'rank' AND g.subject LIKE 'dti%rank')
                  OR (g.target_type IN ('absolute', 'score') AND g.subject LIKE 'dti%score'))
           ORDER BY g.horizon_year, g.target_id, g.province_code""",
        [unit_set, year],
    )
    targets = []
    for row in rows.iter_rows(named=True):
        ranking = _ranking_of(row["subject"], methodology)
        if ranking is None or row["province_code"] is None or row["comparator"] not in ("≤", "<", "≥", ">"):
            continue
        targets.append(
            Target(
                row["target_id"],
                row["target_source"],
                row["document"],
                row["quote_vi"],
                row["holder_name"],
                row["province_code"],
                ranking,
                "rank" if row["target_type"] == "rank" else "score",
                row["comparator"],
                float(row["target_value"]),
                int(row["horizon_year"]),
            )
        )
    return targets


def trend_values(history: pl.DataFrame, horizon: int, methodology: Methodology) -> pl.DataFrame:
    """Per unit and indicator of `history` (unit, reporting_year, indicator_code, value): the value at
    `horizon` on the least-squares line through its years, clipped to the indicator's domain; a single
    year's value as it is."""
    rows = []
    for (unit, code), group in history.drop_nulls("value").group_by("unit", "indicator_code"):
        years, values = group["reporting_year"].to_numpy().astype(float), group["value"].to_numpy()
        if len(set(years)) >= 2:
            slope, intercept = np.polyfit(years, values, 1)
            value = slope * horizon + intercept
        else:
            value = values[-1]
        low, high = methodology.by_code[code].domain
        rows.append({"unit": unit, "indicator_code": code, "value": float(min(max(value, low), high))})
    return pl.DataFrame(rows, schema={"unit": pl.Utf8, "indicator_code": pl.Utf8, "value": pl.Float64})


def _replace(values: pl.DataFrame, year: int, new: pl.DataFrame) -> pl.DataFrame:
    """`values` with the year-`year` values of (unit, indicator_code) in `new` replaced; only values that
    exist are replaced (a missing value stays missing, so the coverage does not change)."""
    keys = ["unit", "indicator_code"]
    this_year = values.filter(pl.col("reporting_year") == year)
    replaced = this_year.join(new.rename({"value": "new_value"}), on=keys, how="left").select(
        "unit", "reporting_year", "indicator_code", pl.coalesce("new_value", "value").alias("value")
    )
    return pl.concat([values.filter(pl.col("reporting_year") != year), replaced.select(values.columns)])


@dataclass(frozen=True)
class Step:
    """One indicator moved by a plan: its normalised score from → to, in its own unit from → to."""

    indicator_code: str
    weight: float
    score_from: float
    score_to: float
    value_from: float
    value_to: float


def greedy_steps(own: pl.DataFrame, gap: float) -> tuple[list[Step], bool]:
    """The smallest total movement (normalised points) of the indicators in `own` (indicator_code, value,
    score, weight, worst, best) whose weighted score gains add up to `gap`: largest weight first, each up
    to its goalpost, the last one as far as needed. Returns the steps and whether the gap is closed."""
    steps, left = [], gap
    for row in own.sort(["weight", "indicator_code"], descending=[True, False]).iter_rows(named=True):
        if left <= 0:
            break
        room = 1.0 - row["score"]
        if row["weight"] <= 0 or room <= 0:
            continue
        delta = min(room, left / row["weight"])
        to = row["score"] + delta
        value_to = row["worst"] + to * (row["best"] - row["worst"])
        steps.append(Step(row["indicator_code"], row["weight"], row["score"], to, row["value"], value_to))
        left -= row["weight"] * delta
    return steps, left <= 1e-12


def _own_indicators(
    marts: dict[str, pl.DataFrame], methodology: Methodology, province: str, year: int, ranking: str
) -> pl.DataFrame:
    """The province's scored indicators with their value, score, weight in `ranking` (the index, or a
    pillar: the index weight over the sum of those of the pillar's scored indicators, as the pillar
    attribution of sources/index/explain.py takes it) and goalposts."""
    contributions = marts["indicator_contributions"].filter(
        (pl.col("province_code") == province) & (pl.col("reporting_year") == year) & pl.col("score").is_not_null()
    )
    if ranking != "index":
        leaves = pillar_leaves(framework_children(methodology))[ranking]
        contributions = contributions.filter(pl.col("indicator_code").is_in(leaves)).with_columns(
            pl.col("effective_weight") / pl.col("effective_weight").sum()
        )
    goalposts = pl.DataFrame(
        [{"indicator_code": i.code, "worst": i.goalposts[0], "best": i.goalposts[1]} for i in methodology.leaves]
    )
    return contributions.select("indicator_code", "value", "score", pl.col("effective_weight").alias("weight")).join(
        goalposts, on="indicator_code"
    )


def _standing(scores: pl.DataFrame, province: str, year: int, ranking: str) -> tuple[float | None, int | None]:
    row = scores.filter(
        (pl.col("province_code") == province) & (pl.col("reporting_year") == year) & (pl.col("ranking") == ranking)
    )
    if row.is_empty() or row["score"][0] is None:
        return None, None
    rank = row["rank"][0]
    return float(row["score"][0]), None if rank is None else int(rank)


def _score_needed(scores: pl.DataFrame, target: Target, year: int, decimals: int) -> float | None:
    """The score that reaches the target: for rank ≤ k the k-th highest rounded score of the others (None
    when fewer than k others are scored: any score reaches it)."""
    if target.kind == "score":
        return target.value
    k = int(target.value) - (1 if target.comparator == "<" else 0)
    others = (
        scores.filter(
            (pl.col("reporting_year") == year)
            & (pl.col("ranking") == target.ranking)
            & (pl.col("province_code") != target.province_code)
        )
        .drop_nulls("score")
        .select(pl.col("score").round(decimals))
        .sort("score", descending=True)
    )
    return None if others.height < k else float(others["score"][k - 1])


def _reaches(target: Target, new_score: float | None, new_rank: int | None) -> bool:
    if target.kind == "rank":
        return new_rank is not None and (
            new_rank <= target.value if target.comparator == "≤" else new_rank < target.value
        )
    return new_score is not None and (
        new_score >= target.value if target.comparator == "≥" else new_score > target.value
    )


def _probability(
    values: pl.DataFrame, methodology: Methodology, units: list[str], year: int, target: Target
) -> float | None:
    """Share of the Monte Carlo samples in which the province's index rank reaches the target."""
    if target.kind != "rank" or target.ranking != "index":
        return None
    indicators = [leaf.code for leaf in methodology.leaves if leaf.valid_in(year)]
    problem = problem_from_long(
        values.filter(pl.col("reporting_year") == year),
        units,
        indicators,
        earlier=values.filter(pl.col("reporting_year") < year),
    )
    ranks = Simulation(methodology, problem).draw(
        methodology.uncertainty.samples, np.random.default_rng(methodology.uncertainty.seed)
    )[:, units.index(target.province_code)]
    limit = target.value if target.comparator == "≤" else target.value - 1
    return float(np.mean(~np.isnan(ranks) & (ranks <= limit)))


def plan_target(
    values: pl.DataFrame,
    history: pl.DataFrame,
    methodology: Methodology,
    units: list[str],
    year: int,
    target: Target,
    scenario: str,
) -> tuple[dict, list[Step]]:
    """One target in one scenario: a summary (scores, ranks, gap, the engine's verdict on the planned
    values, probabilities) and the steps. `values` are the latest year's long values (with earlier years for
    carry-forward), `history` the units' values over the years (for the trends)."""
    province = target.province_code
    if scenario == "others_trend":
        others = trend_values(history.filter(pl.col("unit") != province), target.horizon_year, methodology)
        values = _replace(values, year, others)
    marts = score_values(values, methodology, units)
    scores = marts["province_rankings"].select("province_code", "reporting_year", "ranking", "score", "rank")
    current_score, current_rank = _standing(scores, province, year, target.ranking)
    needed = _score_needed(scores, target, year, methodology.score_decimals)
    own = _own_indicators(marts, methodology, province, year, target.ranking)
    exact = all(n.aggregation == "arithmetic" for n in methodology.nodes) and all(
        methodology.normalisation_of(i) == "goalposts" for i in methodology.leaves
    )
    gap = 0.0 if needed is None or current_score is None else max(0.0, needed - current_score)
    steps, closed, planned = [], True, values
    new_score, new_rank = current_score, current_rank
    aim = gap
    for _ in range(CHECKS):
        if current_score is None or _reaches(target, new_score, new_rank):
            break
        steps, closed = greedy_steps(own, aim)
        moved = pl.DataFrame(
            [{"unit": province, "indicator_code": s.indicator_code, "value": s.value_to} for s in steps],
            schema={"unit": pl.Utf8, "indicator_code": pl.Utf8, "value": pl.Float64},
        )
        planned = _replace(values, year, moved)
        new_score, new_rank = _standing(score(planned, methodology, units), province, year, target.ranking)
        if not closed or new_score is None or needed is None:
            break
        aim += max(needed - new_score, 10.0 ** -(methodology.score_decimals + 1))
    summary = {
        "scenario": scenario,
        "current_score": current_score,
        "current_rank": current_rank,
        "score_needed": needed,
        "gap_points": gap,
        "normalised_points": float(sum(s.score_to - s.score_from for s in steps)),
        "feasible": closed,
        "planned_score": new_score,
        "planned_rank": new_rank,
        "reaches_target": _reaches(target, new_score, new_rank),
        "probability_now": _probability(values, methodology, units, year, target),
        "probability_planned": _probability(planned, methodology, units, year, target),
        "method": EXACT if exact else APPROXIMATE,
    }
    return summary, steps


def _latest(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    year, unit_set = con.execute(
        """SELECT reporting_year, any_value(unit_set) FROM marts.index_scores WHERE series = 'as_reported'
           GROUP BY ALL ORDER BY reporting_year DESC LIMIT 1"""
    ).fetchall()[0]
    return int(year), str(unit_set)


def _inputs(con: duckdb.DuckDBPyConnection, unit_set: str, year: int) -> tuple[pl.DataFrame, pl.DataFrame, dict]:
    """The as-reported values of the unit set up to `year` (the engine's input), the units' history in the
    series with the most years on that unit set (for the trends) and the units' names."""
    values = query_frame(
        con,
        """SELECT province_code AS unit, reporting_year, indicator_code, value FROM marts.indicator_values
           WHERE series = 'as_reported' AND unit_set = ? AND reporting_year <= ? AND value IS NOT NULL""",
        [unit_set, year],
    )
    (series,) = con.execute(
        """SELECT series FROM marts.indicator_values WHERE unit_set = ? GROUP BY series
           ORDER BY count(DISTINCT reporting_year) DESC, series LIMIT 1""",
        [unit_set],
    ).fetchall()[0]
    history = query_frame(
        con,
        """SELECT province_code AS unit, reporting_year, indicator_code, value FROM marts.indicator_values
           WHERE series = ? AND unit_set = ? AND reporting_year <= ? AND value IS NOT NULL
             AND value_status IN ('reported', 'derived', 'restated')""",
        [series, unit_set, year],
    )
    names = dict(
        con.execute(
            """SELECT province_code, province_name FROM marts.index_scores
               WHERE series = 'as_reported' AND reporting_year = ? ORDER BY province_code""",
            [year],
        ).fetchall()
    )
    return values, history, names


def target_paths(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> pl.DataFrame:
    """Every target to plan in both scenarios: one row per indicator moved (one row without an indicator
    when nothing needs to move or nothing can), the target's summary repeated on each."""
    year, unit_set = _latest(con)
    values, history, names = _inputs(con, unit_set, year)
    units = list(names)
    synthetic = dict(
        con.execute(
            "SELECT province_code, bool_or(is_synthetic) FROM marts.index_scores WHERE reporting_year = ? GROUP BY 1",
            [year],
        ).fetchall()
    )
    indicators = {i.code: i for i in methodology.indicators}
    rows = []
    for target in targets_to_plan(con, methodology, unit_set, year):
        if target.province_code not in names:
            continue
        for scenario in SCENARIOS:
            summary, steps = plan_target(values, history, methodology, units, year, target, scenario)
            head = {
                "unit_set": unit_set,
                "province_code": target.province_code,
                "province_name": names[target.province_code],
                "target_id": target.target_id,
                "target_source": target.target_source,
                "target_holder_name": target.holder_name,
                "document": target.document,
                "quote_vi": target.quote_vi,
                "ranking": target.ranking,
                "target_kind": target.kind,
                "comparator": target.comparator,
                "target_value": target.value,
                "horizon_year": target.horizon_year,
                "reporting_year": year,
                **summary,
            }
            for number, step in enumerate(steps or [None], start=1):
                indicator = indicators[step.indicator_code] if step else None
                rows.append(
                    head
                    | {
                        "step": number if step else None,
                        "indicator_code": step.indicator_code if step else None,
                        "unit": indicator.unit if indicator else None,
                        "effective_weight": step.weight if step else None,
                        "score_from": step.score_from if step else None,
                        "score_to": step.score_to if step else None,
                        "value_from": step.value_from if step else None,
                        "value_to": step.value_to if step else None,
                        "value_change": step.value_to - step.value_from if step else None,
                        "score_gain": step.weight * (step.score_to - step.score_from) if step else None,
                        "is_synthetic": bool(synthetic.get(target.province_code)),
                        "methodology_version": methodology.version,
                    }
                )
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("reporting_year", "horizon_year").cast(pl.Int32),
        pl.col("current_rank", "planned_rank", "step").cast(pl.Int32),
    )


def build_target_paths(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> int:
    """marts.target_paths: `target_paths` of the warehouse open on `con`. Returns the row count."""
    table = target_paths(con, methodology)
    with transaction(con):
        replace_table(con, "marts", "target_paths", table)
        comment_table(con, "marts.target_paths")
    return table.height


def _number(value: float | None, decimals: int = 2) -> str:
    """A number for people, Vietnamese style: '.' between thousands, ',' before decimals."""
    return "–" if value is None else say_number(value, decimals, "vi")


def plan_text(con: duckdb.DuckDBPyConnection, methodology: Methodology, province: str) -> str:
    """`dti plan`: the targets of `province` (code or name, with or without diacritics; a former unit's own
    targets too) with what it takes to reach each in both scenarios; Vietnamese first, English beside."""
    year, unit_set = _latest(con)
    values, history, names = _inputs(con, unit_set, year)
    wanted, code = fold(province.strip()), province.strip().zfill(2)
    targets = [
        t
        for t in targets_to_plan(con, methodology, unit_set, year)
        if wanted in (fold(t.holder_name), fold(names.get(t.province_code, ""))) or code == t.province_code
    ]
    if not targets:
        raise PlanError(
            f"không có mục tiêu thứ hạng hay điểm sau năm {year} cho '{province}' / "
            f"no rank or score target after {year} for '{province}'"
        )
    units = list(names)
    labels = {i.code: f"{i.name_vi} / {i.name_en}" for i in methodology.indicators}
    symbols = {code: unit.symbol for code, unit in methodology.units.items()}
    words = {
        "others_stay": "các tỉnh khác giữ nguyên số liệu năm gần nhất / the others keep their latest values",
        "others_trend": "các tỉnh khác theo xu hướng của mình / the others follow their trends",
    }
    lines = []
    for target in targets:
        what = "hạng" if target.kind == "rank" else "điểm"
        ranking = "chỉ số" if target.ranking == "index" else f"trụ cột {target.ranking}"
        lines += [
            f"Mục tiêu / Target {target.target_id} ({target.holder_name}): {what} {ranking} {target.comparator} "
            f"{_number(target.value, 0 if target.kind == 'rank' else 4)} vào năm / by {target.horizon_year}",
            f"  «{target.quote_vi}»" if target.quote_vi else "",
            f"  Đo trên số liệu của / Measured on the figures of: {names[target.province_code]}, năm / year {year}",
        ]
        for scenario in SCENARIOS:
            summary, steps = plan_target(values, history, methodology, units, year, target, scenario)
            lines += [
                f"  Kịch bản / Scenario: {words[scenario]}",
                f"    Nếu không thay đổi / With no change: điểm / score {_number(summary['current_score'], 4)}, hạng / rank "
                f"{summary['current_rank'] or '–'}; điểm cần đạt / score needed {_number(summary['score_needed'], 4)}",
            ]
            if not steps:
                lines.append(
                    "    Đã đạt, không cần thay đổi / Already reached: nothing needs to move"
                    if summary["reaches_target"]
                    else "    Không đạt được bằng các chỉ tiêu đang có điểm / Cannot be reached with the scored indicators"
                )
            else:
                lines.append(
                    f"    Cần thêm / Needed: {_number(summary['gap_points'], 4)} điểm chỉ số / index points; "
                    f"tổng / total {_number(summary['normalised_points'], 3)} điểm chuẩn hoá / normalised points:"
                )
                for step in steps:
                    unit = symbols.get(methodology.by_code[step.indicator_code].unit, "")
                    lines.append(
                        f"      {labels[step.indicator_code]}: {_number(step.value_from)} → {_number(step.value_to)} "
                        f"{unit} ({'+' if step.value_to >= step.value_from else ''}"
                        f"{_number(step.value_to - step.value_from)} {unit})"
                    )
                verdict = "đạt / reached" if summary["reaches_target"] else "chưa đạt / falls short"
                lines.append(
                    f"    Kiểm tra bằng bộ máy tính / Engine check: điểm / score {_number(summary['planned_score'], 4)}, "
                    f"hạng / rank {summary['planned_rank'] or '–'}: {verdict}"
                )
            if summary["probability_planned"] is not None:
                lines.append(
                    f"    Xác suất đạt theo độ bất định của phương pháp / Probability under the methodology's "
                    f"uncertainty: {say_share(summary['probability_planned'], 'vi')} "
                    f"(không thay đổi gì / with no change: {say_share(summary['probability_now'], 'vi')})"
                )
        lines.append("")
    lines.append(
        f"Phương pháp / Method: chọn tham lam các chỉ tiêu có trọng số hiệu dụng lớn nhất, mỗi chỉ tiêu tới mốc "
        f"tốt nhất / greedy, largest effective weight first, each up to its goalpost ({summary['method']})."
    )
    return "\n".join(line for line in lines if line != "")
