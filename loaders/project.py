"""Where the project's files are, and its version.

The repository root is taken from ``MIGKG_ROOT`` if set, else the folder above this
package (the package is installed in editable mode from a clone), else the current
folder. The version lives in one place, ``pyproject.toml``.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from loaders.errors import MigkgError
from loaders.iris import GRAPH

SCOPES = ("ontology", "instances", "extracted", "shapes", "external")
GRAPH_SCOPES = ("ontology", "instances", "extracted")
"""The scopes that make up "the graph", for every command that reads it."""


def scope_of(graph: str) -> str:
    """The scope of a named graph's IRI (``""`` for a graph outside the project's)."""
    path = graph.removeprefix(GRAPH) if graph.startswith(GRAPH) else ""
    return path.split("/", 1)[0]


INPUT_FOLDERS = ("ontology", "instances", "shapes")
"""Folders whose Turtle files make up the graph, in build order."""


def _default_root() -> Path:
    env = os.environ.get("MIGKG_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parent.parent
    if (here / "ontology").is_dir() and (here / "pyproject.toml").is_file():
        return here
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Project:
    """The files of one checkout of the repository."""

    root: Path

    @classmethod
    def locate(cls, root: Path | None = None) -> Project:
        project = cls((root or _default_root()).resolve())
        if not (project.root / "ontology").is_dir():
            raise MigkgError(
                f"{project.root}: no ontology/ folder here; run migkg from a clone of the "
                "repository or set MIGKG_ROOT to one"
            )
        return project

    @cached_property
    def version(self) -> str:
        pyproject = self.root / "pyproject.toml"
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            return str(data["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
            raise MigkgError(f"{pyproject}: cannot read [project] version: {exc}") from exc

    @property
    def dist(self) -> Path:
        return self.root / "dist"

    def input_files(self, folders: tuple[str, ...] = INPUT_FOLDERS) -> list[Path]:
        """Every ``.ttl`` file under the given folders, in a stable order."""
        files: list[Path] = []
        for folder in folders:
            base = self.root / folder
            if base.is_dir():
                files.extend(
                    sorted(base.rglob("*.ttl"), key=lambda p: p.relative_to(base).as_posix())
                )
        return files

    def relative(self, path: Path) -> str:
        """``path`` relative to the root, with forward slashes."""
        try:
            return path.resolve().relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def graph_iri(self, path: Path) -> str:
        """The named graph that holds the triples of the file at ``path``."""
        return GRAPH + self.relative(path)

    def path_of_graph(self, graph_iri: str) -> str:
        """The relative path of the file a named graph was read from."""
        return graph_iri.removeprefix(GRAPH)
