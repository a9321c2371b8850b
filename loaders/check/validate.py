"""``migkg validate``: SHACL validation of the built graph with pySHACL.

The data graph is the ontology with the instance data (the ontology is needed so that
``sh:targetClass`` reaches instances of subclasses); the shapes graph is every file
under shapes/. Inference is off: no shape needs it, and the subclass closure SHACL
uses comes from the ontology in the data graph. Each result is traced to the input
file its focus node is described in, through the named graphs of the build.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict, dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Node

from loaders.check.shacl_sparql import RawResult
from loaders.errors import MigkgError
from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine
from loaders.namespaces import SH, bind_all
from loaders.project import GRAPH_SCOPES
from loaders.terms import english

SEVERITY_ORDER = {"Violation": 3, "Warning": 2, "Info": 1}


@dataclass
class Result:
    focus: str
    focus_label: str
    severity: str
    shape: str
    message: str
    path: str | None = None
    value: str | None = None
    files: list[str] = field(default_factory=list)


@dataclass
class Shape:
    """A named shape of the shapes graph: what a JUnit test case or a SARIF rule is."""

    name: str  # prefixed, as Result.shape
    iri: str
    files: list[str]
    description: str  # its sh:description, else its sh:message, else its rdfs:label
    title: str = ""  # its sh:name in English


@dataclass
class Report:
    conforms: bool
    results: list[Result]
    graph: Graph
    shapes: list[Shape] = field(default_factory=list)

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def at_or_above(self, level: str) -> list[Result]:
        floor = SEVERITY_ORDER[level.capitalize()]
        return [r for r in self.results if SEVERITY_ORDER[r.severity] >= floor]


class PreparedQueryGraph(Graph):
    """A graph that parses each distinct SPARQL text once.

    pySHACL runs a SPARQL-based constraint once per focus node, with the same text and
    ``$this`` bound through ``initBindings``; rdflib would parse the text every time,
    which cost more than evaluating it. Prepared queries are kept per text.
    """

    def __init__(self) -> None:
        super().__init__(bind_namespaces="none")
        self._prepared: dict[str, Query] = {}

    def query(self, query_object: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(query_object, str):
            prepared = self._prepared.get(query_object)
            if prepared is None:
                prepared = self._prepared[query_object] = prepareQuery(query_object)
            query_object = prepared
        return super().query(query_object, *args, **kwargs)


def check_shapes(shapes: Graph, ontology: Graph, build: Dataset) -> None:
    """A shape that targets a class the ontology lacks is a mistake in the shapes."""
    for shape, cls in shapes.subject_objects(SH.targetClass):
        if isinstance(cls, URIRef) and (cls, RDF.type, OWL.Class) not in ontology:
            where = _files_of(build, shape)
            raise MigkgError(
                f"{', '.join(where) or 'shapes'}: shape {shape} targets {cls}, "
                "which is not a class of the ontology; fix the class IRI"
            )


def _files_of(build: Dataset, node: Node) -> list[str]:
    return build.files_of(node)


def _short(graph: Graph, node: object) -> str:
    if isinstance(node, URIRef):
        return graph.namespace_manager.normalizeUri(node)
    if isinstance(node, Literal):
        return node.n3(graph.namespace_manager)
    return str(node)


ENGINES = ("sparql", "pyshacl")


def path_text(graph: Graph, path: Node) -> str:
    """A SHACL property path in SPARQL's syntax, with the graph's prefixes."""
    if isinstance(path, URIRef):
        return _short(graph, path)
    if (path, RDF.first, None) in graph:
        return "/".join(path_text(graph, p) for p in Collection(graph, path))
    for prop, fmt in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = graph.value(path, prop)
        if inner is not None:
            return fmt.format(path_text(graph, inner))
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path_text(graph, p) for p in Collection(graph, alternatives)) + ")"
    return str(path)


def run(build: Dataset, engine: str = "sparql", on: Engine | None = None) -> Report:
    """Validate the graph of a build (its GRAPH_SCOPES) with the shapes of shapes/.

    ``sparql`` (the default) compiles the shapes to SPARQL and runs them on Oxigraph
    (see shacl_sparql.py), falling back to pySHACL for shapes it cannot compile;
    ``pyshacl`` runs pySHACL. Both give the same results (tested). With ``on``, an engine
    that holds the graph (a SPARQL server), the compiled queries run there instead.
    """
    if engine not in ENGINES:
        choices = ", ".join(ENGINES)
        raise MigkgError(f"unknown validation engine {engine!r}: choose one of {choices}")
    shapes = build.union(["shapes"])
    if not len(shapes):
        raise MigkgError("shapes/: no shapes to validate with")
    check_shapes(shapes, build.union(["ontology"]), build)
    from loaders.check import shacl_sparql

    if on is not None:
        raw = shacl_sparql.validate_engine(on, shapes)
        return _report(build, raw, shapes, on)
    if engine == "sparql":
        try:
            plan = list(shacl_sparql.queries(shapes))  # compile first: Unsupported before work
            store = shacl_sparql.store_of_quads(build.quads_in(GRAPH_SCOPES))
            raw = shacl_sparql.validate_store(store, shapes, plan)
        except shacl_sparql.Unsupported as why:
            print(f"note: validating with pySHACL: {why}", file=sys.stderr)
            engine = "pyshacl"
    if engine == "pyshacl":
        raw = pyshacl_results(build.union(GRAPH_SCOPES, into=PreparedQueryGraph()), shapes)
    return _report(build, raw, shapes, build.engine("oxigraph"))


def _report(build: Dataset, raw: list[RawResult], shapes: Graph, on: Engine) -> Report:
    """The report: each result with its focus node's label (read on the engine that holds
    the graph), the file that describes it, and its values in prefixed form."""
    import pyoxigraph as ox

    from loaders.graph.query import labels

    names = labels(on, {ox.NamedNode(r.focus) for r in raw if isinstance(r.focus, URIRef)}, "en")
    graph = report_graph(raw, shapes)
    results = [
        Result(
            focus=str(r.focus),
            focus_label=names.get(str(r.focus), ""),
            severity=str(r.severity).rsplit("#", 1)[-1],
            shape=_short(shapes, r.shape) if isinstance(r.shape, URIRef) else "(anonymous shape)",
            message=r.message,
            path=path_text(shapes, r.path) if r.path is not None else None,
            value=_short(shapes, r.value) if r.value is not None else None,
            files=_files_of(build, r.focus),
        )
        for r in raw
    ]
    results.sort(key=lambda r: (-SEVERITY_ORDER[r.severity], r.focus, r.shape, r.value or ""))
    conforms = not any(r.severity == "Violation" for r in results)
    return Report(conforms, results, graph, named_shapes(build, shapes))


SHAPE_TYPES = (SH.NodeShape, SH.PropertyShape)
TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def named_shapes(build: Dataset, shapes: Graph) -> list[Shape]:
    """Every shape of the shapes graph that has an IRI (typed as a shape, with a target, or
    a property shape of another), sorted by name."""
    found: set[Node] = set()
    for kind in SHAPE_TYPES:
        found.update(shapes.subjects(RDF.type, kind))
    for target in TARGETS:
        found.update(shapes.subjects(target, None))
    found.update(shapes.objects(None, SH.property))
    named = []
    for iri in found:
        if not isinstance(iri, URIRef):
            continue
        text = (
            english(shapes, iri, SH.description)
            or english(shapes, iri, SH.message)
            or english(shapes, iri, RDFS.label)
        )
        files = [f for f in _files_of(build, iri) if f.startswith("shapes/")]
        title = english(shapes, iri, SH.name)
        named.append(Shape(_short(shapes, iri), str(iri), files, text, title))
    return sorted(named, key=lambda s: s.name)


def pyshacl_results(data: Graph, shapes: Graph) -> list[RawResult]:
    from pyshacl import validate

    _, report, _ = validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,  # the union is a fresh graph of our own: no need for pySHACL to copy it
    )
    if not isinstance(report, Graph):
        raise MigkgError(f"pySHACL could not validate: {report}")
    raw = []
    for result in report.objects(None, SH.result):  # top-level results; sh:detail only explains
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        if isinstance(path, BNode):  # a copy of the shape's complex path: use the shape's own
            path = shapes.value(shape, SH.path)
        raw.append(
            RawResult(
                focus=report.value(result, SH.focusNode),  # type: ignore[arg-type]
                shape=shape,  # type: ignore[arg-type]
                severity=report.value(result, SH.resultSeverity),  # type: ignore[arg-type]
                path=path,
                value=report.value(result, SH.value),
                message=str(report.value(result, SH.resultMessage) or ""),
                component=report.value(result, SH.sourceConstraintComponent),  # type: ignore[arg-type]
            )
        )
    return raw


def report_graph(raw: list[RawResult], shapes: Graph) -> Graph:
    """The standard SHACL validation report of the results."""
    graph = bind_all(Graph(bind_namespaces="none"))
    report = BNode()
    graph.add((report, RDF.type, SH.ValidationReport))
    conforms = not any(r.severity == SH.Violation for r in raw)
    graph.add((report, SH.conforms, Literal(conforms)))
    for r in raw:
        node = BNode()
        graph.add((report, SH.result, node))
        graph.add((node, RDF.type, SH.ValidationResult))
        graph.add((node, SH.focusNode, r.focus))
        graph.add((node, SH.resultSeverity, r.severity))
        graph.add((node, SH.sourceShape, r.shape))
        graph.add((node, SH.sourceConstraintComponent, r.component))
        graph.add((node, SH.resultMessage, Literal(r.message)))
        if r.value is not None:
            graph.add((node, SH.value, r.value))
        if r.path is not None:
            graph.add((node, SH.resultPath, r.path))
            if isinstance(r.path, BNode):
                graph += shapes.cbd(r.path)
    return graph


def as_text(report: Report) -> str:
    if not report.results:
        return "valid: no violations, warnings or notes\n"
    lines: list[str] = []
    current = None
    for r in report.results:
        if r.focus != current:
            current = r.focus
            title = f"{r.focus_label} " if r.focus_label else ""
            lines.append(f"\n{title}<{r.focus}>")
            if r.files:
                lines.append(f"  in {', '.join(r.files)}")
        detail = []
        if r.path:
            detail.append(f"property {r.path}")
        if r.value:
            detail.append(f"value {r.value}")
        extra = f" ({'; '.join(detail)})" if detail else ""
        lines.append(f"  {r.severity}: {r.message}{extra} [{r.shape}]")
    lines.append(
        f"\n{report.count('Violation')} violation(s), {report.count('Warning')} warning(s), "
        f"{report.count('Info')} note(s)"
    )
    return "\n".join(lines).lstrip("\n") + "\n"


def as_json(report: Report) -> str:
    return (
        json.dumps(
            {
                "conforms": report.conforms,
                "counts": {s: report.count(s) for s in SEVERITY_ORDER},
                "results": [asdict(r) for r in report.results],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


def as_turtle(report: Report) -> str:
    from loaders.graph.turtle import canonical_turtle

    return canonical_turtle(report.graph)
