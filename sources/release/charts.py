"""Charts as inline SVG, so the portal and the e-mailed report need no script, font or file from elsewhere."""

from __future__ import annotations

from html import escape

PALETTE = ("#1f6feb", "#d97706", "#15803d", "#9333ea")


def bar_chart(rows: list[tuple[str, float | None]], title: str, width: int = 720) -> str:
    """Horizontal bars, one per label, scores on a 0–1 axis; a missing score draws no bar."""
    bar, gap, left, right = 14, 4, 170, 60
    height = 30 + len(rows) * (bar + gap)
    span = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1):
        x = left + tick * span
        parts.append(
            f'<line x1="{x:.1f}" y1="18" x2="{x:.1f}" y2="{height}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="12" font-size="10" text-anchor="middle">{tick:g}</text>'
        )
    for i, (label, value) in enumerate(rows):
        y = 22 + i * (bar + gap)
        parts.append(f'<text x="{left - 6}" y="{y + bar - 3}" font-size="11" text-anchor="end">{escape(label)}</text>')
        if value is not None:
            parts.append(
                f'<rect x="{left}" y="{y}" width="{max(value, 0) * span:.1f}" height="{bar}" fill="{PALETTE[0]}">'
                f"<title>{escape(label)}: {value:.4f}</title></rect>"
                f'<text x="{left + max(value, 0) * span + 4:.1f}" y="{y + bar - 3}" font-size="10">{value:.3f}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    series: dict[str, list[tuple[int, float | None]]], title: str, width: int = 560, height: int = 240
) -> str:
    """Lines of scores (0–1) over years, one per named series, with a legend."""
    years = sorted({year for points in series.values() for year, _ in points})
    left, right, top, bottom = 40, 130, 20, 30
    span_x, span_y = width - left - right, height - top - bottom

    def x(year: int) -> float:
        return left + (span_x * (years.index(year) / (len(years) - 1)) if len(years) > 1 else span_x / 2)

    def y(value: float) -> float:
        return top + span_y * (1 - value)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for tick in (0, 0.5, 1):
        parts.append(
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + span_x}" y2="{y(tick):.1f}" stroke="#ddd"/>'
            f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" font-size="10" text-anchor="end">{tick:g}</text>'
        )
    for year in years:
        parts.append(f'<text x="{x(year):.1f}" y="{height - 10}" font-size="10" text-anchor="middle">{year}</text>')
    for i, (name, points) in enumerate(series.items()):
        colour = PALETTE[i % len(PALETTE)]
        drawn = [(year, value) for year, value in sorted(points) if value is not None]
        if len(drawn) > 1:
            path = " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in drawn)
            parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>')
        for year, value in drawn:
            parts.append(
                f'<circle cx="{x(year):.1f}" cy="{y(value):.1f}" r="3" fill="{colour}">'
                f"<title>{escape(name)} {year}: {value:.4f}</title></circle>"
            )
        parts.append(
            f'<rect x="{width - right + 10}" y="{top + i * 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{width - right + 24}" y="{top + i * 18 + 9}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def target_chart(
    actual: list[tuple[int, float]],
    target: tuple[int, float],
    title: str,
    labels: tuple[str, str],
    width: int = 360,
    height: int = 170,
) -> str:
    """One target: the actual values over the years (solid) against the straight path from the first value
    to the target at its horizon (dashed), on the indicator's own scale; `labels` names the two lines."""
    start = actual[0]
    years = [year for year, _ in actual] + [target[0]]
    values = [value for _, value in actual] + [target[1]]
    first, last = min(years), max(years)
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad
    left, right, top, bottom = 44, 10, 18, 40

    def x(year: float) -> float:
        return left + (width - left - right) * ((year - first) / (last - first) if last > first else 0.5)

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - (value - low) / (high - low))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart target-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="#999"/>',
    ]
    for year in range(first, last + 1):
        parts.append(
            f'<text x="{x(year):.1f}" y="{height - bottom + 14}" font-size="10" text-anchor="middle">{year}</text>'
        )
    for tick in (low + pad, high - pad):
        parts.append(
            f'<text x="{left - 4}" y="{y(tick) + 3:.1f}" font-size="10" text-anchor="end">{tick:.4g}</text>'
            f'<line x1="{left}" y1="{y(tick):.1f}" x2="{width - right}" y2="{y(tick):.1f}" stroke="#eee"/>'
        )
    parts.append(
        f'<polyline class="path" fill="none" stroke="{PALETTE[3]}" stroke-width="2" stroke-dasharray="5 4" '
        f'points="{x(start[0]):.1f},{y(start[1]):.1f} {x(target[0]):.1f},{y(target[1]):.1f}"/>'
    )
    points = " ".join(f"{x(year):.1f},{y(value):.1f}" for year, value in actual)
    parts.append(f'<polyline class="actual" fill="none" stroke="{PALETTE[0]}" stroke-width="2.5" points="{points}"/>')
    for year, value in actual:
        parts.append(f'<circle cx="{x(year):.1f}" cy="{y(value):.1f}" r="3" fill="{PALETTE[0]}"/>')
    parts.append(
        f'<rect x="{left}" y="{height - 16}" width="14" height="3" fill="{PALETTE[0]}"/>'
        f'<text x="{left + 18}" y="{height - 12}" font-size="10">{escape(labels[0])}</text>'
        f'<rect x="{left + 150}" y="{height - 16}" width="14" height="3" fill="{PALETTE[3]}"/>'
        f'<text x="{left + 168}" y="{height - 12}" font-size="10">{escape(labels[1])}</text>'
    )
    return "".join(parts) + "</svg>"
