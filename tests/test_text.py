"""Text normalisation and the quote locator, on made-up text and on the real sources."""

from __future__ import annotations

from pathlib import Path

import pytest

from loaders.extract.text import (
    QuoteNotFound,
    line_of,
    load_source,
    locate,
    normalise,
    page_furniture,
)

ROOT = Path(__file__).resolve().parent.parent

FICHE = (
    Path(__file__).resolve().parent.parent
    / "sources"
    / "000-bnc-fiche-legal-pathways-recommendation.txt"
)


def test_hyphenated_line_breaks_are_joined_and_white_space_folded() -> None:
    raw = "  een beproefde en gecontro-\nleerde manier,\n\n  met   ruimte "
    assert normalise(raw).text == "een beproefde en gecontroleerde manier, met ruimte"


def test_a_hyphen_after_a_capital_or_digit_is_a_real_one() -> None:
    assert (
        normalise("het EU-\nhervestigingskader en COVID-\n19").text
        == "het EU-hervestigingskader en COVID-19"
    )


def test_a_hyphen_before_a_space_is_kept() -> None:
    assert normalise("asiel- en\nmigratiebeheer").text == "asiel- en migratiebeheer"


def test_crlf_line_ends() -> None:
    assert normalise("gecontro-\r\nleerde\r\nmanier").text == "gecontroleerde manier"


def test_offsets_map_back_to_the_original() -> None:
    raw = "Het kabinet ziet hervestiging als een gecontro-\nleerde, veilige weg."
    norm = normalise(raw)
    span = locate(norm, "een gecontroleerde, veilige weg")
    start, end = norm.original(span.start, span.end)
    assert raw[start:end] == "een gecontro-\nleerde, veilige weg"


def test_quote_in_the_real_fiche_is_found_at_its_place() -> None:
    source = load_source(FICHE)
    raw = FICHE.read_text(encoding="utf-8")
    span = locate(
        source, "De Commissie gaat in op hervestiging als een beproefde en gecontroleerde manier"
    )
    assert span.occurrences == 1
    start, end = source.original(span.start, span.end)
    assert raw[start:end].startswith("De Commissie gaat in op hervestiging")
    assert "gecontro-\nleerde" in raw[start:end]
    assert line_of(raw, start) == 64


def test_a_quote_written_with_the_line_break_hyphen_is_not_found_and_the_closest_is_shown() -> None:
    source = load_source(FICHE)
    with pytest.raises(QuoteNotFound) as info:
        locate(source, "als een beproefde en gecontro- leerde manier")
    assert "als een beproefde en gecontroleerde manier" in info.value.closest


def test_repeated_quote_is_told_apart_by_prefix() -> None:
    norm = normalise("A zegt ja. B zegt ja. C zegt nee.")
    first = locate(norm, "zegt ja")
    second = locate(norm, "zegt ja", prefix="B ")
    assert first.occurrences == second.occurrences == 2
    assert (first.start, second.start) == (2, 13)
    assert second.prefix.endswith("B ")


def test_empty_quote_is_not_found() -> None:
    with pytest.raises(QuoteNotFound):
        locate(normalise("tekst"), "   ")


def test_prefix_with_edge_spaces_picks_the_right_occurrence() -> None:
    """Regression: the prefix "B " was stripped to "B" and never matched."""
    norm = normalise("A zegt ja. B zegt ja.")
    span = locate(norm, "zegt ja", prefix="ja. B ", suffix=".")
    assert span.start == 13


def test_footnotes_are_set_apart_from_the_body_text() -> None:
    from loaders.extract.text import blank_out, footnote_blocks, split_block

    raw = next((ROOT / "sources").glob("000-*.txt")).read_text(encoding="utf-8")
    blocks = footnote_blocks(raw)
    notes = [raw[a:b] for block in blocks for a, b in split_block(raw, *block)]
    assert [n.split(" ", 1)[0] for n in notes] == [str(i) for i in range(1, 9)]
    assert notes[0].startswith("1 COM (2020) 609 Mededeling")
    body = blank_out(raw, blocks)
    assert len(body) == len(raw)  # offsets stay those of the file
    folded = " ".join(body.split())
    # the sentence a page break cut in two reads whole again, without its footnotes
    assert "mensensmokkelaars. De Commissie roept het Europees Parlement" in folded
    assert "Ref. Ares(2019)3957059" not in folded


def test_a_page_number_followed_by_many_blank_lines_is_page_furniture_not_a_crash() -> None:
    """Found by the mutation test of the variant fiches: the blank line four lines after
    a page number was taken for the line beside it, and its last character read."""
    text = "Titel voorstel\n3\n\n\n\n\nDe Commissie stelt voor.\n"
    assert page_furniture(text) == [(15, 16)]
