"""Checks on instance data that name the instance and the problem.

Used by the tests on the real graph, and usable on any graph: identifiers that do not
parse or are not canonical, two IRIs for one identifier, figures written as text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from loaders.extract import identifiers as ids
from loaders.namespaces import MIG, QB

CANONICAL: dict[URIRef, Callable[[str], str]] = {
    MIG.hasComNumber: lambda v: ids.commission_number(v).canonical,
    MIG.hasCNumber: lambda v: ids.commission_number(v).canonical,
    MIG.hasSwdNumber: lambda v: ids.commission_number(v).canonical,
    MIG.hasCelexNumber: ids.check_celex,
    MIG.hasActNumber: lambda v: ids.act_number(v).canonical,
    MIG.hasKamerstukNumber: lambda v: ids.kamerstuk_number(v).canonical,
    MIG.hasInterinstitutionalNumber: ids.procedure_number,
}
"""Identifier property → the function giving the canonical form of a value."""


def bad_identifiers(graph: Graph) -> list[str]:
    """Identifier literals that do not parse, or are not in canonical form."""
    problems = []
    for prop, canonical in CANONICAL.items():
        for subject, value in sorted(graph.subject_objects(prop)):
            try:
                expected = canonical(str(value))
            except ids.IdentifierError as exc:
                problems.append(f"{subject}: {prop.fragment} {exc}")
                continue
            if expected != str(value):
                problems.append(
                    f"{subject}: {prop.fragment} {str(value)!r} should be written {expected!r}"
                )
    return problems


def duplicate_identifiers(graph: Graph) -> dict[str, list[str]]:
    """Identifiers carried by more than one IRI: two spellings of one instrument."""
    owners: dict[str, set[str]] = defaultdict(set)
    for prop, canonical in CANONICAL.items():
        for subject, value in graph.subject_objects(prop):
            try:
                key = canonical(str(value))
            except ids.IdentifierError:
                key = str(value)
            owners[f"{prop.fragment} {key}"].add(str(subject))
    return {k: sorted(v) for k, v in sorted(owners.items()) if len(v) > 1}


def figures_not_numbers(graph: Graph) -> list[str]:
    """Observations whose value is not a non-negative xsd:integer or xsd:decimal."""
    problems = []
    for obs in sorted(graph.subjects(RDF.type, QB.Observation), key=str):
        value = graph.value(obs, MIG.obsValue)
        if not (isinstance(value, Literal) and value.datatype in (XSD.integer, XSD.decimal)):
            shown = value.n3() if value is not None else "missing"
            problems.append(f"{obs}: value {shown} is not an xsd:integer or xsd:decimal")
        elif value.toPython() < 0:
            problems.append(f"{obs}: negative value {value}")
    return problems
