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
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from html import escape
from pathlib import Path

import networkx as nx
from rdflib import BNode, Graph, Literal, URIRef
from rdflib import Dataset as RdflibDataset
from rdflib.namespace import RDF, RDFS, SKOS
from rdflib.term import Node

from loaders.errors import MigkgError
from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine, QueryError
from loaders.namespaces import GRAPH, MIG, OA, bind_all
from loaders.project import Project
from loaders.terms import curie

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
# the terms the projection uses in its loops, made once (an rdflib Namespace makes a new
# URIRef, with its validity check, at every attribute access)
TYPE, SUBCLASS, LABEL, PREF_LABEL = RDF.type, RDFS.subClassOf, RDFS.label, SKOS.prefLabel
NAMES = (LABEL, PREF_LABEL)
HAS_EVIDENCE, HAS_TARGET, HAS_SELECTOR, EXACT = (
    MIG.hasEvidence, OA.hasTarget, OA.hasSelector, OA.exact
)  # fmt: skip
HOLDER, STANCE, STATED_IN, TAKEN_ON = MIG.hasHolder, MIG.hasStance, MIG.isStatedIn, MIG.wasTakenOn
DIMENSION, IS_ABOUT, INVOLVEMENT = MIG.hasDimension, MIG.isAbout, MIG.Involvement
HAS_INVOLVEMENT, INVOLVES, ROLE = MIG.hasInvolvement, MIG.involves, MIG.hasRoleType
OURS = str(MIG)
BY_OBJECT = {
    RDF.type,
    MIG.hasEvidence,
    OA.hasTarget,
    OA.hasSelector,
    MIG.hasInvolvement,
    *ATTRIBUTES,
}
"""The predicates whose triples the projection looks up by object."""
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


FULL_SCOPES = ("instances", "extracted")
"""The full view: the graph without the ontology's own axioms."""


def view_text(project: Project, view: str) -> tuple[Path, str]:
    path = project.root / "queries" / "views" / f"{view}.rq"
    try:
        return path, path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MigkgError(f"{path}: cannot read the view: {exc}") from exc


def union_triples(dataset: Dataset, scopes: tuple[str, ...]) -> Triples:
    """Every triple of the scopes' graphs, as built."""
    distinct = {q.triple for q in dataset.quads_in(scopes)}
    term = dataset.term
    return Triples((term(t.subject), term(t.predicate), term(t.object)) for t in distinct)


def view_triples(dataset: Dataset, engine: Engine, view: str) -> Triples:
    """The view: its CONSTRUCT on the engine (the full view from the dataset)."""
    check(view, "ttl")
    if view == "full":
        return union_triples(dataset, FULL_SCOPES)
    path, text = view_text(dataset.project, view)
    try:
        return Triples.from_ntriples(engine.construct(text).splitlines())
    except QueryError as exc:
        raise MigkgError(f"{path}: {exc.message}") from exc


# --- projection --------------------------------------------------------------------------------


Triple = tuple[Node, Node, Node]
_RANK = {BNode: 0, URIRef: 1, Literal: 2}


def _order(term: Node) -> tuple[int, str]:
    """rdflib's order of terms for IRIs and blank nodes, without its slow comparisons."""
    return _RANK.get(type(term), 3), str(term)


class Triples:
    """A view's distinct triples indexed by subject, and by object for the predicates the
    projection looks up that way: all the projection asks of a view.

    An rdflib Graph answers the same questions, but adding a million triples to one costs
    seconds, and so does every lookup in its store; plain dictionaries do not.
    """

    def __init__(
        self,
        triples: Iterable[Triple],
        by_object: Collection[Node] | None = None,
        distinct: bool = True,
    ) -> None:
        """``distinct``: the triples are known to be distinct, as a Graph's are; else a
        triple that comes twice is kept once."""
        by_object = BY_OBJECT if by_object is None else by_object
        self.spo: dict[Node, dict[Node, list[Node]]] = {}
        self.pos: dict[Node, dict[Node, list[Node]]] = {p: {} for p in by_object}
        self.size = 0
        for s, p, o in triples:
            objects = self.spo.setdefault(s, {}).setdefault(p, [])
            if not distinct and o in objects:  # lists of one or two: cheap
                continue
            objects.append(o)
            self.size += 1
            if p in self.pos:
                self.pos[p].setdefault(o, []).append(s)

    def __len__(self) -> int:
        return self.size

    def objects(self, s: Node, p: Node) -> list[Node]:
        return self.spo.get(s, {}).get(p, [])

    def subjects(self, p: Node, o: Node) -> list[Node]:
        return self._by_object(p).get(o, [])

    def all_objects(self, p: Node) -> Collection[Node]:
        return self._by_object(p).keys()

    def all_subjects(self, p: Node) -> set[Node]:
        return {s for subjects in self._by_object(p).values() for s in subjects}

    def _by_object(self, p: Node) -> dict[Node, list[Node]]:
        if p not in self.pos:
            raise KeyError(f"{p} is not indexed by object")
        return self.pos[p]

    def value(self, s: Node, p: Node) -> Node | None:
        found = self.objects(s, p)
        return min(found, key=_order) if found else None

    def has(self, s: Node, p: Node, o: Node) -> bool:
        return o in self.objects(s, p)

    @classmethod
    def from_ntriples(cls, lines: Iterable[str]) -> Triples:
        """N-Triples as Oxigraph writes them (one triple a line, single spaces), read
        faster than through pyoxigraph's term objects: a million of those cost seconds."""
        terms: dict[str, Node] = {}

        def term(text: str) -> Node:
            found = terms.get(text)
            if found is None:
                found = terms[text] = _nt_term(text)
            return found

        def triples() -> Iterator[Triple]:
            for line in lines:
                if line.strip():
                    s, p, o = line.split(" ", 2)
                    yield term(s), term(p), term(o.rstrip()[:-2])

        return cls(triples(), distinct=False)

    def sorted(self, skip: Collection[Node] = ()) -> Iterator[Triple]:
        """Every triple (but those of the subjects to skip), ordered by subject, predicate
        and object."""
        for s in sorted(self.spo.keys() - skip if skip else self.spo, key=_order):
            by_p = self.spo[s]
            for p in sorted(by_p, key=_order) if len(by_p) > 1 else by_p:
                objects = by_p[p]
                for o in sorted(objects, key=_order) if len(objects) > 1 else objects:
                    yield s, p, o


_ESCAPES = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|(.))")


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1) or match.group(2)
    return chr(int(code, 16)) if code else _ESCAPES[match.group(3)]


def _nt_term(text: str) -> Node:
    """One N-Triples term as an rdflib term."""
    if text.startswith("<"):
        return URIRef(text[1:-1])
    if text.startswith("_:"):
        return BNode(text[2:])
    end = text.rindex('"')
    value = text[1:end]
    if "\\" in value:
        value = _ESCAPE.sub(_unescape, value)
    suffix = text[end + 1 :]
    if suffix.startswith("@"):
        return Literal(value, lang=suffix[1:])
    if suffix.startswith("^^<"):
        return Literal(value, datatype=URIRef(suffix[3:-1]))
    return Literal(value)


def _index(graph: Graph | Triples) -> Triples:
    return graph if isinstance(graph, Triples) else Triples(graph)


def label(graphs: Graph | Triples | Sequence[Triples], node: Node | None, lang: str) -> str:
    """The node's rdfs:label or skos:prefLabel in lang (else en, nl, any), else its name."""
    if node is None:
        return ""
    if isinstance(graphs, Graph):
        graphs = [Triples(graphs.triples((node, None, None)))]
    elif isinstance(graphs, Triples):
        graphs = [graphs]
    names = [o for g in graphs for p in NAMES for o in g.objects(node, p)]
    for want in (lang, "en", "nl", None):
        for name in sorted(names, key=str):
            if isinstance(name, Literal) and (name.language or None) == want:
                return str(name)
    return curie(str(node)) if isinstance(node, URIRef) else str(node)


def _type(view: Triples, node: Node) -> URIRef | None:
    """The most specific class of ours the node has in the view."""
    types = [t for t in view.objects(node, TYPE) if isinstance(t, URIRef)]
    ours = [t for t in types if t.startswith(OURS)] or types
    if len(ours) < 2:
        return ours[0] if ours else None
    narrowest = [t for t in ours if not any(view.has(u, SUBCLASS, t) for u in ours if u != t)]
    return sorted(narrowest or ours)[0]


def _quote(view: Triples, position: Node) -> str:
    quotes = sorted(
        str(q)
        for e in view.objects(position, HAS_EVIDENCE)
        for t in view.objects(e, HAS_TARGET)
        for s in view.objects(t, HAS_SELECTOR)
        for q in view.objects(s, EXACT)
    )
    return " … ".join(quotes)


def project(
    graph: Graph | Triples, lang: str = "en", classes: Graph | Triples | None = None
) -> nx.MultiDiGraph:
    """The view as a networkx graph (see the module's docstring)."""
    view = _index(graph)
    labels = [view] if classes is None else [view, _index(classes)]
    g = nx.MultiDiGraph()
    collapsed = {s for t in N_ARY for s in view.subjects(TYPE, t)}
    evidence_nodes = {o for p in EVIDENCE - {EXACT} for o in view.all_objects(p)}
    involvements = set(view.subjects(TYPE, INVOLVEMENT))
    hidden = collapsed | evidence_nodes | involvements
    attribute_values = {o for p in ATTRIBUTES for o in view.all_objects(p)}
    names: dict[Node | None, str] = {}

    def name(n: Node | None) -> str:
        found = names.get(n)
        if found is None:
            found = names[n] = label(labels, n, lang)
        return found

    def node(n: Node) -> str:
        key = str(n)
        if key not in g:
            kind = _type(view, n)
            g.add_node(
                key,
                iri=key,
                label=name(n),
                type=curie(str(kind)) if kind else "",
                kind=name(kind) if kind else "",
            )
        return key

    typed = view.all_subjects(TYPE)
    values_only = attribute_values - typed  # a stance, status, role or source: an attribute

    for s, p, o in view.sorted(skip=hidden | values_only):
        if p in EVIDENCE or p == HAS_INVOLVEMENT:  # an involvement is an edge of its own
            continue
        key = node(s)
        if p == TYPE or p in NAMES:
            continue
        if isinstance(o, Literal):
            local = str(p).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            g.nodes[key][local] = " | ".join(sorted({str(v) for v in view.objects(s, p)}))
        elif isinstance(p, URIRef) and p in ATTRIBUTES:
            g.nodes[key][ATTRIBUTES[p]] = name(o)
        elif o not in values_only:
            target = node(o)
            g.add_edge(key, target, key=str(p), predicate=str(p), label=name(p))
    stance_predicate = str(STANCE)
    for position in sorted(collapsed, key=str):
        holder = view.value(position, HOLDER)
        if holder is None:
            continue
        stance = view.value(position, STANCE)
        document = view.value(position, STATED_IN)
        attrs = {
            "predicate": stance_predicate,
            "label": name(stance) or "position",
            "position": str(position),
            "stance": name(stance),
            "date": str(view.value(position, TAKEN_ON) or ""),
            "document": str(document or ""),
            "document_label": name(document),
            "quote": _quote(view, position),
            "dimension": name(view.value(position, DIMENSION)),
        }
        for about in sorted(view.objects(position, IS_ABOUT), key=str):
            g.add_edge(node(holder), node(about), key=f"{position}|{about}", **attrs)
    for involvement in sorted(involvements, key=str):
        role = view.value(involvement, ROLE)
        attrs = {
            "predicate": str(ROLE),
            "label": name(role) or "involvement",
            "involvement": str(involvement),
            "role": name(role),
            "document": str(view.value(involvement, STATED_IN) or ""),
        }
        for subject in sorted(view.subjects(HAS_INVOLVEMENT, involvement), key=str):
            for actor in sorted(view.objects(involvement, INVOLVES), key=str):
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


def render(dataset: Dataset, engine: Engine, view: str, fmt: str, lang: str = "en") -> str:
    """The view in the format, made on the engine."""
    check(view, fmt)
    ontology = union_triples(dataset, ("ontology",))
    return render_view(view_triples(dataset, engine, view), view, fmt, lang, ontology)


def render_view(
    graph: Graph | Triples, view: str, fmt: str, lang: str, ontology: Graph | Triples
) -> str:
    """A view already made (view_graph, view_triples) in a format; the ontology gives class
    labels."""
    check(view, fmt)
    if fmt in RDF_FORMATS:
        if isinstance(graph, Triples):
            rdf = bind_all(Graph(bind_namespaces="none"))
            for triple in graph.sorted():
                rdf.add(triple)
            graph = rdf
        return _rdf(graph, view, fmt)
    network = project(graph, lang, ontology)
    writer: dict[str, Callable[[nx.MultiDiGraph], str]] = {
        "graphml": graphml,
        "gexf": _gexf,
        "cytoscape": _cytoscape,
        "dot": _dot,
        "html": lambda n: html_page(n, view, lang),
    }
    return writer[fmt](network)


def _rdf(graph: Graph, view: str, fmt: str) -> str:
    if fmt == "ttl":
        from loaders.graph.turtle import canonical_turtle

        return canonical_turtle(graph)
    if fmt == "trig":
        dataset = RdflibDataset()
        bind_all(dataset)
        named = dataset.graph(GRAPH[f"view/{view}"])
        for triple in graph:
            named.add(triple)
        return dataset.serialize(format="trig")
    if fmt == "nt":  # sorted, so that the same view gives the same bytes
        lines = graph.serialize(format="nt").splitlines()
        return "".join(f"{line}\n" for line in sorted(set(lines)) if line.strip())
    return graph.serialize(format="json-ld")


GRAPHML_HEAD = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
    'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">'
)


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(value: str) -> str:
    value = _text(value).replace('"', "&quot;")
    return value.replace("\r", "&#13;").replace("\n", "&#10;").replace("\t", "&#09;")


def graphml(g: nx.MultiDiGraph) -> str:
    """GraphML, written directly: the same text as networkx's writer (a test compares
    them), about ten times faster, since every value here is a string."""
    values = [v for _, d in g.nodes(data=True) for v in d.values()]
    values += [v for *_, d in g.edges(data=True) for v in d.values()]
    if not g or g.graph or not all(isinstance(v, str) for v in values):
        return "\n".join(nx.generate_graphml(g)) + "\n"  # the general case
    keys: dict[tuple[str, str], str] = {}
    body: list[str] = []

    def data(scope: str, attrs: dict[str, str]) -> None:
        for name, value in attrs.items():
            key = keys.setdefault((name, scope), f"d{len(keys)}")
            if value:
                body.append(f'      <data key="{key}">{_text(value)}</data>')
            else:
                body.append(f'      <data key="{key}" />')

    for n, attrs in g.nodes(data=True):
        if not attrs:
            body.append(f'    <node id="{_attr(str(n))}" />')
            continue
        body.append(f'    <node id="{_attr(str(n))}">')
        data("node", attrs)
        body.append("    </node>")
    for s, o, key, attrs in g.edges(keys=True, data=True):
        edge = f'    <edge source="{_attr(str(s))}" target="{_attr(str(o))}" id="{_attr(str(key))}"'
        if not attrs:
            body.append(edge + " />")
            continue
        body.append(edge + ">")
        data("edge", attrs)
        body.append("    </edge>")
    head = [GRAPHML_HEAD]
    for (name, scope), key in reversed(keys.items()):
        head.append(
            f'  <key id="{key}" for="{scope}" attr.name="{_attr(name)}" attr.type="string" />'
        )
    head.append('  <graph edgedefault="directed">')
    text = "\n".join([*head, *body, "  </graph>", "</graphml>"]) + "\n"
    return text.encode("ascii", "xmlcharrefreplace").decode("ascii")  # as networkx writes it


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
