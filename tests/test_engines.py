"""The same answers on every engine: each stored query (cq-*, check-*, and the export
views) gives the same rows, terms and datatypes on embedded Oxigraph, rdflib, the Oxigraph
server, Virtuoso 7.2 and Apache Jena ARQ, each reached through the one engine seam.

The servers are real: the Oxigraph server from PyPI, Debian's virtuoso-opensource and
libapache-jena-java (tests/engines/ starts them on free ports with the built dataset).
Where a server is not installed the test is skipped here, but never in CI (CI=true),
where .ci/run installs them and a missing engine fails.

Rows are compared as multisets of terms, with two allowances the SPARQL spec makes: blank
node labels are the engine's own, and a number the query computes may be written in any
lexical form of its value (Jena writes the sum 1750 as "1750.0"^^xsd:decimal, Oxigraph as
"1750"): it is compared as its value, with its datatype.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine, RemoteEngine, Table
from loaders.graph.query import StoredQuery, bindings, run, stored
from loaders.project import Project
from tests.engines.compare import multiset

ROOT = Path(__file__).resolve().parent.parent
QUERIES = stored(Project.locate(ROOT))
VIEWS = sorted((ROOT / "queries" / "views").glob("*.rq"))
SERVERS = ("oxigraph-server", "virtuoso", "jena")


def unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{why}: CI must run every engine (.ci/run installs them)")
    pytest.skip(why)


@pytest.fixture(scope="module")
def nquads(build: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build.project.dist / "graph.nq"


class Reference:
    """rdflib's answers, each computed once for all the engines compared with it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tables: dict[str, Table] = {}
        self.graphs: dict[str, str] = {}

    def table(self, query: StoredQuery) -> Table:
        if query.name not in self.tables:
            self.tables[query.name] = run(self.engine, query, bindings(query, []))
        return self.tables[query.name]

    def construct(self, text: str) -> str:
        if text not in self.graphs:
            self.graphs[text] = self.engine.construct(text)
        return self.graphs[text]


@pytest.fixture(scope="session")
def reference(build: Dataset) -> Reference:
    return Reference(build.engine("rdflib"))


# Faults of Virtuoso 7.2 that no rewrite has mended yet (docs/engine-faults-virtuoso.md):
# kept as strict expected failures, so that a mend shows up as a failure to remove here.
VIRTUOSO_FAULTS = {
    "validation": "a property path in FILTER EXISTS on a variable bound outside never matches, "
    "so every sh:class test fails (and a negated sameTerm disjunction, so every sh:in)",
}


def known_fault(engine: Engine, name: str) -> None:
    if getattr(engine, "label", "") == "virtuoso" and name in VIRTUOSO_FAULTS:
        pytest.xfail(f"Virtuoso 7.2: {VIRTUOSO_FAULTS[name]}")


@pytest.fixture(scope="module", params=["oxigraph", *SERVERS])
def engine(
    request: pytest.FixtureRequest,
    build: Dataset,
    nquads: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Engine]:
    name = request.param
    work = tmp_path_factory.mktemp(name)
    if name == "oxigraph":
        yield build.engine("oxigraph")
    elif name == "oxigraph-server":
        from loaders.graph.build import persist
        from loaders.publish.endpoint import free_port, start

        persist(build.quads_in(), work / "store")
        port = free_port()
        proc = start(work / "store", "127.0.0.1", port, read_only=True)
        try:
            yield RemoteEngine(f"http://127.0.0.1:{port}/query", timeout=60)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    elif name == "virtuoso":
        if not shutil.which("virtuoso-t"):
            unavailable("Virtuoso is not installed (Debian package virtuoso-opensource)")
        from loaders.publish.virtuoso import start_virtuoso

        with start_virtuoso(nquads, work) as server:
            remote = RemoteEngine(server.sparql_url, timeout=120)
            remote.label = "virtuoso"  # type: ignore[attr-defined]
            yield remote
    else:
        from tests.engines.jena import JenaUnavailable, start_jena

        try:
            server = start_jena(nquads, work)
        except JenaUnavailable as why:
            unavailable(str(why))
        with server:
            yield RemoteEngine(server.query_url, timeout=120)


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_stored_query_gives_the_same_rows_on_every_engine(
    engine: Engine, reference: Reference, query: StoredQuery
) -> None:
    want = reference.table(query)
    got = run(engine, query, bindings(query, []))
    assert got.columns == want.columns
    if multiset(got.rows) != multiset(want.rows):
        known_fault(engine, query.name)
    assert multiset(got.rows) == multiset(want.rows), (engine.name, query.name)
    assert query.name not in VIRTUOSO_FAULTS or getattr(engine, "label", "") != "virtuoso"


@pytest.mark.parametrize("view", VIEWS, ids=lambda p: p.stem)
def test_every_view_gives_the_same_triples_on_every_engine(
    engine: Engine, reference: Reference, view: Path
) -> None:
    text = view.read_text(encoding="utf-8")
    want = reference.construct(text)
    got = engine.construct(text)
    assert len(want.splitlines()) > 100
    if got != want:
        known_fault(engine, view.stem)
    assert got == want, (engine.name, view.stem)
    assert view.stem not in VIRTUOSO_FAULTS or getattr(engine, "label", "") != "virtuoso"


@pytest.fixture(scope="session")
def local_report(build: Dataset) -> set[tuple[str, ...]]:
    from loaders.check.validate import run as validate

    return _findings(validate(build))


def _findings(report: object) -> set[tuple[str, ...]]:
    from loaders.check.validate import Report

    assert isinstance(report, Report)
    return {(r.focus, r.shape, r.severity, r.value or "", r.message) for r in report.results}


def test_validation_through_the_seam_gives_the_local_report_on_every_engine(
    engine: Engine, build: Dataset, local_report: set[tuple[str, ...]]
) -> None:
    """migkg validate --endpoint: the shapes compiled to portable SPARQL (node sets as
    sub-SELECTs, lexical forms checked by casts) give the same findings on the server."""
    from loaders.check.validate import run as validate

    assert len(local_report) > 40  # the graph's notes and warning: something to compare
    found = _findings(validate(build, on=engine))
    if found != local_report:
        known_fault(engine, "validation")
    assert found == local_report
    assert getattr(engine, "label", "") != "virtuoso"  # a mended fault: remove it above
