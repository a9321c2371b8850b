"""The ontology: modules, headers, and labels and definitions for every term."""

from __future__ import annotations

import re

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from loaders.graph.dataset import Dataset
from loaders.graph.format import version_iri
from loaders.namespaces import CELEX, MIG, ONTOLOGY
from loaders.project import Project

MODULES = [
    "actors",
    "alignments",
    "discrepancies",
    "documents",
    "figures",
    "instruments",
    "places",
    "positions",
    "provisions",
    "topics",
    "vocabularies",
]
TOP = URIRef(str(ONTOLOGY).rstrip("/"))


def terms(graph: Graph) -> list[URIRef]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return sorted(
        {
            s
            for k in kinds
            for s in graph.subjects(RDF.type, k)
            if isinstance(s, URIRef) and s.startswith(str(MIG))
        }
    )


def words(local: str) -> str:
    """CamelCase local name to words: LegalResourceSubdivision → legal resource subdivision."""
    return (
        re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", local)
        .lower()
        .replace("_", " ")
    )


def test_one_file_per_module_each_an_ontology_imported_by_the_top(
    project: Project, build: Dataset
) -> None:
    files = sorted(p.stem for p in (project.root / "ontology").glob("*.ttl"))
    assert files == sorted([*MODULES, "migkg"])
    ontology = build.union(["ontology"])
    imported = set(ontology.objects(TOP, OWL.imports))
    assert imported == {ONTOLOGY[m] for m in MODULES}
    for module in MODULES:
        graph = next(g for iri, g in build.graphs() if str(iri).endswith(f"ontology/{module}.ttl"))
        assert set(graph.subjects(RDF.type, OWL.Ontology)) == {ONTOLOGY[module]}, module


@pytest.mark.parametrize("module", [None, *MODULES])
def test_module_header_has_version_title_and_description(
    ontology: Graph, project: Project, module: str | None
) -> None:
    iri = TOP if module is None else ONTOLOGY[module]
    assert ontology.value(iri, OWL.versionInfo) == Literal(project.version)
    assert ontology.value(iri, OWL.versionIRI) == version_iri(iri, project.version)
    titles = {t.language for t in ontology.objects(iri, DCTERMS.title) if isinstance(t, Literal)}
    assert titles == {"en", "nl"}
    description = ontology.value(iri, DCTERMS.description)
    assert isinstance(description, Literal) and len(description) > 80


def test_there_are_terms_to_check(ontology: Graph) -> None:
    assert len(terms(ontology)) > 120


def test_every_term_has_english_and_dutch_labels(ontology: Graph) -> None:
    missing = []
    for term in terms(ontology):
        langs = {
            lbl.language for lbl in ontology.objects(term, RDFS.label) if isinstance(lbl, Literal)
        }
        if not {"en", "nl"} <= langs:
            missing.append(f"{term}: {sorted(lang or '' for lang in langs)}")
    assert missing == []


def test_every_term_has_one_english_definition_in_genus_differentia_form(ontology: Graph) -> None:
    problems = []
    for term in terms(ontology):
        definitions = [d for d in ontology.objects(term, SKOS.definition) if isinstance(d, Literal)]
        if [d.language for d in definitions] != ["en"]:
            problems.append(f"{term}: needs exactly one skos:definition @en")
            continue
        text = str(definitions[0])
        if (term, RDF.type, OWL.Class) in ontology:
            parents = [p for p in ontology.objects(term, RDFS.subClassOf) if isinstance(p, URIRef)]
            genera = [words(p.split("#")[-1].split("/")[-1]) for p in parents]
        elif (term, RDF.type, OWL.ObjectProperty) in ontology:
            genera = ["object property"]
        else:
            genera = ["datatype property"]
        normalised = text.lower().replace("-", " ")
        if not any(re.match(rf"an? {re.escape(g)}\b", normalised) for g in genera):
            problems.append(
                f"{term}: definition should start 'A/An <{' | '.join(genera)}>': {text[:60]}"
            )
        elif not re.search(r"\b(that|which|whose)\b", text):
            problems.append(f"{term}: definition should say 'that ...': {text[:60]}")
    assert problems == []


def test_dutch_labels_are_dutch_not_the_english_slug(ontology: Graph) -> None:
    same = []
    for term in terms(ontology):
        en = {
            str(lbl)
            for lbl in ontology.objects(term, RDFS.label)
            if isinstance(lbl, Literal) and lbl.language == "en"
        }
        nl = {
            str(lbl)
            for lbl in ontology.objects(term, RDFS.label)
            if isinstance(lbl, Literal) and lbl.language == "nl"
        }
        if en == nl:
            same.append(str(term))
    # words that are the same in both languages, checked by hand
    assert sorted(same) == sorted(str(MIG[t]) for t in ["Actor", "Document", "Instrument"])


def test_every_concept_has_labels_definition_and_scheme(ontology: Graph) -> None:
    concepts = sorted(set(ontology.subjects(RDF.type, SKOS.Concept)))
    assert len(concepts) >= 75
    problems = []
    for c in concepts:
        langs = {
            lbl.language for lbl in ontology.objects(c, SKOS.prefLabel) if isinstance(lbl, Literal)
        }
        definition = ontology.value(c, SKOS.definition)
        if langs != {"en", "nl"}:
            problems.append(f"{c}: prefLabel languages {langs}")
        if not (
            isinstance(definition, Literal)
            and re.match(r"An? .*\b(that|which|whose)\b", str(definition))
        ):
            problems.append(f"{c}: definition {definition!r}")
        if ontology.value(c, SKOS.inScheme) is None:
            problems.append(f"{c}: no scheme")
    assert problems == []


def test_kinds_carry_their_legal_source_and_binding_force(ontology: Graph) -> None:
    article_288 = CELEX["12016E288"]
    for kind in (
        "Regulation",
        "Directive",
        "Decision",
        "Recommendation",
        "Opinion",
        "BindingInstrument",
        "NonBindingInstrument",
        "LegalAct",
    ):
        assert (MIG[kind], DCTERMS.source, article_288) in ontology, kind
    for kind in ("Regulation", "Directive", "Decision"):
        assert (MIG[kind], RDFS.subClassOf, MIG.BindingInstrument) in ontology
    for kind in ("Recommendation", "Opinion", "Communication", "Guidance", "Declaration"):
        assert (MIG[kind], RDFS.subClassOf, MIG.NonBindingInstrument) in ontology
    assert (MIG.BindingInstrument, OWL.disjointWith, MIG.NonBindingInstrument) in ontology


def test_binding_force_is_derived_by_a_query_not_typed(graph: Graph) -> None:
    rows = graph.query(
        """SELECT ?kind WHERE { ?kind rdfs:subClassOf* mig:BindingInstrument .
                               ?kind rdfs:subClassOf mig:LegalAct }""",
        initNs={"rdfs": RDFS, "mig": MIG},
    )
    assert {r[0] for r in rows} == {MIG.Regulation, MIG.Directive, MIG.Decision}  # type: ignore[index]


def test_reused_standard_terms_are_refined(ontology: Graph) -> None:
    from loaders.namespaces import ELI, OA, QB

    assert (MIG.Instrument, RDFS.subClassOf, ELI.LegalResource) in ontology
    assert (MIG.hasLegalBasis, RDFS.subPropertyOf, ELI.based_on) in ontology
    for p, parent in [("amends", "amends"), ("repeals", "repeals"), ("cites", "cites")]:
        assert (MIG[p], RDFS.subPropertyOf, ELI[parent]) in ontology
    assert (MIG.Evidence, RDFS.subClassOf, OA.Annotation) in ontology
    assert (MIG.refPeriod, RDF.type, QB.DimensionProperty) in ontology
    assert (MIG.obsValue, RDF.type, QB.MeasureProperty) in ontology
