"""The project's namespaces as rdflib Namespaces, made from the one prefix map in
``loaders.iris``. ``bind_all`` puts the prefixes on a graph.
"""

from __future__ import annotations

from typing import Final

from rdflib import Graph, Namespace

from loaders import iris

BASE: Final = iris.BASE

MIG: Final = Namespace(BASE + "def#")
"""Classes and properties of the ontology: one namespace for every term."""
MIGS: Final = Namespace(BASE + "shapes#")
"""SHACL shapes."""
ID: Final = Namespace(BASE + "id/")
"""Instances: instruments, provisions, actors, documents, positions, figures."""
GRAPH: Final = Namespace(BASE + "graph/")
"""Named graphs of the build, one per input file (``GRAPH[relative path]``)."""
ONTOLOGY: Final = Namespace(BASE + "def/")
"""Ontology module IRIs (``ONTOLOGY['instruments']``) and version IRIs."""
CONCEPT: Final = Namespace(BASE + "concept/")
"""SKOS concept schemes of the project."""
STANCE: Final = Namespace(BASE + "concept/stance/")
STATUS: Final = Namespace(BASE + "concept/status/")
DIMENSION: Final = Namespace(BASE + "concept/dimension/")
ROLE: Final = Namespace(BASE + "concept/role/")
MEASURE: Final = Namespace(BASE + "concept/measure/")
UNIT: Final = Namespace(BASE + "concept/unit/")
EVENT_TYPE: Final = Namespace(BASE + "concept/event-type/")
DATE_QUALIFIER: Final = Namespace(BASE + "concept/date-qualifier/")
TOPIC: Final = Namespace(BASE + "concept/topic/")
DISCREPANCY_KIND: Final = Namespace(BASE + "concept/discrepancy-kind/")

ELI: Final = Namespace("http://data.europa.eu/eli/ontology#")
OA: Final = Namespace("http://www.w3.org/ns/oa#")
QB: Final = Namespace("http://purl.org/linked-data/cube#")
SH: Final = Namespace("http://www.w3.org/ns/shacl#")
CELEX: Final = Namespace("http://publications.europa.eu/resource/celex/")
RESOURCE_TYPE: Final = Namespace("http://publications.europa.eu/resource/authority/resource-type/")
LANGUAGE: Final = Namespace("http://publications.europa.eu/resource/authority/language/")
WD: Final = Namespace("http://www.wikidata.org/entity/")
VANN: Final = Namespace("http://purl.org/vocab/vann/")

PREFIXES: Final[dict[str, Namespace]] = {p: Namespace(ns) for p, ns in iris.PREFIXES.items()}


def bind_all(graph: Graph) -> Graph:
    """Bind every project prefix on ``graph`` (replacing rdflib's defaults) and return it."""
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph
