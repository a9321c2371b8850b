"""Every shape is tested both ways, as in the W3C SHACL test suite: a valid case that
the shapes accept, and an invalid case that trips exactly that shape at the focus node
the case names. Cases add to a small complete world, tests/shapes/base.ttl."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, Literal, Namespace, URIRef

from loaders.check import shacl_sparql
from loaders.check.validate import pyshacl_results
from loaders.graph.dataset import Dataset
from loaders.namespaces import MIG, MIGS, SH

HERE = Path(__file__).resolve().parent / "shapes"
CASES = HERE / "cases"
T = Namespace("https://w3id.org/migkg/test#")
CONSTRAINTS = {SH.path, SH.sparql, SH["or"], SH["not"], SH["in"], SH["class"]}


@pytest.fixture(scope="module")
def shapes(build: Dataset) -> Graph:
    return build.union(["shapes"])


VOCABULARIES = "/graph/shapes/vocabularies.ttl"
"""The shapes of our concepts (every concept labelled in both languages, defined and in
a scheme): the world's 148 concepts cost four fifths of every case's validation."""
_lean: dict[int, Graph] = {}


def lean(shapes: Graph, build: Dataset) -> Graph:
    """The shapes without those of the concepts, for a case that states nothing about a
    concept or a scheme: the concepts it sees are then the base world's, which are valid
    (test_the_base_world_is_valid), so those shapes can only give what they give there:
    nothing. test_lean_shapes_give_the_same_results checks it on a sample."""
    if id(shapes) not in _lean:
        out = Graph()
        for iri, graph in build.graphs(["shapes"]):
            if not str(iri).endswith(VOCABULARIES):
                out += graph
        assert 0 < len(out) < len(shapes)
        _lean[id(shapes)] = out
    return _lean[id(shapes)]


def touches_concepts(case: Path, data: Graph) -> bool:
    """Does the case state something about a concept or a concept scheme of the world?"""
    kinds = (SKOS.Concept, SKOS.ConceptScheme)
    return any(
        (subject, RDF.type, kind) in data
        for subject in Graph().parse(case).subjects()
        for kind in kinds
    )


@pytest.fixture(scope="module")
def ontology(build: Dataset) -> Graph:
    return build.union(["ontology"])


QUALITY = "TermLabels"
"""Cases of the ontology-quality shapes (shapes/ontology-quality.ttl), which run on the
whole ontology."""
KEEP = {RDF.type, RDFS.subClassOf, RDFS.subPropertyOf}
TERM_TYPES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty}


@pytest.fixture(scope="module")
def skeleton(ontology: Graph) -> Graph:
    """The ontology without its terms' declarations and annotations: the class and
    property hierarchy that sh:class and the shapes' paths need, and every concept.

    Only the ontology-quality shapes look at the dropped triples, and the base world
    with the whole ontology is tested once (test_the_base_world_is_valid), so each other
    case need not revalidate some 300 terms; it halves the time of this module.
    test_a_skeleton_world_gives_the_same_results checks the equivalence on a sample."""
    out = Graph()
    for s, p, o in ontology:
        if str(s).startswith(str(MIG)) and (p not in KEEP or o in TERM_TYPES):
            continue
        out.add((s, p, o))
    return out


Worlds = tuple[Graph, Graph, Dataset]


@pytest.fixture(scope="module")
def worlds(ontology: Graph, skeleton: Graph, build: Dataset) -> Worlds:
    return ontology, skeleton, build


def world(worlds: Worlds, case: Path) -> Graph:
    return worlds[0] if case.name.startswith(QUALITY) else worlds[1]


def shapes_under_test(shapes: Graph) -> list[URIRef]:
    """Shapes that carry constraints of their own (not only sh:property groups), that
    are reached by a target or from another shape."""
    out = set()
    for s in set(shapes.subjects()):
        if not (isinstance(s, URIRef) and s.startswith(str(MIGS)) and s != MIGS[""]):
            continue
        own = {p for p in shapes.predicates(s)} & CONSTRAINTS
        if own and not (own == {SH["class"]} and (s, SH.property, None) in shapes):
            out.add(s)
    return sorted(out)


def case_data(ontology: Graph, case: Path) -> Graph:
    data = Graph() + ontology
    data.parse(HERE / "base.ttl")
    data.parse(case)
    for triple in list(data.triples((None, None, None))):
        if str(triple[1]).startswith(str(T)):
            data.remove(triple)
    return data


Full = tuple[str, str, str, str, str | None, str | None, str]
_plans: dict[int, list[shacl_sparql.Query]] = {}


def plan(shapes: Graph) -> list[shacl_sparql.Query]:
    """The shapes compiled to SPARQL once per shapes graph, not once per case."""
    if id(shapes) not in _plans:
        _plans[id(shapes)] = list(shacl_sparql.queries(shapes))
    return _plans[id(shapes)]


def full_results(data: Graph, shapes: Graph, engine: str) -> Counter[Full]:
    """Top-level results (nested sh:detail results explain them, they are not more)."""
    raw = (
        shacl_sparql.validate_store(shacl_sparql.store_of(data), shapes, plan(shapes))
        if engine == "sparql"
        else pyshacl_results(data, shapes)
    )
    return Counter(
        (
            str(r.focus),
            str(r.shape),
            str(r.severity),
            str(r.component),
            None if r.path is None else str(r.path),
            None if r.value is None else str(r.value),
            r.message,
        )
        for r in raw
    )


_seen: dict[tuple[Path, str], Counter[Full]] = {}
_data: dict[Path, Graph] = {}


def case_results(worlds: Worlds, shapes: Graph, case: Path, engine: str) -> Counter[Full]:
    """The results of a case, computed once per engine for the tests that share them, on
    one data graph per case (neither engine changes it: checked at every use), with the
    lean shapes where the case does not touch a concept."""
    if (case, engine) not in _seen:
        if case not in _data:
            _data[case] = case_data(world(worlds, case), case)
        data = _data[case]
        size = len(data)
        chosen = shapes if touches_concepts(case, data) else lean(shapes, worlds[2])
        _seen[case, engine] = full_results(data, chosen, engine)
        assert len(data) == size, f"{engine} changed the data graph of {case.name}"
    return _seen[case, engine]


def results(
    worlds: Worlds, shapes: Graph, case: Path, engine: str = "pyshacl"
) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in case_results(worlds, shapes, case, engine)}


def test_the_base_world_is_valid(ontology: Graph, shapes: Graph, tmp_path: Path) -> None:
    """With the whole ontology: its terms are labelled and defined."""
    empty = tmp_path / "empty.ttl"
    empty.write_text("")
    for engine in ("pyshacl", "sparql"):
        assert full_results(case_data(ontology, empty), shapes, engine) == Counter()


SAMPLE = ("Event-date.invalid.ttl", "Claim-evidence.invalid.ttl", "Position-stance.valid.ttl")


@pytest.mark.parametrize("name", SAMPLE)
def test_a_skeleton_world_gives_the_same_results(
    ontology: Graph, worlds: Worlds, shapes: Graph, name: str
) -> None:
    """The skeleton drops only what the ontology-quality shapes read: the declarations
    and annotations of our own terms, which no other shape targets. Checked on every case
    when it was introduced (all 200 gave the same results), here on a sample."""
    case = CASES / name
    assert full_results(case_data(ontology, case), shapes, "pyshacl") == case_results(
        worlds, shapes, case, "pyshacl"
    )


LEAN_SAMPLE = ("Position-stance.invalid.ttl", "Event-date.valid.ttl", "Claim-evidence.invalid.ttl")


@pytest.mark.parametrize("name", LEAN_SAMPLE)
def test_lean_shapes_give_the_same_results(worlds: Worlds, shapes: Graph, name: str) -> None:
    """Leaving out the concepts' shapes for a case that touches no concept changes
    nothing (checked on every case when it was introduced: all gave the same results),
    and a case about a concept is validated with every shape."""
    case = CASES / name
    data = case_data(world(worlds, case), case)
    assert not touches_concepts(case, data)
    assert full_results(data, shapes, "pyshacl") == case_results(worlds, shapes, case, "pyshacl")
    concept = CASES / "Concept-en.invalid.ttl"
    assert touches_concepts(concept, case_data(world(worlds, concept), concept))


def test_every_shape_has_a_valid_and_an_invalid_case(shapes: Graph) -> None:
    missing = [
        f"{name}.{kind}.ttl"
        for name in (str(s).removeprefix(str(MIGS)) for s in shapes_under_test(shapes))
        for kind in ("valid", "invalid")
        if not (CASES / f"{name}.{kind}.ttl").is_file()
    ]
    assert missing == []


def test_every_shape_has_a_name_and_a_description(shapes: Graph) -> None:
    """sh:name in English and Dutch and sh:description in English on every shape of
    ours, as reports and the reference pages name a shape in words, not by its IRI."""
    ours = {
        s
        for kind in (SH.NodeShape, SH.PropertyShape)
        for s in shapes.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and s.startswith(str(MIGS))
    }
    assert len(ours) > 100 and set(shapes_under_test(shapes)) <= ours
    missing = []
    for shape in sorted(ours):
        names = [n.language for n in shapes.objects(shape, SH.name) if isinstance(n, Literal)]
        described = [
            d.language for d in shapes.objects(shape, SH.description) if isinstance(d, Literal)
        ]
        if sorted(names) != ["en", "nl"] or described != ["en"]:
            missing.append(shape.removeprefix(str(MIGS)))
    assert missing == []


def cases(kind: str) -> list[Path]:
    return sorted(CASES.glob(f"*.{kind}.ttl"))


ENGINES = pytest.mark.parametrize("engine", ["pyshacl", "sparql"])


@ENGINES
@pytest.mark.parametrize("case", cases("valid"), ids=lambda p: p.name)
def test_valid_case_passes_every_shape(
    worlds: Worlds, shapes: Graph, case: Path, engine: str
) -> None:
    assert results(worlds, shapes, case, engine) == set()


@ENGINES
@pytest.mark.parametrize("case", cases("invalid"), ids=lambda p: p.name)
def test_invalid_case_trips_exactly_its_shape(
    worlds: Worlds, shapes: Graph, case: Path, engine: str
) -> None:
    """Focus node, shape, constraint component and severity of every top-level result,
    as the W3C SHACL test suite's expected reports state them: a value that breaks two
    constraints of the shape (a literal where a concept of a scheme is due fails sh:class
    and sh:node) names both components."""
    expect = Graph().parse(case)
    focus = list(expect.objects(None, T.expectFocus))
    shape = list(expect.objects(None, T.expectShape))
    components = set(expect.objects(None, T.expectComponent))
    severity = list(expect.objects(None, T.expectSeverity))
    assert len(focus) == len(shape) == len(severity) == 1 and components, (
        "the case must state t:expectFocus, t:expectShape, t:expectComponent and t:expectSeverity"
    )
    assert shape[0] == MIGS[case.name.removesuffix(".invalid.ttl")]
    assert severity[0] in {SH.Violation, SH.Warning, SH.Info}
    got = {(r[0], r[1], r[3], r[2]) for r in case_results(worlds, shapes, case, engine)}
    assert got == {(str(focus[0]), str(shape[0]), str(c), str(severity[0])) for c in components}


def test_the_expectations_are_not_data() -> None:
    """The t: triples a case states for the test are stripped before validation."""
    case = CASES / "Observation-value.invalid.ttl"
    stated = Graph().parse(case)
    assert len(set(stated.predicates(None, None)) & {T.expectComponent, T.expectSeverity}) == 2
    data = case_data(Graph(), case)
    assert [p for p in set(data.predicates()) if str(p).startswith(str(T))] == []
    assert (None, None, SH.OrConstraintComponent) not in data


@pytest.mark.parametrize("case", cases("invalid") + cases("valid"), ids=lambda p: p.name)
def test_both_engines_report_the_same_results(worlds: Worlds, shapes: Graph, case: Path) -> None:
    """Shape, focus, severity, component, path, value and message, nested results too
    (an invalid case trips one top-level shape, but sh:or and sh:not fail inside)."""
    sparql = case_results(worlds, shapes, case, "sparql")
    assert sparql == case_results(worlds, shapes, case, "pyshacl")
