"""The portal's Jinja environment: its own pages, and the partials it shares with the static report of a
release (sources/release/templates)."""

from __future__ import annotations

from pathlib import Path

import jinja2

from sources.release.report import TEMPLATE_DIR, number

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader([Path(__file__).resolve().parent / "templates", TEMPLATE_DIR]),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
TEMPLATES.filters["number"] = number
