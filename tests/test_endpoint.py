"""The graph in a real Oxigraph server: push it and read the counts back, run every stored
query there and get the local answer, enrich from a CDM-shaped fixture, serve it
read-only; and the failures an endpoint can have, from a deliberately failing server."""

from __future__ import annotations

import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from rdflib import URIRef

from loaders.cli import main
from loaders.graph.dataset import Dataset
from loaders.graph.oxstore import load
from loaders.graph.query import bindings, find, render, run_oxigraph, stored
from loaders.namespaces import GRAPH, ID, MIG
from loaders.project import Project
from loaders.publish.endpoint import (
    RETRIES,
    Endpoint,
    EndpointError,
    count,
    enrich,
    push,
    request,
    run_remote,
    start,
)

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


def test_push_replaces_each_file_graph_and_checks_its_count(
    server: Endpoint, build: Dataset
) -> None:
    pushed = push(server, build, say=lambda _: None)
    files = [iri for iri, _ in build.graphs() if not str(iri).startswith(str(GRAPH) + "shapes/")]
    assert set(pushed) == {str(i) for i in files}
    assert pushed[str(GRAPH["instances/sources.ttl"])] == len(
        dict(build.graphs())[GRAPH["instances/sources.ttl"]]
    )
    # a second push replaces, it does not add
    again = push(server, build, say=lambda _: None)
    assert again == pushed
    assert (
        count(server, GRAPH["instances/sources.ttl"]) == pushed[str(GRAPH["instances/sources.ttl"])]
    )


def test_every_stored_query_gives_the_local_answer_on_the_server(
    tmp_path: Path, build: Dataset, project: Project
) -> None:
    port = free_port()
    location = tmp_path / "union"
    proc = None
    try:
        # push the curated graph as one graph into a fresh server, then query it there
        proc = start(location, "127.0.0.1", port, read_only=False)
        endpoint = Endpoint.of(f"http://127.0.0.1:{port}", timeout=30)
        whole = "https://w3id.org/migkg/graph/all"
        request("PUT", f"{endpoint.store_url}?default", data=_curated_nt(build),
                headers={"Content-Type": "application/n-triples"}, timeout=30)  # fmt: skip
        local = load(project)
        differences = []
        for query in stored(project):
            bound = bindings(query, [])
            here = render(run_oxigraph(local, query, bound), "csv", {})
            there = render(run_remote(endpoint, query, bound), "csv", {})
            if here != there:
                differences.append(query.name)
        assert differences == [], whole
    finally:
        if proc:
            proc.terminate()
            proc.wait(timeout=10)


def _curated_nt(build: Dataset) -> bytes:
    return build.union(["ontology", "instances"]).serialize(format="nt", encoding="utf-8")


def test_hostile_parameters_stay_values_on_the_server(server: Endpoint, build: Dataset) -> None:
    request("PUT", f"{server.store_url}?default", data=_curated_nt(build),
            headers={"Content-Type": "application/n-triples"}, timeout=30)  # fmt: skip
    query = find(Project.locate(ROOT), "cq-find-by-label")
    before = count_default(server)
    for value in ["} ; DROP ALL ; {", '" } INSERT DATA { <a> <b> <c> } #', "'; --"]:
        assert run_remote(server, query, bindings(query, [f"text={value}"])).rows == []
    assert count_default(server) == before
    found = run_remote(server, query, bindings(query, ["text=Frontex"]))
    assert any(str(r[1]) == "https://w3id.org/migkg/id/actor/frontex" for r in found.rows)


def count_default(endpoint: Endpoint) -> int:
    from loaders.publish.endpoint import sparql_select, table

    rows = table(sparql_select(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")).rows
    return int(str(rows[0][0]))


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
        assert "cq-cabinet-supports" in page and f"http://127.0.0.1:{port}/query?query=" in page
    finally:
        proc.send_signal(stop)
        assert proc.wait(timeout=20) == 0
    assert not _listening(port)


def test_both_stores_serve_the_same_quads(build: Dataset, project: Project, tmp_path: Path) -> None:
    """`serve --store oxigraph` (the default) reads the graph with Oxigraph; `--store
    rdflib` with rdflib: the server's store holds the same quads either way."""
    import pyoxigraph as ox

    from loaders.graph.oxbuild import built_quads
    from loaders.publish.endpoint import load_quads, load_store, served_quads

    fast, reference = tmp_path / "fast", tmp_path / "reference"
    n = load_quads(served_quads(built_quads(project), project), fast)
    assert n == load_store(build, reference) > 60000  # each triple in its graph and the default
    a, b = ox.Store.read_only(str(fast)), ox.Store.read_only(str(reference))

    def split(store: ox.Store) -> tuple[set[ox.Quad], int]:
        """Quads without blank nodes, and how many have one (the two parsers name them)."""
        plain = {q for q in store if not any(isinstance(t, ox.BlankNode) for t in q.triple)}
        return plain, len(store) - len(plain)

    assert split(a) == split(b)
    graphs = {g.value for g in a.named_graphs()}
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
    with pytest.raises(EndpointError, match="down/query"):
        run_remote(endpoint, query, {})
    assert Failing.hits["/down/query"] == RETRIES + 1  # bounded retries


def test_refused_credentials_are_named_and_not_retried(
    failing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MIGKG_ENDPOINT_USER", "analyst")
    monkeypatch.setenv("MIGKG_ENDPOINT_PASSWORD", "s3cret-value")
    endpoint = Endpoint(f"{failing}/locked/query", f"{failing}/locked/store", timeout=2)
    with pytest.raises(EndpointError, match="refused the credentials") as caught:
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
    with pytest.raises(EndpointError, match=r"no answer within 0\.5 s"):
        count(endpoint, URIRef("https://example.org/g"))


def test_a_malformed_answer_is_a_clear_error(failing: str) -> None:
    endpoint = Endpoint(f"{failing}/garbled/query", f"{failing}/garbled/store", timeout=2)
    with pytest.raises(EndpointError, match="not SPARQL JSON results"):
        count(endpoint, URIRef("https://example.org/g"))


def test_push_to_a_failing_store_stops_at_once_with_exit_2(
    failing: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["push", "--endpoint", f"{failing}/down", "--timeout", "2"])
    assert code == 2
    assert "500" in capsys.readouterr().err
    assert Failing.hits["/down/store"] == 1  # a write is not retried, and nothing follows it


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


# --- Virtuoso -------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not os.environ.get("MIGKG_VIRTUOSO_URL"),
    reason="no Virtuoso here: set MIGKG_VIRTUOSO_URL to a running Virtuoso "
    "(Debian package virtuoso-opensource), e.g. http://127.0.0.1:8890, to run this",
)
def test_stored_queries_on_virtuoso_agree_with_local(build: Dataset, project: Project) -> None:
    base = os.environ["MIGKG_VIRTUOSO_URL"].rstrip("/")
    endpoint = Endpoint.of(base, f"{base}/sparql", f"{base}/sparql-graph-crud-auth", 60)
    push(endpoint, build, "https://w3id.org/migkg/graph/all", say=lambda _: None)
    local = load(project)
    for query in stored(project):
        bound = bindings(query, [])
        assert render(run_remote(endpoint, query, bound), "csv", {}) == render(
            run_oxigraph(local, query, bound), "csv", {}
        ), query.name


def test_oxigraph_server_is_installed() -> None:
    """The server comes from PyPI with the package (no system install needed)."""
    from loaders.publish.endpoint import oxigraph_binary

    binary = Path(oxigraph_binary())
    assert binary.exists()
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "oxigraph" in done.stdout.lower()
