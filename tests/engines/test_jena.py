"""The Jena endpoint answers the SPARQL protocol over the graphs it is meant to load."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator

import pytest

from .jena import JenaServer, JenaUnavailable, jena_classpath, start_jena

G = "https://w3id.org/migkg/graph"
DATA = f"""\
<http://ex/a> <http://ex/p> <http://ex/b> <{G}/instances/one.ttl> .
<http://ex/a> <http://ex/p> <http://ex/b> <{G}/extracted/two> .
<http://ex/c> <http://ex/p> "05"^^<http://www.w3.org/2001/XMLSchema#integer> <{G}/ontology/o.ttl> .
<http://ex/s> <http://ex/p> <http://ex/shape> <{G}/shapes/s.ttl> .
"""


@pytest.fixture(scope="module")
def jena(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JenaServer]:
    if shutil.which("java") is None:
        pytest.skip("no java")
    try:
        jena_classpath()
    except JenaUnavailable as exc:
        pytest.skip(str(exc))
    work = tmp_path_factory.mktemp("jena")
    (work / "data.nq").write_text(DATA)
    with start_jena(work / "data.nq", work) as server:
        yield server


def ask(server: JenaServer, query: str, post: bool = False) -> tuple[int, str, bytes]:
    form = urllib.parse.urlencode({"query": query})
    if post:
        request = urllib.request.Request(server.query_url, data=form.encode())
    else:
        request = urllib.request.Request(f"{server.query_url}?{form}")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers["Content-Type"], answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read()


def count(server: JenaServer, pattern: str) -> int:
    status, kind, body = ask(server, f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}")
    assert status == 200 and kind.startswith("application/sparql-results+json")
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_default_graph_is_the_set_union_of_the_query_graphs(jena: JenaServer) -> None:
    assert count(jena, "?s ?p ?o") == 2  # the triple in two graphs once; no shapes
    assert count(jena, "GRAPH ?g { ?s ?p ?o }") == 3
    assert count(jena, "?s ?p <http://ex/shape>") == 0


def test_literals_come_back_as_loaded(jena: JenaServer) -> None:
    _, _, body = ask(jena, "SELECT ?o WHERE { <http://ex/c> ?p ?o }", post=True)
    assert json.loads(body)["results"]["bindings"][0]["o"]["value"] == "05"


def test_construct_is_a_graph_without_repeats(jena: JenaServer) -> None:
    status, kind, body = ask(
        jena, "CONSTRUCT { <http://ex/x> <http://ex/y> 1 } WHERE { GRAPH ?g { ?s ?p ?o } }"
    )
    assert status == 200 and kind.startswith("application/n-triples")
    assert body.decode().count("<http://ex/x>") == 1


def test_a_query_that_does_not_parse_is_a_400_with_jenas_message(jena: JenaServer) -> None:
    status, _, body = ask(jena, "SELECT * WHERE { ?s ?p }")
    assert status == 400 and b"line 1" in body
