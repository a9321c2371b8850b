"""Rows compared across engines: as multisets of terms, blank node labels left out (each
engine names them), and a number an engine computes compared as its value with its
datatype (Jena writes the sum 1750 as "1750.0"^^xsd:decimal, Oxigraph as "1750")."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

from rdflib import BNode, Literal
from rdflib.namespace import XSD
from rdflib.term import Node

NUMERIC = {XSD.integer: int, XSD.decimal: Decimal, XSD.double: float, XSD.float: float}


def canonical(term: Node | None) -> str:
    if term is None:
        return "UNBOUND"
    if isinstance(term, BNode):
        return "_:b"
    if isinstance(term, Literal) and term.datatype in NUMERIC and term.language is None:
        value = NUMERIC[term.datatype](str(term))
        if isinstance(value, Decimal):
            value = value.normalize() + 0
        return f"{value!r}^^{term.datatype}"
    return term.n3()


def multiset(rows: list[list[Node | None]]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(canonical(v) for v in row) for row in rows)
