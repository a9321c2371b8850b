"""Where the project's files are, and its version.

The checkout a command works on is, in this order: ``--root``; ``MIGKG_ROOT``; the
checkout the working folder is in (found upwards: a folder with ontology/ and a
pyproject.toml naming the project ``migkg``); the clone the package was installed from
(editable install). A command run inside a copy of the checkout therefore works on that
copy, whichever clone ``migkg`` came from, and says so on standard error when it is not
the installed one. The version lives in one place, ``pyproject.toml``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, unquote

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


def is_checkout(folder: Path) -> bool:
    """Is ``folder`` the root of a checkout of this project?"""
    pyproject = folder / "pyproject.toml"
    if not (folder / "ontology").is_dir() or not pyproject.is_file():
        return False
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return False
    return bool(data.get("project", {}).get("name") == "migkg")


def installed_root() -> Path | None:
    """The clone the package runs from (installed in editable mode), if it is one."""
    here = Path(__file__).resolve().parent.parent
    return here if is_checkout(here) else None


def enclosing_checkout(start: Path) -> Path | None:
    """The checkout ``start`` is in, searching upwards."""
    for folder in (start, *start.parents):
        if is_checkout(folder):
            return folder
    return None


def _default_root(say: Callable[[str], None]) -> Path:
    env = os.environ.get("MIGKG_ROOT")
    if env:
        return Path(env).resolve()
    installed = installed_root()
    try:
        cwd = Path.cwd().resolve()
    except OSError:  # the working folder was removed
        cwd = None
    found = enclosing_checkout(cwd) if cwd else None
    if found is not None:
        if installed is not None and found != installed:
            say(f"migkg: using the checkout at {found} (migkg is installed from {installed})")
        return found
    if installed is not None:
        return installed
    return cwd or Path(".").resolve()


def _stderr(message: str) -> None:
    import sys

    print(message, file=sys.stderr)


@dataclass(frozen=True)
class Project:
    """The files of one checkout of the repository."""

    root: Path

    @classmethod
    def locate(cls, root: Path | None = None, say: Callable[[str], None] = _stderr) -> Project:
        """The checkout to work on: ``root`` if given, else as the module says."""
        project = cls((root or _default_root(say)).resolve())
        if not (project.root / "ontology").is_dir():
            raise MigkgError(
                f"{project.root}: no ontology/ folder here; run migkg inside a clone of the "
                "repository, or give one with --root or MIGKG_ROOT"
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
        """The named graph that holds the triples of the file at ``path`` (its relative
        path, percent-encoded where a character may not stand in an IRI, as a space)."""
        return GRAPH + quote(self.relative(path), safe="/")

    def path_of_graph(self, graph_iri: str) -> str:
        """The relative path of the file a named graph was read from."""
        return unquote(graph_iri.removeprefix(GRAPH))
