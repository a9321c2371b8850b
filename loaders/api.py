"""The graph from Python and Jupyter: stored or ad-hoc queries, rows as text, DataFrames.

::

    from loaders import open_graph

    g = open_graph()                                   # the built graph, on Oxigraph
    r = g.query("cq-cabinet-supports", stance="stance:opposes")
    r.rows[0]["instrument"]                            # a label, as migkg query shows it
    r.df()                                             # a pandas DataFrame (pandas extra)

The text of every cell is what ``migkg query`` prints in its table: an IRI as its label
(in ``lang``, English by default), a decimal in its canonical form (``86``, not
``86.0``), an unbound value as ``""``; it comes from the same functions
(:func:`loaders.graph.query.names_for` and :func:`~loaders.graph.query.cell`). The raw
RDF terms are in ``terms``. Parameters are bound as RDF terms by the engine, never
pasted into the query text, as the CLI's ``--param`` does. Every problem is a
:class:`~loaders.errors.MigkgError` with a one-line message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from loaders.errors import MigkgError
from loaders.graph.engines import Engine, Row, Table
from loaders.graph.query import (
    Param,
    StoredQuery,
    bindings,
    cell,
    find,
    names_for,
    parse_text,
    render,
    run,
    stored,
    term,
    without_comments,
)
from loaders.project import Project
from loaders.terms import OxTerm

if TYPE_CHECKING:
    from pandas import DataFrame

    from loaders.graph.search import Hit

PANDAS = "install the pandas extra: pip install 'migkg[pandas]'"
PUSHED_GRAPH = "https://w3id.org/migkg/graph/all"  # what migkg push writes (the CLI's --graph)


@dataclass(frozen=True)
class Result:
    """A SELECT's answer: ``columns``; ``rows``, one dict of text per row, keyed by
    column; ``terms``, the same rows as RDF terms (pyoxigraph; None where unbound)."""

    query: str
    columns: list[str]
    terms: list[Row]
    rows: list[dict[str, str]]
    names: dict[str, str] = field(repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def __str__(self) -> str:
        """The rows as ``migkg query``'s table (cells cut at 60 characters)."""
        return render(Table(self.columns, self.terms), "table", self.names)

    def df(self) -> DataFrame:
        """The rows as a pandas DataFrame of text, one column per query column (numbers
        stay text as the CLI prints them: ``pd.to_numeric(df[column])`` makes them
        numbers)."""
        try:
            import pandas as pd
        except ImportError:
            raise MigkgError(PANDAS) from None
        return pd.DataFrame(self.rows, columns=self.columns, dtype=str)


class Graph:
    """The graph on one engine, with the project's stored queries."""

    def __init__(self, project: Project, engine: Engine) -> None:
        self.project = project
        self.engine = engine

    def __repr__(self) -> str:
        return f"<migkg graph of {self.project.root} on {self.engine.name}>"

    def queries(self) -> list[StoredQuery]:
        """The stored queries under queries/: each one's ``name``, ``title``,
        ``question``, ``columns`` and ``params`` (name → kind, description, default)."""
        return stored(self.project)

    def iri(self, value: str) -> ox.NamedNode:
        """An IRI written as the CLI takes it (``actor/frontex``, ``stance:opposes``,
        ``<https://…>``): to bind an ad-hoc query's parameter to a node."""
        return _as_iri(value)

    def search(
        self, text: str, lang: str | None = None, type: str | None = None, limit: int = 20
    ) -> list[Hit]:
        """``migkg search`` from Python: the best ``limit`` hits for ``text`` (an FTS5
        query: words, "a phrase", OR, NOT, prefix*) among labels, definitions and quotes
        of the checkout's build, best first; ``lang`` and ``type`` (a class, its subclasses
        included) narrow them. Each :class:`~loaders.graph.search.Hit` has the node, its
        type, the field and text matched, the text with the match marked, and the source
        documents."""
        from loaders.graph.search import search

        return search(self.project, text, lang=lang, type=type, limit=limit)

    def query(self, query: str, /, lang: str | None = None, **params: object) -> Result:
        """A stored query by name (``cq-cabinet-supports``), a ``.rq`` file, or the text
        of a SELECT query (anything with a space or a brace in it), the project's prefixes
        added where it uses them undeclared. ``params`` are bound by name: a stored
        query's values are read by their declared kind as ``--param`` reads them; an
        ad-hoc query's variables take a Python value (str: a plain string, int, float,
        Decimal, date, or a term such as :meth:`iri` gives). ``lang`` is the language of
        the labels, and of the query's own ``lang`` parameter when it has one."""
        if re.search(r"[\s{]", query):
            chosen = parse_text(query, "query", Path("<query>"))
            adhoc = True
        elif query == "-":
            raise MigkgError("'-' (standard input) is for the CLI: give the query's text")
        else:
            chosen = find(self.project, query)
            adhoc = False
        # declared parameters (all of a stored query's, so that bindings names an unknown
        # one) are read by their kind, as --param reads them; an ad-hoc query's others by
        # their Python type
        extra = {k: v for k, v in params.items() if adhoc and k not in chosen.params}
        given = [f"{k}={_text(v)}" for k, v in params.items() if k not in extra]
        bound = bindings(chosen, given, lang)
        bound.update({k: _term(chosen, k, v) for k, v in extra.items()})
        table = run(self.engine, chosen, bound)
        names = names_for(self.engine, table.rows, lang)
        rows = [
            {c: cell(v, names) for c, v in zip(table.columns, row, strict=True)}
            for row in table.rows
        ]
        return Result(chosen.name, table.columns, table.rows, rows, names)


def _text(value: object) -> str:
    """A stored query's parameter value as the text --param would give."""
    if isinstance(value, ox.Literal):
        return value.value
    return str(value)


def _as_iri(value: str) -> ox.NamedNode:
    found = term(Param("iri", "iri", ""), value)
    assert isinstance(found, ox.NamedNode)
    return found


def _term(query: StoredQuery, name: str, value: object) -> OxTerm:
    """An ad-hoc query's parameter: a variable of the query, its term from a Python value."""
    if not re.search(rf"[?$]{re.escape(name)}\b", without_comments(query.text)):
        raise MigkgError(f"{query.name}: parameter {name}: the query has no variable ?{name}")
    param = Param(name, "string", "")
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        return value
    if isinstance(value, bool):
        raise MigkgError(f"parameter {name}: give true or false as a string or a term")
    if isinstance(value, str):
        return term(param, value)
    if isinstance(value, int):
        return term(Param(name, "integer", ""), str(value))
    if isinstance(value, float | Decimal):
        return term(Param(name, "decimal", ""), str(value))
    if isinstance(value, date):
        return term(Param(name, "date", ""), value.isoformat())
    raise MigkgError(
        f"parameter {name}: cannot bind a {type(value).__name__}; give a str, int, float, "
        "Decimal, date or an RDF term (Graph.iri)"
    )


def open_graph(
    root: str | Path | None = None,
    engine: str = "oxigraph",
    endpoint: str | None = None,
    graph: str = PUSHED_GRAPH,
    timeout: float = 30.0,
) -> Graph:
    """The built graph of the checkout at ``root`` (found as the CLI finds it by
    default), read once, on ``engine`` (``oxigraph``, or ``rdflib``: slower, the
    reference); or, with ``endpoint``, a SPARQL server (reading ``graph``, the union
    ``migkg push`` writes; ``""`` for the server's default graph), the stored queries
    still read from the checkout."""
    from loaders.graph.dataset import load

    project = Project.locate(Path(root) if root is not None else None)
    if endpoint:
        from loaders.graph.engines import RemoteEngine
        from loaders.publish.endpoint import Endpoint

        where = Endpoint.of(endpoint, None, None, timeout)
        return Graph(project, RemoteEngine(where.query_url, None, graph or None, timeout))
    return Graph(project, load(project).engine(engine))
