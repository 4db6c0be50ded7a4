"""The portal's what-if page (`/whatif`): a year of a release ranked again by the index engine with other
weights, another normalisation or aggregation, indicators left out, or another shipped methodology,
beside the ranking as published (sources/index/whatif.py does the work; nothing here computes a score).

The inputs are the release's own files (its per-year ranking and indicator values) and the methodology
file the release was computed with (the one whose version its manifest records): never the warehouse,
never SQL a person wrote.

The form is sent with GET: ranking again changes nothing on the server and gives the same answer every
time, so the answer is a plain link a person can bookmark, send to a colleague or cite; and the page works
without JavaScript. Every field is checked before anything is computed (a known release, year, node,
child, indicator and methodology; a plain number above 0 and at most MAX_NUMBER; at most MAX_CHANGES
weight changes; a query no longer than MAX_QUERY characters); what is wrong is said in Vietnamese and
English, with HTTP 422 and the form to correct it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import get_args

from starlette.datastructures import QueryParams

from sources.home import methodology_names, methodology_path
from sources.index.methodology import Aggregation, Methodology, Normalisation, load_methodology
from sources.index.whatif import Changes, WhatIfError, values_from_frames, what_if, what_if_intervals
from sources.release.releases import Release

MAX_CHANGES = 12
MAX_NUMBER = 1000.0
MAX_QUERY = 4000
MAX_FIELD = 64
NUMBER = re.compile(r"^[0-9]{1,7}([.,][0-9]{1,8})?$")  # 2, 0.5 or 0,5 as Vietnamese writes it
OPERATIONS = ("mul", "set")
SINGLE = ("release", "year", "normalisation", "aggregation", "against")


class FormError(ValueError):
    """The fields that cannot be used, each said in Vietnamese and English."""

    def __init__(self, problems: list[str], form: Form | None = None):
        super().__init__("; ".join(problems))
        self.problems, self.form = problems, form


@dataclass
class WeightRow:
    """One row of the form's weight changes as typed (kept to show it again)."""

    edge: str = ""
    op: str = "mul"
    number: str = ""


@dataclass
class Form:
    """The what-if asked for, checked: a release, a year and the changes."""

    release: Release
    year: int
    methodology: Methodology
    against: str = ""
    weights: list[WeightRow] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    normalisation: str = ""
    aggregation: str = ""

    @property
    def changed(self) -> Methodology:
        """The methodology the changes are made to: the one compared, or the release's own."""
        return shipped()[self.against] if self.against else self.methodology

    def changes(self) -> Changes:
        multiply: dict[str, dict[str, float]] = {}
        weights: dict[str, dict[str, float]] = {}
        for row in self.weights:
            node, child = row.edge.split(".", 1)
            (multiply if row.op == "mul" else weights).setdefault(node, {})[child] = _number(row.number)
        return Changes(
            multiply_weights=multiply,
            weights=weights,
            exclude=self.exclude,
            normalisation=self.normalisation or None,
            aggregation=self.aggregation or None,
        )


@cache
def _load(path: Path) -> Methodology:
    """A methodology file, read once (they do not change while the portal serves)."""
    return load_methodology(path)


def shipped() -> dict[str, Methodology]:
    """The methodology files shipped in methodology/, by name."""
    return {name: _load(methodology_path(name)) for name in methodology_names()}


def release_methodology(release: Release) -> Methodology | None:
    """The methodology a release was computed with: the file in force (DTI_METHODOLOGY or the default), or
    a shipped one, whose version is the one the release's manifest records."""
    version = release.manifest["methodology_version"]
    return next((m for m in [_load(methodology_path()), *shipped().values()] if m.version == version), None)


def edges(methodology: Methodology, lang: str) -> list[tuple[str, str]]:
    """Every weight of the framework as the form offers it: (`node.child`, "Node › Child" in `lang`)."""
    names = {n.code: getattr(n, f"name_{lang}") for n in methodology.nodes}
    names |= {i.code: getattr(i, f"name_{lang}") for i in methodology.indicators}
    return [
        (f"{n.code}.{child}", f"{names[n.code]} › {names[child]}") for n in methodology.nodes for child in n.children
    ]


def weight_rows(form: Form | None) -> list[WeightRow]:
    """The form's weight rows: those typed, then empty ones (at least three, one free), at most MAX_CHANGES."""
    typed = form.weights if form else []
    return [*typed, *[WeightRow() for _ in range(max(3 - len(typed), 1))]][: max(MAX_CHANGES, len(typed))]


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _shown(text: str) -> str:
    """A field as typed, cut short for a message."""
    return text if len(text) <= 24 else text[:24] + "…"


def read_form(params: QueryParams, query: str, found: list[Release], latest: str | None) -> Form:
    """The form's fields checked one by one; raises FormError naming every field that cannot be used."""
    if len(query) > MAX_QUERY:
        raise FormError(
            [f"yêu cầu quá dài (tối đa {MAX_QUERY} ký tự) / the request is too long (at most {MAX_QUERY} characters)"]
        )
    problems = []
    for name in SINGLE:
        if len(params.getlist(name)) > 1:
            problems.append(f"trường {name} xuất hiện nhiều lần / the field {name} is given more than once")
    too_long = sorted({k for k, v in params.multi_items() if len(v) > MAX_FIELD})
    if too_long:
        problems.append(
            f"trường quá dài (tối đa {MAX_FIELD} ký tự): {', '.join(too_long)} / "
            f"field(s) too long (at most {MAX_FIELD} characters): {', '.join(too_long)}"
        )
    if problems:
        raise FormError(problems)
    by_id = {r.id: r for r in found}
    release_id = params.get("release") or latest or (found[0].id if found else "")
    release = by_id.get(release_id)
    if release is None:
        raise FormError([f"không có bản phát hành / no release {_shown(release_id)!r}"])
    methodology = release_methodology(release)
    if methodology is None:
        raise FormError(
            [
                f"phương pháp {release.manifest['methodology_version']} của bản phát hành không có trong methodology/ / "
                f"the release's methodology {release.manifest['methodology_version']} is not among the shipped files"
            ]
        )
    years = release.manifest["reporting_years"]
    year_text = params.get("year") or str(max(years))
    if not year_text.isascii() or not year_text.isdigit() or int(year_text) not in years:
        raise FormError(
            [
                f"năm {_shown(year_text)!r} không có trong bản phát hành (có: {', '.join(map(str, years))}) / "
                f"year {_shown(year_text)!r} is not in the release (it has {', '.join(map(str, years))})"
            ]
        )
    form = Form(release, int(year_text), methodology)
    against = params.get("against", "")
    if against and against not in shipped():
        problems.append(
            f"không có phương pháp / no methodology {_shown(against)!r} (có / shipped: {', '.join(shipped())})"
        )
    else:
        form.against = against
    for name, choices in (("normalisation", get_args(Normalisation)), ("aggregation", get_args(Aggregation))):
        chosen = params.get(name, "")
        if chosen and chosen not in choices:
            problems.append(f"{name} {_shown(chosen)!r} không phải một trong / is not one of {', '.join(choices)}")
        else:
            setattr(form, name, chosen)
    geometric = form.aggregation == "geometric" or (
        not form.aggregation and any(node.aggregation == "geometric" for node in form.changed.nodes)
    )
    if form.normalisation == "zscore" and geometric:
        problems.append(
            "điểm z có thể âm, phép tổng hợp nhân (geometric) cần điểm dương: chọn phép khác / "
            "z-scores can be negative and a geometric mean needs positive scores: choose another"
        )
    problems += _weights(params, form)
    known = {leaf.code for leaf in form.changed.leaves}
    exclude = params.getlist("exclude")
    unknown = [code for code in exclude if code not in known]
    if unknown:
        problems.append(
            f"chỉ tiêu không có trong khung / indicator(s) not in the framework: {', '.join(repr(_shown(code)) for code in unknown[:5])}"
        )
    elif len(set(exclude)) != len(exclude):
        problems.append("một chỉ tiêu được bỏ hai lần / an indicator is left out twice")
    form.exclude = exclude
    if problems:
        raise FormError(problems, form)
    return form


def _weights(params: QueryParams, form: Form) -> list[str]:
    """The weight rows: `edge`, `op` and `x` repeated in step; a row without a weight chosen is empty."""
    edge, op, number = params.getlist("edge"), params.getlist("op"), params.getlist("x")
    if not len(edge) == len(op) == len(number):
        return ["các trường edge, op, x không đi cùng nhau / the fields edge, op and x do not come in step"]
    rows = [WeightRow(e, o, x.strip()) for e, o, x in zip(edge, op, number) if e or x.strip()]
    if len(rows) > MAX_CHANGES:
        return [f"quá nhiều thay đổi trọng số (tối đa {MAX_CHANGES}) / too many weight changes (at most {MAX_CHANGES})"]
    form.weights = rows
    known = {code for code, _ in edges(form.changed, "en")}
    problems, seen = [], set()
    for row in rows:
        if row.edge not in known:
            problems.append(f"không có trọng số / no weight {_shown(row.edge)!r} in {form.changed.version}")
        elif row.edge in seen:
            problems.append(f"trọng số {row.edge} được đổi hai lần / the weight {row.edge} is changed twice")
        seen.add(row.edge)
        if row.op not in OPERATIONS:
            problems.append(f"phép {_shown(row.op)!r} không phải mul hoặc set / operation is not mul or set")
        if not NUMBER.match(row.number):
            problems.append(
                f"{_shown(row.edge)}: {_shown(row.number)!r} không phải một số dương như 2 hoặc 0,5 / "
                "is not a positive number such as 2 or 0.5"
            )
        elif not 0 < _number(row.number) <= MAX_NUMBER:
            problems.append(
                f"{row.edge}: {row.number} phải lớn hơn 0 và không quá {MAX_NUMBER:g} / "
                f"must be above 0 and at most {MAX_NUMBER:g}"
            )
    return problems


@dataclass(frozen=True)
class Result:
    """The two rankings side by side, with each unit's rank interval after the changes when computed."""

    rows: list[dict]
    rho: float | None
    changes: list[str]
    before: str
    after: str
    banded: bool


def compute(form: Form) -> Result:
    """The year ranked as published and with the changes, by sources/index/whatif.py on the release's
    values; the rank intervals of the Monte Carlo around the changed methodology (a tenth of a second
    on 34 or 63 units: cheap enough to give at once). Raises FormError when the changes are refused."""
    years = form.release.manifest["reporting_years"]
    rankings = {y: form.release.table("ranking", y) for y in years if y <= form.year}
    values = {y: form.release.table("indicator_values", y) for y in rankings}
    changes = form.changes()
    against = shipped()[form.against] if form.against else None
    try:
        frame, units = values_from_frames(form.year, rankings, values)
        table, rho = what_if(frame, units, form.methodology, form.year, changes, against)
        banded = table["rank_after"].drop_nulls().len() > 0
        if banded:
            intervals = what_if_intervals(frame, units, form.methodology, form.year, changes, against)
            table = table.join(intervals, on="province_code", how="left")
    except WhatIfError as refused:
        raise FormError([str(refused)], form) from refused
    return Result(
        rows=table.to_dicts(),
        rho=rho,
        changes=changes.describe(),
        before=form.methodology.version,
        after=(against or form.methodology).version,
        banded=banded,
    )
