"""``migkg add``: a new document goes from text to a queryable, valid draft in one command,
every field kept, one node per document, every fact marked for review; adding it again
changes nothing. Every test works on a copy of the project."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from loaders.add import Draft, fiche_draft
from loaders.cli import main
from loaders.extract.evidence import problems, quotes
from loaders.extract.extracted import (
    EXTRACTOR,
    IDENTIFIERS,
    Resolver,
    fiche_graph,
    ministries,
    slug,
)
from loaders.extract.fiche import parse
from loaders.extract.refs import extract as extract_text
from loaders.extract.text import normalise
from loaders.graph.dataset import load
from loaders.graph.format import not_canonical
from loaders.namespaces import CELEX, ID, MIG
from loaders.project import Project
from tests.conftest import ROOT, copy_project

FICHES = Path(__file__).resolve().parent / "extract" / "fiches"
HELD_OUT = Path(__file__).resolve().parent / "extract" / "held-out"
DECISION = "https://w3id.org/migkg/concept/decision-procedure/"
ROLE = "https://w3id.org/migkg/concept/parliament-role/"


def tree(project: Project) -> dict[str, str]:
    """Every file of the project's data folders and its digest."""
    return {
        project.relative(p): hashlib.sha256(p.read_bytes()).hexdigest()
        for folder in ("sources", "instances")
        for p in sorted((project.root / folder).rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def added(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A copy of the project with the two-document fiche added."""
    project = copy_project(tmp_path_factory.mktemp("add"))
    code = main(["--root", str(project.root), "add", str(FICHES / "two-documents.txt")])
    assert code == 0
    return project


def draft_graph(project: Project) -> Graph:
    graph = Graph()
    for path in sorted((project.root / "instances").glob("005-*/*.ttl")):
        graph.parse(path)
    return graph


def test_add_copies_the_text_with_its_manifest_entry_and_checksum(added: Project) -> None:
    text = added.root / "sources" / "005-two-documents.txt"
    assert text.read_bytes() == (FICHES / "two-documents.txt").read_bytes()
    manifest = Graph().parse(added.root / "instances" / "sources.ttl")
    doc = ID["source/005"]
    assert manifest.value(doc, MIG.hasSourceFile) == Literal("sources/005-two-documents.txt")
    digest = hashlib.sha256(text.read_bytes()).hexdigest()
    assert manifest.value(doc, MIG.hasSha256) == Literal(digest)
    assert {MIG.BncFiche, MIG.SourceDocument} <= set(manifest.objects(doc, RDF.type))


def test_the_draft_is_canonical_located_and_valid(
    added: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = added.root / "instances" / "005-two-documents"
    assert sorted(p.name for p in folder.iterdir()) == [
        "entities.ttl",
        "positions.ttl",
        "relations.ttl",
    ]
    written = [*folder.iterdir(), added.root / "instances" / "sources.ttl"]  # what add wrote
    assert not_canonical(added, written) == []
    manifest = Graph().parse(added.root / "instances" / "sources.ttl")
    draft = draft_graph(added)
    assert len(list(quotes(draft))) > 20  # (every quote of the draft is checked)
    assert problems(draft + manifest, added) == []
    capsys.readouterr()
    assert main(["--root", str(added.root), "validate"]) == 0
    assert "0 violation(s)" in capsys.readouterr().out


def test_the_unreviewed_facts_are_listed_by_the_stored_query(
    added: Project, tmp_path: Path
) -> None:
    out = tmp_path / "rows.csv"
    assert (
        main(
            ["--root", str(added.root), "query", "cq-unreviewed", "--format", "csv", "-o", str(out)]
        )
        == 0
    )
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    facts = {r["fact"].removeprefix(str(ID)) for r in rows}
    assert {r["source"] for r in rows} == {str(ID["source/005"])}
    assert {f"position/005/3b-0{n}" for n in range(1, 7)} <= facts
    assert {"position/005/competence", "position/005/proportionality"} <= facts
    assert {
        "claim/005/fiche-assesses-com-2023-127",
        "claim/005/fiche-decision-procedure-qualified-majority",
        "claim/005/fiche-parliament-role-co-decision",
        "claim/005/com-2023-128-legal-basis-tfeu-art-91-par-1",
    } <= facts
    quotes = {r["fact"].removeprefix(str(ID)): r["quote"] for r in rows}
    assert quotes["position/005/3b-01"] == "Het kabinet steunt beide voorstellen op hoofdlijnen."
    # every marked node says which run wrote it
    graph = draft_graph(added)
    marked = set(graph.subjects(MIG.awaitsReview, Literal(True)))
    assert {str(m).removeprefix(str(ID)) for m in marked} == facts
    run = ID["activity/migkg-add-005"]
    assert all((m, PROV.wasGeneratedBy, run) in graph for m in marked)
    assert (run, RDF.type, PROV.Activity) in graph


def test_a_fiche_on_two_documents_gives_exactly_two_document_nodes(added: Project) -> None:
    """The numbers, the EUR-Lex links and the citations of each document are one node."""
    graph = draft_graph(added)
    two = {ID["com/2023/127"], ID["com/2023/128"]}
    assert set(graph.objects(ID["source/005"], MIG.assesses)) == two
    for n in ("127", "128"):
        node = ID[f"com/2023/{n}"]
        assert set(graph.objects(node, MIG.hasComNumber)) == {Literal(f"COM(2023) {n}")}
        assert set(graph.objects(node, MIG.hasCelexNumber)) == {Literal(f"52023PC0{n}")}
        assert (node, MIG.hasEurLexResource, CELEX[f"52023PC0{n}"]) in graph
    carriers: dict[str, set[str]] = {}
    for prop in IDENTIFIERS:
        for node, value in graph.subject_objects(prop):
            carriers.setdefault(str(value), set()).add(str(node))
    assert all(len(nodes) == 1 for nodes in carriers.values()), carriers
    cited = set(graph.objects(ID["source/005"], MIG.cites))
    assert two <= cited
    assert not any("52023PC" in str(c) for c in cited)


def test_adding_the_same_document_again_is_refused_and_changes_nothing(
    added: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    before = tree(added)
    capsys.readouterr()
    copy = tmp_path / "renamed-copy.txt"
    copy.write_bytes((FICHES / "two-documents.txt").read_bytes())
    for file in (FICHES / "two-documents.txt", copy):
        assert main(["--root", str(added.root), "add", str(file)]) == 2
        err = capsys.readouterr().err
        assert "already in the project as https://w3id.org/migkg/id/source/005" in err
        assert "nothing was changed" in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1
    assert tree(added) == before


def test_a_text_that_is_not_a_fiche_is_exit_2_and_writes_nothing(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tree(project_copy)
    code = main(["--root", str(project_copy.root), "add", str(FICHES / "not-a-fiche.txt")])
    assert code == 2
    err = capsys.readouterr().err
    assert "not-a-fiche.txt" in err and "not a BNC fiche" in err
    assert tree(project_copy) == before


@pytest.fixture(scope="module")
def curated() -> Graph:
    """The curated data of the project itself (read, never written)."""
    return load(Project.locate(ROOT)).union(["ontology", "instances"])


def draft_of(path: Path, curated: Graph) -> Graph:
    fiche = parse(path)
    raw = path.read_text(encoding="utf-8")
    draft = Draft(ID["source/999"], "999", normalise(raw), ID["activity/test"])
    fiche_draft(draft, fiche, Resolver(curated))
    graph = Graph()
    for g in draft.files.values():
        graph += g
    return graph


def test_every_general_data_field_becomes_data_none_dropped(curated: Graph) -> None:
    """A fiche whose Council configuration, ministries and procedure match no curated
    node: each value is a new node with its label, marked, and linked from the fiche."""
    graph = draft_of(HELD_OUT / "talent-pool-regulation.txt", curated)
    doc = ID["source/999"]
    fiche = parse(HELD_OUT / "talent-pool-regulation.txt")
    assert graph.value(doc, MIG.hasDocumentTitle) == Literal(fiche.get("1a"), lang="nl")
    assert graph.value(doc, MIG.wasReceivedOn) == Literal(
        fiche.received.isoformat() if fiche.received else None, datatype=XSD.date
    )
    assert graph.value(doc, MIG.hasImpactAssessmentNote) == Literal(fiche.get("1e"), lang="nl")
    council = graph.value(doc, MIG.hasCouncilConfiguration)
    lead = graph.value(doc, MIG.hasLeadMinistry)
    co = list(graph.objects(doc, MIG.hasCoResponsibleMinistry))
    names = ministries(fiche.get("1g") or "")
    assert council is not None and lead is not None and len(co) == len(names) - 1 == 1
    for node, name, cls in (
        (council, fiche.get("1f"), MIG.CouncilConfiguration),
        (lead, names[0], MIG.Ministry),
        (co[0], names[1], MIG.Ministry),
    ):
        if (node, RDF.type, cls) in curated:  # the curated actor of that name
            assert name in {str(label) for label in curated.objects(node, RDFS.label)}
        else:  # a new one, with the name as its label, marked and quoted
            assert (node, RDF.type, cls) in graph
            assert graph.value(node, RDFS.label) == Literal(name, lang="nl")
            assert (node, MIG.awaitsReview, Literal(True)) in graph
            assert graph.value(node, MIG.hasEvidence) is not None
    assert graph.value(doc, MIG.hasDecisionProcedure) is not None
    assert graph.value(doc, MIG.hasParliamentRole) is not None
    about = set(graph.objects(doc, MIG.assesses))
    assert about and all(
        (a, MIG.hasLegalBasis, ID[p]) in graph for a in about for p in fiche.legal_basis
    )
    # a value no curated node has is never dropped: the ministries of this fiche are new
    assert any((m, MIG.awaitsReview, Literal(True)) in graph for m in (lead, *co))


def test_values_that_match_a_curated_concept_use_it(curated: Graph) -> None:
    graph = draft_of(FICHES / "two-documents.txt", curated)
    doc = ID["source/999"]
    assert str(graph.value(doc, MIG.hasDecisionProcedure)) == DECISION + "qualified-majority"
    assert str(graph.value(doc, MIG.hasParliamentRole)) == ROLE + "co-decision"


def test_a_value_matching_no_concept_is_a_new_concept_in_its_scheme(
    curated: Graph, tmp_path: Path
) -> None:
    text = (FICHES / "two-documents.txt").read_text(encoding="utf-8")
    file = tmp_path / "fiche.txt"
    file.write_text(text.replace("Medebeslissing", "Raadpleging na advies"), encoding="utf-8")
    graph = draft_of(file, curated)
    role = graph.value(ID["source/999"], MIG.hasParliamentRole)
    assert role == ID["extracted/parliament-role/raadpleging-na-advies"]
    assert (role, SKOS.inScheme, None) in graph
    assert graph.value(role, SKOS.prefLabel) == Literal("Raadpleging na advies", lang="nl")
    assert (role, MIG.awaitsReview, Literal(True)) in graph


OCW, JV, BZ = (f"Ministerie van {n}" for n in ("OCW", "JenV", "BZ"))


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (OCW, [OCW]),
        (f"{JV}, in samenwerking met het {BZ}", [JV, BZ]),
        (f"{JV}, in nauwe samenwerking met het {BZ} en het {OCW}", [JV, BZ, OCW]),
        (f"{JV}, in nauwe samenwerking met\nhet {BZ}, {OCW}", [JV, BZ, OCW]),
    ],
)
def test_lead_and_co_responsible_ministries(value: str, names: list[str]) -> None:
    assert ministries(value) == names


@pytest.mark.parametrize(
    ("text", "iri"),
    [
        ("COM(2023) 127 final", "com/2023/127"),
        ("https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:52023PC0127", "com/2023/127"),
        ("Richtlijn 2013/32/EU", "celex/32013L0032"),
        ("Verordening (EU) nr. 604/2013", "celex/32013R0604"),
        (
            "https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:32013R0604",
            "celex/32013R0604",
        ),
    ],
)
def test_every_identifier_of_a_document_resolves_to_its_one_iri(text: str, iri: str) -> None:
    """With no curated data: the rule of identifiers.document_iri, whatever is cited."""
    (ref,) = [r for r in extract_text(f"zie {text} .") if r.kind not in ("oj", "ares")]
    assert Resolver(Graph()).identity(ref) == ID[iri]


def test_a_node_a_draft_made_is_found_by_its_other_identifiers() -> None:
    resolver = Resolver(Graph())
    resolver.learn(ID["celex/32020H1364"], ["C(2020) 6467", "32020H1364"])
    (ref,) = extract_text("zie C(2020) 6467 .")
    assert resolver.identity(ref) == ID["celex/32020H1364"]


def test_slugs() -> None:
    assert slug("003 Fiche: Digitaal rijbewijs!") == "fiche-digitaal-rijbewijs"
    assert slug("") == "document"


def test_extract_fiche_keeps_values_no_curated_node_has() -> None:
    """`migkg extract fiche` and the build's extracted graph: a Council configuration and a
    ministry the curated data lacks are new nodes marked as extracted, not dropped."""
    fiche = parse(FICHES / "two-documents.txt")
    graph = fiche_graph(fiche)  # no curated data: nothing matches
    doc = next(iter(graph.subjects(RDF.type, MIG.BncFiche)))
    for prop, cls, words in (
        (MIG.hasCouncilConfiguration, MIG.CouncilConfiguration, fiche.get("1f")),
        (MIG.hasLeadMinistry, MIG.Ministry, fiche.get("1g")),
    ):
        node = graph.value(doc, prop)
        assert node is not None and (node, RDF.type, cls) in graph
        assert graph.value(node, RDFS.label) == Literal(words, lang="nl")
        assert (node, PROV.wasGeneratedBy, EXTRACTOR) in graph
    for prop in (MIG.hasDecisionProcedure, MIG.hasParliamentRole):
        node = graph.value(doc, prop)
        assert node is not None and (node, SKOS.inScheme, None) in graph


def test_a_failed_write_leaves_the_project_as_it_was(
    project_copy: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk fills up as the manifest, the last file, is renamed into place: the text
    and the draft written before it are taken back."""
    import os

    from loaders import files

    real_replace = os.replace

    def full_disk(src: str | Path, dst: str | Path) -> None:
        if Path(dst).name == "sources.ttl":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", full_disk)
    before = tree(project_copy)
    code = main(["--root", str(project_copy.root), "add", str(FICHES / "two-documents.txt")])
    assert code == 2
    err = capsys.readouterr().err
    assert "sources.ttl" in err and "no space left" in err and "Traceback" not in err
    assert tree(project_copy) == before
    assert not list((project_copy.root / "instances").glob("005-*"))


def test_a_letter_and_a_fiche_without_section_1_give_valid_drafts(
    project_copy: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A letter gets its citations. A fiche without section 1 names no document, so its
    positions are about the fiche until reviewed (they had no target: 7 violations)."""
    letter = tmp_path / "brief.txt"
    text = (ROOT / "sources" / "004-cabinet-letter-resettlement-policy.txt").read_text("utf-8")
    letter.write_text(text[:6000], encoding="utf-8")
    root = str(project_copy.root)
    assert main(["--root", root, "add", str(letter), "--kind", "letter"]) == 0
    manifest = Graph().parse(project_copy.root / "instances" / "sources.ttl")
    assert (ID["source/005"], RDF.type, MIG.ParliamentaryLetter) in manifest
    graph = draft_graph(project_copy)
    cited = set(graph.objects(ID["source/005"], MIG.cites))
    assert ID["kst/19637-2375"] in cited
    assert all(
        (c, MIG.awaitsReview, Literal(True)) in graph for c in graph.subjects(RDF.type, MIG.Claim)
    )
    assert main(["--root", root, "add", str(FICHES / "no-section-1.txt")]) == 0
    draft = project_copy.root / "instances" / "006-no-section-1"
    positions = Graph().parse(draft / "positions.ttl")
    targets = set(positions.subject_objects(MIG.isAbout))
    assert targets and all(o == ID["source/006"] for _, o in targets)
    capsys.readouterr()
    assert main(["--root", root, "validate"]) == 0
