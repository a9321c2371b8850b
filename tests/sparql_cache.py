"""Parse each SPARQL text once per test session.

rdflib parses and translates a query string on every ``Graph.query`` call, and pySHACL
passes the same few hundred constraint and target queries for every case it validates:
a third of the time of tests/test_shapes.py went to pyparsing. A translated query is
reusable (it is what ``prepareQuery`` returns), so the tests cache it by text, base
and prefixes. Results are unchanged; only the reference engines' parse time goes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from typing import Any

from rdflib.plugins.sparql import processor
from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.sparql import Query

_query = processor.SPARQLProcessor.query


@functools.lru_cache(maxsize=4096)
def _translated(text: str, base: str | None, prefixes: tuple[tuple[str, Any], ...]) -> Query:
    return translateQuery(parseQuery(text), base, dict(prefixes) or None)


def _cached_query(
    self: processor.SPARQLProcessor,
    strOrQuery: str | Query,  # rdflib's names
    initBindings: Mapping[str, Any] | None = None,
    initNs: Mapping[str, Any] | None = None,
    base: str | None = None,
    DEBUG: bool = False,
) -> Mapping[str, Any]:
    if isinstance(strOrQuery, str):
        with contextlib.suppress(TypeError):  # an unhashable prefix map: rdflib parses it
            strOrQuery = _translated(strOrQuery, base, tuple(sorted((initNs or {}).items())))
    return _query(self, strOrQuery, initBindings, initNs, base, DEBUG)


def install() -> None:
    processor.SPARQLProcessor.query = _cached_query  # type: ignore[method-assign]
