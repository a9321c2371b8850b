"""``migkg docs``: reference documentation made from the ontology itself.

One HTML page per ontology module and an index, under ``dist/docs/``: every class and
property of our namespace with its labels in English and Dutch, its definition, its
superclasses or domain and range, the legal text that defines it, and the shapes that
apply to it (node shapes that target the class, property shapes on the property). The
model diagram of the analyst's guide (``docs/model.md``, Mermaid) comes from the same
place, so the pictures and the pages cannot drift from the ontology.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from loaders import terms
from loaders.graph.dataset import Dataset
from loaders.namespaces import MIG, SH

KINDS = {
    OWL.Class: "class",
    OWL.ObjectProperty: "object property",
    OWL.DatatypeProperty: "datatype property",
}


@dataclass
class Term:
    iri: URIRef
    kind: str
    labels: dict[str, str]
    definition: str
    parents: list[URIRef] = field(default_factory=list)
    domain: list[URIRef] = field(default_factory=list)
    range: list[URIRef] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    shapes: list[tuple[URIRef, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.iri).removeprefix(str(MIG))


@dataclass
class Module:
    iri: URIRef
    file: str
    title: dict[str, str]
    description: str
    version: str
    terms: list[Term]

    @property
    def slug(self) -> str:
        return Path(self.file).stem


def curie(iri: URIRef) -> str:
    """The prefixed name, or the IRI between < and >."""
    short = terms.curie(str(iri))
    return short if short != str(iri) else f"<{iri}>"


def _lang_map(graph: Graph, node: URIRef, prop: URIRef) -> dict[str, str]:
    return {(o.language or ""): str(o) for o in graph.objects(node, prop) if isinstance(o, Literal)}


def _iris(graph: Graph, node: URIRef, prop: URIRef) -> list[URIRef]:
    return sorted(o for o in graph.objects(node, prop) if isinstance(o, URIRef))


def _shapes_for(shapes: Graph, term: URIRef, kind: str) -> list[tuple[URIRef, str]]:
    found: dict[URIRef, str] = {}
    if kind == "class":
        for shape in shapes.subjects(SH.targetClass, term):
            if isinstance(shape, URIRef):
                found[shape] = _message(shapes, shape)
                for prop in shapes.objects(shape, SH.property):
                    if isinstance(prop, URIRef):
                        found[prop] = _message(shapes, prop)
    else:
        for shape in shapes.subjects(SH.path, term):
            if isinstance(shape, URIRef):
                found[shape] = _message(shapes, shape)
    return sorted(found.items())


def _message(shapes: Graph, shape: URIRef) -> str:
    """What a shape checks, in words: its English sh:name and sh:description, else its
    message or label."""

    name, description = (
        terms.english(shapes, shape, SH.name),
        terms.english(shapes, shape, SH.description),
    )
    text = (
        description
        or terms.english(shapes, shape, SH.message)
        or terms.english(shapes, shape, RDFS.label)
    )
    return f"{name}: {text}" if name and description else text


def modules(build: Dataset) -> list[Module]:
    ontology = build.union(["ontology"])
    shapes = build.union(["shapes"])
    out = []
    for iri, graph in build.graphs():
        path = build.project.path_of_graph(iri)
        if not path.startswith("ontology/"):
            continue
        header = next(graph.subjects(RDF.type, OWL.Ontology), None)
        if not isinstance(header, URIRef):
            continue
        terms = []
        for kind_iri, kind in KINDS.items():
            ours = {n for n in graph.subjects(RDF.type, kind_iri) if isinstance(n, URIRef)}
            for node in sorted(n for n in ours if n.startswith(str(MIG))):
                terms.append(
                    Term(
                        iri=node,
                        kind=kind,
                        labels=_lang_map(ontology, node, RDFS.label),
                        definition=_lang_map(ontology, node, SKOS.definition).get("en", ""),
                        parents=_iris(
                            ontology,
                            node,
                            RDFS.subClassOf if kind == "class" else RDFS.subPropertyOf,
                        ),
                        domain=_iris(ontology, node, RDFS.domain),
                        range=_iris(ontology, node, RDFS.range),
                        sources=sorted(str(s) for s in ontology.objects(node, DCTERMS.source)),
                        shapes=_shapes_for(shapes, node, kind),
                    )
                )
        out.append(
            Module(
                iri=header,
                file=path,
                title=_lang_map(graph, header, DCTERMS.title),
                description=_lang_map(graph, header, DCTERMS.description).get("en", ""),
                version=str(graph.value(header, OWL.versionInfo) or ""),
                terms=terms,
            )
        )
    return sorted(out, key=lambda m: m.slug)


# --- HTML --------------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 70em; margin: 2em auto; padding: 0 1em; }
h1 { margin-bottom: 0; } .sub { color: #555; margin-top: 0; }
section.term { border-top: 1px solid #ddd; padding: .5em 0; }
section.term h3 { margin: .3em 0; font-family: ui-monospace, monospace; }
dl { display: grid; grid-template-columns: 10em 1fr; gap: .2em 1em; margin: 0; }
dt { color: #555; } dd { margin: 0; }
code { font-family: ui-monospace, monospace; font-size: 90%; }
nav a { margin-right: 1em; }
"""


def _link(iri: URIRef, local: dict[URIRef, str]) -> str:
    if iri in local:
        return f'<a href="{escape(local[iri])}"><code>{escape(curie(iri))}</code></a>'
    return f'<a href="{escape(str(iri))}"><code>{escape(curie(iri))}</code></a>'


def _page(title: str, body: str, nav: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<nav>{nav}</nav>\n{body}\n</body>\n</html>\n"
    )


def render_module(module: Module, local: dict[URIRef, str], nav: str) -> str:
    parts = [
        f"<h1>{escape(module.title.get('en', module.slug))}</h1>",
        f'<p class="sub">{escape(module.title.get("nl", ""))} · <code>{escape(module.iri)}</code>'
        f" · version {escape(module.version)} · <code>{escape(module.file)}</code></p>",
        f"<p>{escape(module.description)}</p>",
    ]
    for kind in ("class", "object property", "datatype property"):
        terms = [t for t in module.terms if t.kind == kind]
        if not terms:
            continue
        heading = {"class": "Classes", "object property": "Object properties"}.get(
            kind, "Datatype properties"
        )
        parts.append(f"<h2>{heading}</h2>")
        for t in terms:
            rows = [
                ("IRI", f"<code>{escape(t.iri)}</code>"),
                ("label (en)", escape(t.labels.get("en", ""))),
                ("label (nl)", escape(t.labels.get("nl", ""))),
                ("definition", escape(t.definition)),
            ]
            if t.parents:
                name = "subclass of" if kind == "class" else "subproperty of"
                rows.append((name, ", ".join(_link(p, local) for p in t.parents)))
            if t.domain:
                rows.append(("domain", ", ".join(_link(d, local) for d in t.domain)))
            if t.range:
                rows.append(("range", ", ".join(_link(r, local) for r in t.range)))
            if t.sources:
                rows.append(
                    (
                        "defined in",
                        ", ".join(f'<a href="{escape(s)}">{escape(s)}</a>' for s in t.sources),
                    )
                )
            if t.shapes:
                items = "".join(
                    f"<li><code>{escape(curie(s))}</code>: {escape(m)}</li>" for s, m in t.shapes
                )
                rows.append(("shapes", f"<ul>{items}</ul>"))
            else:
                rows.append(("shapes", "none"))
            body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
            parts.append(
                f'<section class="term" id="{escape(t.name)}">'
                f"<h3>{escape(curie(t.iri))} <small>({kind})</small></h3><dl>{body}</dl></section>"
            )
    return _page(module.title.get("en", module.slug), "\n".join(parts), nav)


def render_all(mods: list[Module]) -> dict[str, str]:
    """File name -> HTML, for dist/docs/."""
    local = {t.iri: f"{m.slug}.html#{t.name}" for m in mods for t in m.terms}
    nav = '<a href="index.html">index</a>' + "".join(
        f'<a href="{m.slug}.html">{escape(m.slug)}</a>' for m in mods
    )
    pages = {f"{m.slug}.html": render_module(m, local, nav) for m in mods}
    rows = "".join(
        f'<tr><td><a href="{m.slug}.html">{escape(m.title.get("en", m.slug))}</a></td>'
        f"<td>{escape(m.title.get('nl', ''))}</td><td>{len(m.terms)}</td>"
        f"<td>{escape(m.description)}</td></tr>"
        for m in mods
    )
    body = (
        "<h1>EU migration policy knowledge graph: ontology reference</h1>"
        "<p>Generated from <code>ontology/*.ttl</code> and <code>shapes/*.ttl</code> by "
        "<code>migkg docs</code>. Namespace <code>https://w3id.org/migkg/def#</code> "
        "(prefix <code>mig:</code>); shapes <code>https://w3id.org/migkg/shapes#</code> "
        "(<code>migs:</code>).</p>"
        "<table><tr><th>module</th><th>Nederlands</th><th>terms</th><th>about</th></tr>"
        f"{rows}</table>"
    )
    pages["index.html"] = _page("Ontology reference", body, nav)
    return pages


# --- the model diagram -------------------------------------------------------------------------


def mermaid(build: Dataset) -> str:
    """A Mermaid class diagram: our classes that object properties connect, with those
    properties (domain to range) and the subclass links among the classes shown."""
    ontology = build.union(["ontology"])
    edges: set[tuple[str, str, str]] = set()
    shown: set[URIRef] = set()
    ours = str(MIG)
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        if not (isinstance(prop, URIRef) and prop.startswith(ours)):
            continue
        domains = [d for d in ontology.objects(prop, RDFS.domain) if isinstance(d, URIRef)]
        ranges = [r for r in ontology.objects(prop, RDFS.range) if isinstance(r, URIRef)]
        for d in domains:
            for r in ranges:
                if (d.startswith(ours) or r.startswith(ours)) and not _datatype(r):
                    edges.add((_m(d), _m(prop), _m(r)))
                    shown |= {d, r}
    lines = ["classDiagram", "  direction LR"]
    for child in sorted(shown):
        parents = {p for p in ontology.objects(child, RDFS.subClassOf) if isinstance(p, URIRef)}
        for parent in sorted(parents & shown):
            lines.append(f"  {_m(parent)} <|-- {_m(child)}")
    for source, label, target in sorted(edges):
        lines.append(f"  {source} --> {target} : {label}")
    return "\n".join(lines) + "\n"


def _m(iri: URIRef) -> str:
    """A Mermaid name: the local name for our terms, prefix_name for others."""
    if iri.startswith(str(MIG)):
        return str(iri).removeprefix(str(MIG))
    return curie(iri).replace(":", "_").strip("<>")


def _datatype(iri: URIRef) -> bool:
    return curie(iri).split(":")[0] in ("xsd", "rdf", "rdfs") and iri != RDFS.Resource


MODEL_DOC = """# The model on one page

Made from the ontology by `migkg docs` (do not edit by hand: a test fails when this file
is stale). Boxes are classes of `mig:`; an arrow is an object property from its domain
to its range; `<|--` points from a subclass to its superclass. Properties whose range
is outside our namespace (SKOS concepts for stances, roles and statuses; Web Annotation
for evidence; RDF Data Cube for figures) are in the reference pages: `migkg docs`, then
open `dist/docs/index.html`.

```mermaid
{diagram}```
"""


def model_doc(build: Dataset) -> str:
    return MODEL_DOC.format(diagram=mermaid(build))
