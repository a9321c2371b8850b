"""Text normalisation and the quote locator.

Source texts are PDF extractions: words are broken across lines with a hyphen
("gecontro-\\nleerde"), and line breaks and runs of spaces fall anywhere. Quotes are
matched against a normalised text in which

* a word broken at a line end with a hyphen is joined ("gecontroleerde"); where the
  letter before the hyphen is a capital or a digit the hyphen is a real one and is
  kept ("EU-\\nhervestiging" becomes "EU-hervestiging");
* every run of white space becomes one space, and leading and trailing space goes.

Offsets (``oa:start``/``oa:end`` of a text position selector) count characters of the
normalised text; ``Normalised.original`` maps any of them back to the raw file.
"""

from __future__ import annotations

import bisect
import difflib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

# a hyphen after a word character, at a line end, before a word character (the hyphen
# comes first in the pattern so that the search skips to hyphens)
_BREAK = re.compile(r"-(?<=\w-)[ \t]*\r?\n[ \t]*(?=\w)")
_SPACE = re.compile(r"\s+")
_OTHER_SPACE = re.compile(r"[^\S ]")  # white space but the space itself


def _keeps_hyphen(before: str) -> bool:
    """A hyphen at a line end after a capital or digit is part of the word (EU-, COVID-)."""
    return before.isupper() or before.isdigit()


@dataclass(frozen=True)
class Normalised:
    """A normalised text and the way back to offsets of the original.

    The map is kept per stretch, not per character: ``starts[k]`` is the index in
    ``text`` where stretch k begins and ``origins[k]`` the offset in the original of that
    character; the characters of a stretch follow each other in the original too. A new
    stretch begins only where characters were left out (a run of white space folded to
    one space, a hyphenated line break joined), so the map is small and is made without
    a step per character."""

    text: str
    starts: tuple[int, ...]
    origins: tuple[int, ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that the normalised span [start, end) covers."""
        if start == end:
            at = self._offset(start) if start < len(self.text) else self._end
            return at, at
        return self._offset(start), self._offset(end - 1) + 1

    @property
    def offsets(self) -> tuple[int, ...]:
        """Per character of ``text``, its offset in the original."""
        return tuple(self._offset(i) for i in range(len(self.text)))

    def _offset(self, i: int) -> int:
        """The offset in the original of character ``i`` (indexed as a sequence is)."""
        n = len(self.text)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("normalised offset out of range")
        k = bisect.bisect_right(self.starts, i) - 1
        return self.origins[k] + i - self.starts[k]

    @property
    def _end(self) -> int:
        return self._offset(len(self.text) - 1) + 1 if self.text else 0


# what normalise leaves out: a hyphenated line break, and every run of white space of two
# or more characters (a single white space character becomes a space where it is)
_LEFT_OUT = re.compile(rf"{_BREAK.pattern}|\s{{2,}}")


def normalise(raw: str) -> Normalised:
    """Join hyphenated line breaks and fold white space, keeping an offset map.

    Linear in the length of ``raw``, with a step in Python only per place where
    characters are left out (about one a line): the text between them is copied whole."""
    at = len(raw) - len(raw.lstrip())  # leading white space goes
    pieces: list[str] = []
    starts, origins = [0], [at]
    length = 0  # of the normalised text so far
    for m in _LEFT_OUT.finditer(raw, at):
        begin, end = m.span()
        pieces.append(raw[at:begin])
        length += begin - at
        if raw[begin] == "-":  # a hyphenated line break: the hyphen stays after A-Z or 0-9
            if _keeps_hyphen(raw[begin - 1]):
                pieces.append("-")
                length += 1
            starts.append(length)
            origins.append(end)
        elif end < len(raw):  # a run of white space: one space, at the run's last character
            pieces.append(" ")
            starts.append(length)
            origins.append(end - 1)
            length += 1
        at = end
    pieces.append(raw[at:])
    # single white space characters become spaces where they are; trailing space goes
    text = _OTHER_SPACE.sub(" ", "".join(pieces)).rstrip(" ")
    return Normalised(text, tuple(starts), tuple(origins))


def normalise_quote(quote: str) -> str:
    """A quote as written in the data, folded the same way as the source text."""
    return normalise(quote).text


def _fold_context(context: str) -> str:
    """Prefix or suffix text folded like the source, keeping its edge spaces."""
    joined = _BREAK.sub(lambda m: "-" if _keeps_hyphen(m.string[m.start() - 1]) else "", context)
    return _SPACE.sub(" ", joined)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    occurrences: int


class QuoteNotFound(LookupError):
    def __init__(self, quote: str, closest: str) -> None:
        super().__init__(f"quote not found: {quote!r}; closest passage: {closest!r}")
        self.quote = quote
        self.closest = closest


CONTEXT = 32
"""Characters of prefix and suffix recorded with a quote."""


@cache
def load_source(path: Path) -> Normalised:
    return normalise(path.read_text(encoding="utf-8"))


def locate(
    source: Normalised, quote: str, prefix: str | None = None, suffix: str | None = None
) -> Span:
    """Find ``quote`` in ``source``. With several occurrences, ``prefix``/``suffix`` pick
    one (else the first is taken); ``Span.occurrences`` says how many there were."""
    exact = normalise_quote(quote)
    if not exact:
        raise QuoteNotFound(quote, "")
    text = source.text
    starts = [m.start() for m in re.finditer(re.escape(exact), text)]
    if not starts:
        raise QuoteNotFound(quote, closest(source, exact))
    chosen = starts[0]
    if len(starts) > 1 and (prefix or suffix):
        want_p = _fold_context(prefix or "")
        want_s = _fold_context(suffix or "")
        for s in starts:
            before = text[max(0, s - len(want_p)) : s] if want_p else ""
            after = text[s + len(exact) : s + len(exact) + len(want_s)] if want_s else ""
            if before == want_p and after == want_s:
                chosen = s
                break
    end = chosen + len(exact)
    return Span(
        start=chosen,
        end=end,
        exact=exact,
        prefix=text[max(0, chosen - CONTEXT) : chosen],
        suffix=text[end : end + CONTEXT],
        occurrences=len(starts),
    )


def closest(source: Normalised, quote: str) -> str:
    """The passage of ``source`` most like ``quote``, to help fix a quote that is off."""
    text = source.text
    n = len(quote)
    if n == 0 or not text:
        return ""
    # anchor on the rarest long word of the quote, then compare windows around it
    words = sorted({w for w in re.findall(r"\w{5,}", quote)}, key=lambda w: text.count(w) or 10**9)
    candidates: list[int] = []
    for word in words[:3]:
        offset_in_quote = quote.find(word)
        candidates += [m.start() - offset_in_quote for m in re.finditer(re.escape(word), text)][:50]
    if not candidates:
        candidates = list(range(0, max(1, len(text) - n), max(1, n // 2)))
    best, best_ratio = "", -1.0
    for c in candidates:
        c = max(0, min(c, len(text) - n))
        window = text[c : c + n]
        ratio = difflib.SequenceMatcher(None, quote, window, autojunk=False).ratio()
        if ratio > best_ratio:
            best, best_ratio = window, ratio
    return best


def line_of(raw: str, offset: int) -> int:
    """1-based line number of ``offset`` in ``raw``."""
    starts = [0] + [m.end() for m in re.finditer("\n", raw)]
    return bisect.bisect_right(starts, offset)


# --- footnotes ----------------------------------------------------------------------------------
# PDF extraction puts a page's footnotes where the page ended, often inside a sentence.
# A footnote block starts on a line "N text", N the next footnote number, after a blank
# line, where the text before carries the marker N glued to a word ("gepresenteerd.1").


_FOOTNOTE_START = re.compile(r"(\d{1,3}) (?=\S)")


def footnote_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of footnote blocks: from a line "N text" (N the next footnote number) to the
    line before the body resumes (a line that starts with white space, or after a blank
    line anything but the next footnote)."""
    spans: list[tuple[int, int]] = []
    markers = _Markers(text)
    expected = 1
    lines = text.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    i = 0
    while i < len(lines):
        m = _FOOTNOTE_START.match(lines[i])
        prev_blank = i == 0 or not lines[i - 1].strip()
        if (
            m
            and int(m.group(1)) == expected
            and prev_blank
            and markers.before(offsets[i], expected)
        ):
            start = offsets[i]
            j = i
            while j < len(lines):
                line = lines[j]
                m2 = _FOOTNOTE_START.match(line)
                if m2 and int(m2.group(1)) == expected:
                    expected += 1
                    j += 1
                    continue
                if not line.strip():
                    nxt = lines[j + 1] if j + 1 < len(lines) else ""
                    m3 = _FOOTNOTE_START.match(nxt)
                    if m3 and int(m3.group(1)) == expected:
                        j += 1
                        continue
                    break
                if line[:1].isspace():
                    break
                j += 1  # a continuation line of the footnote
            spans.append((start, offsets[j] - 1 if j > i else offsets[i + 1] - 1))
            i = j
            continue
        i += 1
    return spans


class _Markers:
    """Does the body before a point carry footnote marker N (a number glued to a word or
    punctuation, "gepresenteerd.1")? Where each marker first ends is found in one pass
    over the text, made when first asked, so a question costs no pass of its own."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._first: dict[str, int] | None = None

    def before(self, at: int, number: int) -> bool:
        """Is ``[^\\s\\d]{number}(?!\\d)`` found in ``text[:at]``?"""
        digits = str(number)
        if not (digits.isdigit() and len(digits) <= 3):  # footnote numbers have 1-3 digits
            return re.compile(rf"[^\s\d]{digits}(?!\d)").search(self.text, 0, at) is not None
        if self._first is None:
            self._first = {}
            for m in re.finditer(r"[^\s\d](\d{1,3})(?!\d)", self.text):
                self._first.setdefault(m.group(1), m.end())
        if self._first.get(digits, at + 1) <= at:
            return True
        # a marker cut by the end of text[:at], its digits going on after it
        cut = re.compile(rf"[^\s\d]{digits}").fullmatch(self.text, max(0, at - len(digits) - 1), at)
        return cut is not None


def blank_out(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with the spans turned to spaces (line ends kept): offsets stay valid."""
    pieces: list[str] = []
    at = 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        pieces.append(text[at:start])
        pieces.append(_NOT_LINE_END.sub(" ", text[start:end]))
        at = end
    pieces.append(text[at:])
    return "".join(pieces)


_NOT_LINE_END = re.compile(r"[^\n]")


def split_block(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The single footnotes of a block: each starts on a line "N text"."""
    starts: list[int] = []
    expected = None
    for m in re.finditer(r"(?m)^(\d{1,3}) (?=\S)", text[start:end]):
        number = int(m.group(1))
        if expected is None or number == expected:
            starts.append(start + m.start())
            expected = number + 1
    return [(a, (starts[i + 1] if i + 1 < len(starts) else end)) for i, a in enumerate(starts)]


# --- page furniture --------------------------------------------------------------------------
# Text taken from a PDF keeps what stood on every page: page numbers ("3", "- 3 -",
# "Pagina 3 van 8", "3/8", "Blz. 3") and running headers or footers (the same short line
# above or below each page number). They fall between the lines of the body, often inside
# a sentence.

_PAGE_NUMBER = re.compile(
    r"[ \t]*(?:-[ \t]*\d{1,3}[ \t]*-|(?:pagina|page|blz\.?|p\.)[ \t]*\d{1,3}"
    r"(?:[ \t]*(?:van|of|/)[ \t]*\d{1,3})?|\d{1,3}[ \t]*(?:/|van)[ \t]*\d{1,3}|\d{1,3})[ \t]*",
    re.I,
)


def page_furniture(text: str) -> list[tuple[int, int]]:
    """Spans of the page numbers and running headers and footers of ``text`` (each a whole
    line without its line end). A running header or footer is a short line that does not
    end like a sentence or a clause, stands next to a page number (blank lines between
    aside) each time it occurs, and occurs at least twice and on at least half of the
    pages. One pass over the lines."""
    starts = [0] + [m.end() for m in re.finditer("\n", text)]
    ends = [s - 1 for s in starts[1:]] + [len(text)]
    numbers = [bool(_PAGE_NUMBER.fullmatch(text, a, b)) for a, b in zip(starts, ends, strict=True)]
    spans = [(a, b) for a, b, n in zip(starts, ends, numbers, strict=True) if n]
    if not spans:
        return spans
    blank = [not text[a:b].strip() for a, b in zip(starts, ends, strict=True)]
    beside = [False] * len(starts)
    for i, n in enumerate(numbers):
        if n:
            for step in (-1, 1):
                j = i + step
                while 0 <= j < len(starts) and blank[j] and abs(j - i) <= 3:
                    j += step
                if 0 <= j < len(starts) and not numbers[j]:
                    beside[j] = True
    seen: dict[str, list[int]] = {}
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        if beside[i]:
            line = text[a:b].strip()
            # a blank line is beside a number when more than three blank lines follow it
            if line and len(line) <= 120 and line[-1] not in ".!?;,":
                seen.setdefault(line, []).append(i)
    total = dict.fromkeys(seen, 0)  # every occurrence, beside a page number or not
    for a, b in zip(starts, ends, strict=True):
        line = text[a:b].strip()
        if line in total:
            total[line] += 1
    least = max(2, (len(spans) + 1) // 2)
    for line, where in seen.items():
        if len(where) >= least and len(where) == total[line]:
            spans += [(starts[i], ends[i]) for i in where]
    return sorted(spans)
