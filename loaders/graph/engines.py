"""The engine seam: one small typed interface to every SPARQL engine the tool runs on.

* :class:`OxigraphEngine`: embedded Oxigraph (pyoxigraph), the default at run time;
* :class:`RdflibEngine`: rdflib's SPARQL engine, the reference the tests compare with;
* :class:`RemoteEngine`: any SPARQL 1.1 endpoint over the protocol (Oxigraph server,
  Virtuoso, Jena Fuseki, QLever, GraphDB, Neptune), through loaders.http.

The CLI picks one engine per run (``--engine`` or ``--endpoint``) and every command goes
through it. Parameters are bound as RDF terms, never pasted into the query text: Oxigraph
takes them as substitutions, rdflib as ``initBindings``, and a remote endpoint, which the
protocol gives no other way, as a ``VALUES`` block of checked terms (:func:`with_values`).

Terms are pyoxigraph's, whatever the engine (bound parameters, and the rows of a
:class:`Table` for SELECT), so that the query path needs no rdflib; a CONSTRUCT gives
N-Triples text written by Oxigraph's serialiser, one triple a line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import pyoxigraph as ox

from loaders.errors import MigkgError
from loaders.terms import XSD_STRING, OxTerm, from_ox, to_ox

if TYPE_CHECKING:
    from rdflib import Graph

Bindings = Mapping[str, OxTerm]


Row = list[OxTerm | None]


@dataclass
class Table:
    """The rows of a SELECT: a value or None (unbound) per column."""

    columns: list[str]
    rows: list[Row]


@dataclass
class Stream:
    """The rows of a SELECT as the engine gives them, one at a time."""

    columns: list[str]
    rows: Iterator[Row]


def streamed(table: Table) -> Stream:
    """A table's rows as a stream: for engines that hold the whole answer anyway."""
    return Stream(table.columns, iter(table.rows))


class QueryError(MigkgError):
    """The engine refused or failed the query; the message names the engine and why."""


class Engine(Protocol):
    """What every engine does. ``update`` raises where the engine is read-only."""

    name: str

    def select(self, query: str, bindings: Bindings | None = None) -> Table: ...

    def solutions(self, query: str, bindings: Bindings | None = None) -> Stream: ...

    def ask(self, query: str, bindings: Bindings | None = None) -> bool: ...

    def construct(self, query: str, bindings: Bindings | None = None) -> str: ...

    def update(self, update: str) -> None: ...


def canonical_ntriples(data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_TRIPLES) -> str:
    """RDF text as N-Triples written by Oxigraph, one triple a line, sorted and distinct."""
    triples = {t.triple if isinstance(t, ox.Quad) else t for t in ox.parse(data, format=fmt)}
    return "".join(sorted(f"{t} .\n" for t in triples))


class OxigraphEngine:
    """Embedded Oxigraph on an in-memory store (the built dataset's default graph is the
    union of the graph's scopes)."""

    name = "oxigraph"

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def _run(self, query: str, bindings: Bindings | None) -> object:
        substitutions: dict[ox.Variable, OxTerm | ox.Triple] = {
            ox.Variable(k): v for k, v in (bindings or {}).items()
        }
        try:
            try:
                return self.store.query(query, substitutions=substitutions)
            except RuntimeError as exc:
                if "SELECT projection" not in str(exc):
                    raise
                # Oxigraph substitutes projected variables only: bind the others as rdflib's
                # initBindings and the remote engine do, by a VALUES block of the same terms
                return self.store.query(with_values(query, bindings))
        except SyntaxError as exc:
            raise QueryError(f"oxigraph: the query does not parse: {exc}") from exc
        except (OSError, RuntimeError, ValueError) as exc:
            raise QueryError(f"oxigraph: the query failed: {exc}") from exc

    def solutions(self, query: str, bindings: Bindings | None = None) -> Stream:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("oxigraph: not a SELECT query")

        def rows() -> Iterator[Row]:
            try:
                for solution in result:
                    yield list(solution)
            except (OSError, RuntimeError, ValueError) as exc:
                raise QueryError(f"oxigraph: the query failed: {exc}") from exc

        return Stream([v.value for v in result.variables], rows())

    def select(self, query: str, bindings: Bindings | None = None) -> Table:
        stream = self.solutions(query, bindings)
        return Table(stream.columns, list(stream.rows))

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryBoolean):
            raise QueryError("oxigraph: not an ASK query")
        return bool(result)

    def construct(self, query: str, bindings: Bindings | None = None) -> str:
        result = self._run(query, bindings)
        if not isinstance(result, ox.QueryTriples):
            raise QueryError("oxigraph: not a CONSTRUCT or DESCRIBE query")
        data = result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
        return canonical_ntriples(data)

    def update(self, update: str) -> None:
        try:
            self.store.update(update)
        except SyntaxError as exc:
            raise QueryError(f"oxigraph: the update does not parse: {exc}") from exc


class RdflibEngine:
    """rdflib's SPARQL engine on a Graph: the reference."""

    name = "rdflib"

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def _run(self, query: str, bindings: Bindings | None) -> object:
        from pyparsing import ParseException

        bound = {k: from_ox(v) for k, v in (bindings or {}).items()}
        try:
            return self.graph.query(query, initBindings=bound)  # type: ignore[arg-type]
        except ParseException as exc:
            raise QueryError(f"rdflib: the query does not parse: {exc}") from exc
        except Exception as exc:  # rdflib raises plain exceptions for queries it cannot run
            raise QueryError(f"rdflib: the query failed: {exc}") from exc

    def select(self, query: str, bindings: Bindings | None = None) -> Table:
        result = self._run(query, bindings)
        if getattr(result, "type", None) != "SELECT" or result.vars is None:  # type: ignore[attr-defined]
            raise QueryError("rdflib: not a SELECT query")
        columns = [str(v) for v in result.vars]  # type: ignore[attr-defined]
        terms: dict[object, OxTerm] = {}  # a term repeated over rows is converted once

        def term(value: object) -> OxTerm | None:
            if value is None:
                return None
            found = terms.get(value)
            if found is None:
                found = terms[value] = to_ox(value)  # type: ignore[arg-type]
            return found

        return Table(columns, [[term(v) for v in row] for row in result])  # type: ignore[attr-defined]

    def solutions(self, query: str, bindings: Bindings | None = None) -> Stream:
        return streamed(self.select(query, bindings))

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        result = self._run(query, bindings)
        if getattr(result, "type", None) != "ASK":
            raise QueryError("rdflib: not an ASK query")
        return bool(result.askAnswer)  # type: ignore[attr-defined]

    def construct(self, query: str, bindings: Bindings | None = None) -> str:
        result = self._run(query, bindings)
        graph = getattr(result, "graph", None)
        if getattr(result, "type", None) not in ("CONSTRUCT", "DESCRIBE") or graph is None:
            raise QueryError("rdflib: not a CONSTRUCT or DESCRIBE query")
        return canonical_ntriples(graph.serialize(format="nt", encoding="utf-8"))

    def update(self, update: str) -> None:
        try:
            self.graph.update(update)
        except Exception as exc:
            raise QueryError(f"rdflib: the update failed: {exc}") from exc


# --- remote --------------------------------------------------------------------------------


def with_values(query: str, bindings: Bindings | None) -> str:
    """The query with its parameters as a VALUES block of RDF terms (checked by the caller,
    written in N-Triples form with its escaping, which SPARQL reads as the same terms) at
    the start of its outer pattern: the protocol has no other way to bind them."""
    if not bindings:
        return query
    names = sorted(bindings)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise MigkgError(f"{name!r} is not a variable name")
    values = (
        "VALUES ("
        + " ".join(f"?{n}" for n in names)
        + ") { ("
        + " ".join(str(bindings[n]) for n in names)
        + ") }"
    )
    at = values_at(query)
    return query[:at] + " " + values + query[at:]


def values_at(query: str) -> int:
    """Where :func:`with_values` puts the VALUES block: just after the first ``WHERE {``
    (the page of stored queries, publish.endpoint.queries_page, binds at the same place)."""
    match = re.search(r"\bWHERE\s*\{", query, re.I)
    if match is None:
        raise MigkgError("cannot find the query's WHERE to bind its parameters")
    return match.end()


def term_of(cell: Mapping[str, str]) -> OxTerm:
    """A term of the SPARQL 1.1 Query Results JSON Format."""
    kind = cell.get("type")
    if kind == "uri":
        return ox.NamedNode(cell["value"])
    if kind == "bnode":  # a server's label may hold characters a blank node label may not
        return ox.BlankNode(re.sub(r"[^A-Za-z0-9_]", "_", cell["value"]) or "b")
    if kind not in ("literal", "typed-literal"):
        raise ValueError(f"unknown term type {kind!r}")
    if "xml:lang" in cell:
        return ox.Literal(cell["value"], language=cell["xml:lang"])
    datatype = cell.get("datatype")
    if datatype and datatype != XSD_STRING:
        return ox.Literal(cell["value"], datatype=ox.NamedNode(datatype))
    return ox.Literal(cell["value"])


def table_of(result: object, where: str) -> Table:
    """A Table from SPARQL JSON results; anything else is a QueryError naming ``where``."""
    if not isinstance(result, dict):
        raise QueryError(f"{where}: the answer is not SPARQL JSON results")
    try:
        columns = [str(v) for v in result["head"].get("vars", [])]
        rows = [
            [term_of(b[c]) if c in b else None for c in columns]
            for b in result["results"].get("bindings", [])
        ]
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        raise QueryError(f"{where}: the answer is not SPARQL JSON results ({exc})") from None
    return Table(columns, rows)


class RemoteEngine:
    """A SPARQL 1.1 endpoint over the protocol (form-encoded POST), through loaders.http:
    one deadline per request, credentials only in answer to a challenge (Basic or Digest),
    reads retried on errors that may pass. ``default_graph`` is sent as
    ``default-graph-uri`` when given (``migkg push`` writes the union to such a graph).

    Not SPARQLWrapper, for reasons found against real servers (docs/endpoints.md): it sends
    credentials ahead as Basic, which Virtuoso refuses without offering Digest, so it needs
    the scheme named in advance; it re-guesses a query's kind from its text in setQuery and
    sent three of our SELECTs as updates; and it hides the HTTP status (401 against 403)
    in its own exceptions."""

    name = "remote"
    RETRIES = 3

    def __init__(
        self,
        query_url: str,
        update_url: str | None = None,
        default_graph: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.query_url = query_url
        self.update_url = update_url
        self.default_graph = default_graph
        self.timeout = timeout

    def _post(self, url: str, form: dict[str, str], accept: str, retries: int) -> bytes:
        from urllib.parse import urlencode

        from loaders.http import EndpointError, request

        fields = list(form.items())
        if self.default_graph and "query" in form:
            fields.append(("default-graph-uri", self.default_graph))
        try:
            return request(
                "POST",
                url,
                data=urlencode(fields).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": accept},
                timeout=self.timeout,
                retries=retries,
            )
        except EndpointError as exc:
            raise QueryError(exc.message) from None

    def _results(self, query: str, bindings: Bindings | None) -> object:
        import json

        raw = self._post(
            self.query_url,
            {"query": with_values(query, bindings)},
            "application/sparql-results+json",
            self.RETRIES,
        )
        try:
            return json.loads(raw)
        except ValueError:
            raise QueryError(
                f"{self.query_url}: the answer is not SPARQL JSON results: {raw[:80]!r}"
            ) from None

    def select(self, query: str, bindings: Bindings | None = None) -> Table:
        return table_of(self._results(query, bindings), self.query_url)

    def solutions(self, query: str, bindings: Bindings | None = None) -> Stream:
        return streamed(self.select(query, bindings))

    def ask(self, query: str, bindings: Bindings | None = None) -> bool:
        result = self._results(query, bindings)
        if not isinstance(result, dict) or not isinstance(result.get("boolean"), bool):
            raise QueryError(f"{self.query_url}: the answer is not a SPARQL boolean result")
        return bool(result["boolean"])

    def construct(self, query: str, bindings: Bindings | None = None) -> str:
        data = self._post(
            self.query_url,
            {"query": with_values(query, bindings)},
            "application/n-triples, text/turtle;q=0.9",
            self.RETRIES,
        )
        try:
            return canonical_ntriples(data, ox.RdfFormat.TURTLE)
        except SyntaxError as exc:
            raise QueryError(f"{self.query_url}: the answer is not RDF: {exc}") from None

    def update(self, update: str) -> None:
        if not self.update_url:
            raise QueryError(f"{self.query_url}: no update endpoint given: read-only here")
        self._post(self.update_url, {"update": update}, "*/*", 0)
