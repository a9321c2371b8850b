"""The built dataset: what ``migkg build`` wrote, read once by every other command.

The dataset is a set of named graphs, one per input file and one per extractor, each in a
*scope* named by the first segment of its path under ``https://w3id.org/migkg/graph/``:

========== ==========================================================================
scope      graphs
========== ==========================================================================
ontology   ``graph/ontology/<file>.ttl``: the OWL ontology
instances  ``graph/instances/<file>.ttl``: the curated instance data
extracted  ``graph/extracted/<name>``: what the loaders extract from sources/
shapes     ``graph/shapes/<file>.ttl``: the SHACL shapes
external   ``graph/external/<name>``: fetched from elsewhere (``migkg enrich``)
========== ==========================================================================

**The graph** — what ``query``, ``serve``, ``export``, ``push``, ``docs`` and ``validate``
(as its data graph) see — is the union of the scopes in :data:`GRAPH_SCOPES`: ontology,
curated instances and extracted data. The shapes are the shapes graph of ``validate``,
not data; external graphs stay apart until a user asks for them by name.

:func:`load` reads dist/graph.nq; when an input changed since the last build (or there
is none) it runs the build first, on the one code path ``migkg build`` takes.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib import Dataset as RdflibDataset
from rdflib import Graph, URIRef
from rdflib.term import Node

from loaders.errors import MigkgError
from loaders.namespaces import GRAPH, bind_all
from loaders.project import Project
from loaders.terms import from_ox

if TYPE_CHECKING:
    from loaders.graph.engines import Engine

SCOPES = ("ontology", "instances", "extracted", "shapes", "external")
GRAPH_SCOPES = ("ontology", "instances", "extracted")
"""The scopes that make up "the graph", for every command that reads it."""


def scope_of(graph: str) -> str:
    """The scope of a named graph's IRI (``""`` for a graph outside the project's)."""
    path = graph.removeprefix(str(GRAPH)) if graph.startswith(str(GRAPH)) else ""
    return path.split("/", 1)[0]


@dataclass
class Dataset:
    """The quads of a build, with the views the commands need made from them on demand."""

    project: Project
    quads: list[ox.Quad]
    _terms: dict[object, Node] = field(default_factory=dict, repr=False)
    _graphs: list[tuple[URIRef, Graph]] | None = field(default=None, repr=False)

    def _check(self, scopes: Iterable[str]) -> tuple[str, ...]:
        chosen = tuple(scopes)
        unknown = [s for s in chosen if s not in SCOPES]
        if unknown:
            raise MigkgError(f"unknown scope {unknown[0]!r}: choose from {', '.join(SCOPES)}")
        return chosen

    def quads_in(self, scopes: Iterable[str] = GRAPH_SCOPES) -> list[ox.Quad]:
        """The quads of the named graphs in the scopes."""
        wanted = self._check(scopes)
        return [
            q
            for q in self.quads
            if isinstance(q.graph_name, ox.NamedNode) and scope_of(q.graph_name.value) in wanted
        ]

    def term(self, term: object) -> Node:
        """An rdflib term for a pyoxigraph one (each distinct term converted once)."""
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = from_ox(term)
        return found

    # --- rdflib views -------------------------------------------------------------------

    def graphs(self) -> list[tuple[URIRef, Graph]]:
        """Every named graph as an rdflib Graph, in IRI order."""
        if self._graphs is None:
            by_name: dict[str, Graph] = {}
            term = self.term
            for q in self.quads:
                name = str(q.graph_name.value) if isinstance(q.graph_name, ox.NamedNode) else ""
                graph = by_name.get(name)
                if graph is None:
                    graph = by_name[name] = Graph(identifier=URIRef(name), bind_namespaces="none")
                graph.add((term(q.subject), term(q.predicate), term(q.object)))
            self._graphs = sorted(((URIRef(n), g) for n, g in by_name.items() if n), key=str)
        return self._graphs

    def union(self, scopes: Iterable[str] = GRAPH_SCOPES, into: Graph | None = None) -> Graph:
        """The triples of the scopes' graphs, merged into a new rdflib Graph (or ``into``)."""
        wanted = self._check(scopes)
        merged = bind_all(Graph(bind_namespaces="none") if into is None else into)
        for iri, graph in self.graphs():
            if scope_of(str(iri)) in wanted:
                merged += graph
        return merged

    def rdflib_dataset(self, scopes: Iterable[str] = GRAPH_SCOPES) -> RdflibDataset:
        """The scopes' named graphs in an rdflib Dataset whose default graph is their union."""
        wanted = self._check(scopes)
        dataset = RdflibDataset(default_union=True)
        bind_all(dataset)
        for iri, graph in self.graphs():
            if scope_of(str(iri)) in wanted:
                named = dataset.graph(iri)
                for triple in graph:
                    named.add(triple)
        return dataset

    def files_of(self, node: Node) -> list[str]:
        """The input files (or extracted graphs) that describe ``node``."""
        return sorted(
            self.project.path_of_graph(str(iri))
            for iri, g in self.graphs()
            if (node, None, None) in g
        )

    # --- Oxigraph ------------------------------------------------------------------------

    def store(self, scopes: Iterable[str] = GRAPH_SCOPES) -> ox.Store:
        """The scopes' named graphs in an in-memory Oxigraph store, and their union (a set)
        as its default graph."""
        quads = self.quads_in(scopes)
        store = ox.Store()
        store.bulk_extend(quads)
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
        return store

    def engine(self, kind: str = "oxigraph", scopes: Iterable[str] = GRAPH_SCOPES) -> Engine:
        """The graph (or the given scopes) in a local engine: ``oxigraph`` or ``rdflib``."""
        from loaders.graph.engines import OxigraphEngine, RdflibEngine

        if kind == "oxigraph":
            return OxigraphEngine(self.store(scopes))
        if kind == "rdflib":
            return RdflibEngine(self.union(scopes))
        raise MigkgError(f"unknown engine {kind!r}: choose oxigraph or rdflib")


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def load(project: Project, say: Callable[[str], None] = _stderr) -> Dataset:
    """The built dataset, built now if an input changed since the last build."""
    from loaders.graph.build import build

    quads, written = build(project)
    if written:
        say("migkg: dist/ was not up to date with the inputs: built it")
    return Dataset(project, quads)
