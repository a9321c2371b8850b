"""The citation extractor: accuracy on the hand-labelled sources, the styles it must
read, offsets that point at the reference, bad input, and the extracted graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import URIRef
from rdflib.namespace import PROV, RDF

from loaders.cli import main
from loaders.errors import InputError
from loaders.extract.refs import THRESHOLD, accuracy, extract, extract_file
from loaders.graph.dataset import Dataset
from loaders.namespaces import GRAPH, ID, MIG
from loaders.project import Project

ROOT = Path(__file__).resolve().parent.parent


def test_precision_and_recall_on_the_labelled_sources_reach_the_threshold(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    table, ok = accuracy(project)
    assert ok, table
    overall = next(line for line in table.splitlines() if line.startswith("| all |"))
    labelled, _, _, precision, recall = (c.strip() for c in overall.strip("|").split("|")[1:])
    assert int(labelled) >= 80  # all five sources are labelled
    assert float(precision) >= THRESHOLD and float(recall) >= THRESHOLD
    assert main(["extract", "accuracy"]) == 0
    assert "| all |" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "kind", "ident"),
    [
        ("zie COM(2020) 609 final.", "commission", "COM(2020) 609"),
        ("zie COM (2016) 468 def.", "commission", "COM(2016) 468"),
        ("the staff working document SWD(2020) 207 final", "commission", "SWD(2020) 207"),
        ("JOIN(2020) 5", "commission", "JOIN(2020) 5"),
        ("Ref. Ares(2019)3957059", "ares", "Ares(2019)3957059"),
        ("CELEX-nummer 32013R0604 geldt", "celex", "32013R0604"),
        ("PB L 180 van 29.6.2013, blz. 60", "oj", "OJ L 180, 29.6.2013, p. 60"),
        ("OJ L 180, 29.6.2013, p. 60", "oj", "OJ L 180, 29.6.2013, p. 60"),
        ("Richtlijn 2013/32/EU van het Europees Parlement", "act", "32013L0032"),
        ("Verordening (EU) nr. 516/2014", "act", "32014R0516"),
        ("Verordening (EU) 2019/1896", "act", "32019R1896"),
        ("Aanbeveling (EU) 2015/914", "act", "32015H0914"),
        ("Besluit (EU) 2015/1601", "act", "32015D1601"),
        ("Kaderbesluit 2002/946/JBZ", "act", "32002F0946"),
        ("Directive 2008/115/EC", "act", "32008L0115"),
        ("Regulation (EU) No 604/2013", "act", "32013R0604"),
        ("Verordening (EG) nr. 810/2009", "act", "32009R0810"),
        ("artikel 78 VWEU", "provision", "tfeu/art-78"),
        ("artikel 4, lid 2, sub j, VWEU", "provision", "tfeu/art-4/par-2/pt-j"),
        ("Article 292 TFEU", "provision", "tfeu/art-292"),
        ("Article 78(2) TFEU", "provision", "tfeu/art-78/par-2"),
        ("artikel 78, tweede lid, VWEU", "provision", "tfeu/art-78/par-2"),
        ("artikel 18 van het Handvest", "provision", "charter/art-18"),
        ("Kamerstuk 19 637, nr. 2375", "kamerstuk", "19 637, nr. 2375"),
        ("Kamerstukken II 2019\u20132020, 19 637, nr. 2563", "kamerstuk", "19 637, nr. 2563"),
    ],
)
def test_each_style_of_reference_is_read(text: str, kind: str, ident: str) -> None:
    found = [(r.kind, r.id) for r in extract(text)]
    assert (kind, ident) in found, found


def test_lists_give_one_reference_each() -> None:
    found = [(r.kind, r.id) for r in extract("de artikelen 78 en 79 VWEU")]
    assert found == [("provision", "tfeu/art-78"), ("provision", "tfeu/art-79")]
    acts = [r.id for r in extract("Richtlijnen 2013/32/EU en 2013/33/EU")]
    assert acts == ["32013L0032", "32013L0033"]


def test_offsets_and_lines_point_into_the_original_text() -> None:
    raw = "Eerste regel.\nZie Verorde-\nning (EU) nr. 516/2014 en\nCOM(2016)\n468.\n"
    refs = extract(raw)
    act = next(r for r in refs if r.kind == "act")
    assert raw[act.start : act.end] == "Verorde-\nning (EU) nr. 516/2014"
    assert act.line == 2 and act.text == "Verordening (EU) nr. 516/2014"
    com = next(r for r in refs if r.kind == "commission")
    assert raw[com.start : com.end] == "COM(2016)\n468" and com.line == 4


def test_a_link_broken_over_two_lines_is_one_reference() -> None:
    raw = "d) EUR-Lex\nhttps://eur-lex.europa.eu/legal-content/NL/TXT/PDF/\n?uri=CELEX:32020H1364&from=EN\n"
    refs = extract(raw)
    assert [(r.kind, r.id) for r in refs] == [("eurlex", "32020H1364")]


def test_binary_and_wrongly_encoded_files_are_clear_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    binary = tmp_path / "fiche.pdf"
    binary.write_bytes(b"%PDF-1.4\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        extract_file(binary)
    latin = tmp_path / "brief.txt"
    latin.write_bytes("Financiële gevolgen\n".encode("latin-1"))
    assert main(["extract", "refs", str(latin)]) == 2
    assert "not UTF-8" in capsys.readouterr().err


def test_refs_command_writes_tsv_and_json(tmp_path: Path) -> None:
    source = next((ROOT / "sources").glob("000-*.txt"))
    out = tmp_path / "refs.json"
    assert main(["extract", "refs", str(source), "--format", "json", "-o", str(out)]) == 0
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {"kind": "commission", "id": "C(2020) 6467"}.items() <= rows[0].items()
    raw = source.read_text(encoding="utf-8")
    for row in rows:
        assert " ".join(raw[row["start"] : row["end"]].split()).replace("- ", "-")  # not empty
    tsv = tmp_path / "refs.tsv"
    assert main(["extract", "refs", str(source), "-o", str(tsv)]) == 0
    assert len(tsv.read_text(encoding="utf-8").splitlines()) == len(rows) + 1


@settings(max_examples=150, deadline=None)
@given(st.text())
def test_no_text_crashes_the_extractor(text: str) -> None:
    for ref in extract(text):
        assert 0 <= ref.start <= ref.end <= len(text)


# --- the extracted graph in the build --------------------------------------------------------


def test_the_build_holds_the_extracted_citations_marked_as_extracted(build: Dataset) -> None:
    graphs = dict(build.graphs())
    citations = graphs[GRAPH["extracted/citations"]]
    assert (
        GRAPH["extracted/citations"],
        PROV.wasGeneratedBy,
        ID["activity/migkg-extract"],
    ) in citations
    cites = set(citations.subject_objects(MIG.cites))
    assert len(cites) > 40
    # matched to the curated instrument: C(2020) 6467 is the recommendation's CELEX IRI
    assert (ID["source/000"], ID["celex/32020H1364"]) in cites
    assert (ID["source/002"], ID["tfeu/art-78"]) in cites
    # what the curated data lacks gets a node of its own, typed and labelled
    for _, target in cites:
        assert isinstance(target, URIRef)
        if target.startswith(str(ID)):
            described = any((target, RDF.type, None) in g for g in graphs.values())
            assert described, target


def test_the_fiche_graph_agrees_with_the_curated_general_data(build: Dataset) -> None:
    fiches = dict(build.graphs())[GRAPH["extracted/fiches"]]
    curated = build.union(["instances"])
    extracted = set(fiches.triples((ID["source/000"], None, None)))
    assert extracted, "the seed fiche's general data is extracted"
    for triple in extracted:
        assert triple in curated, f"extracted but not curated: {triple}"
