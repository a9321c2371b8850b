"""What the graph still holds only as text: dates inside quotes that no node carries as a
date, and evaluative wording that no position or assessment quotes.

Both are measured on the built graph alone (its quotes), never on the source files:

- **A date in a quote** (a day "23 september 2020" or "1.10.2020", a month "juli 2019",
  a year after a temporal word "eind 2020", "uiterlijk 2021", "in 2016", or a range
  "2016-2019") is *data* when a node quoting that same text carries it: a date literal
  of that day, month or year on the node (any property: ``mig:occurredOn``,
  ``mig:wasProposedOn``, ``mig:hasStartDate`` ...), on a node it refers to (the
  instrument a position is about, a claim's subject or object, the instrument of a
  role, the observations of a data set) or on a period (``mig:refPeriod``,
  ``mig:runsDuring``). A year inside an identifier ("(EU) 2020/1364", "COM(2016) 468",
  "van 1951"), a parliamentary year ("Kamerstukken II, 2019-2020"), a year inside a
  cited title between quotation marks and a comparison ("dan in 2015") are not date
  statements and are not counted; "vóór 2016" is held by 2015 or 2016, "na 2021" by
  2021 or 2022.
- **Evaluative wording** (the cue words of the data guide's grading rules: "steunt",
  "verwelkomt", "kritisch", "essentieel" ...) in a quote is *data* when a position or an
  assessment quotes the same text. Sentences no node quotes at all are not seen here.

``docs/coverage.md`` lists every remaining item; the goal is zero.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from loaders.namespaces import MIG, OA, QB

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("januari", "january"),
            ("februari", "february"),
            ("maart", "march"),
            ("april",),
            ("mei", "may"),
            ("juni", "june"),
            ("juli", "july"),
            ("augustus", "august"),
            ("september",),
            ("oktober", "october"),
            ("november",),
            ("december",),
        ),
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
DAY = re.compile(rf"\b(\d{{1,2}})\s+({_MONTH})\s+((?:19|20)\d\d)\b", re.IGNORECASE)
NUMERIC = re.compile(r"(?<![\d/.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d\d)\b")
MONTH = re.compile(rf"\b({_MONTH})\s+((?:19|20)\d\d)\b", re.IGNORECASE)
RANGE = re.compile(
    r"(?<![\d/(])((?:19|20)\d\d)\s*[-\u2010\u2011\u2013]\s*((?:19|20)\d\d)\b(?![/)])"
)
SESSION = re.compile(
    r"(?:Kamerstuk(?:ken)?(?: II| I)?,?|vergaderjaar|Handelingen(?: II| I)?,?)\s+"
    r"(?:19|20)\d\d\s*[-/\u2010\u2011\u2013]\s*(?:19|20)\d\d",
    re.IGNORECASE,
)
TITLE = re.compile(r"\u201c[^\u201d]{0,300}\u201d")
COMPARED = re.compile(r"\b(?:dan|than) in (?:19|20)\d\d\b", re.IGNORECASE)
YEAR_CUES = (
    "in|eind|einde|begin|medio|uiterlijk|vóór|sinds|vanaf|tot|tussen|na|"
    "by|end|early|mid|since|until|from|before|after|helft|half|jaar|year"
)
"""Words before a bare year that make it a date statement. Not "voor" ("for 2020" and
"before 2020" in Dutch) nor "van" ("het Verdrag van 1951" is a name)."""
YEAR = re.compile(rf"\b(?:{YEAR_CUES})\s+((?:19|20)\d\d)\b(?![/)])", re.IGNORECASE)

CUES = re.compile(
    r"\b(steun(?:t|en)|verwelkomt|verwelkomd\w*|is (?:positief|negatief|kritisch)|kritisch\w*|"
    r"onderschrijf\w*|onderschrijv\w*|zorgen over|vraagtekens|betreur\w*|"
    r"essentieel|cruciaal|(?<!met )succes\w*|inefficiënt\w*|ontoereikend\w*|gefaald|"
    r"welcomes?|supports?|regrets?|essential|crucial|success\w*|inefficient)\b",
    re.IGNORECASE,
)

DATE_TYPES = {XSD.date, XSD.gYearMonth, XSD.gYear, XSD.dateTime}
PERIOD_LINKS = (MIG.refPeriod, MIG.runsDuring)


@dataclass(frozen=True)
class Mention:
    """A date stated in a quote: its words and the ISO prefixes that hold it as data
    (any one of them: "2020-09-23" for a day, "2020-09" for a month, "2020" for a year)."""

    words: str
    keys: tuple[str, ...]


def date_mentions(text: str) -> Iterator[Mention]:
    taken: list[tuple[int, int]] = []

    def free(m: re.Match[str]) -> bool:
        return not any(a < m.end() and m.start() < b for a, b in taken)

    def take(m: re.Match[str]) -> None:
        taken.append((m.start(), m.end()))

    for m in SESSION.finditer(text):  # a parliamentary year names a paper, not a date
        take(m)
    for m in TITLE.finditer(text):  # years inside a cited title name the work
        take(m)
    for m in COMPARED.finditer(text):  # "better prepared than in 2015" dates no event
        take(m)
    for m in DAY.finditer(text):
        if not free(m):
            continue
        take(m)
        day, month, year = int(m[1]), MONTHS[m[2].lower()], m[3]
        yield Mention(m[0], (f"{year}-{month:02d}-{day:02d}",))
    for m in NUMERIC.finditer(text):
        if free(m) and 1 <= int(m[2]) <= 12:
            take(m)
            yield Mention(m[0], (f"{m[3]}-{int(m[2]):02d}-{int(m[1]):02d}",))
    for m in MONTH.finditer(text):
        if free(m):
            take(m)
            yield Mention(m[0], (f"{m[2]}-{MONTHS[m[1].lower()]:02d}",))
    for m in RANGE.finditer(text):
        if free(m):
            take(m)
            yield Mention(m[0], (m[1], m[2]))
    for m in YEAR.finditer(text):
        if free(m):
            take(m)
            cue, year = m[0].split()[0].lower(), int(m[1])
            if cue in ("vóór", "before"):  # "vóór 2016": 2015 or earlier, or a deadline
                yield Mention(m[0], (str(year - 1), m[1]))
                continue
            if cue in ("na", "after"):  # "na 2021": from 2022 on
                yield Mention(m[0], (m[1], str(year + 1)))
                continue
            yield Mention(m[0], (m[1],))


def _dates(graph: Graph, node: URIRef) -> set[str]:
    """The ISO forms of every date the node carries, or a node it refers to does (its
    period, the instrument a position is about, the two ends of a claim, the instrument
    of a role, the observations of a data set)."""
    out: set[str] = set()
    nodes: list[Node] = [node, *(o for o in graph.objects(node, None) if isinstance(o, URIRef))]
    nodes += [s for s in graph.subjects(MIG.hasInvolvement, node) if isinstance(s, URIRef)]
    nodes += [s for s in graph.subjects(QB.dataSet, node) if isinstance(s, URIRef)]
    nodes += [p for n in list(nodes) for link in PERIOD_LINKS for p in graph.objects(n, link)]
    for n in nodes:
        for value in graph.objects(n, None):
            if isinstance(value, Literal) and value.datatype in DATE_TYPES:
                out.add(str(value))
    return out


def _held(keys: tuple[str, ...], dates: set[str]) -> bool:
    """A day is held by that date; a month by the month or a day in it; a year by the
    year or any date in it; a range by a date in either of its years."""
    return any(d == k or d.startswith(k + "-") for k in keys for d in dates)


@dataclass(frozen=True)
class Item:
    source: URIRef
    node: URIRef
    words: str
    quote: str


def _quotes(graph: Graph) -> dict[str, list[tuple[URIRef, URIRef]]]:
    """Quote text → (node, source document) for every evidence quote."""
    out: dict[str, list[tuple[URIRef, URIRef]]] = defaultdict(list)
    for node, evidence in graph.subject_objects(MIG.hasEvidence):
        if not isinstance(node, URIRef):
            continue
        for target in graph.objects(evidence, OA.hasTarget):
            source = graph.value(target, OA.hasSource)
            for selector in graph.objects(target, OA.hasSelector):
                exact = graph.value(selector, OA.exact)
                if isinstance(exact, Literal) and isinstance(source, URIRef):
                    out[str(exact)].append((node, source))
    return out


def dates_only_in_text(graph: Graph) -> list[Item]:
    items = set()
    for quote, holders in _quotes(graph).items():
        mentions = list(date_mentions(quote))
        if not mentions:
            continue
        dates = set().union(*(_dates(graph, node) for node, _ in holders))
        for mention in mentions:
            if not _held(mention.keys, dates):
                node, source = min(holders)
                items.add(Item(source, node, mention.words, quote))
    return sorted(items, key=lambda i: (str(i.source), i.quote, i.words))


STANCE_CLASSES = (MIG.Position, MIG.Assessment)


def statements_not_positions(graph: Graph) -> list[Item]:
    items = set()
    for quote, holders in _quotes(graph).items():
        cue = CUES.search(quote)
        if cue is None:
            continue
        if any((node, RDF.type, cls) in graph for node, _ in holders for cls in STANCE_CLASSES):
            continue
        node, source = min(holders)
        items.add(Item(source, node, cue[0], quote))
    return sorted(items, key=lambda i: (str(i.source), i.quote, i.words))
