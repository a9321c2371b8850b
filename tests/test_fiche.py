"""The BNC-fiche parser on the seed fiche and on fiches it was not written for: general
data, assessments, stance sentences with their offsets, missing sections, CRLF, text
that is not a fiche, arbitrary input; and its agreement with the curated data."""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from loaders.cli import main
from loaders.errors import MigkgError
from loaders.extract.fiche import (
    FICHE_THRESHOLD,
    Fiche,
    FicheScore,
    NotAFiche,
    fiche_accuracy,
    parse,
    parse_text,
)
from loaders.extract.text import normalise
from loaders.graph.dataset import Dataset
from loaders.namespaces import ID, MIG, OA, STANCE

ROOT = Path(__file__).resolve().parent.parent
EXTRACT = Path(__file__).resolve().parent / "extract"
SEED = next((ROOT / "sources").glob("000-*.txt"))


def cases() -> list[tuple[Path, Path]]:
    out = []
    for folder in ("fiches", "held-out"):
        for expected in sorted((EXTRACT / folder).glob("*.expected.json")):
            name = expected.name.removesuffix(".expected.json")
            text = SEED if name == "seed-000" else expected.with_name(f"{name}.txt")
            out.append((text, expected))
    return out


def found(fiche: Fiche) -> dict[str, object]:
    return {
        "title": fiche.get("1a"),
        "received": fiche.received.isoformat() if fiche.received else None,
        "documents": fiche.documents,
        "celex": fiche.celex,
        "impact_assessment": fiche.get("1e"),
        "council": fiche.get("1f"),
        "ministry": fiche.get("1g"),
        "legal_basis": fiche.legal_basis,
        "decision_procedure": fiche.get("1i"),
        "parliament_role": fiche.get("1j"),
        "assessments": {k: v.stance for k, v in fiche.assessments.items()},
        "positions": [{"stance": p.stance, "sentence": p.sentence.text} for p in fiche.positions],
        "missing": [w.split("section ")[1].split(" ")[0] for w in fiche.warnings],
    }


@pytest.mark.parametrize(("text", "expected"), cases(), ids=lambda p: p.name)
def test_fiche_gives_what_a_reader_finds_in_it(text: Path, expected: Path) -> None:
    want = json.loads(expected.read_text(encoding="utf-8"))
    if "error" in want:
        with pytest.raises(NotAFiche, match="not a BNC fiche"):
            parse(text)
        return
    got = found(parse(text))
    for key, value in want.items():
        assert got[key] == value, key
    if "missing" not in want:
        assert got["missing"] == [], "no warning for a fiche with every section"


@pytest.mark.parametrize(("text", "expected"), cases(), ids=lambda p: p.name)
def test_each_sentence_points_at_its_place_in_the_original_file(text: Path, expected: Path) -> None:
    if "error" in json.loads(expected.read_text(encoding="utf-8")):
        return
    raw = text.read_bytes().decode("utf-8")  # keep CRLF: offsets count it
    fiche = parse(text)
    for stance in [*fiche.positions, *fiche.assessments.values()]:
        s = stance.sentence
        at = normalise(raw[s.start : s.end]).text
        assert at.startswith(s.text[:25]) and at.rstrip("0123456789").endswith(s.text[-12:])
        assert raw[: s.start].count("\n") + 1 == s.line


def test_crlf_fiche_is_read_like_its_lf_twin(tmp_path: Path) -> None:
    crlf = EXTRACT / "fiches" / "directive-crlf.txt"
    assert b"\r\n" in crlf.read_bytes()
    lf = tmp_path / "directive-lf.txt"
    lf.write_bytes(crlf.read_bytes().replace(b"\r\n", b"\n"))
    assert found(parse(crlf)) == found(parse(lf))


def extracted_with_warnings(name: str, out: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``migkg extract fiche`` of a test fiche into ``out``: it succeeds; its warnings."""
    assert main(["extract", "fiche", str(EXTRACT / "fiches" / name), "-o", str(out)]) == 0
    return capsys.readouterr().err


def test_a_missing_section_is_a_warning_that_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = extracted_with_warnings("missing-section.txt", tmp_path / "fiche.ttl", capsys)
    assert "section 1e (Nr. impact assessment" in err and "section 3c (Eerste inschatting" in err


def test_text_that_is_not_a_fiche_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "fiche", str(EXTRACT / "fiches" / "not-a-fiche.txt")]) == 2
    assert "this is not a BNC fiche: section 1 (Algemene gegevens) not found" in (
        capsys.readouterr().err
    )


def test_a_fiche_without_section_1_is_parsed_with_a_warning_not_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "fiche.ttl"
    err = extracted_with_warnings("no-section-1.txt", out, capsys)
    assert "section 1 (Algemene gegevens) is missing: no title" in err
    graph = Graph().parse(out)
    assert len(set(graph.subjects(RDF.type, MIG.Position))) == 2
    assert len(set(graph.subjects(RDF.type, MIG.Assessment))) == 5


def test_section_headings_are_found_by_their_words_in_any_order(tmp_path: Path) -> None:
    """The same fiche with its sections 3 and 4 swapped, its section numbers dropped and
    its letters bulleted reads the same."""
    text = (EXTRACT / "fiches" / "regulation-standard.txt").read_text(encoding="utf-8")
    at3, at4 = text.index("\n3. Nederlandse positie"), text.index("\n4. Grondhouding")
    at5 = text.index("\n5. Implicaties")
    swapped = text[:at3] + text[at4:at5] + text[at3:at4] + text[at5:]
    swapped = "\n".join(
        "\u2022 " + line if line[:2] in {f"{c})" for c in "abcdefghij"} else line
        for line in swapped.split("\n")
    )
    swapped = swapped.replace("\n3. ", "\n").replace("\n4. ", "\n")
    variant = tmp_path / "variant.txt"
    variant.write_text(swapped, encoding="utf-8")
    assert found(parse(variant)) == found(parse(EXTRACT / "fiches" / "regulation-standard.txt"))


def test_the_fiche_as_rdf_parses_back_with_assessments_and_positions(tmp_path: Path) -> None:
    out = tmp_path / "seed.ttl"
    assert main(["extract", "fiche", str(SEED), "-o", str(out)]) == 0
    graph = Graph().parse(out)
    fiche = ID["fiche/c-2020-6467"]
    assert (fiche, RDF.type, MIG.BncFiche) in graph
    assert (fiche, MIG.assesses, ID["celex/32020H1364"]) in graph
    assessments = set(graph.subjects(RDF.type, MIG.Assessment))
    assert len(assessments) == 5
    assert len(set(graph.subjects(RDF.type, MIG.Position))) == 14
    quotes = {str(q) for q in graph.objects(None, OA.exact)}
    assert (
        "Het kabinet heeft een positieve grondhouding ten aanzien van de subsidiariteit." in quotes
    )
    assert (None, MIG.hasStance, STANCE["not-stated"]) in graph  # financial consequences


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_no_text_crashes_the_parser(text: str) -> None:
    with contextlib.suppress(MigkgError):
        parse_text(text, "arbitrary")


def mutated(lines: list[str], rnd: random.Random, cuts: int, ops: tuple[str, ...]) -> str:
    """The lines after ``cuts`` random edits, each one of ``ops``: drop, dup(licate),
    swap, chop (cut a line short), page (a page number line) or bullet."""
    for _ in range(cuts):
        if not lines:
            break
        i = rnd.randrange(len(lines))
        op = rnd.choice(ops)
        if op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "chop":
            lines[i] = lines[i][: rnd.randrange(len(lines[i]) + 1)]
        elif op == "page":
            lines.insert(i, f"Pagina {rnd.randrange(1, 9)} van 9\n")
        else:
            lines[i] = "\u2022 " + lines[i]
    return "".join(lines)


@settings(max_examples=60, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(min_value=1, max_value=40))
def test_no_mutated_fiche_crashes_the_parser(rnd: random.Random, cuts: int) -> None:
    lines = SEED.read_text(encoding="utf-8").splitlines(keepends=True)
    text = mutated(lines, rnd, cuts, ("drop", "dup", "swap", "chop"))
    with contextlib.suppress(MigkgError):
        parse_text(text, "mutated")


VARIANTS = sorted((EXTRACT / "fiches").glob("*.txt")) + sorted((EXTRACT / "held-out").glob("*.txt"))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(VARIANTS), st.randoms(use_true_random=False), st.integers(1, 12))
def test_no_mutated_variant_fiche_crashes_the_parser(
    path: Path, rnd: random.Random, cuts: int
) -> None:
    """Every variant fiche, its lines dropped, repeated, swapped, cut, or given a page
    number or a bullet: a fiche or "not a fiche", never a crash."""
    lines = path.read_bytes().decode("utf-8").splitlines(keepends=True)
    text = mutated(lines, rnd, cuts, ("drop", "dup", "swap", "chop", "page", "bullet"))
    with contextlib.suppress(MigkgError):
        parse_text(text, "mutated")


# --- agreement with the curated data of the seed fiche ----------------------------------------

# Curated positions of the cabinet from section 3b that the parser does not find, and why:
# the sentence they rest on does not name the cabinet (the curated data reads the holder
# from the paragraph), so a sentence-level parser cannot attribute them.
NOT_ATTRIBUTABLE = {
    "nl-framework-clearer-eu-pledges",
    "nl-framework-lever-for-third-country-cooperation",
    "nl-priority-reception-in-region-and-resettlement",
}


def test_every_position_the_parser_finds_is_curated_with_the_same_stance(build: Dataset) -> None:
    curated = build.union(["instances"])
    cabinet = ID["actor/nl-government"]
    positions: dict[URIRef, tuple[str, list[str]]] = {}
    for node in curated.subjects(MIG.isStatedIn, ID["source/000"]):
        if isinstance(node, URIRef) and (node, MIG.hasHolder, cabinet) in curated:
            stance = str(curated.value(node, MIG.hasStance)).rsplit("/", 1)[-1]
            quotes = [
                normalise(str(q)).text
                for e in curated.objects(node, MIG.hasEvidence)
                for t in curated.objects(e, OA.hasTarget)
                for s in curated.objects(t, OA.hasSelector)
                for q in curated.objects(s, OA.exact)
            ]
            positions[node] = (stance, quotes)
    fiche = parse(SEED)
    matched = set()
    for found_position in fiche.positions:
        text = normalise(f"{found_position.sentence.text} {found_position.condition or ''}").text
        hits = {p: s for p, (s, qs) in positions.items() if any(q in text for q in qs)}
        assert hits, f"no curated position for: {found_position.sentence.text}"
        for node, stance in hits.items():
            assert stance == found_position.stance, (str(node), found_position.sentence.text)
        matched |= set(hits)
    # the curated 3b positions the parser misses are exactly the unattributable ones
    section = normalise(fiche.fields["3b"]).text
    in_3b = {p for p, (_, qs) in positions.items() if qs and all(q in section for q in qs)}
    missed = {str(p).rsplit("/", 1)[-1] for p in in_3b - matched}
    assert missed == NOT_ATTRIBUTABLE


def test_assessments_agree_with_the_curated_ones(build: Dataset) -> None:
    curated = build.union(["instances"])
    fiche = parse(SEED)
    names = {"positive": "positive", "negative": "negative", "mixed": "mixed", "none": "not-stated"}
    dimensions = {
        "competence": "competence",
        "subsidiarity": "subsidiarity",
        "proportionality": "proportionality",
        "financial": "financial-consequences",
        "regulatory_burden": "regulatory-burden",
    }
    assert len(fiche.assessments) == 5
    for dimension, stance in fiche.assessments.items():
        concept = URIRef(f"https://w3id.org/migkg/concept/dimension/{dimensions[dimension]}")
        node = next(curated.subjects(MIG.hasDimension, concept))
        assert curated.value(node, MIG.hasStance) == STANCE[names[stance.stance]], dimension
        if stance.stance == "none":
            continue  # no sentence states a stance: there is no sentence to compare
        assert Literal(stance.sentence.text) in {
            Literal(normalise(str(q)).text)
            for e in curated.objects(node, MIG.hasEvidence)
            for t in curated.objects(e, OA.hasTarget)
            for s in curated.objects(t, OA.hasSelector)
            for q in curated.objects(s, OA.exact)
        }


# --- accuracy on the held-out fiches (issue 17 part 5) -----------------------------------------


def test_the_parser_reaches_the_threshold_on_the_held_out_fiches() -> None:
    table, ok, scores = fiche_accuracy(ROOT)
    assert len(list((EXTRACT / "held-out").glob("*.labels.json"))) >= 6
    general, assessed, stances = scores["general"], scores["assessments"], scores["stances"]
    assert general.labelled >= 60 and assessed.labelled >= 25 and stances.sentences >= 40
    for figure in (general.precision, general.recall, assessed.precision, assessed.recall):
        assert figure >= FICHE_THRESHOLD
    assert stances.agreement >= FICHE_THRESHOLD
    assert ok and "| general-data fields |" in table and "| stance of 3b sentences |" in table


def test_a_wrong_or_missing_answer_lowers_the_figures() -> None:
    score = FicheScore()
    score.add({("title", "A"), ("received", "2024-01-01")}, {("title", "A"), ("council", "X")})
    assert (score.precision, score.recall) == (0.5, 0.5)
    score.agree(
        {("Het kabinet steunt A.", "supports"), ("Het kabinet is tegen B.", "opposes")},
        {("Het kabinet steunt A.", "conditional"), ("Nederland neemt kennis van C.", "neutral")},
    )
    assert (score.sentences, score.agreed) == (3, 0)


def test_extract_accuracy_reports_the_fiche_figures(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "accuracy"]) == 0
    out = capsys.readouterr().out
    assert "BNC-fiche parser on the held-out fiches" in out
    assert "| single-permit-bullets-reordered |" in out


def test_each_document_of_a_fiche_gets_its_label_and_its_celex_number() -> None:
    fiche = parse(EXTRACT / "fiches" / "three-documents-crlf.txt")
    assert fiche.document_labels == {
        "COM(2025) 101": "verordening",
        "COM(2025) 102": "mededeling",
        "C(2025) 1500": "aanbeveling",
    }
    # the C number's CELEX number cannot be derived from it: the label pairs them
    assert fiche.document_celex == {
        "COM(2025) 101": "52025PC0101",
        "COM(2025) 102": "52025DC0102",
        "C(2025) 1500": "32025H0775",
    }
    after = parse(EXTRACT / "fiches" / "same-line-values-form-feed.txt")
    assert after.document_labels == {"COM(2024) 560": "verordening", "COM(2024) 561": "richtlijn"}
    assert after.document_celex == {"COM(2024) 560": "52024PC0560", "COM(2024) 561": "52024PC0561"}
    assert parse(SEED).document_celex == {"C(2020) 6467": "32020H1364"}  # one of each
    assert parse(EXTRACT / "fiches" / "older-template-bare-letters.txt").document_celex == {}


def test_page_numbers_and_running_headers_are_set_apart_and_body_lines_are_not() -> None:
    from loaders.extract.text import page_furniture

    text = (
        "Het kabinet steunt dit.\nBNC-fiche X\n- 2 -\n\nNiet van toepassing\n"
        "Het kabinet steunt dit.\nBNC-fiche X\nPagina 3 van 9\nRaad\n"
        "Niet van toepassing\n3/9\nBNC-fiche X\n\n7\nBlz. 4\n12 maart 2024\n"
    )
    blanked = {text[a:b] for a, b in page_furniture(text)}
    # "Niet van toepassing" stands next to a page number twice, but of six pages that is
    # fewer than half; "Raad" once; a sentence is body text however often it recurs
    assert blanked == {"BNC-fiche X", "- 2 -", "Pagina 3 van 9", "3/9", "7", "Blz. 4"}
