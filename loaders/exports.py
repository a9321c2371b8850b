"""``migkg export``: views of the graph for Gephi, yEd, Cytoscape, Graphviz and browsers.

A view is defined once, as a SPARQL CONSTRUCT in ``queries/views/`` (``instruments``,
``positions``, ``actors``), or as the whole graph without the ontology's own axioms
(``full``). RDF formats write the view itself; graph formats write its projection to a
networkx graph, in which

* a node is a resource of the view, with its IRI, label (in the chosen language), type
  (its most specific class of ours, as a prefixed name), kind (that class's label) and
  its literal values;
* a position or formal assessment becomes an edge from its holder to what it is about,
  carrying stance, date, source document and quote; an involvement becomes an edge from
  the instrument or programme to the actor, carrying the role;
* values of controlled vocabularies (stance, status, role, dimension) and the source
  document are attributes, not nodes;
* every other link between resources is an edge with its predicate and label.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from html import escape
from pathlib import Path

import networkx as nx
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from .build import Build
from .errors import MigkgError
from .namespaces import GRAPH, MIG, OA, PREFIXES, bind_all

VIEWS = ("instruments", "positions", "actors", "full")
GRAPH_FORMATS = ("graphml", "gexf", "cytoscape", "dot", "html")
RDF_FORMATS = ("ttl", "nt", "jsonld", "trig")
FORMATS = GRAPH_FORMATS + RDF_FORMATS
SUFFIX = {"cytoscape": "cyjs", "jsonld": "jsonld"}

N_ARY = {MIG.Position, MIG.Assessment}
EVIDENCE = {MIG.hasEvidence, OA.hasTarget, OA.hasSelector, OA.exact}
ATTRIBUTES = {
    MIG.hasStance: "stance",
    MIG.hasLegislativeStatus: "status",
    MIG.hasRoleType: "role",
    MIG.hasDimension: "dimension",
    MIG.isStatedIn: "document",
}
# colours by type for GEXF and HTML (a viewer can colour by the "type" attribute too)
PALETTE = [
    (31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
    (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
]  # fmt: skip


def check(view: str, fmt: str) -> None:
    if view not in VIEWS:
        raise MigkgError(f"unknown view {view!r}: choose one of {', '.join(VIEWS)}")
    if fmt not in FORMATS:
        raise MigkgError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def view_graph(build: Build, view: str) -> Graph:
    """The view as RDF."""
    check(view, "ttl")
    if view == "full":
        return build.union(["instances", "extracted"])
    import pyoxigraph as ox

    from .oxstore import from_ox, to_ox

    path = build.project.root / "queries" / "views" / f"{view}.rq"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MigkgError(f"{path}: cannot read the view: {exc}") from exc
    store = ox.Store()
    store.extend(
        ox.Quad(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]
        for s, p, o in build.view(["ontology", "instances", "extracted"])
    )
    try:
        triples = store.query(text)
    except SyntaxError as exc:
        raise MigkgError(f"{path}: the view does not parse: {exc}") from exc
    graph = bind_all(Graph(bind_namespaces="none"))
    assert isinstance(triples, ox.QueryTriples)
    for t in triples:
        graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
    return graph


# --- projection --------------------------------------------------------------------------------


def curie(iri: URIRef) -> str:
    text = str(iri)
    best = max(
        ((p, str(ns)) for p, ns in PREFIXES.items() if text.startswith(str(ns))),
        key=lambda pn: len(pn[1]),
        default=None,
    )
    return f"{best[0]}:{text[len(best[1]) :]}" if best else text


def label(graph: Graph, node: Node | None, lang: str) -> str:
    """The node's rdfs:label or skos:prefLabel in lang (else en, nl, any), else its name."""
    if node is None:
        return ""
    names = [o for p in (RDFS.label, SKOS.prefLabel) for o in graph.objects(node, p)]
    for want in (lang, "en", "nl", None):
        for name in sorted(names, key=str):
            if isinstance(name, Literal) and (name.language or None) == want:
                return str(name)
    return curie(node) if isinstance(node, URIRef) else str(node)


def _type(graph: Graph, node: Node) -> URIRef | None:
    """The most specific class of ours the node has in the view."""
    types = [t for t in graph.objects(node, RDF.type) if isinstance(t, URIRef)]
    ours = [t for t in types if t.startswith(str(MIG))] or types
    if not ours:
        return None
    narrowest = [
        t for t in ours if not any((u, RDFS.subClassOf, t) in graph for u in ours if u != t)
    ]
    return sorted(narrowest or ours)[0]


def _quote(graph: Graph, position: Node) -> str:
    quotes = sorted(
        str(q)
        for e in graph.objects(position, MIG.hasEvidence)
        for t in graph.objects(e, OA.hasTarget)
        for s in graph.objects(t, OA.hasSelector)
        for q in graph.objects(s, OA.exact)
    )
    return " … ".join(quotes)


def project(view: Graph, lang: str = "en", classes: Graph | None = None) -> nx.MultiDiGraph:
    """The view as a networkx graph (see the module's docstring)."""
    labels = view if classes is None else view + classes
    g = nx.MultiDiGraph()
    collapsed = {s for t in N_ARY for s in view.subjects(RDF.type, t)}
    evidence_nodes = {o for p in EVIDENCE - {OA.exact} for o in view.objects(None, p)}
    involvements = set(view.subjects(RDF.type, MIG.Involvement))
    hidden = collapsed | evidence_nodes | involvements
    attribute_values = {o for p in ATTRIBUTES for o in view.objects(None, p)}

    def node(n: Node) -> str:
        key = str(n)
        if key not in g:
            kind = _type(view, n)
            g.add_node(
                key,
                iri=key,
                label=label(labels, n, lang),
                type=curie(kind) if kind else "",
                kind=label(labels, kind, lang) if kind else "",
            )
        return key

    typed = set(view.subjects(RDF.type, None))
    values_only = attribute_values - typed  # a stance, status, role or source: an attribute

    for s, p, o in sorted(view):
        if s in hidden or s in values_only or p in EVIDENCE:
            continue
        key = node(s)
        if p == RDF.type or p in (RDFS.label, SKOS.prefLabel):
            continue
        if isinstance(o, Literal):
            name = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            g.nodes[key][name] = " | ".join(sorted({str(v) for v in view.objects(s, p)}))
        elif isinstance(p, URIRef) and p in ATTRIBUTES:
            g.nodes[key][ATTRIBUTES[p]] = label(labels, o, lang)
        elif o not in values_only:
            target = node(o)
            g.add_edge(key, target, key=str(p), predicate=str(p), label=label(labels, p, lang))
    for position in sorted(collapsed, key=str):
        holder = view.value(position, MIG.hasHolder)
        if holder is None:
            continue
        stance = view.value(position, MIG.hasStance)
        document = view.value(position, MIG.isStatedIn)
        attrs = {
            "predicate": str(MIG.hasStance),
            "label": label(labels, stance, lang) or "position",
            "position": str(position),
            "stance": label(labels, stance, lang),
            "date": str(view.value(position, MIG.wasTakenOn) or ""),
            "document": str(document or ""),
            "document_label": label(labels, document, lang),
            "quote": _quote(view, position),
            "dimension": label(labels, view.value(position, MIG.hasDimension), lang),
        }
        for about in sorted(view.objects(position, MIG.isAbout), key=str):
            g.add_edge(node(holder), node(about), key=f"{position}|{about}", **attrs)
    for involvement in sorted(involvements, key=str):
        role = view.value(involvement, MIG.hasRoleType)
        attrs = {
            "predicate": str(MIG.hasRoleType),
            "label": label(labels, role, lang) or "involvement",
            "involvement": str(involvement),
            "role": label(labels, role, lang),
            "document": str(view.value(involvement, MIG.isStatedIn) or ""),
        }
        for subject in sorted(view.subjects(MIG.hasInvolvement, involvement), key=str):
            for actor in sorted(view.objects(involvement, MIG.involves), key=str):
                edge = f"{involvement}|{subject}|{actor}"
                g.add_edge(node(subject), node(actor), key=edge, **attrs)
    colours = _colours(g)
    for _, data in g.nodes(data=True):
        data["color"] = "#{:02x}{:02x}{:02x}".format(*colours[data["type"]])
    return g


def _colours(g: nx.MultiDiGraph) -> dict[str, tuple[int, int, int]]:
    types = sorted({d["type"] for _, d in g.nodes(data=True)})
    return {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(types)}


# --- writers -------------------------------------------------------------------------------


def render(build: Build, view: str, fmt: str, lang: str = "en") -> str:
    check(view, fmt)
    return render_view(view_graph(build, view), view, fmt, lang, build.view(["ontology"]))


def render_view(graph: Graph, view: str, fmt: str, lang: str, ontology: Graph) -> str:
    """A view already made (view_graph) in a format; the ontology gives class labels."""
    check(view, fmt)
    if fmt in RDF_FORMATS:
        return _rdf(graph, view, fmt)
    network = project(graph, lang, ontology)
    writer: dict[str, Callable[[nx.MultiDiGraph], str]] = {
        "graphml": _graphml,
        "gexf": _gexf,
        "cytoscape": _cytoscape,
        "dot": _dot,
        "html": lambda n: html_page(n, view, lang),
    }
    return writer[fmt](network)


def _rdf(graph: Graph, view: str, fmt: str) -> str:
    if fmt == "ttl":
        from .turtle import canonical_turtle

        return canonical_turtle(graph)
    if fmt == "trig":
        dataset = Dataset()
        bind_all(dataset)
        named = dataset.graph(GRAPH[f"view/{view}"])
        for triple in graph:
            named.add(triple)
        return dataset.serialize(format="trig")
    return graph.serialize(format={"nt": "nt", "jsonld": "json-ld"}[fmt])


def _graphml(g: nx.MultiDiGraph) -> str:
    return "\n".join(nx.generate_graphml(g)) + "\n"


def _gexf(g: nx.MultiDiGraph) -> str:
    out = g.copy()
    for _, data in out.nodes(data=True):
        r, gr, b = (int(data["color"][i : i + 2], 16) for i in (1, 3, 5))
        data["viz"] = {"color": {"r": r, "g": gr, "b": b, "a": 1.0}}
    return "\n".join(nx.generate_gexf(out)) + "\n"


def _cytoscape(g: nx.MultiDiGraph) -> str:
    data = nx.cytoscape_data(g)
    return json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def _dot(g: nx.MultiDiGraph) -> str:
    """Graphviz DOT, every name and value quoted."""

    def q(value: object) -> str:
        return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'

    lines = [
        "digraph migkg {",
        "  graph [rankdir=LR, overlap=false];",
        "  node [style=filled, fontname=Helvetica];",
    ]
    for n, data in sorted(g.nodes(data=True)):
        attrs = ", ".join(f"{k}={q(v)}" for k, v in sorted(data.items()))
        lines.append(f"  {q(n)} [{attrs}, fillcolor={q(data['color'])}];")
    for s, o, key, data in sorted(g.edges(keys=True, data=True)):
        attrs = ", ".join(f"{k}={q(v)}" for k, v in sorted(data.items()))
        lines.append(f"  {q(s)} -> {q(o)} [key={q(key)}, {attrs}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def html_page(g: nx.MultiDiGraph, view: str, lang: str) -> str:
    """One self-contained page: vis-network (from the pinned pyvis package) and the data."""
    import importlib.resources

    lib = importlib.resources.files("pyvis") / "lib" / "vis-9.1.2"
    script = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    style = (lib / "vis-network.css").read_text(encoding="utf-8")
    data = {
        "view": view,
        "lang": lang,
        "nodes": [{"id": n, **d} for n, d in sorted(g.nodes(data=True))],
        "edges": [
            {"id": f"e{i}", "from": s, "to": o, **d}
            for i, (s, o, d) in enumerate(
                sorted(g.edges(data=True), key=lambda e: (e[0], e[1], str(e[2])))
            )
        ],
    }
    payload = json.dumps(data, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
    template = (Path(__file__).parent / "page.html").read_text(encoding="utf-8")
    return (
        template.replace("/*VIS_CSS*/", style)
        .replace("/*VIS_JS*/", script.replace("</script", "<\\/script"))
        .replace("/*DATA*/null", payload)
        .replace("{{title}}", escape(f"migkg: {view}"))
    )
