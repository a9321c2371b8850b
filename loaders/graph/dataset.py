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
from typing import TYPE_CHECKING

import pyoxigraph as ox

from loaders.errors import MigkgError
from loaders.project import GRAPH_SCOPES, SCOPES, Project, scope_of
from loaders.terms import from_ox

if TYPE_CHECKING:
    from rdflib import Graph, URIRef
    from rdflib.term import Node

    from loaders.graph.engines import Engine


class Dataset:
    """The quads of a build, with the views the commands need made from them on demand:
    the quads themselves are read from dist/graph.nq only when a command asks for them
    (a query on the persisted store needs none)."""

    def __init__(
        self, project: Project, quads: list[ox.Quad] | None = None, built: bool = False
    ) -> None:
        self.project = project
        self._quads = quads
        self.built = built  # dist/ holds this dataset (and its store, dist/store)
        self._terms: dict[object, Node] = {}
        self._graphs: dict[str, Graph] | None = None
        self._selected: dict[tuple[str, ...], list[ox.Quad]] = {}
        self._subjects: dict[object, set[str]] | None = None

    @property
    def quads(self) -> list[ox.Quad]:
        if self._quads is None:
            from loaders.graph.build import read_built

            self._quads = read_built(self.project)
        return self._quads

    def _check(self, scopes: Iterable[str]) -> tuple[str, ...]:
        chosen = tuple(scopes)
        unknown = [s for s in chosen if s not in SCOPES]
        if unknown:
            raise MigkgError(f"unknown scope {unknown[0]!r}: choose from {', '.join(SCOPES)}")
        return chosen

    def quads_in(self, scopes: Iterable[str] = GRAPH_SCOPES) -> list[ox.Quad]:
        """The quads of the named graphs in the scopes (each selection made once)."""
        wanted = self._check(scopes)
        if wanted not in self._selected:
            names: dict[object, bool] = {}
            selected = []
            for q in self.quads:
                inside = names.get(q.graph_name)
                if inside is None:
                    name = q.graph_name
                    inside = names[name] = (
                        isinstance(name, ox.NamedNode) and scope_of(name.value) in wanted
                    )
                if inside:
                    selected.append(q)
            self._selected[wanted] = selected
        return self._selected[wanted]

    def term(self, term: object) -> Node:
        """An rdflib term for a pyoxigraph one (each distinct term converted once)."""
        found = self._terms.get(term)
        if found is None:
            found = self._terms[term] = from_ox(term)
        return found

    # --- rdflib views -------------------------------------------------------------------

    def _rdflib(self, scopes: tuple[str, ...]) -> dict[str, Graph]:
        """The named graphs of the scopes as rdflib Graphs, each made once, on demand."""
        from rdflib import Graph, URIRef

        if self._graphs is None:
            self._graphs = {}
        missing = [s for s in scopes if not any(scope_of(n) == s for n in self._graphs)]
        if missing:
            term = self.term
            for q in self.quads_in(missing):
                name = q.graph_name.value  # type: ignore[union-attr]
                graph = self._graphs.get(name)
                if graph is None:
                    graph = self._graphs[name] = Graph(
                        identifier=URIRef(name), bind_namespaces="none"
                    )
                graph.add((term(q.subject), term(q.predicate), term(q.object)))
        return {n: g for n, g in self._graphs.items() if scope_of(n) in scopes}

    def graphs(self, scopes: Iterable[str] = SCOPES) -> list[tuple[URIRef, Graph]]:
        """The named graphs (of the scopes: every one by default) as rdflib Graphs, in IRI
        order."""
        from rdflib import URIRef

        chosen = self._rdflib(self._check(scopes))
        return [(URIRef(n), chosen[n]) for n in sorted(chosen)]

    def union(self, scopes: Iterable[str] = GRAPH_SCOPES, into: Graph | None = None) -> Graph:
        """The triples of the scopes' graphs, merged into a new rdflib Graph (or ``into``)."""
        from rdflib import Graph

        from loaders.namespaces import bind_all

        merged = bind_all(Graph(bind_namespaces="none") if into is None else into)
        for _, graph in self.graphs(scopes):
            merged += graph
        return merged

    def files_of(self, node: Node) -> list[str]:
        """The input files (or extracted graphs) that describe ``node``."""
        if self._subjects is None:
            index: dict[object, set[str]] = {}
            for q in self.quads:
                index.setdefault(self.term(q.subject), set()).add(q.graph_name.value)  # type: ignore[union-attr]
            self._subjects = index
        return sorted(self.project.path_of_graph(g) for g in self._subjects.get(node, ()))

    # --- Oxigraph ------------------------------------------------------------------------

    def store(self, scopes: Iterable[str] = GRAPH_SCOPES) -> ox.Store:
        """The scopes' named graphs in an Oxigraph store, and their union (a set) as its
        default graph: the build's persisted store (dist/store, opened read-only at once)
        for the graph's scopes, else one made in memory."""
        chosen = self._check(scopes)
        persisted = self.project.dist / "store"
        if self.built and chosen == GRAPH_SCOPES and persisted.is_dir():
            try:
                return ox.Store.read_only(str(persisted))
            except OSError:
                pass  # another process holds it (a server): make one in memory
        quads = self.quads_in(chosen)
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
    from loaders.graph.build import build, inputs_digest, up_to_date

    if up_to_date(project, inputs_digest(project)):
        return Dataset(project, built=True)
    quads, written = build(project)  # under the build lock: it checks again
    if written:
        say("migkg: dist/ was not up to date with the inputs: built it")
    return Dataset(project, quads or None, built=True)
