"""The commands of `dti`, one module per audience: operators.py (the ministry's operators: run the
pipeline, withdraw a file, releases, the schedule, the UI and the portal), provinces.py (what a province
officer needs before and after sending a report) and analysts.py (questions asked of the published data
or of a table of one's own). Each module lists its commands in COMMANDS; dti/cli.py registers them.

A command parses its arguments, calls one function of the pipeline, the engine or the checks, and prints
what that function returns: the work and the wording of results live there, not here."""

from __future__ import annotations

import sys
from typing import NoReturn

import click

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def fail(message: str) -> NoReturn:
    """Say what went wrong on stderr, in red, and end the command with exit status 1."""
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(1)
