"""The graph in triple store servers: serve it, push it, query it remotely, enrich it.

* ``serve``: the build in an Oxigraph store on disk, served read-only by the Oxigraph
  server from PyPI (``oxigraph serve-read-only``), its query editor at ``/``.
* ``push``: the SPARQL 1.1 Graph Store HTTP Protocol: each named graph replaced whole by
  one PUT (so a graph is replaced whole or not at all), then its triple count read back.
* ``run_remote``: a stored query on a remote endpoint through SPARQLWrapper; parameters
  go in as a VALUES block of checked RDF terms at the start of the query's pattern.
* ``enrich``: metadata of the EU acts in the graph from a CELLAR-compatible endpoint
  (the Publications Office's CDM), kept in a named graph of its own marked as external.

Every request has a timeout; reads are retried with backoff; credentials come only from
MIGKG_ENDPOINT_USER and MIGKG_ENDPOINT_PASSWORD and are never printed.
"""

from __future__ import annotations

import base64
import os
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Dataset as RdflibDataset
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from loaders.errors import MigkgError
from loaders.graph.dataset import GRAPH_SCOPES, Dataset, scope_of
from loaders.graph.engines import RemoteEngine
from loaders.graph.query import StoredQuery
from loaders.namespaces import GRAPH, MIG, bind_all

if TYPE_CHECKING:
    import pyoxigraph as ox


TIMEOUT = 30.0
RETRIES = 3
CDM = "http://publications.europa.eu/ontology/cdm#"
ENGLISH = "http://publications.europa.eu/resource/authority/language/ENG"


class EndpointError(MigkgError):
    """A remote endpoint failed: down, slow, refused, or gave something unreadable."""


@dataclass(frozen=True)
class Endpoint:
    query_url: str
    store_url: str
    timeout: float = TIMEOUT

    @classmethod
    def of(cls, base: str, query: str | None = None, store: str | None = None,
           timeout: float = TIMEOUT) -> Endpoint:  # fmt: skip
        """Oxigraph's layout by default: BASE/query and BASE/store."""
        if not re.match(r"^https?://", base):
            raise MigkgError(f"endpoint {base!r}: give an http:// or https:// URL")
        base = base.rstrip("/")
        if base.endswith(("/query", "/sparql")) and query is None:
            query, base = base, base.rsplit("/", 1)[0]
        return cls(query or f"{base}/query", store or f"{base}/store", timeout)


def _auth() -> dict[str, str]:
    user = os.environ.get("MIGKG_ENDPOINT_USER")
    if not user:
        return {}
    token = f"{user}:{os.environ.get('MIGKG_ENDPOINT_PASSWORD', '')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(token).decode()}


def _opener(url: str) -> urllib.request.OpenerDirector:
    """Answers a Digest challenge too (Virtuoso's Graph Store endpoint asks for one);
    Basic credentials go with every request (_auth)."""
    user = os.environ.get("MIGKG_ENDPOINT_USER")
    if not user:
        return urllib.request.build_opener()
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, user, os.environ.get("MIGKG_ENDPOINT_PASSWORD", ""))
    return urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))


def request(method: str, url: str, data: bytes | None = None, headers: dict[str, str] | None = None,
            timeout: float = TIMEOUT, retries: int = 0) -> bytes:  # fmt: skip
    """One HTTP request with a timeout; reads (retries > 0) are retried with backoff on
    errors that may pass (connection refused or reset, timeouts, 5xx). Errors name the
    URL (without credentials) and what to do."""
    where = urllib.parse.urlsplit(url)._replace(query="").geturl()
    for attempt in range(retries + 1):
        req = urllib.request.Request(
            url, data=data, method=method, headers={**_auth(), **(headers or {})}
        )
        try:
            with _opener(url).open(req, timeout=timeout) as response:
                return bytes(response.read())
        except urllib.error.HTTPError as exc:
            detail = exc.read()[:300].decode("utf-8", "replace").strip()
            if exc.code in (401, 403):
                raise EndpointError(
                    f"{where}: {exc.code} {exc.reason}: the endpoint refused the credentials "
                    "(set MIGKG_ENDPOINT_USER and MIGKG_ENDPOINT_PASSWORD)"
                ) from None
            if exc.code < 500 or attempt == retries:
                raise EndpointError(f"{where}: {exc.code} {exc.reason}: {detail}") from None
        except TimeoutError:
            if attempt == retries:
                raise EndpointError(f"{where}: no answer within {timeout:g} s") from None
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError | socket.timeout):
                if attempt == retries:
                    raise EndpointError(f"{where}: no answer within {timeout:g} s") from None
            elif attempt == retries:
                raise EndpointError(f"{where}: cannot connect: {exc.reason}") from None
        except (ConnectionError, OSError) as exc:
            if attempt == retries:
                raise EndpointError(f"{where}: cannot connect: {exc}") from None
        time.sleep(0.2 * 2**attempt)
    raise AssertionError("unreachable")


def engine(endpoint: Endpoint) -> RemoteEngine:
    return RemoteEngine(endpoint.query_url, timeout=endpoint.timeout)


# --- push ------------------------------------------------------------------------------------


def graphs_to_push(dataset: Dataset, graph: str | None) -> Iterator[tuple[URIRef, Graph]]:
    """One named graph per input file of the graph's scopes (and the extracted graphs), or
    everything in one graph."""
    chosen = [(iri, g) for iri, g in dataset.graphs() if scope_of(str(iri)) in GRAPH_SCOPES]
    if graph is None:
        yield from chosen
        return
    union = Graph()
    for _, g in chosen:
        union += g
    yield URIRef(graph), union


def count(endpoint: Endpoint, graph: URIRef) -> int:
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph.n3()} {{ ?s ?p ?o }} }}"
    result = engine(endpoint).select(text)
    if not result.rows or result.rows[0][0] is None:
        raise EndpointError(f"{endpoint.query_url}: no count for {graph}")
    return int(str(result.rows[0][0]))


def push(endpoint: Endpoint, dataset: Dataset, graph: str | None = None,
         say: Callable[[str], None] = print) -> dict[str, int]:  # fmt: skip
    """Replace each graph on the server (one PUT each), then check its triple count."""
    done: dict[str, int] = {}
    for iri, g in graphs_to_push(dataset, graph):
        body = g.serialize(format="nt", encoding="utf-8")
        url = endpoint.store_url + "?" + urllib.parse.urlencode({"graph": str(iri)})
        request("PUT", url, data=body, headers={"Content-Type": "application/n-triples"},
                timeout=endpoint.timeout)  # fmt: skip
        there = count(endpoint, iri)
        if there != len(g):
            raise EndpointError(
                f"{endpoint.store_url}: graph {iri} holds {there} triples after the push, "
                f"not {len(g)}: the store changed it (check its blank node and literal handling)"
            )
        done[str(iri)] = there
        say(f"{iri}: {there} triples")
    return done


# --- enrich ----------------------------------------------------------------------------------

ENRICH = """PREFIX cdm: <http://publications.europa.eu/ontology/cdm#>
SELECT ?celex ?work ?date ?inForce ?basis ?title ?relation ?other WHERE {
  VALUES ?celex { %s }
  ?work cdm:resource_legal_id_celex ?id .
  FILTER (STR(?id) = ?celex)
  OPTIONAL { ?work cdm:work_date_document ?date }
  OPTIONAL { ?work cdm:resource_legal_in-force ?inForce }
  OPTIONAL { ?work cdm:resource_legal_based_on_resource_legal ?basis }
  OPTIONAL {
    ?expression cdm:expression_belongs_to_work ?work ;
      cdm:expression_uses_language <%s> ; cdm:expression_title ?title .
  }
  OPTIONAL {
    VALUES ?relation { cdm:resource_legal_amends_resource_legal
                       cdm:resource_legal_repeals_resource_legal }
    ?work ?relation ?other .
  }
}"""

EXTERNAL = GRAPH["external/cellar"]


def enrich(endpoint: Endpoint, dataset: Dataset, batch: int = 40) -> RdflibDataset:
    """CDM metadata of every act in the graph with a CELEX number, in the named graph
    graph/external/cellar, with the endpoint and the time it was read."""
    data = dataset.union(["instances"])
    acts: dict[str, URIRef] = {}
    for subject, celex in data.subject_objects(MIG.hasCelexNumber):
        if isinstance(subject, URIRef) and re.fullmatch(
            r"[1-9CE]\d{4}[A-Z]{1,2}\d{1,4}", str(celex)
        ):
            acts[str(celex)] = subject
    external = RdflibDataset()
    bind_all(external)
    external.bind("cdm", CDM)
    out = external.graph(EXTERNAL)
    cdm = {name: URIRef(CDM + name) for name in (
        "work_date_document", "resource_legal_in-force", "resource_legal_based_on_resource_legal",
        "expression_title",
    )}  # fmt: skip
    numbers = sorted(acts)
    for i in range(0, len(numbers), batch):
        chunk = numbers[i : i + batch]
        text = ENRICH % (" ".join(Literal(c).n3() for c in chunk), ENGLISH)
        for row in engine(endpoint).select(text).rows:
            number, work, *values = row
            date, in_force, basis, title, relation, other = values
            act = acts[str(number)]
            out.add((act, MIG.hasExternalSource, URIRef(str(work))))
            if date is not None:
                out.add((act, cdm["work_date_document"], date))
            if in_force is not None:
                out.add((act, cdm["resource_legal_in-force"], in_force))
            if basis is not None:
                out.add((act, cdm["resource_legal_based_on_resource_legal"], basis))
            if title is not None:
                out.add((act, cdm["expression_title"], title))
            if relation is not None and other is not None:
                out.add((act, URIRef(str(relation)), other))
    out.add((EXTERNAL, RDF.type, PROV.Entity))
    out.add(
        (EXTERNAL, RDFS.label, Literal("Metadata from a CELLAR-compatible endpoint", lang="en"))
    )
    out.add((EXTERNAL, PROV.wasDerivedFrom, URIRef(endpoint.query_url)))
    now = datetime.now(UTC).replace(microsecond=0).isoformat()
    out.add((EXTERNAL, PROV.generatedAtTime, Literal(now, datatype=XSD.dateTime)))
    return external


# --- serve -----------------------------------------------------------------------------------


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def oxigraph_binary() -> str:
    import shutil
    import sys

    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.exists() else shutil.which("oxigraph")
    if not found:
        raise MigkgError("the Oxigraph server is not installed: pip install oxigraph")
    return found


def load_quads(quads: list[ox.Quad], location: Path) -> int:
    """Quads into a new on-disk Oxigraph store at ``location`` (replacing what is there),
    each also in the default graph; the number of quads stored."""
    import shutil

    import pyoxigraph as ox

    if location.exists():
        shutil.rmtree(location)
    location.parent.mkdir(parents=True, exist_ok=True)
    store = ox.Store(str(location))
    store.bulk_extend(quads)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads)
    store.flush()
    n = len(store)
    del store
    return n


def start(location: Path, host: str, port: int, read_only: bool = True) -> subprocess.Popen[bytes]:
    """Start the Oxigraph server and wait until it answers."""
    if not port_free(host, port):
        raise MigkgError(f"{host}:{port} is in use: choose another port with --port")
    mode = "serve-read-only" if read_only else "serve"
    proc = subprocess.Popen(
        [oxigraph_binary(), mode, "--location", str(location), "--bind", f"{host}:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise MigkgError(f"the Oxigraph server stopped at start: {err.strip()}")
        try:
            request("GET", f"http://{host}:{port}/query?query=ASK%7B%7D", timeout=2)
            return proc
        except EndpointError:
            time.sleep(0.1)
    proc.terminate()
    raise MigkgError(f"the Oxigraph server did not answer on {host}:{port} within 30 s")


def queries_page(host: str, port: int, queries: list[StoredQuery]) -> str:
    """A page of the stored queries, each a link that runs it on the server (results as
    a table of the SPARQL results in the browser) and its text to paste in the editor."""
    from html import escape

    base = f"http://{host}:{port}"
    items = []
    for q in queries:
        run = f"{base}/query?" + urllib.parse.urlencode({"query": q.text})
        items.append(
            f'<li><a href="{escape(run)}">{escape(q.name)}</a>: {escape(q.title)}'
            f"<details><summary>query</summary><pre>{escape(q.text)}</pre></details></li>"
        )
    return (
        "<!DOCTYPE html><meta charset=utf-8><title>migkg stored queries</title>"
        f'<h1>Stored queries on <a href="{base}/">{base}</a></h1>'
        "<p>Each link runs the query with its default parameters; open the editor at "
        f'<a href="{base}/">{base}/</a> and paste a query\'s text to change it.</p>'
        f"<ul>{''.join(items)}</ul>\n"
    )
