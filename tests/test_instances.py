"""Instance data: every fact traceable to a verbatim quote, identifiers well formed."""

from __future__ import annotations

from collections import defaultdict

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from loaders.check.checks import bad_identifiers, duplicate_identifiers, figures_not_numbers
from loaders.extract import identifiers as ids
from loaders.extract.evidence import problems, quotes
from loaders.graph.dataset import Dataset
from loaders.namespaces import ID, MIG, OA, QB
from loaders.project import Project

FACT_CLASSES = [
    MIG.Position,
    MIG.Assessment,
    QB.Observation,
    MIG.Claim,
    MIG.Involvement,
    MIG.ActorRole,
    MIG.PlaceRole,
    MIG.Event,
]
ENTITY_CLASSES = ["Instrument", "Actor", "Place", "TreatyProvision", "Package", "Period"]


@pytest.fixture(scope="module")
def data(build: Dataset) -> Graph:
    """Ontology plus instances (the ontology is needed for subclass look-ups)."""
    return build.union(["ontology", "instances"])


def instances_of(graph: Graph, cls: URIRef) -> set[URIRef]:
    rows = graph.query(
        "SELECT DISTINCT ?x WHERE { ?x a/rdfs:subClassOf* ?c }",
        initBindings={"c": cls},
        initNs={"rdfs": RDFS},
    )
    return {r[0] for r in rows if isinstance(r[0], URIRef)}  # type: ignore[index]


def test_every_quote_is_found_in_its_source_at_its_recorded_place(
    data: Graph, project: Project
) -> None:
    assert quotes(data), "no evidence quotes in the graph"
    assert problems(data, project) == []


def test_every_fact_names_its_document_and_evidence(data: Graph) -> None:
    """A claim from outside the five documents names its external source instead (and a
    note: test_external_facts_are_marked_and_kept_apart)."""
    missing = []
    for cls in FACT_CLASSES:
        for fact in data.subjects(RDF.type, cls):
            if cls == MIG.Claim and data.value(fact, MIG.hasExternalSource) is not None:
                continue
            if data.value(fact, MIG.isStatedIn) is None:
                missing.append(f"{fact}: no mig:isStatedIn")
            if data.value(fact, MIG.hasEvidence) is None:
                missing.append(f"{fact}: no mig:hasEvidence")
    assert missing == []


def test_evidence_quotes_come_from_the_document_the_fact_names(data: Graph) -> None:
    """A fact (position, figure, claim, involvement, event) quotes the document it is
    stated in. Entities are exempt: several documents name the same entity."""
    facts = set().union(*(instances_of(data, cls) for cls in FACT_CLASSES))
    wrong = []
    for fact in sorted(facts):
        stated = set(data.objects(fact, MIG.isStatedIn))
        for evidence in data.objects(fact, MIG.hasEvidence):
            for target in data.objects(evidence, OA.hasTarget):
                source = data.value(target, OA.hasSource)
                if source not in stated:
                    wrong.append(f"{fact}: quote from {source}, stated in {sorted(stated)}")
    assert wrong == []


def test_every_entity_is_traceable_to_a_source_or_an_external_source(data: Graph) -> None:
    untraced = []
    for name in ENTITY_CLASSES:
        for entity in instances_of(data, MIG[name]):
            if not str(entity).startswith(str(ID)):
                continue
            if (
                data.value(entity, MIG.hasEvidence) is None
                and data.value(entity, MIG.hasExternalSource) is None
            ):
                untraced.append(str(entity))
    assert sorted(untraced) == []


def test_at_most_one_label_per_language(data: Graph) -> None:
    labels: dict[tuple[URIRef, str], set[str]] = defaultdict(set)
    for s, o in data.subject_objects(RDFS.label):
        if isinstance(s, URIRef) and isinstance(o, Literal) and str(s).startswith(str(ID)):
            labels[(s, o.language or "")].add(str(o))
    doubles = {f"{s} @{lang}": sorted(v) for (s, lang), v in labels.items() if len(v) > 1}
    assert doubles == {}


def test_every_instance_has_dutch_and_english_labels(data: Graph) -> None:
    missing = []
    for s in set(data.subjects(RDF.type, None)):
        # evidence nodes and observations are described by their parts, not by a label
        if (
            isinstance(s, URIRef)
            and str(s).startswith(str(ID))
            and "/figure/" not in str(s)
            and "#evidence-" not in str(s)
        ):
            langs = {o.language for o in data.objects(s, RDFS.label) if isinstance(o, Literal)}
            if not {"nl", "en"} <= langs:
                missing.append(f"{s}: {sorted(str(x) for x in langs)}")
    assert missing == []


def test_identifiers_parse_and_are_in_canonical_form(data: Graph) -> None:
    assert bad_identifiers(data) == []


def test_a_malformed_or_uncanonical_identifier_is_named() -> None:
    g = Graph()
    g.add((ID["com/2020/999"], MIG.hasComNumber, Literal("COM (2020) 999 final")))
    g.add((ID["x"], MIG.hasActNumber, Literal("Verordening 2020")))
    assert bad_identifiers(g) == [
        f"{ID['com/2020/999']}: hasComNumber 'COM (2020) 999 final' "
        "should be written 'COM(2020) 999'",
        f"{ID['x']}: hasActNumber not an act number like '(EU) 2020/1364', '(EU) No 604/2013' "
        "or '2013/32/EU': 'Verordening 2020'",
    ]


def test_iris_are_minted_from_their_identifiers(data: Graph) -> None:
    wrong = []
    for s, value in data.subject_objects(MIG.hasComNumber):
        if str(s).startswith(str(ID["com/"])) and s != ids.commission_number(str(value)).iri:
            wrong.append(f"{s} has {value}")
    for s, value in data.subject_objects(MIG.hasCelexNumber):
        if str(s).startswith(str(ID["celex/"])) and s != ids.celex_iri(str(value)):
            wrong.append(f"{s} has CELEX {value}")
    for s, value in data.subject_objects(MIG.hasKamerstukNumber):
        if s != ids.kamerstuk_number(str(value)).iri:
            wrong.append(f"{s} has Kamerstuk {value}")
    assert wrong == []


def test_one_instrument_one_iri(data: Graph) -> None:
    """Two IRIs carrying the same identifier are two spellings of one instrument."""
    assert duplicate_identifiers(data) == {}


def test_two_spellings_of_one_identifier_are_detected() -> None:
    g = Graph()
    g.add((ID["com/2020/612"], MIG.hasComNumber, Literal("COM(2020) 612")))
    g.add((ID["instrument/screening"], MIG.hasComNumber, Literal("COM (2020) 612 final")))
    assert duplicate_identifiers(g) == {
        "hasComNumber COM(2020) 612": [str(ID["com/2020/612"]), str(ID["instrument/screening"])]
    }


def test_a_figure_written_as_text_is_named() -> None:
    g = Graph()
    g.add((ID["figure/x"], RDF.type, QB.Observation))
    g.add((ID["figure/x"], MIG.obsValue, Literal("22 504")))
    assert figures_not_numbers(g) == [
        f'{ID["figure/x"]}: value "22 504" is not an xsd:integer or xsd:decimal'
    ]


def test_figures_are_typed_numbers_with_every_dimension_of_their_structure(data: Graph) -> None:
    bad = figures_not_numbers(data)
    for obs in sorted(set(data.subjects(RDF.type, QB.Observation))):
        structure = data.value(data.value(obs, QB.dataSet), QB.structure)
        if structure not in (MIG.FiguresStructure, MIG.StatisticsStructure):
            bad.append(f"{obs}: its data set has no known qb:structure ({structure})")
            continue
        required = [
            data.value(spec, QB.dimension) or data.value(spec, QB.attribute)
            for spec in data.objects(structure, QB.component)
            if data.value(spec, QB.dimension) is not None
            or (
                data.value(spec, QB.attribute) is not None
                and data.value(spec, QB.componentRequired) == Literal(True)
            )
        ]
        for prop in required:
            if data.value(obs, prop) is None:
                bad.append(f"{obs}: no {prop}")
    assert bad == []


def test_external_facts_are_marked_and_kept_apart(data: Graph, project: Project) -> None:
    """A fact from outside the five documents names an external IRI and says so in a note."""
    sources = set(data.subjects(MIG.hasSourceFile, None))
    external = list(data.subject_objects(MIG.hasExternalSource))
    problems_found = []
    for node, origin in external:
        if not isinstance(origin, URIRef) or str(origin).startswith(str(ID)) or origin in sources:
            problems_found.append(f"{node}: external source {origin} is not an outside IRI")
        if data.value(node, SKOS.note) is None:
            problems_found.append(f"{node}: no skos:note saying what comes from outside")
    assert problems_found == []


def test_coverage_document_is_current(data: Graph, project: Project) -> None:
    from loaders.publish.coverage import markdown

    path = project.root / "docs" / "coverage.md"
    assert path.read_text(encoding="utf-8") == markdown(data), (
        "docs/coverage.md is stale: run migkg coverage"
    )


def test_coverage_per_instrument_counts_agree_with_independent_queries(
    data: Graph, build: Dataset
) -> None:
    """The section "What is recorded per instrument" against counts asked of Oxigraph
    with queries written apart from loaders.publish.coverage."""
    from loaders.publish.coverage import NO, YES, per_instrument

    lines = per_instrument(data)
    rows = {
        cells[0]: cells[1:]
        for line in lines
        if line.startswith("| ") and (cells := [c.strip() for c in line.strip("|").split("|")])
    }
    header = rows["class"]
    engine = build.engine()

    def count(where: str) -> int:
        table = engine.select(
            "PREFIX mig: <https://w3id.org/migkg/def#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "SELECT (COUNT(DISTINCT ?i) AS ?n) WHERE { ?i a/rdfs:subClassOf* mig:Instrument . "
            + where
            + " }"
        )
        value = table.rows[0][0]
        assert value is not None
        return int(value.value)

    expected = {
        "instruments": count(""),
        "legal basis": count("?i mig:hasLegalBasis ?b ."),
        "proposal date": count("?i mig:wasProposedOn ?d ."),
        "status": count("?e a mig:StatusEvent ; mig:concernsInstrument ?i ."),
        "cabinet positions": count(
            "?p mig:isAbout ?i ; mig:hasHolder <https://w3id.org/migkg/id/actor/nl-government> ."
        ),
    }
    shown = {kind: int(rows["all"][header.index(kind)]) for kind in expected}
    assert shown == expected
    assert expected["status"] > 50 and expected["cabinet positions"] > 10
    regulations = rows["`mig:Regulation`"]
    assert int(regulations[header.index("instruments")]) == count("?i a mig:Regulation .")
    assert int(regulations[header.index("proposal date")]) == count(
        "?i a mig:Regulation ; mig:wasProposedOn ?d ."
    )
    matrix = [line for line in lines if line.startswith("| [")]
    assert len(matrix) == expected["instruments"]
    pact = next(line for line in matrix if "(https://w3id.org/migkg/id/com/2020/610)" in line)
    assert pact.count(YES) + pact.count(NO) == len(header) - 1


def test_locate_names_blank_node_evidence_with_stable_iris(project_copy: Project) -> None:
    from loaders.extract.evidence import locate_files

    path = project_copy.root / "instances" / "zz-example.ttl"
    path.write_text(
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "<https://w3id.org/migkg/id/position/000/example> a mig:Position ;\n"
        "  mig:isStatedIn <https://w3id.org/migkg/id/source/000> ;\n"
        "  mig:hasEvidence [ a mig:Evidence ; oa:hasTarget [ a oa:SpecificResource ;\n"
        "    oa:hasSource <https://w3id.org/migkg/id/source/000> ;\n"
        "    oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact '''Het kabinet heeft een\n"
        "      positieve grondhouding ten aanzien van de subsidiariteit.''' ] ] ] .\n"
    )
    assert locate_files(project_copy, [path]) == [path]
    first = path.read_text()
    assert "_:" not in first and "[" not in first
    assert "example#evidence-000-" in first and "-position>" in first
    assert locate_files(project_copy, [path]) == []  # a second run changes nothing
    graph = Graph().parse(path)
    starts = [int(o) for o in graph.objects(None, OA.start)]
    text = (
        project_copy.root / "sources" / "000-bnc-fiche-legal-pathways-recommendation.txt"
    ).read_text()
    from loaders.extract.text import normalise

    assert (
        normalise(text).text[starts[0] :].startswith("Het kabinet heeft een positieve grondhouding")
    )


def test_locate_names_the_fact_whose_quote_is_off(project_copy: Project) -> None:
    from loaders.cli import main

    path = project_copy.root / "instances" / "zz-example.ttl"
    path.write_text(
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "<https://w3id.org/migkg/id/position/000/off> a mig:Position ;\n"
        "  mig:hasEvidence [ a mig:Evidence ; oa:hasTarget [ a oa:SpecificResource ;\n"
        "    oa:hasSource <https://w3id.org/migkg/id/source/000> ;\n"
        "    oa:hasSelector [ a oa:TextQuoteSelector ;\n"
        '      oa:exact "Het kabinet is tegen hervestiging." ] ] ] .\n'
    )
    before = path.read_text()
    assert main(["--root", str(project_copy.root), "locate", str(path)]) == 2
    assert path.read_text() == before


def test_every_referenced_instance_is_described(data: Graph) -> None:
    """An IRI of ours used in a triple must be typed somewhere (no dangling references)."""
    typed = set(data.subjects(RDF.type, None))
    dangling = sorted(
        {
            str(node)
            for triple in data
            for node in (triple[0], triple[2])
            if isinstance(node, URIRef) and str(node).startswith(str(ID)) and node not in typed
        }
    )
    assert dangling == []
