"""Rows compared across engines: as multisets of terms, blank node labels left out (each
engine names them), and a number or boolean in its canonical form (Jena writes the sum
1750 as "1750.0"^^xsd:decimal where Oxigraph writes "1750"; Virtuoso writes true as
"1"): the same value with the same datatype."""

from __future__ import annotations

from collections import Counter

import pyoxigraph as ox

from loaders.terms import OxTerm, canonical_literal


def canonical(term: OxTerm | None) -> str:
    if term is None:
        return "UNBOUND"
    if isinstance(term, ox.BlankNode):
        return "_:b"
    return str(canonical_literal(term))


def multiset(rows: list[list[OxTerm | None]]) -> Counter[tuple[str, ...]]:
    return Counter(tuple(canonical(v) for v in row) for row in rows)
