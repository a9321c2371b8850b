"""``migkg fmt``: rewrite Turtle files in canonical form, or check that they are.

Ontology headers also get their version from pyproject.toml, the one place it is
kept: ``owl:versionInfo`` is the version, and ``owl:versionIRI`` is the ontology IRI
with the version inserted after ``/def`` (``…/def/0.1.0/instruments``).
"""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

from loaders.files import write_atomically
from loaders.graph.turtle import canonical_turtle, parse_turtle
from loaders.namespaces import BASE
from loaders.project import Project

_DEF = BASE + "def"


def version_iri(ontology: URIRef, version: str) -> URIRef:
    """``…/def/instruments`` → ``…/def/<version>/instruments``; ``…/def`` → ``…/def/<version>``."""
    iri = str(ontology)
    if not iri.startswith(_DEF):
        return URIRef(iri)
    rest = iri[len(_DEF) :]
    return URIRef(f"{_DEF}/{version}{rest}")


def apply_version(graph: Graph, version: str) -> None:
    """Set version info and version IRI of every project ontology header in ``graph``."""
    for ontology in list(graph.subjects(RDF.type, OWL.Ontology)):
        if isinstance(ontology, URIRef) and str(ontology).startswith(_DEF):
            graph.set((ontology, OWL.versionInfo, Literal(version)))
            graph.set((ontology, OWL.versionIRI, version_iri(ontology, version)))


def canonical_text(project: Project, path: Path) -> str:
    graph = parse_turtle(path, project.relative(path))
    apply_version(graph, project.version)
    return canonical_turtle(graph)


def not_canonical(project: Project, files: list[Path] | None = None) -> list[Path]:
    """The files whose text differs from their canonical form."""
    files = project.input_files() if files is None else files
    return [p for p in files if p.read_text(encoding="utf-8") != canonical_text(project, p)]


def rewrite(project: Project, files: list[Path] | None = None) -> list[Path]:
    """Rewrite files into canonical form; return those that changed.

    Every file is parsed before any is written, so a file that does not parse leaves
    all of them as they were.
    """
    files = project.input_files() if files is None else files
    texts = {p: canonical_text(project, p) for p in files}
    changed = {p: t for p, t in texts.items() if p.read_text(encoding="utf-8") != t}
    write_atomically(changed)
    return sorted(changed)
