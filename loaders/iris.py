"""The one prefix map of the project, as plain strings.

Every Turtle file, query, export and test takes its prefixes from here, so that a prefix
means the same namespace everywhere. ``loaders.namespaces`` makes rdflib namespaces of
them; this module imports nothing, so that the commands that need no rdflib (a query on
the built store) do not load it.
"""

from __future__ import annotations

from typing import Final

BASE: Final = "https://w3id.org/migkg/"
ID: Final = BASE + "id/"
"""Instances: instruments, provisions, actors, documents, positions, figures."""
GRAPH: Final = BASE + "graph/"
"""Named graphs of the build, one per input file (``GRAPH + relative path``)."""
XSD: Final = "http://www.w3.org/2001/XMLSchema#"

PREFIXES: Final[dict[str, str]] = {
    "mig": BASE + "def#",
    "migs": BASE + "shapes#",
    "stance": BASE + "concept/stance/",
    "status": BASE + "concept/status/",
    "dimension": BASE + "concept/dimension/",
    "role": BASE + "concept/role/",
    "measure": BASE + "concept/measure/",
    "unit": BASE + "concept/unit/",
    "eventtype": BASE + "concept/event-type/",
    "datequal": BASE + "concept/date-qualifier/",
    "topic": BASE + "concept/topic/",
    "discrepancy": BASE + "concept/discrepancy-kind/",
    "vann": "http://purl.org/vocab/vann/",
    "eli": "http://data.europa.eu/eli/ontology#",
    "oa": "http://www.w3.org/ns/oa#",
    "qb": "http://purl.org/linked-data/cube#",
    "sh": "http://www.w3.org/ns/shacl#",
    "celex": "http://publications.europa.eu/resource/celex/",
    "restype": "http://publications.europa.eu/resource/authority/resource-type/",
    "lang": "http://publications.europa.eu/resource/authority/language/",
    "wd": "http://www.wikidata.org/entity/",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "prov": "http://www.w3.org/ns/prov#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "time": "http://www.w3.org/2006/time#",
    "xsd": XSD,
}
"""prefix -> namespace IRI: the one prefix map."""
