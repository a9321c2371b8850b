"""Canonical Turtle: the one written form of every Turtle file in the repository.

rdflib's ``longturtle`` with canonical blank-node labels, one subject block at a
time, with the subjects in a fixed order: ``owl:Ontology`` headers first, then IRIs
sorted as strings, then blank nodes. The same graph always gives the same bytes, so
a diff of a data file shows a change of knowledge and nothing else. Comments do not
survive: put what a comment would say into ``rdfs:comment`` or ``skos:note``.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer
from rdflib.term import Node

from loaders.errors import InputError
from loaders.namespaces import bind_all


class CanonicalTurtleSerializer(LongTurtleSerializer):
    """longturtle with subjects in IRI order (ontology headers first).

    An IRI under none of the bound namespaces is written whole without asking rdflib for
    a prefixed name where rdflib would not make one (subjects and objects): rdflib
    remembers every namespace it was asked about and searches them all on each later
    IRI (RDFLib/rdflib#1752), so a graph with thousands of distinct namespaces (a
    fiche's thousands of positions, each IRI with its own ``#`` fragments) took time
    quadratic in them: 93 s for a fiche of 2 MB, now 3 s."""

    def __init__(self, store: Graph) -> None:
        super().__init__(store)  # type: ignore[no-untyped-call]
        self._bound = tuple(str(ns) for _, ns in store.namespaces())

    def get_pname(self, uri: Node, gen_prefix: bool = True) -> str | None:
        if not gen_prefix and isinstance(uri, URIRef) and not str.startswith(uri, self._bound):
            return None
        pname: str | None = super().get_pname(uri, gen_prefix)  # type: ignore[no-untyped-call]
        return pname

    def orderSubjects(self) -> list[Node]:
        headers = sorted(
            s for s in self.store.subjects(RDF.type, OWL.Ontology) if isinstance(s, URIRef)
        )
        rest = [s for s in self._subjects if s not in headers]
        iris = sorted((s for s in rest if isinstance(s, URIRef)), key=str)
        bnodes = sorted(
            (s for s in rest if isinstance(s, BNode)), key=lambda b: (self._references[b], str(b))
        )
        for s in headers:
            self._topLevels[s] = True
        ordered: list[Node] = [*headers, *iris, *bnodes]
        return ordered


def stable_bnodes(graph: Graph) -> dict[BNode, BNode]:
    """A label for every blank node computed from what it describes and where it hangs.

    Our blank nodes are small trees (OWL class expressions, RDF lists, restrictions). A
    node's content hash covers its sorted (predicate, object) pairs, blank objects by their
    own content hash; its label adds the labels of what points at it, so two lists with the
    same tail under different heads stay apart. The same graph gets the same labels on
    every run: what rdflib's general canonicalisation achieves, at a fraction of its cost.
    """
    content: dict[BNode, str] = {}
    labels: dict[BNode, str] = {}

    def sha(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def content_of(node: BNode, path: frozenset[BNode]) -> str:
        if node not in content:
            if node in path:  # a cycle: name the back edge by a fixed token
                return "cycle"
            parts = sorted(
                f"{p.n3()} {content_of(o, path | {node}) if isinstance(o, BNode) else o.n3()}"
                for p, o in graph.predicate_objects(node)
            )
            content[node] = sha("\n".join(parts))
        return content[node]

    def label_of(node: BNode, path: frozenset[BNode]) -> str:
        if node not in labels:
            if node in path:
                return "cycle"
            parents = sorted(
                f"{p.n3()} {label_of(s, path | {node}) if isinstance(s, BNode) else s.n3()}"
                for s, p in graph.subject_predicates(node)
            )
            labels[node] = sha(content_of(node, frozenset()) + "\n" + "\n".join(parents))
        return labels[node]

    nodes = {t for triple in graph for t in triple if isinstance(t, BNode)}
    return {b: BNode(f"b{label_of(b, frozenset())}") for b in nodes}


def canonical_turtle(graph: Graph) -> str:
    """The canonical Turtle text of ``graph`` (project prefixes, sorted subjects)."""
    names = stable_bnodes(graph)
    copy = bind_all(Graph(bind_namespaces="none"))
    for s, p, o in graph:
        copy.add(
            (
                names.get(s, s) if isinstance(s, BNode) else s,
                p,
                names.get(o, o) if isinstance(o, BNode) else o,
            )
        )
    stream = io.BytesIO()
    serializer = CanonicalTurtleSerializer(copy)
    serializer.serialize(stream, encoding="utf-8")
    return stream.getvalue().decode("utf-8")


def parse_turtle(path: Path, display: str | None = None) -> Graph:
    """Parse one Turtle file; any problem becomes an ``InputError`` naming file and line."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(name, f"not UTF-8 text (byte {exc.start})", line) from exc
    graph = Graph(bind_namespaces="none")
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise InputError(name, f"Turtle syntax error: {exc._why}", exc.lines + 1) from exc
    except Exception as exc:  # rdflib raises plain exceptions for some bad input
        raise InputError(name, f"cannot parse as Turtle: {exc}") from exc
    return graph
