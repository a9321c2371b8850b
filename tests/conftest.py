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


def copy_project(dest: Path, built: bool = True) -> Project:
    """A copy of the repository's data folders in ``dest``; with ``built``, also the
    repository's build (dist/), so that the copy is up to date until an input of it
    changes (a build is the same bytes wherever the project lies, and its record names
    inputs by relative path): a test that only needs a project to run a command on pays
    no build of its own."""
    for name in ("ontology", "instances", "shapes", "queries", "sources"):
        if (ROOT / name).is_dir():
            shutil.copytree(ROOT / name, dest / name)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    copy = Project.locate(dest)
    if built:
        from loaders.graph.build import OUTPUTS, STORE, build

        origin = Project.locate(ROOT)
        build(origin)  # (nothing to do when fresh: the session's build made it)
        copy.dist.mkdir()
        for name in (*OUTPUTS, "build.json"):
            shutil.copy(origin.dist / name, copy.dist / name)
        shutil.copytree(origin.dist / STORE, copy.dist / STORE)
    return copy


@pytest.fixture()
def project_copy(tmp_path: Path) -> Project:
    """A throw-away copy of the repository's data folders, safe to break."""
    return copy_project(tmp_path)


def small_project(root: Path) -> Project:
    """The ontology and the shapes of the repository, with two states as instance data."""
    for name in ("ontology", "shapes"):
        shutil.copytree(ROOT / name, root / name)
    shutil.copy(ROOT / "pyproject.toml", root / "pyproject.toml")
    (root / "instances").mkdir()
    (root / "instances" / "states.ttl").write_text(
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        '<https://w3id.org/migkg/id/country/nl> a mig:MemberState ; rdfs:label "Nederland"@nl .\n'
        '<https://w3id.org/migkg/id/country/tr> a mig:ThirdCountry ; rdfs:label "Turkije"@nl .\n',
        encoding="utf-8",
    )
    return Project.locate(root)
