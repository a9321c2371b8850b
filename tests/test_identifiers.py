"""Official identifiers: any spelling parses to one canonical form and one IRI."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SKOS

from loaders.extract import identifiers as ids
from loaders.extract.extracted import IDENTIFIERS, Resolver, fiche_graph
from loaders.extract.fiche import parse
from loaders.extract.refs import extract as extract_text
from loaders.graph.dataset import Dataset, load
from loaders.graph.query import bindings, find, render, run
from loaders.namespaces import CELEX, GRAPH, ID, MIG
from loaders.project import Project


@pytest.mark.parametrize(
    "spelling", ["COM(2020) 609", "COM (2020) 609 final", "COM(2020)609", "com(2020) 609"]
)
def test_commission_numbers(spelling: str) -> None:
    number = ids.commission_number(spelling)
    assert number.canonical == "COM(2020) 609"
    assert str(number.iri) == "https://w3id.org/migkg/id/com/2020/609"
    assert ids.communication_celex(number) == "52020DC0609"
    assert ids.proposal_celex(number) == "52020PC0609"


@pytest.mark.parametrize(
    ("spelling", "canonical", "kind", "celex", "eli"),
    [
        ("(EU) 2020/1364", "(EU) 2020/1364", "recommendation", "32020H1364", "reco/2020/1364"),
        ("(EU) nr. 516/2014", "(EU) No 516/2014", "regulation", "32014R0516", "reg/2014/516"),
        ("(EG) nr. 343/2003", "(EC) No 343/2003", "regulation", "32003R0343", "reg/2003/343"),
        ("2013/32/EU", "2013/32/EU", "directive", "32013L0032", "dir/2013/32"),
        ("2008/115/EG", "2008/115/EC", "directive", "32008L0115", "dir/2008/115"),
        ("(EU) 2015/1601", "(EU) 2015/1601", "decision", "32015D1601", "dec/2015/1601"),
    ],
)
def test_act_numbers(spelling: str, canonical: str, kind: str, celex: str, eli: str) -> None:
    act = ids.act_number(spelling)
    assert act.canonical == canonical
    assert act.celex(kind) == celex
    assert str(act.eli(kind)) == f"http://data.europa.eu/eli/{eli}/oj"
    assert str(ids.celex_iri(celex)) == f"https://w3id.org/migkg/id/celex/{celex}"


@pytest.mark.parametrize(
    "spelling", ["19 637, nr. 2375", "19637, nr. 2375", "19 637 nr. 2375", "19637-2375"]
)
def test_kamerstuk_numbers(spelling: str) -> None:
    number = ids.kamerstuk_number(spelling)
    assert number.canonical == "19 637, nr. 2375"
    assert str(number.iri) == "https://w3id.org/migkg/id/kst/19637-2375"


@pytest.mark.parametrize(
    ("parse", "bad"),
    [
        (ids.commission_number, "COM 2020 609"),
        (ids.act_number, "2020/1364"),
        (ids.kamerstuk_number, "nr. 2375"),
        (ids.check_celex, "3202OH1364"),
        (ids.procedure_number, "2016/224"),
    ],
)
def test_malformed_identifiers_are_rejected_with_the_expected_form(parse, bad: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ids.IdentifierError, match="like"):
        parse(bad)


def test_celex_of_an_act_needs_a_kind_with_a_celex_letter() -> None:
    with pytest.raises(ids.IdentifierError):
        ids.act_number("(EU) 2020/1364").celex("communication")


# --- one IRI per document -----------------------------------------------------------------------

FICHES = Path(__file__).resolve().parent / "extract" / "fiches"
SEED = Path(__file__).resolve().parent.parent / "sources"


@pytest.mark.parametrize(
    ("identifiers", "iri"),
    [
        # an adopted act: its CELEX, whatever else is known
        ({"numbers": ["C(2020) 6467"], "celex": ["32020H1364"]}, "celex/32020H1364"),
        ({"act": (ids.act_number("(EU) 2020/1364"), "recommendation")}, "celex/32020H1364"),
        ({"celex": ["32020H1364"]}, "celex/32020H1364"),
        # a proposal or communication: its Commission number, however it is given
        ({"numbers": ["COM(2023) 127"], "celex": ["52023PC0127"]}, "com/2023/127"),
        ({"celex": ["52023PC0127"]}, "com/2023/127"),
        ({"numbers": ["COM (2023) 127 final"]}, "com/2023/127"),
        ({"celex": ["52020JC0004"]}, "join/2020/4"),
        ({"celex": ["52019SC1055"]}, "swd/2019/1055"),
        # a C number alone (no adopted act known): its own IRI
        ({"numbers": ["C(2017) 6560"]}, "c/2017/6560"),
    ],
)
def test_one_rule_mints_one_iri_per_document(identifiers: dict, iri: str) -> None:  # type: ignore[type-arg]
    assert ids.document_iri(**identifiers) == ID[iri]


def test_a_document_without_identifiers_has_no_minted_iri() -> None:
    with pytest.raises(ids.IdentifierError):
        ids.document_iri()


def identifier_values(graph: Graph) -> dict[tuple[str, str], set[str]]:
    """(identifier property, value) → the nodes that carry it."""
    found: dict[tuple[str, str], set[str]] = {}
    for prop in IDENTIFIERS:
        for node, value in graph.subject_objects(prop):
            found.setdefault((str(prop), str(value)), set()).add(str(node))
    return found


def test_a_fiche_on_two_documents_gives_two_nodes_each_with_all_its_numbers() -> None:
    fiche = parse(FICHES / "two-documents.txt")
    graph = fiche_graph(fiche)
    doc = next(iter(graph.subjects(RDF.type, MIG.BncFiche)))
    assessed = set(graph.objects(doc, MIG.assesses))
    assert assessed == {ID["com/2023/127"], ID["com/2023/128"]}
    for n in ("127", "128"):
        node = ID[f"com/2023/{n}"]
        assert set(graph.objects(node, MIG.hasComNumber)) == {Literal(f"COM(2023) {n}")}
        assert set(graph.objects(node, MIG.hasCelexNumber)) == {Literal(f"52023PC0{n}")}
    # every node that carries an identifier is one of the two: no node per number or link
    carriers = {node for nodes in identifier_values(graph).values() for node in nodes}
    assert carriers == {str(ID["com/2023/127"]), str(ID["com/2023/128"])}
    assert all(len(nodes) == 1 for nodes in identifier_values(graph).values())


def test_a_fiche_on_a_c_number_of_an_adopted_recommendation_gives_its_celex_iri() -> None:
    fiche = parse(SEED / "000-bnc-fiche-legal-pathways-recommendation.txt")
    assert fiche.documents == ["C(2020) 6467"] and fiche.celex == ["32020H1364"]
    graph = fiche_graph(fiche)  # with no curated data: the rule alone
    target = ID["celex/32020H1364"]
    assert set(graph.objects(None, MIG.assesses)) == {target}
    assert (target, MIG.hasCNumber, Literal("C(2020) 6467")) in graph
    assert (target, MIG.hasCelexNumber, Literal("32020H1364")) in graph
    assert (ID["c/2020/6467"], None, None) not in graph


def test_the_resolver_maps_every_identifier_of_a_curated_document_to_its_iri() -> None:
    node = ID["celex/32015H0914"]
    curated = Graph()
    curated.add((node, RDF.type, MIG.Recommendation))
    curated.add((node, MIG.hasCelexNumber, Literal("32015H0914")))
    curated.add((node, MIG.hasActNumber, Literal("(EU) 2015/914")))
    curated.add((node, MIG.hasCNumber, Literal("C(2015) 3560")))
    curated.add((node, MIG.hasEurLexResource, CELEX["32015H0914"]))
    curated.add((node, MIG.hasEli, URIRef("http://data.europa.eu/eli/reco/2015/914/oj")))
    resolver = Resolver(curated)
    for key in (
        "32015H0914",
        "(EU) 2015/914",
        "C(2015) 3560",
        "http://data.europa.eu/eli/reco/2015/914/oj",
    ):
        assert resolver.by_literal[key] == node, key
    assert resolver.document(["C(2015) 3560"]) == node
    # a citation by C number (as source 004 cites it) is the curated node, not a new one
    for text in (
        "C(2015) 3560 final",
        "Aanbeveling (EU) 2015/914 van de Commissie",
        "https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:32015H0914 ",
    ):
        refs = extract_text(f"zie {text}.")
        assert refs and all(resolver.resolve(r) == (node, True) for r in refs), text


def test_a_wrong_number_a_source_cites_is_resolved_by_its_hidden_label() -> None:
    node = ID["c/2020/2516"]
    curated = Graph()
    curated.add((node, MIG.hasCNumber, Literal("C(2020) 2516")))
    curated.add((node, SKOS.hiddenLabel, Literal("COM(2020) 2516")))
    (ref,) = [r for r in extract_text("(12) COM(2020) 2516 final.") if r.kind == "commission"]
    assert Resolver(curated).resolve(ref) == (node, True)


def test_the_built_graph_has_no_node_the_curated_data_already_names(build: Dataset) -> None:
    """The extracted C-number nodes of adopted recommendations are gone (issue 16)."""
    citations = dict(build.graphs())[GRAPH["extracted/citations"]]
    for gone in ("c/2015/3560", "c/2017/6504", "com/2020/2516"):
        assert (ID[gone], None, None) not in citations, gone
    cited = set(citations.objects(ID["source/004"], MIG.cites))
    assert {ID["celex/32015H0914"], ID["celex/32017H1803"]} <= cited


def test_the_check_query_lists_two_nodes_that_share_an_identifier(
    project_copy: Project,
) -> None:
    """check-shared-identifiers finds a duplicate in the curated or extracted data."""
    extra = project_copy.root / "instances" / "duplicate.ttl"
    extra.write_text(
        "PREFIX mig: <https://w3id.org/migkg/def#>\n"
        "<https://w3id.org/migkg/id/c/2020/6467> a mig:Recommendation ;\n"
        '  mig:hasCNumber "C(2020) 6467" .\n',
        encoding="utf-8",
    )
    data = load(project_copy)
    query = find(project_copy, "check-shared-identifiers")
    for engine in ("oxigraph", "rdflib"):
        table = run(data.engine(engine), query, bindings(query, []))
        found = {
            tuple(row.values()) for row in csv.DictReader(io.StringIO(render(table, "csv", {})))
        }
        assert found == {
            (
                str(MIG.hasCNumber),
                "C(2020) 6467",
                str(ID["c/2020/6467"]),
                str(ID["celex/32020H1364"]),
            ),
            (
                str(MIG.hasCNumber),
                "C(2020) 6467",
                str(ID["celex/32020H1364"]),
                str(ID["c/2020/6467"]),
            ),
        }, engine
