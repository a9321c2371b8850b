"""Evidence: find every quote in its source and record where it is.

A fact carries ``mig:hasEvidence`` → ``mig:Evidence`` → ``oa:hasTarget`` → an
``oa:SpecificResource`` with ``oa:hasSource`` (the source document) and an
``oa:TextQuoteSelector`` (``oa:exact``). ``migkg locate`` finds each quote in the
normalised text of its document (``loaders.extract.text``) and writes the
``oa:TextPositionSelector`` (``oa:start``, ``oa:end``) beside it, plus ``oa:prefix``
and ``oa:suffix`` where the quote occurs more than once. ``problems`` lists every quote
that is not found, or whose recorded position is not where it is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from loaders.errors import MigkgError
from loaders.extract.text import (
    Normalised,
    QuoteNotFound,
    Span,
    load_source,
    locate,
    normalise_quote,
)
from loaders.files import write_atomically
from loaders.graph.turtle import canonical_turtle, parse_turtle
from loaders.namespaces import MIG, OA
from loaders.project import Project


@dataclass(frozen=True)
class Quote:
    """One text quote selector and what it points at."""

    target: URIRef | BNode  # the oa:SpecificResource
    selector: URIRef | BNode  # the oa:TextQuoteSelector
    source: URIRef
    exact: str
    prefix: str | None
    suffix: str | None


def source_files(graph: Graph, project: Project) -> dict[URIRef, Path]:
    """Source document IRI → its text file, from the manifest (``mig:hasSourceFile``)."""
    return {
        s: project.root / str(o)
        for s, o in graph.subject_objects(MIG.hasSourceFile)
        if isinstance(s, URIRef)
    }


def quotes(graph: Graph) -> list[Quote]:
    found = []
    for selector in graph.subjects(RDF.type, OA.TextQuoteSelector):
        exact = graph.value(selector, OA.exact)
        for target in graph.subjects(OA.hasSelector, selector):
            source = graph.value(target, OA.hasSource)
            if not isinstance(source, URIRef) or exact is None:
                continue
            if not isinstance(target, URIRef | BNode) or not isinstance(selector, URIRef | BNode):
                continue
            prefix = graph.value(selector, OA.prefix)
            suffix = graph.value(selector, OA.suffix)
            found.append(
                Quote(
                    target,
                    selector,
                    source,
                    str(exact),
                    str(prefix) if prefix else None,
                    str(suffix) if suffix else None,
                )
            )
    return sorted(found, key=lambda q: (str(q.source), q.exact))


def _texts(graph: Graph, project: Project) -> dict[URIRef, Normalised]:
    return {
        iri: load_source(path)
        for iri, path in source_files(graph, project).items()
        if path.is_file()
    }


def _recorded_position(graph: Graph, target: URIRef | BNode) -> tuple[int, int] | None:
    for sel in graph.objects(target, OA.hasSelector):
        if (sel, RDF.type, OA.TextPositionSelector) in graph:
            start, end = graph.value(sel, OA.start), graph.value(sel, OA.end)
            if isinstance(start, Literal) and isinstance(end, Literal):
                return int(start), int(end)
    return None


def problems(graph: Graph, project: Project) -> list[str]:
    """Every quote that is not in its source, or whose recorded offsets are wrong."""
    texts = _texts(graph, project)
    out = []
    for q in quotes(graph):
        where = _describe(graph, q)
        text = texts.get(q.source)
        if text is None:
            out.append(f"{where}: source {q.source} has no text file in the manifest")
            continue
        try:
            span = locate(text, q.exact, q.prefix, q.suffix)
        except QuoteNotFound as exc:
            out.append(f"{where}: {exc}")
            continue
        if _recorded_position(graph, q.target) != (span.start, span.end):
            out.append(f"{where}: position not recorded or wrong (run: migkg locate)")
    return out


def _describe(graph: Graph, q: Quote) -> str:
    """Name the fact a quote belongs to: the subject that has the evidence."""
    for evidence in graph.subjects(OA.hasTarget, q.target):
        for fact in graph.subjects(MIG.hasEvidence, evidence):
            return str(fact)
    return f"quote {q.exact[:40]!r}"


def record(graph: Graph, texts: dict[URIRef, Normalised], display: str) -> None:
    """Find every quote of ``graph`` and write where it is.

    Each evidence gets IRIs in place of blank nodes (``name_evidence``), its quote the
    normalised text, ``oa:prefix``/``oa:suffix`` when it occurs more than once, and a
    text position selector with its offsets.
    """
    name_evidence(graph)
    for q in quotes(graph):
        text = texts.get(q.source)
        if text is None:
            raise MigkgError(f"{display}: {q.source} is not a source document of the manifest")
        try:
            span: Span = locate(text, q.exact, q.prefix, q.suffix)
        except QuoteNotFound as exc:
            raise MigkgError(f"{display}: {_describe(graph, q)}: {exc}") from exc
        graph.set((q.selector, OA.exact, Literal(span.exact)))
        if span.occurrences > 1:
            graph.set((q.selector, OA.prefix, Literal(span.prefix)))
            graph.set((q.selector, OA.suffix, Literal(span.suffix)))
        for sel in list(graph.objects(q.target, OA.hasSelector)):
            if (sel, RDF.type, OA.TextPositionSelector) in graph:
                graph.remove((q.target, OA.hasSelector, sel))
                graph.remove((sel, None, None))
        position = URIRef(str(q.target).removesuffix("-target") + "-position")
        graph.add((q.target, OA.hasSelector, position))
        graph.add((position, RDF.type, OA.TextPositionSelector))
        graph.add((position, OA.start, Literal(span.start, datatype=XSD.integer)))
        graph.add((position, OA.end, Literal(span.end, datatype=XSD.integer)))


def add_evidence(
    graph: Graph,
    fact: URIRef,
    source: URIRef,
    exact: str,
    prefix: str | None = None,
    nodes: tuple[URIRef | BNode, URIRef | BNode, URIRef | BNode] | None = None,
) -> None:
    """``fact mig:hasEvidence`` a Web Annotation quote of ``exact`` in ``source``: the
    evidence, its target and its quote selector (blank nodes unless ``nodes`` names them;
    ``record`` locates them and ``name_evidence`` names them)."""
    evidence, target, selector = nodes or (BNode(), BNode(), BNode())
    graph.add((fact, MIG.hasEvidence, evidence))
    graph.add((evidence, RDF.type, MIG.Evidence))
    graph.add((evidence, OA.hasTarget, target))
    graph.add((target, RDF.type, OA.SpecificResource))
    graph.add((target, OA.hasSource, source))
    graph.add((target, OA.hasSelector, selector))
    graph.add((selector, RDF.type, OA.TextQuoteSelector))
    graph.add((selector, OA.exact, Literal(exact)))
    if prefix:
        graph.add((selector, OA.prefix, Literal(prefix)))


def evidence_iri(fact: URIRef, source: URIRef, exact: str) -> URIRef:
    """``<fact>#evidence-<document>-<digest of source and quote>``: stable across runs, and
    sorted right after the fact, so a reviewer reads the quote under what it supports."""
    digest = hashlib.sha256(f"{source}|{normalise_quote(exact)}".encode()).hexdigest()[:12]
    return URIRef(f"{fact}#evidence-{str(source).rsplit('/', 1)[-1]}-{digest}")


def name_evidence(graph: Graph) -> None:
    """Give every evidence written with blank nodes IRIs of its own.

    Contributors write evidence (``mig:hasEvidence``, or ``mig:hasExplanation`` for the
    quote that explains a discrepancy) as nested blank nodes; stored, it uses IRIs
    (``<fact>#evidence-000-<digest>`` with ``-target``, ``-quote`` and ``-position``), so that
    files serialise
    the same way every time without costly blank-node canonicalisation and every quote
    can be pointed at.
    """
    renames: dict[BNode, URIRef] = {}
    # a discrepancy's explaining quote (mig:hasExplanation) is evidence like any other
    cited = set(graph.subject_objects(MIG.hasEvidence))
    cited |= set(graph.subject_objects(MIG.hasExplanation))
    for fact, evidence in sorted(cited):
        if not isinstance(evidence, BNode) or evidence in renames or not isinstance(fact, URIRef):
            continue
        target = graph.value(evidence, OA.hasTarget)
        source = graph.value(target, OA.hasSource) if target is not None else None
        selector = (
            next(
                (
                    s
                    for s in graph.objects(target, OA.hasSelector)
                    if (s, RDF.type, OA.TextQuoteSelector) in graph
                ),
                None,
            )
            if target is not None
            else None
        )
        exact = graph.value(selector, OA.exact) if selector is not None else None
        if not isinstance(source, URIRef) or exact is None:
            continue
        base = evidence_iri(fact, source, str(exact))
        renames[evidence] = base
        if isinstance(target, BNode):
            renames[target] = URIRef(f"{base}-target")
        if isinstance(selector, BNode):
            renames[selector] = URIRef(f"{base}-quote")
    if not renames:
        return

    def renamed(node: Node) -> Node:
        return renames.get(node, node) if isinstance(node, BNode) else node

    for s, p, o in list(graph):
        if s in renames or o in renames:
            graph.remove((s, p, o))
            graph.add((renamed(s), p, renamed(o)))


MANIFEST_WORD = b"hasSourceFile"
"""In the text of every file that states a source's text file (mig:hasSourceFile), in
any Turtle spelling of the property: a file without it holds no part of the manifest."""


def locate_files(project: Project, files: list[Path] | None = None) -> list[Path]:
    """Record quote positions in the instance files; return the files that changed.

    Every file is read and every quote found before any file is written.
    """
    # the files named first: one that cannot be read or parsed is said before the rest
    named = {path: parse_turtle(path, project.relative(path)) for path in files or ()}
    instances = project.input_files(("instances",))
    if files is not None:  # besides them, only the files of the manifest (sources.ttl)
        instances = [p for p in instances if p in named or MANIFEST_WORD in p.read_bytes()]
    parsed = {
        path: named.get(path) or parse_turtle(path, project.relative(path)) for path in instances
    }
    manifest = Graph()
    for graph in parsed.values():
        manifest += graph
    texts = _texts(manifest, project)
    out: dict[Path, str] = {}
    for path in files if files is not None else list(parsed):
        graph = parsed.get(path) or named[path]  # (parsed once, inside instances/ or not)
        if not any(graph.triples((None, RDF.type, OA.TextQuoteSelector))):
            continue
        record(graph, texts, project.relative(path))
        text = canonical_turtle(graph)
        if text != path.read_text(encoding="utf-8"):
            out[path] = text
    write_atomically(out)
    return sorted(out)
