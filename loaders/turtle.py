"""Canonical Turtle: the one written form of every Turtle file in the repository.

rdflib's ``longturtle`` with canonical blank-node labels, one subject block at a
time, with the subjects in a fixed order: ``owl:Ontology`` headers first, then IRIs
sorted as strings, then blank nodes. The same graph always gives the same bytes, so
a diff of a data file shows a change of knowledge and nothing else. Comments do not
survive: put what a comment would say into ``rdfs:comment`` or ``skos:note``.
"""

from __future__ import annotations

import io

from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF
from rdflib.plugins.serializers.longturtle import LongTurtleSerializer
from rdflib.term import Node

from .namespaces import bind_all


class CanonicalTurtleSerializer(LongTurtleSerializer):
    """longturtle with subjects in IRI order (ontology headers first)."""

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


def canonical_turtle(graph: Graph) -> str:
    """The canonical Turtle text of ``graph`` (project prefixes, sorted subjects)."""
    copy = bind_all(Graph(bind_namespaces="none"))
    for triple in graph:
        copy.add(triple)
    stream = io.BytesIO()
    serializer = CanonicalTurtleSerializer(copy)  # type: ignore[no-untyped-call]
    # blank-node canonicalisation is costly; it is only needed where there are blank nodes
    has_bnodes = any(isinstance(t, BNode) for triple in copy for t in triple)
    serializer.serialize(stream, encoding="utf-8", canon=has_bnodes)
    return stream.getvalue().decode("utf-8")
