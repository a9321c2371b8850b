"""RDF terms between rdflib and pyoxigraph, and their short names (CURIEs).

rdflib terms are the currency of the package (query results, the rdflib engine, the
checks); pyoxigraph terms are what the built dataset and the Oxigraph engine hold. The
conversions live here and nowhere else.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

import pyoxigraph as ox

from loaders.errors import MigkgError
from loaders.iris import ID, PREFIXES

if TYPE_CHECKING:
    from rdflib import Graph
    from rdflib.term import Node

OxTerm = ox.NamedNode | ox.BlankNode | ox.Literal
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def english(graph: Graph, node: Node, prop: Node) -> str:
    """The value of ``prop`` on ``node`` in English, else one without a language, else
    any (the least in text order, so that the choice is stable); "" when there is none."""
    values = sorted(
        graph.objects(node, prop),
        key=lambda v: (getattr(v, "language", None) not in ("en", None), str(v)),
    )
    return str(values[0]) if values else ""


def to_ox(term: Node) -> OxTerm:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    raise MigkgError(f"cannot use {term!r} as an RDF term")


def from_ox(term: object) -> Node:
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise MigkgError(f"unexpected term {term!r} from the store")


_XSD = "http://www.w3.org/2001/XMLSchema#"


def canonical_literal(term: OxTerm) -> OxTerm:
    """A literal of a numeric or boolean XSD type in its canonical form (XSD 1.1: "86" for
    the decimal 86, "true" for 1); other terms as they are. Two engines may write the same
    value differently (Oxigraph "86", rdflib "86.0"); in this form they agree."""
    if not isinstance(term, ox.Literal) or term.language:
        return term
    datatype = term.datatype.value
    text = term.value.strip()
    try:
        if datatype == _XSD + "decimal":
            if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
                return term
            value = Decimal(text)
            canonical = format(value.normalize(), "f") if value else "0"
        elif datatype == _XSD + "integer":
            canonical = str(int(text))
        elif datatype == _XSD + "boolean":
            canonical = {"1": "true", "0": "false"}.get(text, text)
        else:
            return term
    except (ValueError, ArithmeticError):
        return term
    return term if canonical == term.value else ox.Literal(canonical, datatype=term.datatype)


CURIE_PREFIXES = sorted(
    [("id", ID), *PREFIXES.items()],
    key=lambda pair: -len(pair[1]),
)
"""The prefixes CURIEs are written with (the id/ namespace too), longest namespace first."""


def curie(iri: str) -> str:
    """``prefix:local`` with the project's longest matching prefix, else the IRI itself."""
    for prefix, ns in CURIE_PREFIXES:
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


_LEXICAL = {
    "integer": r"[+-]?\d+",
    "nonNegativeInteger": r"\+?\d+|-0+",
    "positiveInteger": r"\+?0*[1-9]\d*",
    "nonPositiveInteger": r"-\d+|\+?0+",
    "negativeInteger": r"-0*[1-9]\d*",
    "int": r"[+-]?\d+",
    "long": r"[+-]?\d+",
    "decimal": r"[+-]?(\d+(\.\d*)?|\.\d+)",
    "double": r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|-INF|NaN",
    "float": r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|INF)|-INF|NaN",
    "boolean": r"true|false|1|0",
    "gYear": r"-?\d{4,}(Z|[+-]\d\d:\d\d)?",
    "gYearMonth": r"-?\d{4,}-(0[1-9]|1[0-2])(Z|[+-]\d\d:\d\d)?",
    "date": r"-?\d{4,}-\d\d-\d\d(Z|[+-]\d\d:\d\d)?",
    "dateTime": r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?",
}


def ill_typed(value: str, datatype: str) -> str | None:
    """Why ``value`` is not a valid lexical form of the XSD ``datatype`` (the common ones a
    data file uses), or None when it is (or the datatype is not one checked here)."""
    import re
    from datetime import date

    if not datatype.startswith(_XSD):
        return None
    local = datatype.removeprefix(_XSD)
    pattern = _LEXICAL.get(local)
    if pattern is None:
        return None
    if not re.fullmatch(pattern, value):
        return f'"{value}" is not a valid xsd:{local}'
    if local in ("date", "dateTime"):
        day = value.lstrip("-")[:10]
        try:
            date.fromisoformat(day)
        except ValueError as exc:
            return f'"{value}" is not a valid xsd:{local}: {exc}'
        if local == "dateTime":
            hour, minute, second = value.lstrip("-")[11:19].split(":")
            if int(hour) > 24 or int(minute) > 59 or int(second) > 60:
                return f'"{value}" is not a valid xsd:dateTime: no such time'
    return None
