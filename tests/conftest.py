"""Shared fixtures: the real project, its build and the union graph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph

from loaders.graph.dataset import Dataset, load
from loaders.project import Project
from tests.sparql_cache import install

install()

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.locate(ROOT)


@pytest.fixture(scope="session")
def build(project: Project) -> Dataset:
    return load(project)


@pytest.fixture(scope="session")
def graph(build: Dataset) -> Graph:
    """The union of every input file: what queries see."""
    return build.union()


@pytest.fixture(scope="session")
def ontology(build: Dataset) -> Graph:
    return build.union(["ontology"])


def copy_project(dest: Path) -> Project:
    """A copy of the repository's data folders in ``dest``."""
    for name in ("ontology", "instances", "shapes", "queries", "sources"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return Project.locate(dest)


@pytest.fixture()
def project_copy(tmp_path: Path) -> Project:
    """A throw-away copy of the repository's data folders, safe to break."""
    return copy_project(tmp_path)
