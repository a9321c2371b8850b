"""The fiche parser on a large fiche (issue 15): a 20 MB generated fiche is parsed whole
and right before a generous hang guard fires; and the fast text helpers give what their
plain definitions give.

The guard is no speed test (``migkg bench`` prints the times; docs/performance.md keeps
them): the parser takes a few seconds on this fiche, the quadratic one took minutes
(more than 10 on this machine), and nothing in between is asserted. No test here counts
operations instead: the quadratic costs were in C (``str.count`` from the start of the
file, slices of the text before a point, regular expressions searched from the start),
out of reach of a Python-level counter."""

from __future__ import annotations

import re
import signal
from types import FrameType

from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.bench_fiche import synthetic_fiche
from loaders.extract.fiche import _Text, parse_text
from loaders.extract.text import _BREAK, _keeps_hyphen, _Markers, blank_out, normalise

HANG_GUARD = 60  # seconds; the parse takes about 6 on this 2-core machine


class Hung(BaseException):
    """The parse ran past the hang guard (a BaseException: no ``except Exception`` in
    the parser can take it for an error of the input)."""


def _fire(signum: int, frame: FrameType | None) -> None:
    raise Hung(f"the parse of a 20 MB fiche did not end within {HANG_GUARD} s")


def test_a_20_mb_fiche_is_parsed_whole_and_right_before_the_hang_guard_fires() -> None:
    generated = synthetic_fiche(20_000_000)
    raw = generated.text
    assert len(raw.encode("utf-8")) > 19_900_000
    previous = signal.signal(signal.SIGALRM, _fire)
    signal.alarm(HANG_GUARD)
    try:
        fiche = parse_text(raw, "synthetic")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    # every stance sentence of 3b, in order, with its stance: about 97 000
    assert len(generated.positions) > 90_000
    assert [(p.stance, p.sentence.text) for p in fiche.positions] == generated.positions
    assert [note.text for note in fiche.footnotes] == generated.footnotes
    assert len(fiche.footnotes) == 999
    assert {k: v.stance for k, v in fiche.assessments.items()} == generated.assessments
    assert fiche.warnings == []
    assert fiche.documents == ["COM(2020) 610"] and fiche.celex == ["52020PC0610"]
    assert fiche.legal_basis == ["tfeu/art-79/par-2"]
    # offsets and line numbers point into the file, across the whole of it
    sample = [p.sentence for p in fiche.positions[::2500]] + fiche.footnotes[::100]
    sample += [fiche.positions[-1].sentence, fiche.footnotes[-1]]
    for sentence in sample:
        at = normalise(raw[sentence.start : sentence.end]).text
        assert at.startswith(sentence.text[:25]), sentence
        assert at.rstrip("0123456789").endswith(sentence.text[-12:]), sentence
        assert raw.count("\n", 0, sentence.start) + 1 == sentence.line


# --- the fast helpers against their plain definitions ------------------------------------------

# pieces of text that the helpers treat each in their own way: white space of every kind,
# hyphens at line ends after small and capital letters and digits, glued numbers
PIECES = ["a", "B", "é", "1", "٣", "_", "-", ".", " ", "\t", "\n", "\r", "\u00a0", "\u2028"]
PIECES += ["\x1c", "x1", "-\n", "A-\n", "3- \r\n b", "nr. ", "\n\n", "12 "]
TEXT = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


def _normalised_per_character(raw: str) -> tuple[str, list[int]]:
    """normalise as it was written first: a character at a time (the definition)."""
    chars: list[str] = []
    offsets: list[int] = []
    breaks = {m.start(): m.end() for m in _BREAK.finditer(raw)}
    i = 0
    pending_space = False
    while i < len(raw):
        if i in breaks:
            if _keeps_hyphen(raw[i - 1]):
                chars.append("-")
                offsets.append(i)
            i = breaks[i]
            continue
        if raw[i].isspace():
            pending_space = bool(chars)
            i += 1
            continue
        if pending_space:
            chars.append(" ")
            offsets.append(i - 1)
            pending_space = False
        chars.append(raw[i])
        offsets.append(i)
        i += 1
    return "".join(chars), offsets


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_normalise_gives_the_text_and_offsets_of_its_per_character_definition(raw: str) -> None:
    norm = normalise(raw)
    text, offsets = _normalised_per_character(raw)
    assert norm.text == text
    assert list(norm.offsets) == offsets
    end = offsets[-1] + 1 if offsets else 0
    assert norm.original(len(text), len(text)) == (end, end)
    for a in range(len(text)):
        assert norm.original(a, len(text)) == (offsets[a], end)


@settings(max_examples=200, deadline=None)
@given(TEXT, st.data())
def test_markers_answer_as_a_search_of_the_text_before_the_point(
    raw: str, data: st.DataObject
) -> None:
    markers = _Markers(raw)
    for _ in range(4):
        at = data.draw(st.integers(0, len(raw) + 1))
        number = data.draw(st.sampled_from([1, 2, 3, 12, 123, 1234]))
        found = re.search(rf"[^\s\d]{number}(?!\d)", raw[:at]) is not None
        assert markers.before(at, number) == found


@settings(max_examples=200, deadline=None)
@given(TEXT, st.lists(st.tuples(st.integers(0, 90), st.integers(0, 90)), max_size=4))
def test_blank_out_blanks_every_span_and_keeps_line_ends(
    raw: str, spans: list[tuple[int, int]]
) -> None:
    chars = list(raw)
    for start, end in spans:
        for k in range(start, min(end, len(chars))):
            if chars[k] != "\n":
                chars[k] = " "
    assert blank_out(raw, spans) == "".join(chars)


@settings(max_examples=200, deadline=None)
@given(TEXT)
def test_line_numbers_count_the_line_ends_before_the_offset(raw: str) -> None:
    text = _Text(raw)
    for offset in range(-2, len(text.text) + 2):
        assert text.line(offset) == text.text.count("\n", 0, offset) + 1
