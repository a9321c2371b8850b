"""The graph in triple store servers: serve it, push it, query it remotely, enrich it.

* ``serve``: the build in an Oxigraph store on disk, served read-only by the Oxigraph
  server from PyPI (``oxigraph serve-read-only``), its query editor at ``/``, and a page
  of the stored queries (``queries_page``) that runs them there with their parameters.
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

import contextlib
import errno
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Dataset as RdflibDataset
from rdflib import Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, XSD

from loaders.errors import MigkgError
from loaders.graph.dataset import Dataset
from loaders.graph.engines import RemoteEngine, values_at
from loaders.graph.query import StoredQuery, term
from loaders.http import TIMEOUT, EndpointError, request
from loaders.namespaces import GRAPH, MIG, bind_all
from loaders.terms import from_ox

if TYPE_CHECKING:
    import pyoxigraph as ox


RETRIES = 3
CDM = "http://publications.europa.eu/ontology/cdm#"
ENGLISH = "http://publications.europa.eu/resource/authority/language/ENG"


@dataclass(frozen=True)
class Endpoint:
    query_url: str
    store_url: str
    timeout: float = TIMEOUT
    update_url: str = ""

    @classmethod
    def of(cls, base: str, query: str | None = None, store: str | None = None,
           timeout: float = TIMEOUT, update: str | None = None) -> Endpoint:  # fmt: skip
        """Oxigraph's layout by default: BASE/query, BASE/update and BASE/store."""
        for url in (base, query, store, update):
            if url is not None:
                check_url(url)
        base = base.rstrip("/")
        if base.endswith(("/query", "/sparql")) and query is None:
            query, base = base, base.rsplit("/", 1)[0]
        return cls(
            query or f"{base}/query", store or f"{base}/store", timeout, update or f"{base}/update"
        )


def check_url(url: str) -> None:
    """An http(s) URL with a host and a valid port, and no credentials in it (they go in
    MIGKG_ENDPOINT_USER and MIGKG_ENDPOINT_PASSWORD, so that no message or log shows them)."""
    if not re.match(r"^https?://", url):
        raise MigkgError(f"endpoint {url!r}: give an http:// or https:// URL")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        shown = re.sub(r"//[^/@]*@", "//…@", url)
        raise MigkgError(f"endpoint {shown!r}: not a valid URL ({exc})") from None
    if parts.username is not None or parts.password is not None:
        raise MigkgError(
            "endpoint URL: put no credentials in it; set MIGKG_ENDPOINT_USER and "
            "MIGKG_ENDPOINT_PASSWORD instead"
        )
    if not parts.hostname:
        raise MigkgError(f"endpoint {url!r}: the URL names no host")


def engine(endpoint: Endpoint) -> RemoteEngine:
    return RemoteEngine(endpoint.query_url, timeout=endpoint.timeout)


# --- push ------------------------------------------------------------------------------------


PUSHED_GRAPH = "https://w3id.org/migkg/graph/all"
"""The graph ``push`` writes the union to, which ``query --endpoint`` reads by default."""


def graphs_to_push(dataset: Dataset, graph: str | None) -> list[tuple[str, bytes]]:
    """Each graph to push as N-Triples: one named graph per file of the graph's scopes and
    their union in PUSHED_GRAPH, or (``graph``) only the union, in that graph."""
    import pyoxigraph as ox

    by_graph: dict[str, list[ox.Triple]] = {}
    union: dict[ox.Triple, None] = {}
    for q in dataset.quads_in():
        by_graph.setdefault(q.graph_name.value, []).append(q.triple)  # type: ignore[union-attr]
        union[q.triple] = None
    chosen = [] if graph is not None else sorted(by_graph.items())
    chosen.append((graph or PUSHED_GRAPH, list(union)))
    return [
        (name, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"")
        for name, triples in chosen
    ]


def count(endpoint: Endpoint, graph: URIRef) -> int:
    """The number of triples in a graph on the server."""
    text = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph.n3()} {{ ?s ?p ?o }} }}"
    result = engine(endpoint).select(text)
    if not result.rows or result.rows[0][0] is None:
        raise EndpointError(f"{endpoint.query_url}: no count for {graph}")
    return int(result.rows[0][0].value)


def canonical_lines(data: bytes) -> list[str]:
    """N-Triples as sorted canonical lines, to compare what was sent with what reads back:
    each literal in its canonical form (terms.canonical_literal: a store may write the
    decimal 86 as "86" where the file says "86.0", the same value), datatypes and text
    byte for byte, blank node labels left out (a store names blank nodes as it likes)."""
    import pyoxigraph as ox

    from loaders.terms import canonical_literal

    lines = {
        f"{t.subject} {t.predicate} {canonical_literal(t.object)} ."
        for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    }
    return sorted(re.sub(r"_:[A-Za-z0-9_.-]+", "_:b", line) for line in lines)


def _store_url(endpoint: Endpoint, graph: str) -> str:
    return endpoint.store_url + "?" + urllib.parse.urlencode({"graph": graph})


def _blanks(line: str) -> list[str]:
    """The blank nodes of an N-Triples line (as subject or object, not inside a literal)."""
    found = re.match(r"(_:\S+) ", line)
    last = re.search(r" (_:\S+) \.$", line)
    return [m.group(1) for m in (found, last) if m]


def _blank_groups(lines: list[str], size: int = 200) -> list[str]:
    """Triples with blank nodes, as update templates of at most about ``size`` triples in
    which every blank node has all its triples (a blank node is one node only within one
    request; Virtuoso refuses blank nodes in INSERT DATA and large templates)."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for line in lines:
        nodes = _blanks(line)
        for other in nodes[1:]:
            parent[root(other)] = root(nodes[0])
    groups: dict[str, list[str]] = {}
    for line in lines:
        groups.setdefault(root(_blanks(line)[0]), []).append(line)
    chunks: list[list[str]] = [[]]
    for group in groups.values():
        if chunks[-1] and len(chunks[-1]) + len(group) > size:
            chunks.append([])
        chunks[-1].extend(group)
    return ["\n".join(chunk) for chunk in chunks if chunk]


def _update(endpoint: Endpoint, text: str) -> None:
    # the update as the request's body ("update via POST directly", SPARQL 1.1 Protocol
    # 2.2.2), not URL-encoded into a form: megabytes of triples are not percent-encoded
    # on the way out and decoded on the way in
    request("POST", endpoint.update_url, data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
            timeout=endpoint.timeout)  # fmt: skip


def push(endpoint: Endpoint, dataset: Dataset, graph: str | None = None,
         say: Callable[[str], None] = print, batch: int = 2000) -> dict[str, int]:  # fmt: skip
    """All graphs or none: each graph (one per file of the graph's scopes, and their union
    in PUSHED_GRAPH; or everything in ``graph``) is written to a staging graph, read back
    whole (Graph Store GET) and compared line for line in canonical N-Triples, and only
    when every one arrived as sent are they moved into place, in one SPARQL update.

    The triples go in as SPARQL updates of ``batch`` triples a request (``INSERT {...}
    WHERE {}``: Virtuoso refuses blank nodes in INSERT DATA), not as Graph Store PUTs:
    Virtuoso's Graph Store parser stores an xsd:integer above 2^31 - 1 as xsd:decimal
    (an update keeps it), and every request stays far below the size at which a body
    sent before an authentication challenge breaks the connection."""
    import hashlib

    chosen = graphs_to_push(dataset, graph)
    run = hashlib.sha256(str(time.time()).encode()).hexdigest()[:12]
    staged: dict[str, str] = {}
    done: dict[str, int] = {}
    try:
        for iri, body in chosen:
            lines = canonical_lines(body)
            stage = f"urn:x-migkg:staging:{run}:{iri}"
            staged[str(iri)] = stage
            triples = [line for line in body.decode("utf-8").splitlines() if line.strip()]
            plain = [line for line in triples if not _blanks(line)]
            for i in range(0, len(plain), batch):
                text = "\n".join(plain[i : i + batch])
                _update(endpoint, f"INSERT DATA {{ GRAPH <{stage}> {{\n{text}\n}} }}")
            for text in _blank_groups([line for line in triples if _blanks(line)]):
                _update(endpoint, f"INSERT {{ GRAPH <{stage}> {{\n{text}\n}} }} WHERE {{}}")
            back = request("GET", _store_url(endpoint, stage),
                           headers={"Accept": "application/n-triples"},
                           timeout=endpoint.timeout, retries=RETRIES)  # fmt: skip
            there = canonical_lines(back)
            if there != lines:
                sent = sorted(set(lines) - set(there))[:2]
                got = sorted(set(there) - set(lines))[:2]
                raise EndpointError(
                    f"{endpoint.store_url}: graph {iri} did not read back as sent "
                    f"({len(there)} triples for {len(lines)}; sent {sent}, read back {got}): "
                    "nothing was replaced"
                )
            done[str(iri)] = len(lines)
        _update(endpoint, " ;\n".join(f"MOVE <{s}> TO <{i}>" for i, s in staged.items()))
        staged.clear()
    finally:
        for stage in staged.values():  # a failed push leaves no staging graph behind
            with contextlib.suppress(EndpointError):
                _update(endpoint, f"DROP SILENT GRAPH <{stage}>")
    for name, n in done.items():
        say(f"{name}: {n} triples, read back whole")
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
        for found in engine(endpoint).select(text).rows:
            row = [None if v is None else from_ox(v) for v in found]
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


def check_listen(host: str, port: int) -> None:
    """Can a server listen on ``host``:``port``? If not, a MigkgError says why: no such
    host, not an address of this machine, the port in use or reserved."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (socket.gaierror, UnicodeError) as exc:
        raise MigkgError(f"--host {host}: no such host or address ({exc})") from None
    except OverflowError:
        raise MigkgError(f"--port {port}: a port is a number from 1 to 65535") from None
    with socket.socket(family, kind, proto) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise MigkgError(
                    f"{host}:{port} is in use: choose another port with --port"
                ) from None
            if exc.errno == errno.EADDRNOTAVAIL:
                raise MigkgError(
                    f"--host {host}: not an address of this machine: use 127.0.0.1, "
                    "0.0.0.0 (every interface) or one of its own addresses"
                ) from None
            if exc.errno == errno.EACCES:
                raise MigkgError(
                    f"--port {port}: permission denied (ports below 1024 need privileges)"
                ) from None
            raise MigkgError(f"{host}:{port}: cannot listen there: {exc.strerror}") from None


def port_free(host: str, port: int) -> bool:
    try:
        check_listen(host, port)
    except MigkgError:
        return False
    return True


def host_port(host: str, port: int) -> str:
    """``host:port`` for a URL or ``--bind`` (an IPv6 address in brackets)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _die_with_parent() -> None:
    """In a child before exec: the kernel sends it SIGTERM when its parent dies, however
    the parent dies (Linux; elsewhere the parent's own handlers stop it)."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


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


def start(location: Path, host: str, port: int, read_only: bool = True) -> subprocess.Popen[bytes]:
    """Start the Oxigraph server and wait until it answers.

    Read-only, it answers other origins too (``--cors``: Access-Control-Allow-Origin *),
    so that dist/queries.html can ask it when opened as a file; without the header a
    browser keeps the answer from the page. A writable server (only the tests start one)
    is not opened to other sites' pages."""
    check_listen(host, port)
    mode = ["serve-read-only", "--cors"] if read_only else ["serve"]
    proc = subprocess.Popen(
        [oxigraph_binary(), *mode, "--location", str(location), "--bind", host_port(host, port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        preexec_fn=_die_with_parent,
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise MigkgError(f"the Oxigraph server stopped at start: {err.strip()}")
        try:
            request("GET", f"http://{host_port(host, port)}/query?query=ASK%7B%7D", timeout=2)
            return proc
        except EndpointError:
            time.sleep(0.1)
    proc.terminate()
    raise MigkgError(f"the Oxigraph server did not answer on {host}:{port} within 30 s")


def page_queries(queries: list[StoredQuery]) -> list[dict[str, object]]:
    """What the page of stored queries needs to bind each query's parameters as
    ``migkg query --endpoint`` does (engines.with_values): the query split where its VALUES
    block goes, and its parameters in the block's order, each default already made into
    its term in N-Triples form by query.term, the function ``migkg query`` binds it with
    (a default it refuses carries the refusal instead)."""
    out: list[dict[str, object]] = []
    for q in queries:
        at = len(q.text)
        params: list[dict[str, object]] = []
        error = None
        if q.params:
            try:
                at = values_at(q.text)
            except MigkgError as exc:
                error = f"{q.name}: {exc}"
        for name in sorted(q.params):  # the order of with_values' block
            param = q.params[name]
            made: dict[str, object] = {
                "name": name,
                "kind": param.kind,
                "description": param.description,
                "default": param.default,
                "term": None,
                "error": error,
            }
            if param.default is not None and error is None:
                try:
                    made["term"] = str(term(param, param.default))
                except MigkgError as exc:
                    made["error"] = f"{q.name}: {exc}"
            params.append(made)
        out.append({"name": q.name, "before": q.text[:at], "after": q.text[at:], "params": params})
    return out


def json_in_html(data: object) -> str:
    """JSON to put in a <script> element: no <, > or & in it as such (so no </script> and
    no <!-- ends or changes the element), each written as a JSON escape instead."""
    import json

    text = json.dumps(data, ensure_ascii=False)
    for char in "<>&\u2028\u2029":
        text = text.replace(char, f"\\u{ord(char):04x}")
    return text


def queries_page(host: str, port: int, queries: list[StoredQuery]) -> str:
    """A page of the stored queries, each with a form of its parameters (at the defaults
    ``migkg query`` uses) that runs it on the server and shows the results as a table.

    The page's script binds the parameters as with_values does, a VALUES block of
    N-Triples terms, never pasting a value into the query; everything from the queries
    goes into the HTML escaped, and into the script's data as JSON that cannot end its
    element. A Content-Security-Policy lets only the page's own script run and only
    the server be asked (the page works opened as a file: start sends CORS headers)."""
    import base64
    import hashlib
    from html import escape

    from loaders.iris import ID, PREFIXES, XSD
    from loaders.terms import CURIE_PREFIXES

    base = f"http://{host_port(host, port)}"
    data = {
        "endpoint": f"{base}/query",
        "id": ID,
        "xsd": XSD,
        "prefixes": PREFIXES,
        "namespaces": [list(pair) for pair in CURIE_PREFIXES],
        "queries": page_queries(queries),
    }
    toc, sections = [], []
    for i, q in enumerate(queries):
        anchor = escape(f"q-{q.name}")
        toc.append(f'<li><a href="#{anchor}">{escape(q.name)}</a></li>')
        fields = []
        for p in q.params.values():
            field = escape(f"p-{i}-{p.name}")
            value = "" if p.default is None else escape(p.default)
            fields.append(
                f'<label for="{field}">{escape(p.name)} <span class="kind">({escape(p.kind)}'
                f"{', required' if p.required else ''})</span></label>"
                f'<input id="{field}" data-param="{escape(p.name)}" value="{value}" '
                'autocomplete="off" spellcheck="false">'
                f'<span class="help">{escape(p.description)}</span>'
            )
        sections.append(
            f'<section class="query" id="{anchor}"><h2>{escape(q.name)}</h2>'
            f'<p class="title">{escape(q.title)}</p>'
            + (f'<p class="question">{escape(q.question)}</p>' if q.question else "")
            + f'<form data-query="{i}">{"".join(fields)}<button type="submit">Run</button></form>'
            f"<details><summary>query</summary><pre>{escape(q.text)}</pre></details>"
            '<div class="result" aria-live="polite"></div></section>'
        )
    template = (Path(__file__).parent / "queries.html").read_text(encoding="utf-8")

    def digest(tag: str) -> str:
        found = re.search(rf"<{tag}>(.*?)</{tag}>", template, re.S)
        if found is None:
            raise MigkgError(f"queries.html: no <{tag}> element")
        return base64.b64encode(hashlib.sha256(found[1].encode()).digest()).decode()

    csp = (
        f"default-src 'none'; script-src 'sha256-{digest('script')}'; "
        f"style-src 'sha256-{digest('style')}'; connect-src {base}; "
        "base-uri 'none'; form-action 'none'"
    )
    values = {
        "csp": escape(csp),
        "base": escape(base),
        "id": escape(ID),
        "toc": "".join(toc),
        "queries": "\n".join(sections),
        "data": json_in_html(data),
    }
    # one pass: a placeholder inside a query's text is not filled in
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], template)
