"""``migkg validate``: SHACL validation of the built graph with pySHACL.

The data graph is the ontology with the instance data (the ontology is needed so that
``sh:targetClass`` reaches instances of subclasses); the shapes graph is every file
under shapes/. Inference is off: no shape needs it, and the subclass closure SHACL
uses comes from the ontology in the data graph. Each result is traced to the input
file its focus node is described in, through the named graphs of the build.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Node

from .build import Build
from .errors import MigkgError
from .namespaces import SH

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
class Report:
    conforms: bool
    results: list[Result]
    graph: Graph

    def count(self, severity: str) -> int:
        return sum(1 for r in self.results if r.severity == severity)

    def at_or_above(self, level: str) -> list[Result]:
        floor = SEVERITY_ORDER[level.capitalize()]
        return [r for r in self.results if SEVERITY_ORDER[r.severity] >= floor]


def check_shapes(shapes: Graph, ontology: Graph, build: Build) -> None:
    """A shape that targets a class the ontology lacks is a mistake in the shapes."""
    for shape, cls in shapes.subject_objects(SH.targetClass):
        if isinstance(cls, URIRef) and (cls, RDF.type, OWL.Class) not in ontology:
            where = _files_of(build, shape)
            raise MigkgError(
                f"{', '.join(where) or 'shapes'}: shape {shape} targets {cls}, "
                "which is not a class of the ontology; fix the class IRI"
            )


def _files_of(build: Build, node: object) -> list[str]:
    files = set()
    for *_, graph in build.dataset.quads((node, None, None, None)):  # type: ignore[arg-type]
        files.add(build.project.path_of_graph(str(graph)))
    return sorted(files)


def _label(graph: Graph, node: Node | None) -> str:
    labels = {
        lbl.language: str(lbl)
        for lbl in graph.objects(node, RDFS.label)
        if isinstance(lbl, Literal)
    }
    return labels.get("en") or labels.get("nl") or next(iter(labels.values()), "")


def _short(graph: Graph, node: object) -> str:
    if isinstance(node, URIRef):
        return graph.namespace_manager.normalizeUri(node)
    if isinstance(node, Literal):
        return node.n3(graph.namespace_manager)
    return str(node)


def run(build: Build) -> Report:
    from pyshacl import validate

    data = build.union(["ontology", "instances"])
    shapes = build.union(["shapes"])
    if not len(shapes):
        raise MigkgError("shapes/: no shapes to validate with")
    check_shapes(shapes, build.union(["ontology"]), build)
    conforms, report, _ = validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        inplace=True,  # the union is a fresh graph of our own: no need for pySHACL to copy it
    )
    if not isinstance(report, Graph):
        raise MigkgError(f"pySHACL could not validate: {report}")
    results = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        shape = report.value(result, SH.sourceShape)
        severity = report.value(result, SH.resultSeverity)
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        message = report.value(result, SH.resultMessage) or shapes.value(shape, SH.message)
        results.append(
            Result(
                focus=str(focus),
                focus_label=_label(data, focus),
                severity=str(severity).rsplit("#", 1)[-1],
                shape=_short(shapes, shape) if isinstance(shape, URIRef) else "(anonymous shape)",
                message=str(message or ""),
                path=_short(data, path) if path is not None else None,
                value=_short(data, value) if value is not None else None,
                files=_files_of(build, focus),
            )
        )
    results.sort(key=lambda r: (-SEVERITY_ORDER[r.severity], r.focus, r.shape, r.value or ""))
    return Report(bool(conforms), results, report)


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
    from .turtle import canonical_turtle

    return canonical_turtle(report.graph)
