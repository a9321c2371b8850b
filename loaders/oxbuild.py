"""The build on Oxigraph (``migkg build --store oxigraph``): the same dataset as build.py's,
read and written by Oxigraph's Rust parser and serialisers instead of rdflib.

Every input file becomes its named graph, as in the rdflib build, and the extractors add
theirs. The quads are kept as parsed, not in a Store: a Store keeps a literal in its
canonical form (``"05"^^xsd:nonNegativeInteger`` comes back as ``"5"^^xsd:integer``),
and a build must write what the files say. Blank nodes get names made from the file and
their order in it, so the same inputs give the same bytes.

What differs from the rdflib build is the form of dist/graph.trig and dist/graph.ttl:
Oxigraph's serialisation, sorted by subject, instead of the canonical longturtle form.
Both builds also write dist/graph.nq, which ``export`` and ``serve`` load.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from .errors import InputError
from .namespaces import PREFIXES
from .oxstore import _input_error, from_ox, to_ox
from .project import Project

Term = ox.NamedNode | ox.BlankNode | ox.Literal


@dataclass
class OxBuild:
    """The dataset as quads: one named graph per input file, and the extracted graphs."""

    project: Project
    quads: list[ox.Quad]
    files: list[Path]

    def graph_names(self, folders: tuple[str, ...]) -> list[ox.NamedNode]:
        """The named graphs of the given top-level folders (extracted/ included)."""
        wanted = tuple(f"{f}/" for f in folders)
        names = {q.graph_name for q in self.quads if isinstance(q.graph_name, ox.NamedNode)}
        return sorted(
            (n for n in names if self.project.path_of_graph(n.value).startswith(wanted)),
            key=lambda n: n.value,
        )

    def rdflib_graph(self, folders: tuple[str, ...]) -> Graph:
        """The union of the folders' graphs as an rdflib Graph (for the extractors)."""
        names = set(self.graph_names(folders))
        graph = Graph(bind_namespaces="none")
        for q in self.quads:
            if q.graph_name in names:
                graph.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
        return graph


def stable_blank_nodes(quads: Iterable[ox.Quad | ox.Triple], prefix: str) -> Iterator[ox.Quad]:
    """The quads with each blank node named by ``prefix`` and its order of appearance (a
    parser names them at random), so that the same input gives the same names."""
    names: dict[ox.BlankNode, ox.BlankNode] = {}

    def stable(term: Term) -> Term:
        if isinstance(term, ox.BlankNode):
            return names.setdefault(term, ox.BlankNode(f"{prefix}b{len(names)}"))
        return term

    for q in quads:
        graph = q.graph_name if isinstance(q, ox.Quad) else ox.DefaultGraph()
        yield ox.Quad(stable(q.subject), q.predicate, stable(q.object), graph)  # type: ignore[arg-type]


def parse_file(project: Project, path: Path, index: int) -> list[ox.Quad]:
    """One Turtle file as quads in its named graph; a problem names the file and line."""
    name = project.relative(path)
    graph = ox.NamedNode(str(project.graph_iri(path)))
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(name, f"not UTF-8 text (byte {exc.start})", line) from exc
    quads: dict[ox.Quad, None] = {}
    try:
        triples = ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri())
        for q in stable_blank_nodes(triples, f"f{index}"):
            quads[ox.Quad(q.subject, q.predicate, q.object, graph)] = None
    except SyntaxError as exc:
        raise _input_error(name, exc) from exc
    return list(quads)


def load(project: Project, extract: bool = True) -> OxBuild:
    """Every input file, then (with ``extract``) what the extractors find in the sources."""
    files = project.input_files()
    quads: list[ox.Quad] = []
    for index, path in enumerate(files):
        quads.extend(parse_file(project, path, index))
    build = OxBuild(project, quads, files)
    if extract and (project.root / "sources").is_dir():
        from .extracted import extracted

        curated = build.rdflib_graph(("ontology", "instances"))
        for iri, graph in extracted(project, curated).items():
            name = ox.NamedNode(str(iri))
            extra = {
                ox.Quad(to_ox(s), to_ox(p), to_ox(o), name): None  # type: ignore[arg-type]
                for s, p, o in graph
            }
            quads.extend(sorted(extra, key=str))
    return build


def built_quads(project: Project) -> list[ox.Quad]:
    """The quads of the last build (dist/graph.nq, from either store) if no input changed
    since, else the quads of a build made now (and not written)."""
    from .build import inputs_digest, up_to_date

    built = project.dist / "graph.nq"
    if up_to_date(project, inputs_digest(project)) and built.is_file():
        return list(ox.parse(path=built, format=ox.RdfFormat.N_QUADS))
    return load(project).quads


def in_order(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Quads by graph, then subject, then the whole quad: the order of dist/ files."""
    return sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q)))


def texts(build: OxBuild) -> dict[str, bytes]:
    """dist/graph.trig (named graphs), graph.ttl (their union) and graph.nq, sorted."""
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()}
    ordered = in_order(build.quads)
    union = sorted(
        {ox.Triple(q.subject, q.predicate, q.object) for q in build.quads},
        key=lambda t: (str(t.subject), str(t)),
    )
    return {
        "graph.trig": ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=prefixes) or b"",
        "graph.ttl": ox.serialize(union, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"",
        "graph.nq": ox.serialize(ordered, format=ox.RdfFormat.N_QUADS) or b"",
    }


def counts(build: OxBuild) -> tuple[list[tuple[str, int]], int]:
    """Instances per asserted class in the union (as build.class_counts), and its triples."""
    from collections import Counter

    from rdflib import URIRef
    from rdflib.namespace import NamespaceManager

    from .namespaces import bind_all

    union = {(q.subject, q.predicate, q.object) for q in build.quads}
    names = NamespaceManager(bind_all(Graph(bind_namespaces="none")))
    per_class: Counter[str] = Counter()
    for _, p, o in union:
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            per_class[names.normalizeUri(URIRef(o.value))] += 1
    return sorted(per_class.items()), len(union)


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
