"""migkg export: every view in every format, and nothing lost on the way: RDF exports
parse back to the view, graph exports parse back with networkx with the same nodes,
edges and attributes, DOT renders with Graphviz, and the HTML page works in a real
headless browser (Debian's chromium, driven by Selenium)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from collections import Counter
from pathlib import Path

import networkx as nx
import pydot
import pytest
from rdflib import BNode, Graph
from rdflib import Dataset as RdflibDataset

from loaders.cli import main
from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine, RdflibEngine
from loaders.project import Project
from loaders.publish.exports import (
    RDF_FORMATS,
    VIEWS,
    Triples,
    graphml,
    project,
    render_view,
    union_triples,
    view_triples,
)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


@pytest.fixture(scope="module")
def engine(build: Dataset) -> Engine:
    return build.engine("oxigraph")


@pytest.fixture(scope="module")
def views(build: Dataset, engine: Engine) -> dict[str, Triples]:
    return {view: view_triples(build, engine, view) for view in VIEWS}


@pytest.fixture(scope="module")
def ontology(build: Dataset) -> Graph:
    return build.union(["ontology"])


def test_views_hold_what_they_promise(views: dict[str, Triples], ontology: Graph) -> None:
    instruments = project(views["instruments"], "en", ontology)
    assert instruments.number_of_nodes() > 100
    labels = {d["label"] for _, d in instruments.nodes(data=True)}
    assert "Proposal for a Regulation on asylum and migration management" in labels
    predicates = {d["label"] for *_, d in instruments.edges(data=True)}
    assert {"replaces", "amends", "is member of package"} <= predicates
    positions = project(views["positions"], "nl", ontology)
    stances = Counter(d.get("stance") for *_, d in positions.edges(data=True))
    assert stances["steunt"] > 10  # Dutch labels with --lang nl
    quoted = [d for *_, d in positions.edges(data=True) if d.get("quote")]
    assert quoted and all(
        d["document"].startswith("https://w3id.org/migkg/id/source/") for d in quoted
    )
    actors = project(views["actors"], "en", ontology)
    assert any(d.get("role") == "implementer" for *_, d in actors.edges(data=True))
    # regression: each involvement was also drawn as a node of its own, linked to its subject
    assert not [n for n, d in actors.nodes(data=True) if d["type"].endswith("Role")]
    assert not [e for *e, d in actors.edges(data=True) if d["predicate"].endswith("Involvement")]
    assert len(views["full"]) > 30000


# --- RDF: parse back to the view -----------------------------------------------------------------


def _same(a: Graph, b: Triples) -> bool:
    expected = Graph()
    for triple in b.sorted():
        expected.add(triple)
    if any(isinstance(t, BNode) for triple in a for t in triple):
        from rdflib.compare import isomorphic

        return isomorphic(a, expected)
    return set(a) == set(expected)


# every format on the three CONSTRUCT views; the full view (30,000+ triples, slow for
# rdflib's JSON-LD and TriG parsers) in N-Triples only
RDF_CASES = [(v, f) for v in VIEWS if v != "full" for f in RDF_FORMATS] + [("full", "nt")]


@pytest.mark.parametrize(("view", "fmt"), RDF_CASES)
def test_rdf_exports_parse_back_to_the_view(
    views: dict[str, Triples], ontology: Graph, view: str, fmt: str
) -> None:
    text = render_view(views[view], view, fmt, "en", ontology)
    if fmt == "trig":
        dataset = RdflibDataset()
        dataset.parse(data=text, format="trig")
        back = Graph()
        for graph in dataset.graphs():
            back += graph
    else:
        back = Graph().parse(
            data=text, format={"ttl": "turtle", "nt": "nt", "jsonld": "json-ld"}[fmt]
        )
    assert len(back) == len(views[view])
    assert _same(back, views[view])


# --- graph formats: parse back with networkx ---------------------------------------------------


NETWORKX_KEYS = {"viz", "id", "name", "value", "key", "source", "target"}


def _nodes(g: nx.Graph) -> dict[str, dict[str, str]]:
    return {
        str(n): {k: str(v) for k, v in d.items() if k not in NETWORKX_KEYS}
        for n, d in g.nodes(data=True)
    }


def _edges(g: nx.Graph) -> Counter[tuple[str, str, tuple[tuple[str, str], ...]]]:
    out: Counter[tuple[str, str, tuple[tuple[str, str], ...]]] = Counter()
    for s, o, d in g.edges(data=True):
        attrs = tuple(sorted((k, str(v)) for k, v in d.items() if k not in NETWORKX_KEYS))
        out[(str(s), str(o), attrs)] += 1
    return out


def _read(fmt: str, text: str) -> nx.Graph:
    if fmt == "graphml":
        return nx.parse_graphml(text, force_multigraph=True)
    if fmt == "gexf":
        path = Path("/tmp") / f"migkg-{time.time_ns()}.gexf"
        path.write_text(text, encoding="utf-8")
        try:
            return nx.read_gexf(path)
        finally:
            path.unlink()
    if fmt == "cytoscape":
        return nx.cytoscape_graph(json.loads(text))
    if fmt == "dot":
        dot = pydot.graph_from_dot_data(text)
        assert dot is not None
        g = nx.nx_pydot.from_pydot(dot[0])

        def unquote(v: object) -> object:
            if isinstance(v, str) and v.startswith('"'):
                return v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
            return v

        h = nx.MultiDiGraph()
        for n, d in g.nodes(data=True):
            if unquote(n) in ("graph", "node", "edge", "\\n"):
                continue
            h.add_node(
                unquote(n), **{k: unquote(v) for k, v in d.items() if k not in ("fillcolor",)}
            )
        for s, o, d in g.edges(data=True):
            h.add_edge(
                unquote(s), unquote(o), **{k: unquote(v) for k, v in d.items() if k != "key"}
            )
        return h
    if fmt == "html":
        data = json.loads(re.search(r"const DATA = (\{.*?\});\n", text, re.S).group(1))  # type: ignore[union-attr]
        h = nx.MultiDiGraph()
        for n in data["nodes"]:
            h.add_node(n["id"], **{k: v for k, v in n.items() if k != "id"})
        for e in data["edges"]:
            h.add_edge(
                e["from"], e["to"], **{k: v for k, v in e.items() if k not in ("id", "from", "to")}
            )
        return h
    raise AssertionError(fmt)


# DOT is read back (by pydot, slowly) on the smallest view; the others on every view
GRAPH_CASES = [
    (v, f)
    for v in ("instruments", "positions", "actors")
    for f in ("graphml", "gexf", "cytoscape", "dot", "html")
    if f != "dot" or v == "instruments"
]


@pytest.mark.parametrize(("view", "fmt"), GRAPH_CASES)
def test_graph_exports_parse_back_with_the_same_nodes_edges_and_attributes(
    views: dict[str, Triples], ontology: Graph, view: str, fmt: str
) -> None:
    network = project(views[view], "en", ontology)
    back = _read(fmt, render_view(views[view], view, fmt, "en", ontology))
    assert back.number_of_nodes() == network.number_of_nodes()
    assert back.number_of_edges() == network.number_of_edges()
    expected_nodes = _nodes(network)
    if fmt == "gexf":  # GEXF keeps the label as the node's label, the rest as attributes
        got = {n: {**d, "label": d.get("label", "")} for n, d in _nodes(back).items()}
    else:
        got = _nodes(back)
    assert got == expected_nodes
    assert _edges(back) == _edges(network)


def test_gexf_carries_a_colour_per_type(views: dict[str, Triples], ontology: Graph) -> None:
    back = _read("gexf", render_view(views["instruments"], "instruments", "gexf", "en", ontology))
    colours = {}
    for _, d in back.nodes(data=True):
        c = d["viz"]["color"]
        colours.setdefault(d["type"], set()).add((c["r"], c["g"], c["b"]))
    assert all(len(c) == 1 for c in colours.values())  # one colour per type
    assert len({next(iter(c)) for c in colours.values()}) > 5


def test_the_full_view_projects_and_exports(views: dict[str, Triples], ontology: Graph) -> None:
    text = render_view(views["full"], "full", "graphml", "en", ontology)
    back = nx.parse_graphml(text, force_multigraph=True)
    assert back.number_of_nodes() > 1000 and back.number_of_edges() > 2000


@pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz (dot) is not installed: .ci/run installs it"
)
def test_dot_renders_with_graphviz(
    views: dict[str, Triples], ontology: Graph, tmp_path: Path
) -> None:
    source = tmp_path / "instruments.dot"
    source.write_text(render_view(views["instruments"], "instruments", "dot", "en", ontology))
    done = subprocess.run(
        ["dot", "-Tsvg", str(source)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (
        done.stdout.count('<g id="node')
        == project(views["instruments"], "en", ontology).number_of_nodes()
    )


# --- the Oxigraph engine against the rdflib reference ---------------------------------------------


# Each view's CONSTRUCT gives the same triples on embedded Oxigraph as on rdflib (the
# reference) and on the servers, on the real graph: tests/test_engines.py
# (test_every_view_gives_the_same_triples_on_every_engine), which computes rdflib's answer
# once for all engines. The formats are written from the view's triples alone, so the same
# triples make the same bytes in every format; the small fixture below checks that.


SMALL = """
@prefix mig: <https://w3id.org/migkg/def#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix role: <https://w3id.org/migkg/concept/role/> .
@prefix id: <https://w3id.org/migkg/id/test/> .
id:a a mig:Regulation ; rdfs:label "A \\"quoted\\" é\\nline"@en , "A"@nl ;
    mig:replaces id:b ; mig:wasAdoptedOn "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> ;
    mig:hasInvolvement id:ax , id:ay .
id:b a mig:Directive ; rdfs:label "B"@en .
id:ax a mig:Involvement ; mig:involves id:x ; mig:hasRoleType role:implementer .
id:ay a mig:Involvement ; mig:involves id:y ; mig:hasRoleType role:implementer .
id:x a mig:Actor ; rdfs:label "X"@en ; mig:isSubOrganisationOf id:y .
id:y a mig:Actor ; rdfs:label "Y"@nl .
"""


@pytest.fixture(scope="module")
def small(build: Dataset, ontology: Graph) -> tuple[Engine, Engine]:
    """A few instruments and actors and the ontology, in each engine (no blank nodes: each
    engine names them its own way)."""
    import pyoxigraph as ox

    from loaders.graph.engines import OxigraphEngine

    store = build.store(["ontology"])
    store.load(SMALL.encode("utf-8"), ox.RdfFormat.TURTLE)
    reference = Graph().parse(data=SMALL, format="turtle")
    assert len(reference) == 20
    for triple in ontology:
        reference.add(triple)
    return OxigraphEngine(store), RdflibEngine(reference)


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "cytoscape", "dot", "html", "nt", "ttl"])
@pytest.mark.parametrize("view", ["instruments", "actors"])
def test_a_small_view_exports_the_same_on_both_engines(
    build: Dataset, small: tuple[Engine, Engine], view: str, fmt: str
) -> None:
    """On a small graph, every format is byte for byte the same whichever engine made
    the view."""
    ontology = union_triples(build, ("ontology",))
    made = [view_triples(build, engine, view) for engine in small]
    assert len(made[0]) == len(made[1]) > 5
    texts = [render_view(v, view, fmt, "nl", ontology) for v in made]
    assert texts[0] == texts[1]
    assert "id/test/a" in texts[0]


@pytest.mark.parametrize("lang", ["en", "nl"])
@pytest.mark.parametrize("view", VIEWS)
def test_our_graphml_writer_writes_what_networkx_writes(
    views: dict[str, Triples], build: Dataset, view: str, lang: str
) -> None:
    network = project(views[view], lang, union_triples(build, ("ontology",)))
    assert graphml(network) == "\n".join(nx.generate_graphml(network)) + "\n"


def test_graphml_of_values_that_are_not_strings_falls_back_to_networkx() -> None:
    g = nx.MultiDiGraph()
    g.add_node("a", weight=2, name='<"x" & y>\n')
    g.add_edge("a", "b", key="k", label="")
    assert graphml(g) == "\n".join(nx.generate_graphml(g)) + "\n"
    g.nodes["a"]["weight"] = "2"
    assert graphml(g) == "\n".join(nx.generate_graphml(g)) + "\n"


def test_export_uses_the_last_build_while_no_input_changed(project_copy: Project) -> None:
    """After `migkg build`, export reads the build (its store, dist/store); once an input
    changes, it builds anew and sees the change."""
    import pyoxigraph as ox

    root = ["--root", str(project_copy.root)]
    assert main([*root, "build"]) == 0
    store = ox.Store(str(project_copy.dist / "store"))  # the build, with a label less
    frontex = ox.NamedNode("https://w3id.org/migkg/id/actor/frontex")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for quad in list(store.quads_for_pattern(frontex, label, None, None)):
        store.remove(quad)
    store.flush()
    del store
    out = project_copy.root / "actors.graphml"
    args = [*root, "export", "--view", "actors", "--format", "graphml", "-o", str(out)]
    assert main(args) == 0
    assert "(Frontex)</data>" not in out.read_text(encoding="utf-8")  # taken from dist/graph.nq
    actors = project_copy.root / "instances" / "actors.ttl"
    actors.write_text(actors.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(args) == 0
    assert "(Frontex)</data>" in out.read_text(encoding="utf-8")  # an input changed: built anew
    assert main([*args[:-2], "--engine", "rdflib", "-o", str(out) + ".ref"]) == 0
    assert Path(str(out) + ".ref").read_bytes() == out.read_bytes()


# --- the command ----------------------------------------------------------------------------------


def test_unknown_view_or_format_names_the_choices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.graphml"
    assert main(["export", "--view", "treaties", "-o", str(out)]) == 2
    assert "instruments, positions, actors, full" in capsys.readouterr().err
    assert main(["export", "--format", "pdf", "-o", str(out)]) == 2
    assert "graphml, gexf, cytoscape, dot, html, ttl, nt, jsonld, trig" in capsys.readouterr().err
    assert not out.exists()


def test_export_writes_the_file_whole(tmp_path: Path) -> None:
    out = tmp_path / "actors.cyjs"
    assert main(["export", "--view", "actors", "--format", "cytoscape", "-o", str(out)]) == 0
    assert nx.cytoscape_graph(json.loads(out.read_text(encoding="utf-8"))).number_of_nodes() > 100
    assert [p.name for p in tmp_path.iterdir()] == ["actors.cyjs"]  # no temporary file left


# --- the page in a real browser -------------------------------------------------------------


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Debian's chromium and chromium-driver are not installed: .ci/run installs them",
)
def test_the_page_renders_and_searches_in_a_headless_browser(
    views: dict[str, Triples], ontology: Graph, tmp_path: Path
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    page = tmp_path / "positions.html"
    page.write_text(
        render_view(views["positions"], "positions", "html", "en", ontology), encoding="utf-8"
    )
    expected = project(views["positions"], "en", ontology).number_of_nodes()
    options = Options()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,850",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.binary_location = str(CHROMIUM)
    browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        browser.get(page.as_uri())
        body = browser.find_element(By.TAG_NAME, "body")
        deadline = time.time() + 60
        while not body.get_attribute("data-stabilised") and time.time() < deadline:
            time.sleep(0.1)
        assert body.get_attribute("data-stabilised") == "yes"
        assert int(body.get_attribute("data-rendered") or 0) == expected  # every node drawn
        assert int(body.get_attribute("data-painted") or 0) > 1000  # and the canvas shows them
        browser.find_element(By.ID, "search").send_keys("Frontex")
        found = (body.get_attribute("data-found") or "").split()
        assert "https://w3id.org/migkg/id/actor/frontex" in found
        panel = browser.find_element(By.ID, "panel").text
        assert "European Border and Coast Guard Agency" in panel
        # the cabinet's node lists its positions with quotes and sources in the side panel
        search = browser.find_element(By.ID, "search")
        search.clear()
        search.send_keys("Dutch cabinet")
        quotes = browser.find_elements(By.CSS_SELECTOR, "#panel blockquote")
        texts = [q.text for q in quotes]
        assert len(texts) > 20  # the cabinet's many positions, each with its quote
        assert any("(BNC fiche: Recommendation on legal pathways" in t for t in texts)
    finally:
        browser.quit()


def test_n_triples_are_read_term_by_term_as_rdflib_reads_them() -> None:
    """The fast N-Triples reader of the Oxigraph path against rdflib's own parser, on the
    escapes, languages, datatypes and blank nodes Oxigraph writes."""
    import pyoxigraph as ox

    from loaders.publish.exports import Triples

    turtle = (
        '<http://a> <http://b> "x y \\" \\\\ \\n \\t \\r é \\u0001 \\u007f"@nl-NL , "05"^^'
        '<http://www.w3.org/2001/XMLSchema#integer> , "plain" , "" , _:b1 .\n'
        '_:b1 <http://b> "a\\u0008b" , "2020-01-01"^^<http://www.w3.org/2001/XMLSchema#date> .\n'
    )
    store = ox.Store()
    store.load(turtle.encode(), ox.RdfFormat.TURTLE)
    result = store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }")
    assert isinstance(result, ox.QueryTriples)
    data = result.serialize(format=ox.RdfFormat.N_TRIPLES) or b""
    fast = Triples.from_ntriples((data + data).decode("utf-8").splitlines())  # twice: once
    reference = Graph().parse(data=data.decode("utf-8"), format="nt")
    assert len(fast) == len(reference) == 7

    def named(triples: object) -> set[tuple[object, ...]]:
        """Blank nodes all alike: rdflib's parser renames them."""
        return {tuple("_" if isinstance(x, BNode) else x for x in t) for t in triples}  # type: ignore[attr-defined]

    assert named(fast.sorted()) == named(reference)
