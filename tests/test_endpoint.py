"""The graph in a real Oxigraph server: push it and read the counts back, run every stored
query there and get the local answer, enrich from a CDM-shaped fixture, serve it
read-only; and the failures an endpoint can have, from a deliberately failing server."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from rdflib import URIRef

from loaders.cli import main
from loaders.errors import MigkgError
from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine, RemoteEngine
from loaders.graph.query import bindings, find, run, stored
from loaders.http import EndpointError, request
from loaders.namespaces import GRAPH, ID, MIG
from loaders.project import Project
from loaders.publish.endpoint import PUSHED_GRAPH, Endpoint, count, engine, enrich, push, start
from tests.engines.compare import multiset

ROOT = Path(__file__).resolve().parent.parent
CDM = "http://publications.europa.eu/ontology/cdm#"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Endpoint]:
    """A real Oxigraph server, read-write, on a free loopback port; stopped afterwards."""
    port = free_port()
    proc = start(tmp_path / "store", "127.0.0.1", port, read_only=False)
    try:
        yield Endpoint.of(f"http://127.0.0.1:{port}", timeout=20)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def pushed(
    tmp_path_factory: pytest.TempPathFactory, build: Dataset
) -> Iterator[tuple[Endpoint, dict[str, int]]]:
    """A real Oxigraph server with the graph pushed once, for the tests that only read it
    (a push of the whole graph takes some ten seconds)."""
    port = free_port()
    proc = start(tmp_path_factory.mktemp("pushed") / "store", "127.0.0.1", port, read_only=False)
    try:
        endpoint = Endpoint.of(f"http://127.0.0.1:{port}", timeout=60)
        # what an earlier push left: the push replaces it, it does not add to it
        stale = f"INSERT DATA {{ GRAPH <{PUSHED_GRAPH}> {{ <urn:stale> <urn:p> <urn:o> }} }}"
        form = urllib.parse.urlencode({"update": stale}).encode()
        request("POST", endpoint.update_url, data=form, timeout=20,
                headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
        assert count(endpoint, URIRef(PUSHED_GRAPH)) == 1
        yield endpoint, push(endpoint, build, say=lambda _: None)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def named_graphs(endpoint: Endpoint) -> set[str]:
    text = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    return {row[0].value for row in engine(endpoint).select(text).rows}


def same_answers(remote: RemoteEngine, local: Engine, skip: dict[str, str]) -> list[str]:
    """The stored queries whose rows differ between the two engines."""
    differences = []
    for query in stored(Project.locate(ROOT)):
        if query.name in skip:
            continue
        bound = bindings(query, [])
        if multiset(run(remote, query, bound).rows) != multiset(run(local, query, bound).rows):
            differences.append(query.name)
    return differences


def test_push_to_oxigraph_then_every_query_answers_as_here(
    pushed: tuple[Endpoint, dict[str, int]], build: Dataset, capsys: pytest.CaptureFixture[str]
) -> None:
    server, counts = pushed
    files = {str(iri) for iri, _ in build.graphs() if "/graph/shapes/" not in str(iri)}
    assert set(counts) == files | {PUSHED_GRAPH}
    assert counts[PUSHED_GRAPH] == len({q.triple for q in build.quads_in()})
    assert named_graphs(server) == set(counts)  # and no staging graph is left
    # the triple an earlier push left is gone: a push replaces, it does not add
    assert count(server, URIRef(PUSHED_GRAPH)) == counts[PUSHED_GRAPH]
    assert not engine(server).ask(f"ASK {{ GRAPH <{PUSHED_GRAPH}> {{ <urn:stale> ?p ?o }} }}")
    # migkg query --endpoint reads the pushed union by default
    remote = RemoteEngine(server.query_url, default_graph=PUSHED_GRAPH, timeout=30)
    assert same_answers(remote, build.engine("oxigraph"), {}) == []
    assert main(["query", "cq-cabinet-supports", "--endpoint", server.query_url.rsplit("/", 1)[0],
                 "--format", "csv"]) == 0  # fmt: skip
    here = main(["query", "cq-cabinet-supports", "--format", "csv"])
    out = capsys.readouterr().out
    assert here == 0 and out.count("cabinet") > 20
    first, second = out[: len(out) // 2], out[len(out) // 2 :]
    assert first == second  # the same CSV from the server as from here
    # a table from the server names nodes by their labels, as here (issue 18)
    endpoint_url = server.query_url.rsplit("/", 1)[0]
    assert main(["query", "cq-fiche-assessments", "--endpoint", endpoint_url]) == 0
    table = capsys.readouterr().out
    assert "BNC fiche: Recommendation on legal pathways" in table
    assert "https://w3id.org/migkg/id/" not in table


def test_a_literal_the_store_changes_fails_the_push_and_replaces_nothing(
    server: Endpoint, project: Project
) -> None:
    """An Oxigraph store writes 05 back as "5"^^xsd:integer:
    the read-back comparison sees it, and no graph is replaced, none left half-made."""
    import pyoxigraph as ox

    g = ox.NamedNode(str(GRAPH["instances/x.ttl"]))
    xsd = "http://www.w3.org/2001/XMLSchema#"
    p = ox.NamedNode("urn:p")
    seven = ox.Literal("7", datatype=ox.NamedNode(xsd + "integer"))
    five = ox.Literal("05", datatype=ox.NamedNode(xsd + "nonNegativeInteger"))
    quads = [
        ox.Quad(ox.NamedNode("urn:a"), p, seven, g),
        ox.Quad(ox.NamedNode("urn:b"), p, five, g),
    ]
    with pytest.raises(EndpointError, match="did not read back as sent"):
        push(server, Dataset(project, quads), say=lambda _: None)
    assert named_graphs(server) == set()


def test_a_read_only_store_is_named_as_such(tmp_path: Path, build: Dataset) -> None:
    from loaders.graph.build import persist

    persist(build.quads_in(["ontology"]), tmp_path / "ro")
    port = free_port()
    proc = start(tmp_path / "ro", "127.0.0.1", port, read_only=True)
    try:
        with pytest.raises(EndpointError, match="read-only"):
            push(Endpoint.of(f"http://127.0.0.1:{port}", timeout=20), build, say=lambda _: None)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_push_to_virtuoso_with_digest_then_every_query_answers_as_here(
    tmp_path: Path, build: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Virtuoso 7.2, as the Debian package runs it: Graph Store behind Digest
    authentication, bodies of megabytes, the pushed union queried with credentials."""
    if not shutil.which("virtuoso-t"):
        if os.environ.get("CI"):
            pytest.fail("Virtuoso is not installed: .ci/run installs virtuoso-opensource")
        pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource)")
    from loaders.publish.virtuoso import start_virtuoso
    from tests.test_engines import VIRTUOSO_FAULTS

    seed = tmp_path / "seed.nq"
    seed.write_text("<urn:s> <urn:p> <urn:o> <https://w3id.org/migkg/graph/instances/seed.ttl> .\n")
    with start_virtuoso(seed, tmp_path / "virtuoso") as server:
        monkeypatch.setenv("MIGKG_ENDPOINT_USER", server.graph_user)
        monkeypatch.setenv("MIGKG_ENDPOINT_PASSWORD", server.graph_password)
        auth = f"{server.base_url}/sparql-auth"
        endpoint = Endpoint.of(server.base_url, auth, server.graph_store_url, 120, auth)
        pushed = push(endpoint, build, say=lambda _: None)
        assert pushed[PUSHED_GRAPH] == len({q.triple for q in build.quads_in()})
        remote = RemoteEngine(auth, default_graph=PUSHED_GRAPH, timeout=120)
        # the two hygiene checks that look at every object of the graph are planned badly
        # by Virtuoso over a named default graph (over a minute at 1 M triples, once over
        # two minutes here under load: docs/performance.md); test_engines runs them there
        slow = {"check-dangling-iris": "", "check-missing-labels": ""}
        assert same_answers(remote, build.engine("oxigraph"), {**VIRTUOSO_FAULTS, **slow}) == []
        # wrong credentials are named as such, and the password is not printed
        monkeypatch.setenv("MIGKG_ENDPOINT_PASSWORD", "not-the-password")
        with pytest.raises(EndpointError, match="refused the credentials") as caught:
            push(endpoint, build, say=lambda _: None)
        assert "not-the-password" not in str(caught.value)


def test_hostile_parameters_stay_values_on_the_server(
    pushed: tuple[Endpoint, dict[str, int]],
) -> None:
    server, _ = pushed
    remote = RemoteEngine(server.query_url, default_graph=PUSHED_GRAPH, timeout=30)
    query = find(Project.locate(ROOT), "cq-find-by-label")
    before = count(server, URIRef(PUSHED_GRAPH))
    for value in ["} ; DROP ALL ; {", '" } INSERT DATA { <a> <b> <c> } #', "'; --"]:
        assert run(remote, query, bindings(query, [f"text={value}"])).rows == []
    assert count(server, URIRef(PUSHED_GRAPH)) == before
    found = run(remote, query, bindings(query, ["text=Frontex"]))
    assert any(r[1].value == "https://w3id.org/migkg/id/actor/frontex" for r in found.rows)


def test_the_python_api_on_the_server_gives_the_local_rows(
    pushed: tuple[Endpoint, dict[str, int]],
) -> None:
    from loaders.api import open_graph

    server, _ = pushed
    remote = open_graph(ROOT, endpoint=server.query_url.rsplit("/", 1)[0])
    local = open_graph(ROOT)
    for name, params in [("cq-cabinet-supports", {"stance": "stance:opposes"}),
                         ("cq-eu-scheme-fulfilment", {})]:  # fmt: skip
        rows = remote.query(name, **params).rows
        assert rows == local.query(name, **params).rows and rows  # labels, as here


def test_a_query_the_server_refuses_names_the_server_and_its_reason(server: Endpoint) -> None:
    remote = RemoteEngine(server.query_url, timeout=10)
    with pytest.raises(MigkgError) as refused:
        remote.select("SELECT ?x WHERE { ?x ?y }")
    message = str(refused.value)
    assert server.query_url in message and "400" in message and "\n" not in message


def count_default(endpoint: Endpoint) -> int:
    rows = engine(endpoint).select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    return int(rows[0][0].value)  # type: ignore[union-attr]


def test_enrich_reads_cdm_metadata_into_an_external_graph(server: Endpoint, build: Dataset) -> None:
    fixture = (ROOT / "tests" / "endpoint" / "cdm-fixture.ttl").read_bytes()
    request("PUT", f"{server.store_url}?default", data=fixture,
            headers={"Content-Type": "text/turtle"}, timeout=30)  # fmt: skip
    dataset = enrich(server, build)
    graph = dataset.graph(GRAPH["external/cellar"])
    dublin = ID["celex/32013R0604"]
    assert (dublin, URIRef(CDM + "work_date_document"), None) in graph
    titles = [str(t) for t in graph.objects(dublin, URIRef(CDM + "expression_title"))]
    assert titles and titles[0].startswith("Regulation (EU) No 604/2013")  # English only
    assert (dublin, URIRef(CDM + "resource_legal_repeals_resource_legal"), None) in graph
    assert (ID["celex/32020H1364"], MIG.hasExternalSource, None) in graph
    # marked as external, with the endpoint and the time it was read
    meta = GRAPH["external/cellar"]
    assert graph.value(meta, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) == URIRef(
        server.query_url
    )
    assert graph.value(meta, URIRef("http://www.w3.org/ns/prov#generatedAtTime")) is not None
    # nothing for the act the graph does not hold
    assert "32099R9999" not in dataset.serialize(format="trig")


def _ignore_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_migkg_serve_is_read_only_and_stops_cleanly_on_ctrl_c(
    tmp_path: Path, stop: signal.Signals
) -> None:
    """Regression: started with SIGINT ignored (as a shell starts a background job, and
    as CI ran it once), serve never stopped on Ctrl-C, nor its server."""
    port = free_port()
    env = {**os.environ, "MIGKG_ROOT": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "loaders.cli", "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=_ignore_sigint,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"http://127.0.0.1:{port}/" in line
        endpoint = Endpoint.of(f"http://127.0.0.1:{port}")
        assert count_default(endpoint) > 30000
        with pytest.raises(EndpointError, match="403"):
            request("POST", f"http://127.0.0.1:{port}/update", data=b"CLEAR ALL",
                    headers={"Content-Type": "application/sparql-update"}, timeout=5)  # fmt: skip
        page = (ROOT / "dist" / "queries.html").read_text(encoding="utf-8")
        assert "cq-cabinet-supports" in page and f'"http://127.0.0.1:{port}/query"' in page
    finally:
        proc.send_signal(stop)
        assert proc.wait(timeout=20) == 0
    assert not _listening(port)


def test_serve_holds_the_graph_in_its_graphs_and_as_default(build: Dataset) -> None:
    """What serve serves: the build's store, dist/store."""
    import pyoxigraph as ox

    quads = build.quads_in()
    store = ox.Store.read_only(str(build.project.dist / "store"))
    distinct = {q.triple for q in quads}
    assert len(store) == len(quads) + len(distinct)
    assert len(list(store.quads_for_pattern(None, None, None, ox.DefaultGraph()))) == len(distinct)
    graphs = {g.value for g in store.named_graphs()}
    assert str(GRAPH["extracted/citations"]) in graphs
    assert not any("/shapes/" in g for g in graphs)


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_port_in_use_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 2
    assert f"127.0.0.1:{port} is in use" in capsys.readouterr().err


# --- failures ---------------------------------------------------------------------------------


class Failing(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[dict[str, int]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self) -> None:
        path = self.path.split("?")[0]
        Failing.hits[path] = Failing.hits.get(path, 0) + 1
        if path.startswith("/down"):
            self.send_response(500)
            self.end_headers()
            self.wfile.write(b"internal error")
        elif path.startswith("/digest"):
            auth = self.headers.get("Authorization", "")
            if not auth.startswith("Digest ") or 'username="analyst"' not in auth:
                self.send_response(401)
                self.send_header(
                    "WWW-Authenticate", 'Digest realm="virtuoso", nonce="n0nce", qop="auth"'
                )
                self.end_headers()
                return
            body = json.dumps(
                {"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {
                    "type": "literal", "value": "7",
                    "datatype": "http://www.w3.org/2001/XMLSchema#integer"}}]}}
            ).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(body)
        elif path.startswith("/locked"):
            self.send_response(401)
            self.end_headers()
        elif path.startswith("/slow"):
            time.sleep(3)
            self.send_response(200)
            self.end_headers()
        elif path.startswith("/garbled"):
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.end_headers()
            self.wfile.write(b"{not json")
        else:
            self.send_response(404)
            self.end_headers()

    do_GET = do_POST = do_PUT = _answer


@pytest.fixture
def failing() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    Failing.hits = {}
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


def test_a_failing_endpoint_is_retried_for_reads_then_named(failing: str) -> None:
    query = find(Project.locate(ROOT), "cq-binding-force")
    endpoint = Endpoint(f"{failing}/down/query", f"{failing}/down/store", timeout=2)
    with pytest.raises(MigkgError, match="down/query"):
        run(engine(endpoint), query, {})
    assert Failing.hits["/down/query"] == RemoteEngine.RETRIES + 1  # bounded retries


def test_refused_credentials_are_named_and_not_retried(
    failing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGKG_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("MIGKG_ENDPOINT_PASSWORD", "s3cret-value")
    endpoint = Endpoint(f"{failing}/locked/query", f"{failing}/locked/store", timeout=2)
    with pytest.raises(MigkgError, match="refused the credentials") as caught:
        count(endpoint, URIRef("https://example.org/g"))
    assert "s3cret-value" not in str(caught.value)
    assert Failing.hits["/locked/query"] == 1


def test_a_digest_challenge_is_answered(failing: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Virtuoso's Graph Store endpoint asks for Digest authentication."""
    monkeypatch.setenv("MIGKG_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("MIGKG_ENDPOINT_PASSWORD", "s3cret-value")
    endpoint = Endpoint(f"{failing}/digest/query", f"{failing}/digest/store", timeout=2)
    assert count(endpoint, URIRef("https://example.org/g")) == 7
    assert Failing.hits["/digest/query"] == 2  # the challenge, then the answer


def test_a_slow_endpoint_times_out_with_a_message(failing: str) -> None:
    endpoint = Endpoint(f"{failing}/slow/query", f"{failing}/slow/store", timeout=0.5)
    with pytest.raises(MigkgError, match=r"no answer within 0\.5 s"):
        count(endpoint, URIRef("https://example.org/g"))


def test_a_malformed_answer_is_a_clear_error(failing: str) -> None:
    endpoint = Endpoint(f"{failing}/garbled/query", f"{failing}/garbled/store", timeout=2)
    with pytest.raises(MigkgError, match="not SPARQL JSON results"):
        count(endpoint, URIRef("https://example.org/g"))


def test_push_to_a_failing_store_stops_at_once_with_exit_2(
    failing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["push", "--endpoint", f"{failing}/down", "--timeout", "2"])
    assert code == 2
    assert "500" in capsys.readouterr().err
    # the write is not retried; the one request after it drops its staging graph
    assert Failing.hits["/down/update"] == 2
    assert "/down/store" not in Failing.hits


def test_an_endpoint_that_is_down_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    port = free_port()
    assert (
        main(
            [
                "query",
                "cq-binding-force",
                "--endpoint",
                f"http://127.0.0.1:{port}",
                "--timeout",
                "1",
            ]
        )
        == 2
    )
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


def test_oxigraph_server_is_installed() -> None:
    """The server comes from PyPI with the package (no system install needed)."""
    from loaders.publish.endpoint import oxigraph_binary

    binary = Path(oxigraph_binary())
    assert binary.exists()
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "oxigraph" in done.stdout.lower()
