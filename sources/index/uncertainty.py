"""Rank uncertainty: how far a province's rank moves when the methodology's contestable choices move.

A Monte Carlo over the methodology's `uncertainty` section: every weight perturbed within its parent,
the normalisation, the aggregation and the imputation drawn from the listed alternatives. The arithmetic
is the index SQL's (sql/index), vectorised with NumPy over samples × units × indicators so that 10,000
samples take a fraction of a second; the nominal configuration reproduces the published ranks (a test
holds the two together). Draws come from a seeded generator: the same input gives the same intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl

from sources.index.methodology import Methodology
from sources.warehouse.tables import query_frame, replace_table, transaction

CHUNK = 2_000
CHOICES = ("weights", "normalisation", "aggregation", "imputation")


@dataclass(frozen=True)
class Problem:
    """One year's input: units × indicators (NaN = not reported) and the last earlier value of each."""

    units: list[str]
    indicators: list[str]
    values: np.ndarray
    carried: np.ndarray | None = None


@dataclass(frozen=True)
class _Node:
    code: str
    children: list[int]  # positions among indicators, then nodes (len(indicators) + node position)
    weights: np.ndarray
    edge_slice: slice  # this node's edges among all edges, for the weight factors
    min_share: float
    geometric: bool


class Framework:
    """The methodology compiled for a list of indicators: nodes in aggregation order, edges, methods."""

    def __init__(self, methodology: Methodology, indicators: list[str]):
        self.methodology = methodology
        self.indicators = indicators
        position = {code: i for i, code in enumerate(indicators)}
        ordered = sorted(methodology.nodes, key=lambda n: methodology.levels[n.code])
        node_position = {n.code: len(indicators) + i for i, n in enumerate(ordered)}
        self.nodes, start = [], 0
        for node in ordered:
            children = [
                (position.get(c, node_position.get(c)), w)
                for c, w in node.children.items()
                if c in position or c in node_position
            ]
            self.nodes.append(
                _Node(
                    node.code,
                    [c for c, _ in children],
                    np.array([w for _, w in children], dtype=float),
                    slice(start, start + len(children)),
                    node.min_share,
                    node.aggregation == "geometric",
                )
            )
            start += len(children)
        self.edges = start
        self.index = len(self.nodes) - 1 - [n.code for n in reversed(self.nodes)].index(methodology.index.code)
        by_code = methodology.by_code
        self.direction = np.array([1.0 if by_code[c].direction == "positive" else -1.0 for c in indicators])
        self.worst = np.array([by_code[c].goalposts[0] for c in indicators], dtype=float)
        self.best = np.array([by_code[c].goalposts[1] for c in indicators], dtype=float)
        self.overrides = [by_code[c].normalisation for c in indicators]

    def methods(self, normalisation: str) -> list[str]:
        """Per indicator: the drawn method, or the indicator's own override when the file's default is drawn."""
        nominal = self.methodology.normalisation
        return [override if normalisation == nominal and override else normalisation for override in self.overrides]


def normalise(values: np.ndarray, methods: list[str], framework: Framework) -> np.ndarray:
    """Scores 0–1 (z-scores unbounded) of a units × indicators matrix, as sql/index/10_indicator_scores.sql."""
    scores = np.full_like(values, np.nan)
    for j, method in enumerate(methods):
        column = values[:, j]
        present = ~np.isnan(column)
        if not present.any():
            continue
        x = column[present]
        if method == "goalposts":
            s = np.clip((x - framework.worst[j]) / (framework.best[j] - framework.worst[j]), 0.0, 1.0)
        elif method == "minmax":
            low, high = x.min(), x.max()
            s = (
                np.full_like(x, 0.5)
                if high == low
                else ((x - low) / (high - low) if framework.direction[j] > 0 else (high - x) / (high - low))
            )
        elif method == "zscore":
            sd = x.std()
            s = np.zeros_like(x) if sd == 0 else framework.direction[j] * (x - x.mean()) / sd
        else:  # rank: percent_rank of the direction-adjusted value
            oriented = framework.direction[j] * x
            s = (
                np.full_like(x, 0.5)
                if x.size == 1
                else ((oriented[None, :] < oriented[:, None]).sum(axis=1) / (x.size - 1))
            )
        scores[present, j] = s
    return scores


def _aggregate(
    framework: Framework, leaf_scores: np.ndarray, observed: np.ndarray, factors: np.ndarray, geometric: np.ndarray
) -> np.ndarray:
    """Index scores (samples × units) for samples that share one leaf-score matrix (units × indicators).
    `observed` marks reported values (imputed ones do not count towards min_share), `factors` multiply
    the edge weights (samples × edges), `geometric` says per sample and node whether the node
    aggregates geometrically. A node over indicators is two matrix products (weights × scores); a node
    over nodes works sample by sample."""
    samples, (units, leaves) = factors.shape[0], leaf_scores.shape
    floor = framework.methodology.geometric_floor
    present_leaf = ~np.isnan(leaf_scores)
    filled_leaf = np.where(present_leaf, leaf_scores, 0.0)
    log_leaf = np.where(present_leaf, np.log(np.maximum(filled_leaf, floor)), 0.0)
    outputs: list[np.ndarray] = []
    counted: list[np.ndarray] = []
    for k, node in enumerate(framework.nodes):
        w = node.weights * factors[:, node.edge_slice]
        on_leaves = all(c < leaves for c in node.children)
        with np.errstate(invalid="ignore", divide="ignore"):
            if on_leaves:
                columns = node.children
                total = w @ present_leaf[:, columns].T.astype(float)
                arithmetic = (w @ filled_leaf[:, columns].T) / total
                geometric_mean = np.exp((w @ log_leaf[:, columns].T) / total)
                share = np.broadcast_to(observed[:, columns].sum(axis=1) / len(columns), (samples, units))
            else:
                y = np.stack(
                    [
                        np.broadcast_to(leaf_scores[:, c], (samples, units)) if c < leaves else outputs[c - leaves]
                        for c in node.children
                    ],
                    axis=2,
                )
                present = ~np.isnan(y)
                weights = w[:, None, :] * present
                total = weights.sum(axis=2)
                arithmetic = (weights * np.where(present, y, 0.0)).sum(axis=2) / total
                geometric_mean = np.exp(
                    (weights * np.log(np.maximum(np.where(present, y, 1.0), floor))).sum(axis=2) / total
                )
                reported = np.stack(
                    [
                        np.broadcast_to(observed[:, c], (samples, units)) if c < leaves else counted[c - leaves]
                        for c in node.children
                    ],
                    axis=2,
                )
                share = reported.sum(axis=2) / len(node.children)
        score = np.where(geometric[:, k][:, None], geometric_mean, arithmetic)
        score[share + 1e-9 < node.min_share] = np.nan
        outputs.append(score)
        counted.append(~np.isnan(score))
    return outputs[framework.index]


def competition_ranks(scores: np.ndarray, decimals: int) -> np.ndarray:
    """1 + the number of units with a strictly higher rounded score, per sample; NaN for units not scored."""
    rounded = np.round(scores, decimals)
    higher = (rounded[:, None, :] > rounded[:, :, None]).sum(axis=2)
    return np.where(np.isnan(rounded), np.nan, 1.0 + higher)


class Simulation:
    """Every drawable configuration of one year's problem, evaluated in chunks of samples."""

    def __init__(self, methodology: Methodology, problem: Problem):
        self.settings = methodology.uncertainty
        self.methodology = methodology
        self.framework = Framework(methodology, problem.indicators)
        self.problem = problem
        self.normalisations = list(dict.fromkeys([methodology.normalisation, *self.settings.normalisations]))
        self.imputations = list(
            dict.fromkeys(
                ["carry_forward" if methodology.imputation == "carry_forward" else "none", *self.settings.imputations]
            )
        )
        carried = problem.carried if problem.carried is not None else np.full_like(problem.values, np.nan)
        inputs = {"none": problem.values, "carry_forward": np.where(np.isnan(problem.values), carried, problem.values)}
        # scores[normalisation, imputation]: units × indicators
        self.scores = np.stack(
            [
                np.stack([normalise(inputs[i], self.framework.methods(n), self.framework) for i in self.imputations])
                for n in self.normalisations
            ]
        )
        self.observed = ~np.isnan(problem.values)
        self.nominal_geometric = np.array([n.geometric for n in self.framework.nodes])

    def index_scores(
        self, normalisation: np.ndarray, imputation: np.ndarray, geometric: np.ndarray, factors: np.ndarray
    ) -> np.ndarray:
        """Index scores (samples × units): samples that drew the same normalisation and imputation share
        one leaf-score matrix."""
        index = np.empty((len(normalisation), len(self.problem.units)))
        combination = normalisation * len(self.imputations) + imputation
        for value in np.unique(combination):
            rows = combination == value
            n, i = divmod(int(value), len(self.imputations))
            index[rows] = _aggregate(self.framework, self.scores[n, i], self.observed, factors[rows], geometric[rows])
        return index

    def ranks(
        self, normalisation: np.ndarray, imputation: np.ndarray, geometric: np.ndarray, factors: np.ndarray
    ) -> np.ndarray:
        """Ranks (samples × units) of `index_scores`."""
        return competition_ranks(
            self.index_scores(normalisation, imputation, geometric, factors), self.methodology.score_decimals
        )

    def nominal_scores(self) -> np.ndarray:
        """Index scores under the methodology's own choices (tests hold them to the engine's)."""
        return _aggregate(
            self.framework,
            self.scores[0, 0],
            self.observed,
            np.ones((1, self.framework.edges)),
            self.nominal_geometric[None, :],
        )[0]

    def nominal(self) -> np.ndarray:
        """Ranks under the methodology's own choices: the published ranking."""
        return self.ranks(
            np.array([0]), np.array([0]), self.nominal_geometric[None, :], np.ones((1, self.framework.edges))
        )[0]

    def draw(self, samples: int, rng: np.random.Generator, vary: tuple[str, ...] = CHOICES) -> np.ndarray:
        """Ranks (samples × units) under random draws of the choices in `vary`; the others stay nominal."""
        settings, nodes = self.settings, len(self.framework.nodes)
        out = np.empty((samples, len(self.problem.units)))
        for start in range(0, samples, CHUNK):
            size = min(CHUNK, samples - start)
            p = settings.weight_perturbation
            factors = (
                rng.uniform(1 - p, 1 + p, (size, self.framework.edges))
                if "weights" in vary
                else np.ones((size, self.framework.edges))
            )
            normalisation = (
                np.array([self.normalisations.index(n) for n in settings.normalisations])[
                    rng.integers(len(settings.normalisations), size=size)
                ]
                if "normalisation" in vary
                else np.zeros(size, int)
            )
            imputation = (
                np.array([self.imputations.index(i) for i in settings.imputations])[
                    rng.integers(len(settings.imputations), size=size)
                ]
                if "imputation" in vary
                else np.zeros(size, int)
            )
            if "aggregation" in vary:
                drawn = np.array([a == "geometric" for a in settings.aggregations])[
                    rng.integers(len(settings.aggregations), size=size)
                ]
                geometric = np.repeat(drawn[:, None], nodes, axis=1)
            else:
                geometric = np.repeat(self.nominal_geometric[None, :], size, axis=0)
            out[start : start + size] = self.ranks(normalisation, imputation, geometric, factors)
        return out


SOBOL_RESAMPLES = 100
SOBOL_CHUNK = 24
MIN_BASE_SAMPLES = 64
ALL_UNITS = "*"


# --- variance-based sensitivity (Sobol) on the Monte Carlo ----------------------------------------------------------------------


def sobol_design(groups: Sequence[str], base_samples: int, seed: int) -> tuple[dict, np.ndarray]:
    """Saltelli's design on Sobol' points (SALib.sample.sobol, scrambled with `seed`) for factors uniform on
    [0, 1], grouped by `groups` (one name per factor; a group is varied as one input). Returns SALib's
    problem and the base_samples × (groups + 2) rows of inputs."""
    problem = {
        "num_vars": len(groups),
        "names": [f"x{i}" for i in range(len(groups))],
        "bounds": [[0.0, 1.0]] * len(groups),
        "groups": list(groups),
    }
    from SALib.sample import sobol as sobol_sampling  # SALib imports pandas: only where Sobol is computed

    return problem, sobol_sampling.sample(problem, base_samples, calc_second_order=False, seed=seed)


def sobol_indices(
    problem: dict, outputs: np.ndarray, seed: int, conf_level: float = 0.95, resamples: int = SOBOL_RESAMPLES
) -> dict[str, np.ndarray]:
    """First-order (S1) and total (ST) Sobol indices of each output column (evaluations × outputs) for each
    group, with the half-width of their bootstrap confidence interval at `conf_level`: what
    SALib.analyze.sobol.analyze returns for each column (its Saltelli et al. 2010 estimators, the same
    seeded bootstrap of the base rows, Z · standard deviation of the resampled estimates), computed for
    many columns at once, as analyze takes one output at a time and would spend seconds on 34 units.
    Each array is outputs × groups. An output that never moves has indices 0; one that is missing in
    some evaluation (a unit not scored) has none (NaN)."""
    groups = len(dict.fromkeys(problem["groups"]))
    width = outputs.shape[1]
    result = {key: np.full((width, groups), np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")}
    missing, constant = np.isnan(outputs).any(axis=0), np.ptp(np.nan_to_num(outputs), axis=0) == 0
    for values in result.values():
        values[constant & ~missing] = 0.0
    moving = np.flatnonzero(~missing & ~constant)
    base = outputs.shape[0] // (groups + 2)
    bootstrap = np.random.default_rng(seed).integers(base, size=(base, resamples))
    from scipy import stats  # seconds to import: only where Sobol is computed

    z = stats.norm.ppf(0.5 + conf_level / 2)
    for start in range(0, moving.size, SOBOL_CHUNK):
        columns = moving[start : start + SOBOL_CHUNK]
        y = outputs[:, columns]
        y = (y - y.mean(axis=0)) / y.std(axis=0)
        # Saltelli's rows come in blocks of groups + 2: A, then A with group g from B (AB_g), then B
        # (SALib's separate_output_values, for one column).
        step = groups + 2
        a, b = y[0::step], y[step - 1 :: step]
        # A, B and their variance are the same for every group: resampled once per chunk, not once per group.
        variance = np.var(np.r_[a, b], axis=0)
        a_b, b_b = a[bootstrap], b[bootstrap]
        variance_b = np.var(np.concatenate([a_b, b_b]), axis=0)
        for g in range(groups):
            ab_g = y[g + 1 :: step]
            ab_b = ab_g[bootstrap]
            result["S1"][columns, g] = _share(np.mean(b * (ab_g - a), axis=0), variance)
            result["ST"][columns, g] = _share(0.5 * np.mean((a - ab_g) ** 2, axis=0), variance)
            s1_b = _share(np.mean(b_b * (ab_b - a_b), axis=0), variance_b)
            st_b = _share(0.5 * np.mean((a_b - ab_b) ** 2, axis=0), variance_b)
            result["S1_conf"][columns, g] = z * s1_b.std(axis=0, ddof=1)
            result["ST_conf"][columns, g] = z * st_b.std(axis=0, ddof=1)
    return result


def _share(part: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """Saltelli et al. (2010)'s estimators over the output's variance, as SALib.analyze.sobol's first_order and
    total_order divide them (0 where the variance is nil)."""
    return np.divide(
        part, variance, out=np.zeros_like(variance, dtype=np.float64), where=variance > np.finfo(float).eps
    )


def _pick(u: np.ndarray, count: int) -> np.ndarray:
    """The alternative (0..count-1) that a uniform draw in [0, 1] picks, each with probability 1/count."""
    return np.minimum((u * count).astype(int), count - 1)


def rank_sobol(
    methodology: Methodology, problem: Problem, base_samples: int | None = None, seed: int | None = None
) -> pl.DataFrame:
    """Sobol indices of each unit's rank and index score, and of the mean absolute rank shift over all units
    (COINr's target in get_sensitivity), with respect to each contestable choice of the `uncertainty`
    section: the weights (every edge weight times a uniform draw in [1 - p, 1 + p], varied as one group),
    the normalisation, the aggregation and the imputation (a uniform draw picks one of the listed
    alternatives with equal probability, as COINr's sample_2_para). A choice with one alternative (or
    p = 0) is not contestable and is left out. The evaluations are those of sources/index/uncertainty.py
    (precomputed leaf scores, matrix products). `base_samples` defaults to the largest power of 2 for
    which the design stays within the methodology's sample budget (10,000 → 1,024 × 6 evaluations).
    Columns: unit (ALL_UNITS for the mean shift), output ('rank', 'score', 'mean_abs_rank_shift'), choice,
    first_order, first_order_low/high, total_order, total_order_low/high (the bootstrap interval at the
    methodology's `interval`), base_samples, evaluations, seed."""
    settings = methodology.uncertainty
    seed = settings.seed if seed is None else seed
    simulation = Simulation(methodology, problem)
    framework, edges = simulation.framework, simulation.framework.edges
    contestable = {
        "weights": settings.weight_perturbation > 0 and edges > 0,
        "normalisation": len(settings.normalisations) > 1,
        "aggregation": len(settings.aggregations) > 1,
        "imputation": len(settings.imputations) > 1,
    }
    choices = [c for c in CHOICES if contestable[c]]
    columns = {
        "unit": pl.Utf8,
        "output": pl.Utf8,
        "choice": pl.Utf8,
        "first_order": pl.Float64,
        "first_order_low": pl.Float64,
        "first_order_high": pl.Float64,
        "total_order": pl.Float64,
        "total_order_low": pl.Float64,
        "total_order_high": pl.Float64,
        "base_samples": pl.Int64,
        "evaluations": pl.Int64,
        "seed": pl.Int64,
    }
    if not choices:
        return pl.DataFrame(schema=columns)
    groups = [g for c in choices for g in ([c] * edges if c == "weights" else [c])]
    if base_samples is None:
        base_samples = max(MIN_BASE_SAMPLES, 2 ** int(np.log2(max(settings.samples // (len(choices) + 2), 1))))
    salib_problem, x = sobol_design(groups, base_samples, seed)
    rows, at = len(x), {c: groups.index(c) for c in choices}

    def drawn(choice: str, listed: list[str], known: list[str]) -> np.ndarray:
        if choice not in at:
            return np.zeros(rows, int)
        return np.array([known.index(a) for a in listed])[_pick(x[:, at[choice]], len(listed))]

    p = settings.weight_perturbation
    factors = (
        (1 - p + 2 * p * x[:, at["weights"] : at["weights"] + edges]) if "weights" in at else np.ones((rows, edges))
    )
    normalisation = drawn("normalisation", settings.normalisations, simulation.normalisations)
    imputation = drawn("imputation", settings.imputations, simulation.imputations)
    if "aggregation" in at:
        geometric_drawn = np.array([a == "geometric" for a in settings.aggregations])[
            _pick(x[:, at["aggregation"]], len(settings.aggregations))
        ]
        geometric = np.repeat(geometric_drawn[:, None], len(framework.nodes), axis=1)
    else:
        geometric = np.repeat(simulation.nominal_geometric[None, :], rows, axis=0)
    scores = np.empty((rows, len(problem.units)))
    for start in range(0, rows, 2_000):
        chunk = slice(start, start + 2_000)
        scores[chunk] = simulation.index_scores(
            normalisation[chunk], imputation[chunk], geometric[chunk], factors[chunk]
        )
    ranks = competition_ranks(scores, methodology.score_decimals)
    nominal = simulation.nominal()
    with np.errstate(invalid="ignore"):
        shift = (
            np.nanmean(np.abs(ranks - nominal), axis=1, keepdims=True)
            if (~np.isnan(nominal)).any()
            else np.full((rows, 1), np.nan)
        )
    low_q, high_q = settings.interval
    outputs = {"rank": ranks, "score": scores, "mean_abs_rank_shift": shift}
    records = []
    for output, values in outputs.items():
        found = sobol_indices(salib_problem, values, seed, conf_level=(high_q - low_q) / 100)
        units = [ALL_UNITS] if output == "mean_abs_rank_shift" else problem.units
        for u, unit in enumerate(units):
            for g, choice in enumerate(choices):
                s1, s1c, st, stc = (found[k][u, g] for k in ("S1", "S1_conf", "ST", "ST_conf"))
                records.append(
                    (unit, output, choice, s1, s1 - s1c, s1 + s1c, st, st - stc, st + stc, base_samples, rows, seed)
                )
    return pl.DataFrame(records, schema=columns, orient="row").with_columns(pl.selectors.float().fill_nan(None))


def most_influential(sobol: pl.DataFrame, units: list[str], nominal: np.ndarray) -> dict[str, list]:
    """Per unit (in `units` order): the choice with the largest total Sobol index of its rank
    (`most_influential_choice`; none for a unit not ranked or that no choice moves) and each choice's index
    (`sobol_weights`, ...; none where the choice is not contestable)."""
    ranks = sobol.filter(pl.col("output") == "rank")
    totals = np.full((len(units), len(CHOICES)), np.nan)
    row, column = {u: i for i, u in enumerate(units)}, {c: j for j, c in enumerate(CHOICES)}
    for unit, choice, total in ranks.select("unit", "choice", "total_order").iter_rows():
        if unit in row and total is not None:
            totals[row[unit], column[choice]] = total

    def strongest(i: int) -> str | None:
        if np.isnan(nominal[i]) or np.all(np.isnan(totals[i])) or np.nanmax(totals[i]) <= 0:
            return None
        return CHOICES[int(np.nanargmax(totals[i]))]

    return {
        "most_influential_choice": [strongest(i) for i in range(len(units))],
        **{
            f"sobol_{c}": [None if np.isnan(v) else round(float(v), 4) for v in totals[:, j]]
            for j, c in enumerate(CHOICES)
        },
    }


def tie_groups(
    units: list[str], low: np.ndarray, high: np.ndarray, median: np.ndarray
) -> tuple[list[int | None], list[list[str]]]:
    """Groups of units whose rank intervals overlap, chained (sorted by median rank, a unit joins the
    group while its interval starts before the group's furthest end), and for each unit the units whose
    interval overlaps its own. Units not ranked get no group."""
    ranked = [i for i in range(len(units)) if not np.isnan(median[i])]
    order = sorted(ranked, key=lambda i: (median[i], low[i], units[i]))
    group: list[int | None] = [None] * len(units)
    number, reach = 0, -np.inf
    for i in order:
        if low[i] > reach:
            number += 1
            reach = high[i]
        reach = max(reach, high[i])
        group[i] = number
    overlapping = [
        sorted(
            (units[j] for j in ranked if j != i and low[j] <= high[i] and low[i] <= high[j]),
            key=lambda name: (median[units.index(name)], name),
        )
        if i in ranked
        else []
        for i in range(len(units))
    ]
    return group, overlapping


def rank_intervals(
    methodology: Methodology, problem: Problem, samples: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The Monte Carlo alone: per unit the nominal rank and the low, median and high percentile ranks
    (the methodology's `uncertainty.interval`) over `samples` draws of its choices; NaN where a unit is
    not ranked."""
    simulation = Simulation(methodology, problem)
    drawn = simulation.draw(samples, np.random.default_rng(seed))
    low_q, high_q = methodology.uncertainty.interval
    with np.errstate(invalid="ignore"):
        low, median, high = np.nanpercentile(drawn, [low_q, 50, high_q], axis=0, method="inverted_cdf")
    return simulation.nominal(), low, median, high


def rank_uncertainty(
    methodology: Methodology,
    problem: Problem,
    samples: int | None = None,
    seed: int | None = None,
    sobol: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Per unit: nominal rank, median rank, the percentile interval, its tie group and the units it is
    statistically tied with (the Monte Carlo); and, from `sobol` (`rank_sobol`'s result for this problem,
    computed here when not given), the total Sobol index of its rank for each choice and the choice with
    the largest."""
    settings = methodology.uncertainty
    samples = samples or settings.samples
    seed = settings.seed if seed is None else seed
    nominal, low, median, high = rank_intervals(methodology, problem, samples, seed)
    group, tied = tie_groups(problem.units, low, high, median)
    influence = most_influential(
        sobol if sobol is not None else rank_sobol(methodology, problem, seed=seed), problem.units, nominal
    )

    def whole(values: np.ndarray) -> list[int | None]:
        return [None if np.isnan(v) else int(v) for v in values]

    return pl.DataFrame(
        {
            "unit": problem.units,
            "rank": whole(nominal),
            "median_rank": whole(median),
            "rank_p05": whole(low),
            "rank_p95": whole(high),
            "interval_width": [None if np.isnan(h) else int(h - lo) for lo, h in zip(low, high)],
            "tie_group": group,
            "tied_with": ["; ".join(names) or None for names in tied],
            **influence,
            "samples": [samples] * len(problem.units),
            "seed": [seed] * len(problem.units),
        },
        schema_overrides={"tie_group": pl.Int32, "tied_with": pl.Utf8, "most_influential_choice": pl.Utf8},
    )


def problem_from_long(
    values: pl.DataFrame, units: list[str], indicators: list[str], earlier: pl.DataFrame | None = None
) -> Problem:
    """A Problem from long values (`unit`, `indicator_code`, `value`); `earlier` holds earlier years'
    values (`unit`, `indicator_code`, `reporting_year`, `value`) for carry-forward imputation."""

    def matrix(frame: pl.DataFrame) -> np.ndarray:
        grid = np.full((len(units), len(indicators)), np.nan)
        row, column = {u: i for i, u in enumerate(units)}, {c: j for j, c in enumerate(indicators)}
        for unit, code, value in frame.select("unit", "indicator_code", "value").iter_rows():
            if unit in row and code in column and value is not None:
                grid[row[unit], column[code]] = value
        return grid

    carried = None
    if earlier is not None and earlier.height:
        carried = matrix(
            earlier.drop_nulls("value")
            .sort("reporting_year")
            .group_by("unit", "indicator_code")
            .agg(pl.col("value").last())
        )
    return Problem(units, indicators, matrix(values), carried)


def table_uncertainty(
    values: pl.DataFrame, units: list[str], methodology: Methodology, year: int | None, samples: int | None = None
) -> pl.DataFrame:
    """`dti uncertainty`: the analysis on a table read by sources.index.user_tables.table_values."""
    indicators = [leaf.code for leaf in methodology.leaves if year is None or leaf.valid_in(year)]
    return rank_uncertainty(methodology, problem_from_long(values, units, indicators), samples=samples)


def build_rank_uncertainty(con: duckdb.DuckDBPyConnection, methodology: Methodology) -> int:
    """marts.rank_uncertainty: the Monte Carlo of sources/index/uncertainty.py for every year of the
    as-reported ranking, on the values of marts.indicator_values, with the Sobol indices the audit computed
    on the same problem (marts.audit_sobol, the same seed). Returns the row count."""
    sobol = query_frame(
        con,
        """
        SELECT reporting_year, unit_set, province_code AS unit, output, choice, total_order
        FROM marts.audit_sobol WHERE series = 'as_reported'""",
    )
    values = query_frame(
        con,
        """
        SELECT reporting_year, unit_set, province_code AS unit, indicator_code, value
        FROM marts.indicator_values WHERE series = 'as_reported' AND value IS NOT NULL""",
    )
    units = query_frame(
        con,
        """
        SELECT reporting_year, unit_set, province_code, province_name, is_synthetic
        FROM marts.index_scores WHERE series = 'as_reported' ORDER BY reporting_year, province_code""",
    )
    frames = []
    for (year, unit_set), year_units in units.group_by("reporting_year", "unit_set", maintain_order=True):
        codes = year_units["province_code"].to_list()
        indicators = [leaf.code for leaf in methodology.leaves if leaf.valid_in(year)]
        same_set = values.filter(pl.col("unit_set") == unit_set)
        problem = problem_from_long(
            same_set.filter(pl.col("reporting_year") == year),
            codes,
            indicators,
            earlier=same_set.filter(pl.col("reporting_year") < year),
        )
        year_sobol = sobol.filter((pl.col("reporting_year") == year) & (pl.col("unit_set") == unit_set))
        result = rank_uncertainty(methodology, problem, sobol=year_sobol)
        names = dict(zip(codes, year_units["province_name"]))
        frames.append(
            result.rename({"unit": "province_code"}).with_columns(
                pl.lit("as_reported").alias("series"),
                pl.lit(unit_set).alias("unit_set"),
                pl.lit(year, dtype=pl.Int32).alias("reporting_year"),
                pl.col("province_code").replace_strict(names).alias("province_name"),
                pl.lit(bool(year_units["is_synthetic"].any())).alias("is_synthetic"),
                pl.col("tied_with").map_elements(
                    lambda text, names=names: "; ".join(names[c] for c in text.split("; ")) if text else None,
                    return_dtype=pl.Utf8,
                ),
                pl.lit(methodology.version).alias("methodology_version"),
            )
        )
    table = pl.concat(frames).select(
        "series",
        "unit_set",
        "reporting_year",
        "province_code",
        "province_name",
        "rank",
        "median_rank",
        "rank_p05",
        "rank_p95",
        "interval_width",
        "tie_group",
        "tied_with",
        "most_influential_choice",
        "sobol_weights",
        "sobol_normalisation",
        "sobol_aggregation",
        "sobol_imputation",
        "samples",
        "seed",
        "is_synthetic",
        "methodology_version",
    )
    with transaction(con):
        replace_table(con, "marts", "rank_uncertainty", table)
    return table.height
