"""The citation extractor: every reference in a text to another document or provision.

Patterns run over the normalised text (words broken at line ends joined, white space
folded: see text.py), so a reference broken over two lines is found whole; each match
is mapped back to its offsets and line in the original file. Kinds and the normalised
identifier each gets:

=============  ===========================================  ==============================
kind           examples                                     identifier
=============  ===========================================  ==============================
commission     COM(2020) 609 final, C (2020) 6467, SWD...   COM(2020) 609
ares           Ref. Ares(2019)3957059                       Ares(2019)3957059
eurlex         https://eur-lex.europa.eu/...CELEX:3202...   the CELEX number (else the URL)
celex          32020H1364                                   32020H1364
oj             PB L 251 van 3.10.2003, blz. 12              OJ L 251, 3.10.2003, p. 12
act            Richtlijn 2013/32/EU, Verordening (EU) nr.   the act's CELEX number
               516/2014, Directive 2008/115/EC
provision      artikel 4, lid 2, sub j, VWEU; Article 292   tfeu/art-4/par-2/pt-j
               TFEU; artikel 18 van het Handvest
kamerstuk      Kamerstuk 19 637, nr. 2375                   19 637, nr. 2375
=============  ===========================================  ==============================
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import URIRef

from loaders.errors import InputError
from loaders.extract.identifiers import commission_number, document_iri
from loaders.extract.text import Normalised, normalise
from loaders.namespaces import ID

if TYPE_CHECKING:
    from loaders.project import Project


@dataclass(frozen=True)
class Reference:
    kind: str
    id: str
    start: int  # offsets in the original text
    end: int
    line: int
    text: str  # as written, white space folded

    @property
    def iri(self) -> URIRef | None:
        """Our IRI for what the reference names, where the scheme of IRIs gives one."""
        if self.kind == "commission":
            return document_iri(numbers=[self.id])
        if self.kind in ("act", "celex", "eurlex") and re.fullmatch(
            r"[1-9CE]\d{4}[A-Z]{1,2}\d{1,4}", self.id
        ):
            return document_iri(celex=[self.id])
        if self.kind == "provision":
            return ID[self.id]
        if self.kind == "kamerstuk":
            m = re.fullmatch(r"(\d\d) (\d{3})(?:-(\w+))?, nr\. (\d+)", self.id)
            if m and not m.group(3):
                return ID[f"kst/{m.group(1)}{m.group(2)}-{m.group(4)}"]
        return None


def read_text(path: Path) -> str:
    """A source file as text, or a clear error for binary or wrongly encoded files."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc}") from exc
    if b"\x00" in data[:4096]:
        raise InputError(path, "this is a binary file, not text (convert a PDF to text first)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            path, f"not UTF-8 text (byte {exc.start}): convert the file to UTF-8", line
        ) from None


# --- patterns ------------------------------------------------------------------------------------

COMMISSION = re.compile(
    r"(?<![\w-])(COM|C|SEC|SWD|JOIN)\s?\(\s?(\d{4})\s?\)\s?(\d{1,5})\b"
    r"(?:\s(?:final|def\.|definitief)\b)?"
)
_ARES = re.compile(r"\bAres\s?\((\d{4})\)\s?(\d+)")
# a link may be broken over lines: a chunk that starts like the rest of a URL, or holds
# its query part (& or =), continues it
EURLEX = re.compile(r"https?://eur-lex\.europa\.eu/\S*(?: (?:[?&=/%]\S*|[\w.:-]*[&=]\S*))*")
CELEX_IN_URL = re.compile(r"CELEX(?::|%3A)([1-9CE]\d{4}[A-Z]{1,2}\d{1,4})", re.I)
_CELEX = re.compile(r"(?<![\w/:])([1-9CE]\d{4}(?:[A-Z]{1,2})\d{4})(?![\w/])")
_OJ = re.compile(
    r"\b(?:PB|OJ)\s?([LC])\s?(\d{1,4})(?:\s?[A-Z](?![a-z]))?(?:\s+van|,)\s+"
    r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?:,\s+(?:blz|p)\.\s?(\d+))?"
)
_DOMAIN = r"EU|EG|EEG|EC|EEC|Euratom|JBZ|JHA|GBVB|CFSP|PESC"
_ACT_NUMBER = (
    rf"(?:\((?:{_DOMAIN})\)\s?)?(?:(?:nr|No|n°)\.?\s?)?"
    rf"\d{{1,4}}/\d{{1,4}}(?:/(?:{_DOMAIN}))?(?![\d/])"
)
_KINDS = {
    "verordening": "R",
    "verordeningen": "R",
    "regulation": "R",
    "regulations": "R",
    "richtlijn": "L",
    "richtlijnen": "L",
    "directive": "L",
    "directives": "L",
    "besluit": "D",
    "besluiten": "D",
    "beschikking": "D",
    "decision": "D",
    "decisions": "D",
    "kaderbesluit": "F",
    "raadsbesluit": "D",
    "raadsverordening": "R",
    "raadsrichtlijn": "L",
    "framework decision": "F",
    "aanbeveling": "H",
    "aanbevelingen": "H",
    "recommendation": "H",
}
_ACT = re.compile(
    r"\b(?:(?:Gedelegeerde|Uitvoerings|Commission|Council|Delegated|Implementing)\s?)?"
    r"(?P<kind>Framework Decision|Kaderbesluit|Raadsbesluit|Raadsverordening|Raadsrichtlijn"
    r"|Verordening(?:en)?|Richtl(?:ij|ĳ)n(?:en)?|Besluit(?:en)?"
    r"|Beschikking|Aanbeveling(?:en)?|Regulations?|Directives?|Decisions?|Recommendation)"
    rf"(?:\s(?:van\sde\sRaad|van\sde\sCommissie|\((?:{_DOMAIN})\)))?"
    rf"\s(?P<number>{_ACT_NUMBER})",
    re.I,
)
_ACT_DATED = re.compile(
    r"\b(?P<kind>[Bb]esluit|[Vv]erordening|[Rr]ichtlijn|[Aa]anbeveling|[Bb]eschikking)"
    r"\svan\s\d{1,2}\s[a-z]+\s\d{4}\s\((?P<number>\d{4}/\d{1,4})\)"
)
_ACT_MORE = re.compile(rf"^(?:,\s?|\s(?:en|and|of|or)\s)(?P<number>{_ACT_NUMBER})")
_ORDINALS = {
    "eerste": 1,
    "tweede": 2,
    "derde": 3,
    "vierde": 4,
    "vijfde": 5,
    "zesde": 6,
    "zevende": 7,
    "achtste": 8,
    "negende": 9,
    "tiende": 10,
}
_TREATIES = [
    (r"VWEU|TFEU|Verdrag betreffende de werking van de Europese Unie", "tfeu"),
    (r"VEU|TEU|Verdrag betreffende de Europese Unie", "teu"),
    (r"Handvest(?: van de grondrechten(?: van de Europese Unie)?)?|Charter", "charter"),
    (r"EVRM|ECHR|Europees Verdrag voor de Rechten van de Mens", "echr"),
    (r"Vluchtelingenverdrag|Refugee Convention", "refugee-convention-1951"),
]
_TREATY = "|".join(f"(?:{pattern})" for pattern, _ in _TREATIES)
_PART = (
    r"(?:,?\s(?:lid|paragraph|paragraaf)\s\d+|,?\s(?:" + "|".join(_ORDINALS) + r")\slid"
    r"|,?\s(?:sub|onder|point|punt)\s\(?[a-z]\)?|\(\d+\)(?:\([a-z]\))?)"
)
_PROVISION = re.compile(
    r"\b(?:[Aa]rtikel(?:en)?|Articles?|art\.)\s"
    rf"(?P<first>\d+[a-z]?)(?P<parts>(?:{_PART})*)"
    rf"(?P<more>(?:(?:,\s?|\s(?:en|and|tot en met)\s)\d+[a-z]?(?:{_PART})*)*)"
    rf",?\s(?:van\s(?:het|de)\s)?(?P<treaty>{_TREATY})\b"
)
_PROVISION_AFTER = re.compile(
    rf"(?P<treaty>{_TREATY}),?\s(?:en\s)?(?:met name|in het bijzonder|inzonderheid|in particular)"
    rf",?\s(?:[Aa]rtikel|Article)\s(?P<first>\d+[a-z]?)(?P<parts>(?:{_PART})*)(?!,?\s(?:van\s(?:het|de)\s)?(?:{_TREATY}))"
)
_KAMERSTUK = re.compile(
    r"\bKamerstuk(?:ken)?(?:\sI{1,2})?(?:,?\s(?:vergaderjaar\s)?\d{4}[\u2013-]\d{4})?,?\s"
    r"(?P<dossier>\d{2}\s?\d{3})(?:[-\s](?P<suffix>[A-Z]{1,3}|\d{1,3})(?=,?\snr))?"
    r"(?:\s(?:en|and)\s\d{2}\s?\d{3})?,?\s(?:nr\.|nummer)\s?"
    r"(?P<number>\d+)"
)


def _act_id(kind_word: str, number: str) -> str | None:
    letter = _KINDS[kind_word.lower().replace("ĳ", "ij")]
    plain = re.sub(r"^\([^)]*\)\s?", "", number)
    old_style = re.match(r"(?:nr|No|n°)\.?\s?(\d+)/(\d{4})$", plain, re.I)
    if old_style:
        return f"3{old_style.group(2)}{letter}{int(old_style.group(1)):04d}"
    m = re.match(r"(\d{1,4})/(\d{1,4})(?:/\w+)?$", plain)
    if not m:
        return None
    first, second = m.group(1), m.group(2)
    if len(first) == 4 and first.startswith(("19", "20")):
        return f"3{first}{letter}{int(second):04d}"
    if len(second) == 4 and second.startswith(("19", "20")):
        return f"3{second}{letter}{int(first):04d}"
    return None


def article_parts(text: str) -> str:
    out = ""
    for m in re.finditer(
        r"(?:lid|paragraph|paragraaf)\s(\d+)|(" + "|".join(_ORDINALS) + r")\slid"
        r"|(?:sub|onder|point|punt)\s\(?([a-z])\)?|\((\d+)\)|\(([a-z])\)",
        text,
    ):
        if m.group(1) or m.group(4):
            out += f"/par-{m.group(1) or m.group(4)}"
        elif m.group(2):
            out += f"/par-{_ORDINALS[m.group(2)]}"
        else:
            out += f"/pt-{m.group(3) or m.group(5)}"
    return out


def treaty_slug(text: str) -> str:
    for pattern, slug in _TREATIES:
        if re.fullmatch(pattern, text):
            return slug
    raise AssertionError(text)


def _found(t: str) -> Iterator[tuple[str, str, int, int]]:
    """(kind, id, start, end) in the normalised text."""
    claimed: list[tuple[int, int]] = []
    for m in EURLEX.finditer(t):
        url = m.group(0).rstrip(".,;)")
        celex = CELEX_IN_URL.search(url.replace(" ", ""))
        claimed.append((m.start(), m.start() + len(url)))
        yield (
            "eurlex",
            celex.group(1) if celex else url.replace(" ", ""),
            m.start(),
            m.start() + len(url),
        )
    for m in COMMISSION.finditer(t):
        number = commission_number(f"{m.group(1)}({m.group(2)}) {m.group(3)}")
        yield "commission", number.canonical, m.start(), m.end()
    for m in _ARES.finditer(t):
        yield "ares", f"Ares({m.group(1)}){m.group(2)}", m.start(), m.end()
    for m in _CELEX.finditer(t):
        if not any(s <= m.start() < e for s, e in claimed):
            yield "celex", m.group(1), m.start(), m.end()
    for m in _OJ.finditer(t):
        page = f", p. {m.group(6)}" if m.group(6) else ""
        date = f"{int(m.group(3))}.{int(m.group(4))}.{m.group(5)}"
        yield "oj", f"OJ {m.group(1)} {int(m.group(2))}, {date}{page}", m.start(), m.end()
    for m in _ACT.finditer(t):
        kind = m.group("kind")
        act = _act_id(kind, m.group("number"))
        end = m.end()
        if act:
            yield "act", act, m.start(), end
        while more := _ACT_MORE.match(t[end:]):
            act = _act_id(kind, more.group("number"))
            if act:
                yield "act", act, m.start(), end + more.end()
            end += more.end()
    for m in _ACT_DATED.finditer(t):
        act = _act_id(m.group("kind"), m.group("number"))
        if act:
            yield "act", act, m.start("number"), m.end("number")
    for m in _PROVISION_AFTER.finditer(t):
        slug = treaty_slug(m.group("treaty"))
        path = f"{slug}/art-{m.group('first')}{article_parts(m.group('parts'))}"
        yield "provision", path, m.start(), m.end()
    for m in _PROVISION.finditer(t):
        slug = treaty_slug(m.group("treaty"))
        yield (
            "provision",
            f"{slug}/art-{m.group('first')}{article_parts(m.group('parts'))}",
            m.start(),
            m.end(),
        )
        for extra in re.finditer(rf"(\d+[a-z]?)((?:{_PART})*)", m.group("more")):
            yield (
                "provision",
                f"{slug}/art-{extra.group(1)}{article_parts(extra.group(2))}",
                m.start(),
                m.end(),
            )
    for m in _KAMERSTUK.finditer(t):
        dossier = re.sub(r"\s", "", m.group("dossier"))
        suffix = f"-{m.group('suffix')}" if m.group("suffix") else ""
        kid = f"{dossier[:2]} {dossier[2:]}{suffix}, nr. {int(m.group('number'))}"
        yield "kamerstuk", kid, m.start(), m.end()


def extract(raw: str, source: Normalised | None = None) -> list[Reference]:
    """Every reference in the text, in the order they occur."""
    norm = source or normalise(raw)
    out = []
    for kind, ident, start, end in _found(norm.text):
        first, last = norm.original(start, end)
        line = raw.count("\n", 0, first) + 1
        out.append(Reference(kind, ident, first, last, line, norm.text[start:end]))
    return sorted(set(out), key=lambda r: (r.start, r.end, r.kind, r.id))


def extract_file(path: Path) -> list[Reference]:
    return extract(read_text(path))


# --- accuracy against hand-labelled references -----------------------------------------------


@dataclass(frozen=True)
class Score:
    true_positives: int
    labelled: int
    extracted: int

    @property
    def precision(self) -> float:
        return self.true_positives / self.extracted if self.extracted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.labelled if self.labelled else 1.0


def read_gold(path: Path) -> list[tuple[int, str, str]]:
    """(line, kind, id) of each hand-labelled reference in a tests/extract/refs/NNN.tsv."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines()[1:], start=2):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) < 3 or not cells[0].isdigit():
            raise InputError(path, "expected line<TAB>kind<TAB>id<TAB>text", number)
        rows.append((int(cells[0]), cells[1], cells[2]))
    return rows


def score(gold: list[tuple[int, str, str]], found: list[Reference]) -> dict[str, Score]:
    """Precision and recall per kind and in all ("all"): a reference counts as found
    when kind, identifier and line agree."""
    from collections import Counter

    want = Counter(gold)
    got = Counter((r.line, r.kind, r.id) for r in found)
    kinds = sorted({k for _, k, _ in want} | {k for _, k, _ in got})
    out = {}
    for kind in [*kinds, "all"]:
        w = Counter({key: n for key, n in want.items() if kind in ("all", key[1])})
        g = Counter({key: n for key, n in got.items() if kind in ("all", key[1])})
        out[kind] = Score(sum((w & g).values()), sum(w.values()), sum(g.values()))
    return out


GOLD = Path("tests/extract/refs")
THRESHOLD = 0.95


def accuracy(project: Project) -> tuple[str, bool]:
    """A markdown table of precision and recall per kind over the hand-labelled sources,
    and whether both reach the threshold overall."""
    gold: list[tuple[int, str, str]] = []
    found: list[Reference] = []
    per_source = []
    for path in sorted((project.root / GOLD).glob("*.tsv")):
        source = next((project.root / "sources").glob(f"{path.stem}-*.txt"), None)
        if source is None:
            raise InputError(path, f"no source file sources/{path.stem}-*.txt for these labels")
        labels = read_gold(path)
        refs = extract_file(source)
        # keep the source apart: the same line number in two files is not the same place
        gold += [(line, kind, f"{path.stem}:{ident}") for line, kind, ident in labels]
        found += [
            Reference(r.kind, f"{path.stem}:{r.id}", r.start, r.end, r.line, r.text) for r in refs
        ]
        per_source.append((path.stem, score(labels, refs)["all"]))
    scores = score(gold, found)
    lines = [
        "| kind | labelled | extracted | found | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, s in scores.items():
        lines.append(
            f"| {kind} | {s.labelled} | {s.extracted} | {s.true_positives} "
            f"| {s.precision:.3f} | {s.recall:.3f} |"
        )
    lines += ["", "| source | labelled | precision | recall |", "| --- | ---: | ---: | ---: |"]
    lines += [f"| {n} | {s.labelled} | {s.precision:.3f} | {s.recall:.3f} |" for n, s in per_source]
    total = scores["all"]
    ok = total.precision >= THRESHOLD and total.recall >= THRESHOLD
    return "\n".join(lines) + "\n", ok
