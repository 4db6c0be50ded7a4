"""How the code hangs together: dependencies point one way, and importing the project changes nothing on disk.

    dti (the command line) → pipelines → assets → expectations → sources
    portal → sources (it reads releases; the pipeline never imports it)

`sources/` is plain Python over DuckDB and files (no Dagster, no checks, no web); `expectations/` adds the
validation contracts on top of it (no Dagster either)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sources.home import PROJECT_ROOT

PACKAGES = ("dti", "pipelines", "assets", "expectations", "sources", "portal")
# What each package may import among the project's packages and the orchestration library.
ALLOWED = {
    "sources": {"sources"},
    "expectations": {"expectations", "sources"},
    "assets": {"assets", "expectations", "sources", "dagster"},
    "pipelines": {"pipelines", "assets", "expectations", "sources", "dagster"},
    "portal": {"portal", "sources"},
    "dti": {"dti", "pipelines", "expectations", "sources", "portal", "dagster"},
}
WATCHED = set(PACKAGES) | {"dagster"}


def imports_of(path: Path) -> set[str]:
    """The top-level names of every module a file imports, at any depth of the file (functions included)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def project_files(package: str) -> list[Path]:
    return sorted((PROJECT_ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_dependencies_point_one_way(package):
    wrong = {}
    for path in project_files(package):
        bad = (imports_of(path) & WATCHED) - ALLOWED[package]
        if bad:
            wrong[str(path.relative_to(PROJECT_ROOT))] = sorted(bad)
    assert not wrong, f"imports against the direction of {package}: {wrong}"


def test_the_direction_test_reads_imports_inside_functions(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "def late():\n    from portal.app import create_app\n    import dagster as dg\n", encoding="utf-8"
    )
    assert imports_of(sample) == {"portal", "dagster"}


def test_the_packages_of_sources_are_named_for_what_they_hold():
    packages = sorted(p.name for p in (PROJECT_ROOT / "sources").iterdir() if (p / "__init__.py").exists())
    assert packages == ["catalog", "index", "intake", "reference", "release", "warehouse"]
    loose = sorted(p.name for p in (PROJECT_ROOT / "sources").glob("*.py") if p.name != "__init__.py")
    assert loose == ["alerts.py", "home.py"]


def test_importing_the_project_creates_no_folder(tmp_path):
    home = tmp_path / "home"
    env = {**os.environ, "DTI_HOME": str(home), "DAGSTER_HOME": str(tmp_path / "dagster")}
    modules = [
        "dti.cli",
        "pipelines.definitions",
        "portal.app",
        "expectations.submission",
        "benchmarks.cases",
        *(
            ".".join(p.relative_to(PROJECT_ROOT).with_suffix("").parts)
            for p in project_files("sources")
            if p.name != "__init__.py"
        ),
    ]
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    done = subprocess.run([sys.executable, "-c", code, *modules], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.iterdir()) == [], "importing created: " + ", ".join(
        p.name for p in tmp_path.iterdir()
    )
