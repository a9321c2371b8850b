"""The BNC-fiche parser: any fiche on the standard template, as data.

A BNC fiche is the Dutch government's assessment of a new Commission proposal, always
on one template: 1 general data (a title, b date of receipt, c Commission document
number, d EUR-Lex link, e impact assessment, f Council configuration, g lead ministry,
and for legislative proposals h legal basis, i Council decision procedure, j role of
the European Parliament), 2 essence, 3 the Dutch position (a policy, b assessment and
position, c balance of power), 4 competence, subsidiarity, proportionality, financial
consequences and regulatory burden, and on legislative proposals 5-7 implications.

Sections and subsections are found by their heading words, not by their numbers or
letters, so wrapped headings, "a)", "a." or "(a)", "1." or "1", a missing optional
section (a warning that names it) and CRLF line ends all work. Footnotes, which PDF
extraction puts where the page ended, are set apart from the body text first; offsets
stay those of the original file.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from loaders.errors import InputError
from loaders.extract.identifiers import IdentifierError, commission_number
from loaders.extract.refs import (
    CELEX_IN_URL,
    COMMISSION,
    EURLEX,
    article_parts,
    read_text,
    treaty_slug,
)
from loaders.extract.text import (
    Normalised,
    blank_out,
    footnote_blocks,
    normalise,
    page_furniture,
    split_block,
)

SECTIONS = {
    "1": "Algemene gegevens",
    "2": "Essentie voorstel",
    "3": "Nederlandse positie ten aanzien van het voorstel",
    "4": "Grondhouding ten aanzien van bevoegdheid, subsidiariteit, proportionaliteit, "
    "financiële gevolgen en gevolgen op het gebied van regeldruk en administratieve lasten",
    "5": "Implicaties juridisch",
    "6": "Implicaties voor uitvoering en/of handhaving",
    "7": "Implicaties voor ontwikkelingslanden",
}
# subsection key -> (heading words it starts with, full heading)
SUBSECTIONS = {
    "1a": ("titel", "Titel voorstel"),
    "1b": ("datum ontvangst", "Datum ontvangst Commissiedocument"),
    "1c": ("nr. commissiedocument", "Nr. Commissiedocument"),
    "1d": ("eur-lex", "EUR-Lex"),
    "1e": (
        "nr. impact assessment",
        "Nr. impact assessment Commissie en Opinie Raad voor Regelgevingstoetsing",
    ),
    "1f": ("behandelingstraject raad", "Behandelingstraject Raad"),
    "1g": ("eerstverantwoordelijk ministerie", "Eerstverantwoordelijk ministerie"),
    "1h": ("rechtsbasis", "Rechtsbasis"),
    "1i": ("besluitvormingsprocedure", "Besluitvormingsprocedure Raad"),
    "1j": ("rol europees parlement", "Rol Europees Parlement"),
    "3a": ("essentie nederlands beleid", "Essentie Nederlands beleid op dit terrein"),
    "3b": ("beoordeling", "Beoordeling + inzet ten aanzien van dit voorstel"),
    "3c": ("eerste inschatting", "Eerste inschatting van krachtenveld"),
    "4a": ("bevoegdheid", "Bevoegdheid"),
    "4b": ("subsidiariteit", "Subsidiariteit"),
    "4c": ("proportionaliteit", "Proportionaliteit"),
    "4d": ("financiële gevolgen", "Financiële gevolgen"),
    "4e": (
        "gevolgen voor regeldruk",
        "Gevolgen voor regeldruk, administratieve lasten en concurrentiekracht",
    ),
}
REQUIRED = ("1a", "1c")
OPTIONAL = ("1b", "1d", "1e", "1f", "1g", "3a", "3b", "3c", "4a", "4b", "4c", "4d", "4e")
DIMENSIONS = {
    "4a": "competence",
    "4b": "subsidiarity",
    "4c": "proportionality",
    "4d": "financial",
    "4e": "regulatory_burden",
}
_MONTH_NAMES = "januari februari maart april mei juni juli augustus september oktober"
MONTHS = {m: i + 1 for i, m in enumerate(f"{_MONTH_NAMES} november december".split())}


class NotAFiche(InputError):
    """The text is not a BNC fiche."""


@dataclass(frozen=True)
class Sentence:
    text: str  # white space folded
    start: int  # offsets in the original file
    end: int
    line: int


@dataclass(frozen=True)
class Stance:
    stance: str
    sentence: Sentence
    condition: str | None = None  # the sentence that states the condition, if another one


@dataclass
class Fiche:
    path: str
    fields: dict[str, str] = field(default_factory=dict)  # subsection key -> folded text
    documents: list[str] = field(default_factory=list)
    celex: list[str] = field(default_factory=list)
    received: date | None = None
    legal_basis: list[str] = field(default_factory=list)
    assessments: dict[str, Stance] = field(default_factory=dict)
    positions: list[Stance] = field(default_factory=list)
    footnotes: list[Sentence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    present: list[str] = field(default_factory=list)
    # added fields (issue 17): the label a fiche on several documents gives each number
    # ("Verordening: COM(2025) 101", "COM(2024) 560 final (verordening)"), and the CELEX
    # number of each document number where the fiche lets one pair them
    document_labels: dict[str, str] = field(default_factory=dict)
    document_celex: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        """The text of a subsection; None if it is missing or empty."""
        return self.fields.get(key) or None


# --- layout: line ends, footnotes, headings ------------------------------------------------


_SPACES = str.maketrans(dict.fromkeys("\u00a0\u2007\u202f\u2009\u2002\u2003\f\v", " "))


class _Text:
    """The file as LF text, and the way back to offsets of the original (CRLF) file."""

    def __init__(self, raw: str) -> None:
        self.raw = raw
        # CR LF to LF; other white space (non-breaking spaces, form feeds) to a space, one
        # character for one, so that offsets stay offsets of the original
        self.text = raw.replace("\r\n", "\n").replace("\r", "\n").translate(_SPACES)
        self._removed = [m.start() - i for i, m in enumerate(re.finditer(r"\r\n", raw))]
        self._line_ends: list[int] | None = None

    def original(self, offset: int) -> int:
        return offset + bisect.bisect_right(self._removed, offset - 1) if self._removed else offset

    def line(self, offset: int) -> int:
        """The 1-based line of ``offset``: the line ends before it, found by bisection in
        the list of all line ends (made once), not counted from the start each time."""
        if self._line_ends is None:
            self._line_ends = [m.start() for m in re.finditer("\n", self.text)]
        if offset < 0:  # as str.count takes it
            offset = max(0, offset + len(self.text))
        return bisect.bisect_left(self._line_ends, offset) + 1


# Headings as they occur in the wild. A heading line is: an optional bullet, an optional
# marker (a section number "1", "1.", "1)", "(1)", "[1]" or a subsection letter "a)",
# "a.", "(a)", "[a]", "A.", or a bare "a"), and heading words. A line with a number or a
# letter in brackets or with a stop is "marked": its words need only begin like the
# heading. A line without one (the older template) must hold nothing but the heading, or
# the heading and a colon, so that body text that happens to begin with a heading word is
# not taken for one.
_BULLET = "\u2022\u00b7\u25aa\u25e6\u2023\u2219\u25cf\u25a0\u27a2\u25ba\uf0b7*\u2013\u2014-"
_LINE = re.compile(
    rf"[ \t]*(?:[{_BULLET}][ \t]*)?"
    r"(?:(?P<num>[(\[]?[1-9][.):\]]?)(?=[ \t])"
    r"|(?P<let>[(\[]?[a-jA-J][.):\]])"
    r"|(?P<bare>[a-jA-J])(?=[ \t]))?"
    r"[ \t]*(?P<rest>\S.*)?"
)

# heading key -> the wordings of the heading (key words: folded, lower case), the first
# one the current template's; the words a line must begin with come first ("|" between
# the beginnings of different wordings)
_WORDINGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "1": ("algemene gegevens", ("algemene gegevens",)),
    "2": ("essentie voorstel", ("essentie voorstel",)),
    "3": ("nederlandse positie", ("nederlandse positie ten aanzien van het voorstel",)),
    "4": (
        "grondhouding ten aanzien",
        (
            "grondhouding ten aanzien van bevoegdheid, subsidiariteit, proportionaliteit, "
            "financiele gevolgen en gevolgen op het gebied van regeldruk en administratieve "
            "lasten",
            "grondhouding ten aanzien van bevoegdheid, subsidiariteit en proportionaliteit",
        ),
    ),
    "5": ("implicaties juridisch", ("implicaties juridisch",)),
    "8": ("implicaties financieel", ("implicaties financieel",)),  # older template
    "6": ("implicaties voor uitvoering", ("implicaties voor uitvoering en/of handhaving",)),
    "7": ("implicaties voor ontwikkelingslanden", ("implicaties voor ontwikkelingslanden",)),
    "1a": ("titel", ("titel voorstel",)),
    "1b": ("datum ontvangst", ("datum ontvangst commissiedocument",)),
    "1c": ("nr. commissiedocument", ("nr. commissiedocument",)),
    "1d": ("eur-lex|prelex|pre-lex", ("eur-lex", "prelex", "pre-lex")),
    "1e": (
        "nr. impact",
        (
            "nr. impact assessment commissie en opinie raad voor regelgevingstoetsing",
            "nr. impact-assessment commissie en opinie impact-assessment board",
        ),
    ),
    "1f": ("behandelingstraject raad", ("behandelingstraject raad",)),
    "1g": ("eerstverantwoordelijk ministerie", ("eerstverantwoordelijk ministerie",)),
    "1h": ("rechtsbasis", ("rechtsbasis",)),
    "1i": ("besluitvormingsprocedure", ("besluitvormingsprocedure raad",)),
    "1j": ("rol europees parlement", ("rol europees parlement",)),
    "3a": ("essentie nederlands beleid", ("essentie nederlands beleid op dit terrein",)),
    "3b": ("beoordeling", ("beoordeling + inzet ten aanzien van dit voorstel",)),
    "3c": ("eerste inschatting", ("eerste inschatting van krachtenveld",)),
    "4a": ("bevoegdheid", ("bevoegdheid",)),
    "4b": ("subsidiariteit", ("subsidiariteit",)),
    "4c": ("proportionaliteit", ("proportionaliteit",)),
    "4d": ("financiele gevolgen", ("financiele gevolgen",)),
    "4e": (
        "gevolgen voor regeldruk",
        ("gevolgen voor regeldruk, administratieve lasten en concurrentiekracht",),
    ),
}
_FIRST_WORDS = {b.split()[0] for begin, _ in _WORDINGS.values() for b in begin.split("|")}
# letters with diacritics folded to their base letter, one character for one, so that
# offsets in a folded line are offsets in the line ("financiële" = "financiele")
_FOLD = str.maketrans(
    {
        c: unicodedata.normalize("NFD", c)[0]
        for c in map(chr, range(0xC0, 0x250))
        if unicodedata.normalize("NFD", c)[0].isascii() and len(unicodedata.normalize("NFD", c)) > 1
    }
)


def _key_words(text: str) -> str:
    return " ".join(text.lower().translate(_FOLD).split())


def _fold_line(text: str) -> str:
    """A line in lower case, diacritics folded, as long as the line."""
    folded = text.lower().translate(_FOLD)
    return folded if len(folded) == len(text) else text.lower()


@dataclass
class _Heading:
    key: str
    start: int  # where the heading line starts
    body: int  # where the text under it starts
    line: int = 0  # index of the heading line


@dataclass
class _Candidate:
    key: str
    line: int
    start: int
    body: int
    marked: bool


def _lines(body: str) -> tuple[list[int], list[int]]:
    starts: list[int] = [0]
    starts += [m.end() for m in re.finditer("\n", body)]
    ends = [s - 1 for s in starts[1:]] + [len(body)]
    return starts, ends


def _headings(body: str) -> list[_Heading]:
    """The headings of the template in ``body``: one pass over the lines finds every line
    that reads as a heading; a section is its first heading line, and a subsection is
    taken under its own section (or where its section has no heading at all)."""
    starts, ends = _lines(body)
    candidates: list[_Candidate] = []
    for i, (a, b) in enumerate(zip(starts, ends, strict=True)):
        m = _LINE.match(body, a, b)
        if not m or not m.group("rest"):
            continue
        rest = m.group("rest")
        first = rest.split(None, 1)[0].lower().translate(_FOLD).rstrip(":")
        if first not in _FIRST_WORDS:
            continue
        marked = bool(m.group("num") or m.group("let"))
        found = _match(body, starts, ends, i, m.start("rest"), rest, marked, bool(m.group("num")))
        if found:
            key, body_at = found
            candidates.append(_Candidate(key, i, a, body_at, marked))
    seen_sections = {c.key for c in candidates if len(c.key) == 1}
    found_heads: list[_Heading] = []
    taken: set[str] = set()
    section = ""
    for c in candidates:
        if len(c.key) == 1:
            if c.key in taken:
                continue
            taken.add(c.key)
            section = c.key
            found_heads.append(_Heading(c.key, c.start, c.body, c.line))
            continue
        if c.key in taken:
            continue
        own = c.key[0]
        if own == section or (own not in seen_sections and (own == "1" or section < own)):
            taken.add(c.key)
            found_heads.append(_Heading(c.key, c.start, c.body, c.line))
    return found_heads


def _match(
    body: str,
    starts: list[int],
    ends: list[int],
    i: int,
    at: int,
    rest: str,
    marked: bool,
    numbered: bool,
) -> tuple[str, int] | None:
    """The heading a line holds, and where the text under it starts."""
    words = _key_words(rest)
    colon = rest.find(":")
    before_colon = _key_words(rest[:colon]) if colon >= 0 else None
    for key, (begin, wordings) in _WORDINGS.items():
        if len(key) == 1:
            if marked and not numbered:
                continue  # a letter marks a subsection
        elif numbered:
            continue  # a number marks a section
        if not words.startswith(tuple(begin.split("|"))):
            continue
        for full in wordings:
            if before_colon is not None and full.startswith(before_colon) and before_colon:
                # "Heading: value": the text under it starts after the colon
                return key, at + colon + 1
            if words == full or (full.startswith(words) and len(words) < len(full)):
                return key, _heading_end(body, starts, ends, i, words, full)
            if marked and words.startswith(full):
                # the value follows the heading words on the same line
                m = _wording_pattern(full).match(_fold_line(rest))
                if m and not rest[m.end() :].strip():
                    return key, ends[i] + 1 if ends[i] < len(body) else len(body)
                if m:
                    return key, at + m.end()
        if marked:
            # a marked line whose words begin like the heading but go on differently
            # (another version of the template)
            return key, _heading_end(body, starts, ends, i, words, wordings[0])
    return None


def _wording_pattern(full: str) -> re.Pattern[str]:
    return _WORDING_PATTERNS.get(full) or _WORDING_PATTERNS.setdefault(
        full, re.compile(r"\s+".join(re.escape(w) for w in full.split()) + r"\s*:?")
    )


_WORDING_PATTERNS: dict[str, re.Pattern[str]] = {}


def _heading_end(
    body: str, starts: list[int], ends: list[int], i: int, taken: str, target: str
) -> int:
    """Where the text under a heading starts: after the heading's line, and after the
    lines that continue it (a heading wrapped over lines: still a prefix of the full
    heading of the template)."""
    j = i
    while j + 1 < len(starts):
        nxt = body[starts[j + 1] : ends[j + 1]]
        colon = nxt.find(":")
        if colon >= 0 and len(taken) < len(target):
            # "…Commissie en Opinie⏎Raad voor Regelgevingstoetsing: SWD(2022) 651"
            ending = f"{taken} {_key_words(nxt[:colon])}".strip()
            if ending != taken and target.startswith(ending):
                return starts[j + 1] + colon + 1
        nxt_words = _key_words(nxt)
        candidate = f"{taken} {nxt_words}".strip()
        if nxt_words and len(taken) < len(target) and target.startswith(candidate):
            taken = candidate
            j += 1
            continue
        break
    return starts[j + 1] if j + 1 < len(starts) else len(body)


# --- sentences and stances -------------------------------------------------------------------

_ABBREVIATIONS = {"nr", "bijv", "o.a", "jl", "art", "blz", "p", "e.d", "d.w.z", "m.b.t", "t.a.v"}
_ABBREVIATIONS |= {"ca", "resp", "vs", "incl", "excl", "zgn", "i.e", "e.g", "no"}
_SENTENCE_END = re.compile(r"[.!?]\d{0,3}(?=\s+[A-Z0-9(\"'\u2018\u201c])")


def sentences(text: _Text, body: str, start: int, end: int) -> list[Sentence]:
    norm = normalise(body[start:end])
    out: list[Sentence] = []
    begin = 0
    for m in _SENTENCE_END.finditer(norm.text):
        # the word before the full stop (its sentence may have begun long before: after an
        # abbreviation the sentence goes on, and begin stays where it was)
        word = max(begin, norm.text.rfind(" ", begin, m.start()) + 1)
        before = norm.text[word : m.start()].lower().lstrip("([\"'")
        if before.rstrip(".") in _ABBREVIATIONS or re.fullmatch(r"[a-z]", before):
            continue
        out.append(_sentence(text, norm, start, begin, m.end()))
        begin = m.end() + 1
    if norm.text[begin:].strip():
        out.append(_sentence(text, norm, start, begin, len(norm.text)))
    return [s for s in out if s.text]


def _sentence(text: _Text, norm: Normalised, base: int, a: int, b: int) -> Sentence:
    chunk = norm.text[a:b].strip()
    chunk = re.sub(r"(?<=[.!?])\d{1,3}$", "", chunk)  # a footnote marker after the full stop
    lead = len(norm.text[a:b]) - len(norm.text[a:b].lstrip())
    first, last = norm.original(a + lead, a + lead + len(chunk))
    return Sentence(
        chunk, text.original(base + first), text.original(base + last), text.line(base + first)
    )


_HOLDER = re.compile(r"\b(kabinet\w*|Nederland|regering|NL)\b")


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(" + "|".join(alternatives) + r")\b", re.I)


# a condition that makes a sentence conditional on its own, and weaker ones that do so
# only with a stance verb in the same sentence
_CONDITION = _words(
    "onder (de )?voorwaarden? dat",
    "op voorwaarde dat",
    "mits",
    "alleen .{0,120}(als|indien|wanneer|op voorwaarde)",
    "binnen de bestaande (kaders|aantallen|hervestigingsaantallen)",
    "kan dit geen .{0,60}betreffen",
    "kan (dit|dat|het) (alleen|slechts|uitsluitend)",
    "(alleen|slechts|uitsluitend) (binnen|op basis van)",
)
_WEAK_CONDITION = _words("voor zover", "zolang", "indien", "als voorwaarde")
_RULES: list[tuple[str, re.Pattern[str]]] = [
    (
        "opposes",
        _words(
            "is (dan ook )?geen voorstander",
            "geen voorstander",
            "verzet zich",
            "wijst .{0,60}af",
            "afwijzend",
            "is (daarom )?tegen",
            "heeft (ernstige |grote )?bedenkingen",
            "ziet geen meerwaarde",
            "steunt (dit|deze|het) (voorstel |onderdeel )?niet",
            "kan (zich )?niet (vinden|steunen|instemmen)",
            "is kritisch",
            "is negatief",
            "staat negatief",
        ),
    ),
    (
        "supports",
        _words(
            "steunt",
            "steunen",
            "is het .{0,30}eens",
            "ziet (veel |grote )?meerwaarde",
            "positief",
            "kan zich (goed )?vinden",
            "kan (instemmen|akkoord gaan)",
            "verwelkomt",
            "onderschrijft",
            "deelt de analyse",
            "is (een )?voorstander",
            "juicht .{0,40}toe",
            "ondersteunt",
            "staat achter",
            "is verheugd",
            "onderkent .{0,60}belang",
            "is .{0,20}bereid",
        ),
    ),
    ("calls-for", _words("bepleit", "roept .{0,60}op", "dringt .{0,40}aan")),
    (
        "commits-to",
        _words(
            "zet .{0,20}zich .{0,30}in",
            "zal zich .{0,60}inzetten",
            "(kabinets)?inzet (is )?gericht op",
            "zal .{0,40}gebruik (van )?maken",
        ),
    ),
    (
        "neutral",
        _words(
            "neemt kennis van",
            "neemt .{0,20}geen standpunt in",
            "zal .{0,40}bestuderen",
            "heeft geen (principieel )?bezwaar",
            "staat neutraal",
        ),
    ),
]


def classify(sentence: str) -> str | None:
    """The stance a sentence takes, if the cabinet (or the Netherlands) takes one."""
    if not _HOLDER.search(sentence):
        return None
    found = [stance for stance, rule in _RULES if rule.search(sentence)]
    if "opposes" in found:
        return "opposes"
    if _CONDITION.search(sentence) or (found and _WEAK_CONDITION.search(sentence)):
        return "conditional"
    for stance in ("calls-for", "commits-to", "supports", "neutral"):
        if stance in found:
            return stance
    return None


def restriction_only(sentence: str) -> bool:
    """A sentence that only states a condition (no stance verb of its own)."""
    return bool(_CONDITION.search(sentence)) and not any(
        rule.search(sentence) for _, rule in _RULES
    )


_ASSESSMENT = [
    (
        "mixed",
        _words(
            "positie\\w*[^.]{0,100}met (de |een )?kanttekening(en)?",
            "overwegend positief",
            "gemengd",
            "deels positief",
            "deels negatief",
            "positief .{0,40}maar .{0,60}(negatief|kritisch|zorgen)",
        ),
    ),
    (
        "negative",
        _words(
            "negatieve? (grond)?houding",
            "negatief",
            "niet (gerechtvaardigd|proportioneel|subsidiair)",
        ),
    ),
    (
        "positive",
        _words(
            "positieve? (grond)?houding",
            "positief",
            "is gerechtvaardigd",
            "acht dit de juiste rechtsgrondslag",
        ),
    ),
]


def assess(parts: list[Sentence]) -> Stance | None:
    for stance, rule in _ASSESSMENT:
        for sentence in parts:
            if rule.search(sentence.text):
                return Stance(stance, sentence)
    return None


# --- the parser --------------------------------------------------------------------------------


def parse_text(raw: str, name: str = "fiche") -> Fiche:
    text = _Text(raw)
    furniture = page_furniture(text.text)
    notes = footnote_blocks(blank_out(text.text, furniture))
    body = blank_out(text.text, [*furniture, *notes])
    heads = _headings(body)
    keys = {h.key for h in heads}
    general = any(k in SUBSECTIONS and k[0] == "1" for k in keys)
    others = {k for k in keys if k[0] in "234" and (len(k) == 1 or k in SUBSECTIONS)}
    if not general and len(others) < 2:
        raise NotAFiche(name, "this is not a BNC fiche: section 1 (Algemene gegevens) not found")
    fiche = Fiche(name)
    bounds = sorted(heads, key=lambda h: h.start)
    for i, head in enumerate(bounds):
        end = bounds[i + 1].start if i + 1 < len(bounds) else len(body)
        if head.key in SUBSECTIONS:
            fiche.fields[head.key] = " ".join(normalise(body[head.body : end]).text.split())
            fiche.present.append(head.key)
            _read(fiche, head.key, text, body, head.body, end)
    _pair_documents(fiche)
    if not general:
        # the other sections are there: parse them, and say what section 1 would have given
        fiche.warnings.append(
            f"{name}: section 1 (Algemene gegevens) is missing: no title, date of receipt, "
            "Commission document number, EUR-Lex link, Council configuration or ministry"
        )
    for key in (*REQUIRED, *OPTIONAL):
        if key not in fiche.fields and (general or key[0] != "1"):
            fiche.warnings.append(f"{name}: section {key} ({SUBSECTIONS[key][1]}) is missing")
    fiche.footnotes = [
        _sentence_of(text, a, b) for block in notes for a, b in split_block(text.text, *block)
    ]
    return fiche


def _sentence_of(text: _Text, a: int, b: int) -> Sentence:
    chunk = " ".join(text.text[a:b].split())
    return Sentence(chunk, text.original(a), text.original(b), text.line(a))


def _read(fiche: Fiche, key: str, text: _Text, body: str, start: int, end: int) -> None:
    value = fiche.fields[key]
    if key == "1b":
        fiche.received = _date(value)
    elif key == "1c":
        documents = _Distinct(fiche.documents)
        for m in COMMISSION.finditer(value):
            try:
                number = commission_number(f"{m.group(1)}({m.group(2)}) {m.group(3)}").canonical
            except IdentifierError:
                continue
            documents.add(number)
    elif key == "1d":
        celexes = _Distinct(fiche.celex)
        for m in EURLEX.finditer(value):
            celex = CELEX_IN_URL.search(m.group(0).replace(" ", ""))
            if celex:
                celexes.add(celex.group(1))
    elif key == "1h":
        treaty = re.search(r"\b(VWEU|TFEU|VEU|TEU)\b", value)
        if treaty:
            slug = treaty_slug(treaty.group(1))
            legal_basis = _Distinct(fiche.legal_basis)
            named = r"(?:[Aa]rtikel(?:en)?|Articles?|en|,)\s"
            for art in re.finditer(named + _ARTICLE_PARTS + _MORE_POINTS, value):
                parts = art.group(2)
                leden = _LEDEN.search(parts)
                if leden:  # "artikel 79, leden 2 en 4": one provision per paragraph
                    paths = [
                        f"{slug}/art-{art.group(1)}/par-{n}"
                        for n in re.findall(r"\d+", leden.group(0))
                    ]
                    for each in paths:
                        legal_basis.add(each)
                    continue
                path = f"{slug}/art-{art.group(1)}{article_parts(parts)}"
                paths = [path]
                for point in re.findall(r"(?:,\s|\sen\s|\sof\s)([a-z])\b", art.group(3) or ""):
                    paths.append(re.sub(r"/pt-[a-z]$", f"/pt-{point}", path))
                for each in paths:
                    legal_basis.add(each)
    elif key == "3b":
        for a, b in _paragraphs(body, start, end):
            previous: Stance | None = None
            for sentence in sentences(text, body, a, b):
                stance = classify(sentence.text)
                if (
                    stance == "conditional"
                    and previous is not None
                    and previous.stance == "supports"
                    and restriction_only(sentence.text)
                ):
                    # "... ziet meerwaarde in X. Voor het kabinet kan dit alleen binnen ..."
                    fiche.positions[-1] = Stance("conditional", previous.sentence, sentence.text)
                    previous = None
                    continue
                if stance:
                    previous = Stance(stance, sentence)
                    fiche.positions.append(previous)
    elif key in DIMENSIONS:
        parts = sentences(text, body, start, end)
        stated = assess(parts)
        if stated:
            fiche.assessments[DIMENSIONS[key]] = stated
        elif parts:
            fiche.assessments[DIMENSIONS[key]] = Stance("none", parts[0])


class _Distinct:
    """Adds to a list what is not in it yet, in order: a set beside the list answers "in
    it yet?" (a search of the list made a section with many numbers quadratic)."""

    def __init__(self, items: list[str]) -> None:
        self.items = items
        self.seen = set(items)

    def add(self, item: str) -> None:
        if item not in self.seen:
            self.seen.add(item)
            self.items.append(item)


_LEDEN = re.compile(r"leden\s\d+(?:(?:,\s|\sen\s)\d+)*")
_ARTICLE_PARTS = (
    r"(\d+[a-z]?)((?:,?\s(?:lid|paragraph)\s\d+|,?\s(?:sub|onder)\s\(?[a-z]\)?"
    r"|,?\sleden\s\d+(?:(?:,\s|\sen\s)\d+)*)*)"
)


_MORE_POINTS = r"((?:(?:,\s|\sen\s|\sof\s)[a-z]\b(?!\w))*)"


def _paragraphs(body: str, start: int, end: int) -> list[tuple[int, int]]:
    """Spans of the paragraphs (text between blank lines) of body[start:end]."""
    spans = []
    at = start
    for m in re.finditer(r"\n[ \t]*\n", body[start:end]):
        if body[at : start + m.start()].strip():
            spans.append((at, start + m.start()))
        at = start + m.end()
    if body[at:end].strip():
        spans.append((at, end))
    merged: list[tuple[int, int]] = []
    for previous, span in zip([None, *spans], spans, strict=False):
        # a paragraph cut by a page break (a footnote block set apart) goes on; whether the
        # text so far ends a sentence is seen at the end of its last paragraph alone (what
        # the pattern needs cannot reach back past the blank line before it)
        if previous and not _ENDS_SENTENCE.search(body, previous[0], previous[1]):
            merged[-1] = (merged[-1][0], span[1])
        else:
            merged.append(span)
    return merged


_ENDS_SENTENCE = re.compile(r"[.!?:;]\d{0,3}\s*$")


def _date(value: str) -> date | None:
    m = re.search(r"(\d{1,2})\s+([a-z]+)\s+(\d{4})", value.lower())
    if m and m.group(2) in MONTHS:
        return date(int(m.group(3)), MONTHS[m.group(2)], int(m.group(1)))
    m = re.search(r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})", value)
    if m:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    return None


def parse(path: Path, name: str | None = None) -> Fiche:
    return parse_text(read_text(path), name or str(path))


# --- accuracy on the held-out fiches -----------------------------------------------------------

HELD_OUT = Path("tests/extract/held-out")
FICHE_THRESHOLD = 0.9
_GENERAL = {
    "title": "1a",
    "impact_assessment": "1e",
    "council": "1f",
    "ministry": "1g",
    "decision_procedure": "1i",
    "parliament_role": "1j",
}


def labelled_items(fiche: Fiche) -> dict[str, set[tuple[str, str]]]:
    """What the parser gives, as the items the hand labels count: ``general`` (field,
    value) pairs, one per element of a list; ``assessments`` (dimension, stance) pairs;
    ``stances`` (sentence, stance) pairs."""
    general: set[tuple[str, str]] = set()
    for name, key in _GENERAL.items():
        value = fiche.get(key)
        if value:
            general.add((name, value))
    if fiche.received:
        general.add(("received", fiche.received.isoformat()))
    for name, values in (
        ("documents", fiche.documents),
        ("celex", fiche.celex),
        ("legal_basis", fiche.legal_basis),
    ):
        general |= {(name, v) for v in values}
    return {
        "general": general,
        "assessments": {(k, v.stance) for k, v in fiche.assessments.items()},
        "stances": {(normalise(p.sentence.text).text, p.stance) for p in fiche.positions},
    }


def read_labels(path: Path) -> dict[str, set[tuple[str, str]]]:
    """The hand labels of a held-out fiche (``NAME.labels.json``, see its README)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        general: set[tuple[str, str]] = set()
        for name, value in data["fields"].items():
            values = value if isinstance(value, list) else [value]
            general |= {(name, normalise(str(v)).text) for v in values if v}
        return {
            "general": general,
            "assessments": {(k, str(v)) for k, v in data["assessments"].items()},
            "stances": {(normalise(s["sentence"]).text, str(s["stance"])) for s in data["stances"]},
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise InputError(path, f"not a labels file: {exc}") from exc


@dataclass
class FicheScore:
    labelled: int = 0
    extracted: int = 0
    right: int = 0
    sentences: int = 0  # stance sentences labelled or found
    agreed: int = 0

    @property
    def precision(self) -> float:
        return self.right / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.right / self.labelled if self.labelled else 1.0

    @property
    def agreement(self) -> float:
        return self.agreed / self.sentences if self.sentences else 1.0

    def add(self, want: set[tuple[str, str]], got: set[tuple[str, str]]) -> None:
        """Count labelled and extracted items: precision and recall."""
        self.labelled += len(want)
        self.extracted += len(got)
        self.right += len(want & got)

    def agree(self, want: set[tuple[str, str]], got: set[tuple[str, str]]) -> None:
        """Count stance sentences, labelled or found: a sentence agrees when the parser
        found it with its labelled stance (a sentence labelled and not found, or found and
        not labelled, is one that does not)."""
        wanted, found = dict(want), dict(got)
        self.sentences += len(wanted.keys() | found.keys())
        self.agreed += sum(1 for s, stance in wanted.items() if found.get(s) == stance)


def fiche_accuracy(root: Path) -> tuple[str, bool, dict[str, FicheScore]]:
    """Field-level precision and recall (general data, assessments) and sentence-level
    stance agreement of the parser against the hand labels of the held-out fiches: a
    markdown table, whether every figure reaches the threshold, and the scores (per kind,
    and per fiche)."""
    totals = {kind: FicheScore() for kind in ("general", "assessments", "stances")}
    per_fiche: dict[str, FicheScore] = {}
    for labels in sorted((root / HELD_OUT).glob("*.labels.json")):
        name = labels.name.removesuffix(".labels.json")
        want = read_labels(labels)
        got = labelled_items(parse(labels.with_name(f"{name}.txt"), name))
        one = per_fiche[name] = FicheScore()
        for kind in ("general", "assessments"):
            totals[kind].add(want[kind], got[kind])
            one.add(want[kind], got[kind])
        totals["stances"].agree(want["stances"], got["stances"])
        one.agree(want["stances"], got["stances"])
    general, assessed, stances = totals["general"], totals["assessments"], totals["stances"]
    lines = [
        "",
        f"BNC-fiche parser on the held-out fiches ({len(per_fiche)}, {HELD_OUT}):",
        "",
        "| measure | labelled | extracted | right | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for title, s in (("general-data fields", general), ("formal assessments", assessed)):
        lines.append(
            f"| {title} | {s.labelled} | {s.extracted} | {s.right} "
            f"| {s.precision:.3f} | {s.recall:.3f} |"
        )
    lines += [
        "",
        "| measure | sentences | agreed | agreement |",
        "| --- | ---: | ---: | ---: |",
        f"| stance of 3b sentences | {stances.sentences} | {stances.agreed} "
        f"| {stances.agreement:.3f} |",
        "",
        "| fiche | fields precision | fields recall | stance agreement |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {n} | {s.precision:.3f} | {s.recall:.3f} | {s.agreement:.3f} |"
        for n, s in per_fiche.items()
    ]
    figures = [general.precision, general.recall, assessed.precision, assessed.recall]
    ok = bool(per_fiche) and min([*figures, stances.agreement]) >= FICHE_THRESHOLD
    return "\n".join(lines) + "\n", ok, {**totals, **per_fiche}


# --- documents, their labels and their CELEX numbers ---------------------------------------------

_LABEL_BEFORE = re.compile(r"(?:^|[\s;,])([A-Za-z\u00c0-\u024f]{3,})\s?:\s*$")
_LABEL_AFTER = re.compile(
    r"^(?:\s?(?:final|def\.|definitief)\b)?\s?\(([A-Za-z\u00c0-\u024f]{3,})\)"
)


def _labelled(value: str, matches: list[re.Match[str]]) -> list[str | None]:
    """The label of each match in ``value``: "Label:" just before it, or "(label)" just
    after it."""
    labels: list[str | None] = []
    for i, m in enumerate(matches):
        begin = matches[i - 1].end() if i else 0
        before = _LABEL_BEFORE.search(value, begin, m.start())
        after = _LABEL_AFTER.match(value[m.end() : m.end() + 40])
        label = before.group(1) if before else after.group(1) if after else None
        labels.append(label.lower() if label else None)
    return labels


def _pair_documents(fiche: Fiche) -> None:
    """Label each document number, and pair it with its CELEX number: by the number itself
    (COM(2023) 742 is 52023PC0742 or 52023DC0742), else by the same label on the number
    and on the link, else, for what is left, in the order of the fiche."""
    numbers = fiche.get("1c") or ""
    links = fiche.get("1d") or ""
    found = list(COMMISSION.finditer(numbers))
    canonical: list[str | None] = []
    for m in found:
        try:
            canonical.append(
                commission_number(f"{m.group(1)}({m.group(2)}) {m.group(3)}").canonical
            )
        except IdentifierError:
            canonical.append(None)
    for number, label in zip(canonical, _labelled(numbers, found), strict=True):
        if number and label and number not in fiche.document_labels:
            fiche.document_labels[number] = label
    urls = list(EURLEX.finditer(links))
    celex_label: dict[str, str | None] = {}
    for m, label in zip(urls, _labelled(links, urls), strict=True):
        celex = CELEX_IN_URL.search(m.group(0).replace(" ", ""))
        if celex and celex.group(1) not in celex_label:
            celex_label[celex.group(1)] = label
    free = [c for c in fiche.celex if c in celex_label]
    for number in fiche.documents:
        own = re.fullmatch(r"COM\((\d{4})\) (\d+)", number)
        if own:
            derived = [
                c for c in free if re.fullmatch(rf"5{own.group(1)}[A-Z]{{2}}0*{own.group(2)}", c)
            ]
            if derived:
                fiche.document_celex[number] = derived[0]
                free.remove(derived[0])
    for number in fiche.documents:
        label = fiche.document_labels.get(number)
        if number in fiche.document_celex or not label:
            continue
        same = [c for c in free if celex_label.get(c) == label]
        if same:
            fiche.document_celex[number] = same[0]
            free.remove(same[0])
    left = [n for n in fiche.documents if n not in fiche.document_celex]
    if len(left) == len(free):
        fiche.document_celex.update(zip(left, free, strict=True))
