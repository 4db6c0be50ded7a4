"""A choropleth map of the provincial units as inline SVG, drawn in Python from the boundaries bundled in
sources/reference/geo/ (geoBoundaries, CC BY 4.0, modified: see its README): one shape per unit (34 from
2025, 63 before), coloured by index score in five equal classes between the lowest and the highest score,
with a legend and the attribution under the map. Nothing is downloaded: the files are read from disk."""

from __future__ import annotations

import json
import math
from functools import cache
from html import escape
from pathlib import Path

GEO = Path(__file__).resolve().parents[1] / "reference" / "geo"
ATTRIBUTION = {
    "vi": "Ranh giới: geoBoundaries.org (CC BY 4.0), đã chỉnh sửa",
    "en": "Boundaries: geoBoundaries.org (CC BY 4.0), modified",
}
# Five classes, light to dark (ColorBrewer YlGnBu); contrast with white text is not needed: no text on shapes.
PALETTE = ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494")
NO_DATA = "#d9d9d9"
WIDTH = 420


@cache
def _shapes(unit_set: str) -> tuple[tuple[str, str, tuple[tuple[tuple[float, float], ...], ...]], ...]:
    """(code, name, rings of lon/lat points) of every unit of `unit_set` ("34" or "63")."""
    collection = json.loads((GEO / f"provinces_{unit_set}.geojson").read_text(encoding="utf-8"))
    shapes = []
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
        rings = tuple(tuple((lon, lat) for lon, lat in ring) for polygon in polygons for ring in polygon)
        shapes.append((feature["properties"]["code"], feature["properties"]["name"], rings))
    return tuple(shapes)


def _projection(unit_set: str):
    """Equirectangular projection scaled by the cosine of the middle latitude: faithful enough for a country
    stretching 15 degrees north to south."""
    points = [point for _, _, rings in _shapes(unit_set) for ring in rings for point in ring]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = (north - south) * scale

    def project(lon: float, lat: float) -> tuple[float, float]:
        return (lon - west) * squeeze * scale, (north - lat) * scale

    return project, height


def classes(scores: list[float]) -> list[tuple[float, float]]:
    """Five equal intervals from the lowest to the highest score."""
    low, high = min(scores), max(scores)
    step = (high - low) / len(PALETTE) or 1.0
    return [(low + i * step, low + (i + 1) * step) for i in range(len(PALETTE))]


def _colour(score: float | None, bounds: list[tuple[float, float]]) -> str:
    if score is None:
        return NO_DATA
    for colour, (_, upper) in zip(PALETTE, bounds):
        if score <= upper + 1e-12:
            return colour
    return PALETTE[-1]


def choropleth(
    unit_set: str,
    scores: dict[str, float | None],
    title: str,
    lang: str = "vi",
    link: dict[str, str] | None = None,
    highlight: str | None = None,
    no_data: str = "không có dữ liệu",
) -> str:
    """The map of `unit_set` with each unit's score (code -> score) as its colour; `link` (code -> URL) makes
    each shape a link, `highlight` outlines one unit (a province's own page)."""
    project, height = _projection(unit_set)
    known = [s for s in scores.values() if s is not None]
    bounds = classes(known) if known else []
    parts = []
    for code, name, rings in _shapes(unit_set):
        path = " ".join(
            "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (project(lon, lat) for lon, lat in ring)) + " Z"
            for ring in rings
        )
        score = scores.get(code)
        label = f"{name}: {score:.4f}" if score is not None else f"{name}: {no_data}"
        outline = ' stroke="#b91c1c" stroke-width="2"' if code == highlight else ""
        shape = (
            f'<path class="unit" data-code="{code}" d="{path}" fill="{_colour(score, bounds)}"{outline}>'
            f"<title>{escape(label)}</title></path>"
        )
        if link and code in link:
            shape = f'<a href="{escape(link[code])}" aria-label="{escape(label)}">{shape}</a>'
        parts.append(shape)
    legend_y = height + 16
    legend = []
    for i, (colour, (low, high)) in enumerate(zip(PALETTE, bounds)):
        y = legend_y + i * 18
        legend.append(
            f'<rect x="0" y="{y:.0f}" width="16" height="14" fill="{colour}" stroke="#555"/>'
            f'<text x="22" y="{y + 11:.0f}" font-size="12">{low:.4f} – {high:.4f}</text>'
        )
    total = legend_y + len(bounds) * 18 + 22
    legend.append(f'<text x="0" y="{total - 6:.0f}" font-size="11" fill="#333">{escape(ATTRIBUTION[lang])}</text>')
    # a map whose shapes are links is a group of links for assistive technology, a plain map an image
    role = "group" if link else "img"
    return (
        f'<svg class="map" role="{role}" viewBox="-2 -2 {WIDTH + 4} {total + 4:.0f}" '
        f'xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        f'<g stroke="#ffffff" stroke-width="0.6">{"".join(parts)}</g>{"".join(legend)}</svg>'
    )
