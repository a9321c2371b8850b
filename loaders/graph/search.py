"""``migkg search``: full-text search over labels, definitions and quotes, ranked by BM25.

``migkg build`` writes the index, dist/search.sqlite, beside the graph: an SQLite FTS5
table (the standard library's ``sqlite3``, no new dependency) with one row per literal
searched, and everything a hit shows, so that a search reads nothing else:

========== ==========================================================================
field      the literals
========== ==========================================================================
label      ``rdfs:label``, ``skos:prefLabel``
altLabel   ``skos:altLabel``
definition ``skos:definition``
quote      the ``oa:exact`` of a fact's evidence: ``?fact mig:hasEvidence ?a . ?a
           oa:hasTarget ?t . ?t oa:hasSource ?doc ; oa:hasSelector ?s . ?s oa:exact ?q``
========== ==========================================================================

A hit names its node (for a quote: the fact that carries it), the node's most specific
class, its labels and its source documents (for a quote its ``oa:hasSource``, else the
node's ``mig:isStatedIn``, if any). A quote has no language tag: it takes the language of
its source document (``mig:hasLanguage``). Every class of a node, its superclasses
included (``rdfs:subClassOf``, closed at build time), is kept for ``--type``.

The tokenizer is ``unicode61 remove_diacritics 2``: case and diacritics do not count
("eentje" finds "ééntje"). The text searched is an FTS5 query: words (all must occur),
``"a phrase"``, ``OR``, ``NOT``, ``NEAR(a b)`` and ``prefix*``, which finds a Dutch word
inside the compounds it starts (``hervestiging*`` finds "hervestigingsquotum").
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from loaders.errors import MigkgError
from loaders.iris import ID, PREFIXES

if TYPE_CHECKING:
    import pyoxigraph as ox

    from loaders.project import Project

INDEX = "search.sqlite"
"""The index's file name under dist/."""

RDF = PREFIXES["rdf"]
RDFS = PREFIXES["rdfs"]
SKOS = PREFIXES["skos"]
OA = PREFIXES["oa"]
MIG = PREFIXES["mig"]
FIELDS = {
    RDFS + "label": "label",
    SKOS + "prefLabel": "label",
    SKOS + "altLabel": "altLabel",
    SKOS + "definition": "definition",
}
READ = (
    *FIELDS,
    RDF + "type",
    RDFS + "subClassOf",
    MIG + "isStatedIn",
    MIG + "hasEvidence",
    MIG + "hasLanguage",
    OA + "hasTarget",
    OA + "hasSource",
    OA + "hasSelector",
    OA + "exact",
)
"""The predicates the index reads."""
LANGUAGES = {"NLD": "nl", "ENG": "en", "FRA": "fr", "DEU": "de"}
"""Publications Office language codes (a source's ``mig:hasLanguage``) as language tags."""
OPEN, CLOSE = "«", "»"
"""The marks around a matched word in ``Hit.snippet`` and ``Hit.marked``."""

SCHEMA = """
CREATE TABLE nodes(
    id INTEGER PRIMARY KEY, iri TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
    label_en TEXT NOT NULL, label_nl TEXT NOT NULL);
CREATE TABLE classes(node INTEGER NOT NULL, class TEXT NOT NULL);
CREATE INDEX classes_by_class ON classes(class, node);
CREATE VIRTUAL TABLE texts USING fts5(
    text, field UNINDEXED, lang UNINDEXED, node UNINDEXED, sources UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2');
"""


@dataclass(frozen=True)
class Hit:
    """One match: the node, the field and literal matched, and what the node is."""

    node: str
    """The node's IRI (for a quote: the fact that carries the evidence)."""
    type: str
    """Its most specific class, as a prefixed name ('' for none)."""
    field: str
    """label, altLabel, definition or quote."""
    text: str
    """The literal matched, whole."""
    marked: str
    """``text`` with each matched word between « and »."""
    snippet: str
    """The part of ``text`` around the match, marked, cut with … ."""
    lang: str
    """The literal's language ('nl', 'en'; for a quote its source's), or ''."""
    label: str
    """The node's label in the language asked for (English by default), else the other."""
    sources: tuple[str, ...]
    """The source documents: a quote's oa:hasSource, else the node's mig:isStatedIn."""
    score: float
    """BM25 as FTS5 gives it: lower is better."""


# --- the index, made by the build ----------------------------------------------------------


def write_index(quads: Iterable[ox.Quad], path: Path) -> int:
    """Write the index of the quads' literals to ``path`` (a new file); the rows written."""
    import pyoxigraph as ox

    from loaders.terms import curie

    read = {ox.NamedNode(p) for p in READ}
    out: dict[tuple[str, str], set[str]] = {}  # (subject, predicate) -> object IRIs
    literals: list[tuple[str, str, ox.Literal]] = []
    named: set[str] = set()  # the subjects that are IRIs (a blank node is no hit)
    literal, iri, blank = ox.Literal, ox.NamedNode, ox.BlankNode
    for q in quads:  # (a triple in several graphs comes more than once: sets and dicts)
        verb = q.predicate
        if verb not in read:
            continue
        subject, o = q.subject, q.object
        if type(subject) is iri:
            named.add(subject.value)
        elif type(subject) is not blank:
            continue
        if type(o) is literal:
            literals.append((subject.value, verb.value, o))
        elif type(o) is iri or type(o) is blank:
            out.setdefault((subject.value, verb.value), set()).add(o.value)

    def objects(subject: str, predicate: str) -> list[str]:
        return sorted(out.get((subject, predicate), ()))

    supers: dict[str, set[str]] = {}

    def closure(cls: str) -> set[str]:
        found = supers.get(cls)
        if found is None:
            found = supers[cls] = {cls}  # (a cycle stops here)
            for parent in objects(cls, RDFS + "subClassOf"):
                found |= closure(parent)
        return found

    labels: dict[str, dict[str, str]] = {}
    exact: dict[str, list[str]] = {}
    for s, p, o in sorted(literals, key=lambda x: (x[0], x[1], x[2].value)):
        if p in (RDFS + "label", SKOS + "prefLabel"):
            labels.setdefault(s, {}).setdefault(o.language or "", o.value)
        elif p == OA + "exact":
            exact.setdefault(s, []).append(o.value)

    def language(source: str) -> str:
        for code in objects(source, MIG + "hasLanguage"):
            return LANGUAGES.get(code.rsplit("/", 1)[-1], "")
        return ""

    rows: dict[tuple[str, str, str, str, str], None] = {}
    for s, p, o in literals:
        field = FIELDS.get(p)
        if field and s in named:
            stated = " ".join(objects(s, MIG + "isStatedIn"))
            rows[(s, field, o.value, o.language or "", stated)] = None
    for (fact, predicate), notes in out.items():
        if predicate != MIG + "hasEvidence" or fact not in named:
            continue
        for note in sorted(notes):
            for target in objects(note, OA + "hasTarget"):
                docs = objects(target, OA + "hasSource")
                lang = next((language(d) for d in docs if language(d)), "")
                for selector in objects(target, OA + "hasSelector"):
                    for quote in exact.get(selector, ()):
                        rows[(fact, "quote", quote, lang, " ".join(docs))] = None

    nodes: dict[str, int] = {}
    node_rows: list[tuple[int, str, str, str, str]] = []
    class_rows: list[tuple[int, str]] = []
    text_rows: list[tuple[str, str, str, int, str]] = []
    for node, field, text, lang, stated in sorted(rows):
        if node not in nodes:
            number = nodes[node] = len(nodes) + 1
            classes = set(objects(node, RDF + "type"))
            every = set().union(*(closure(c) for c in classes))
            specific = sorted(
                curie(c) for c in classes if not any(c in closure(u) - {u} for u in classes)
            )
            label = labels.get(node, {})
            kind = specific[0] if specific else ""
            en, nl = label.get("en") or label.get("", ""), label.get("nl", "")
            node_rows.append((number, node, kind, en, nl))
            class_rows += [(number, c) for c in sorted(every)]
        text_rows.append((text, field, lang, nodes[node], stated))
    db = sqlite3.connect(path)
    try:
        # a new file that the build renames into place when whole: no journal needed
        db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
        db.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?)", node_rows)
        db.executemany("INSERT INTO classes VALUES (?, ?)", class_rows)
        db.executemany(
            "INSERT INTO texts(text, field, lang, node, sources) VALUES (?, ?, ?, ?, ?)",
            text_rows,
        )
        db.execute("INSERT INTO texts(texts) VALUES ('optimize')")
        db.commit()
    finally:
        db.close()
    return len(rows)


# --- searching -----------------------------------------------------------------------------


def class_iri(name: str) -> str:
    """A class given as a prefixed name of the project (``mig:Position``), ``<IRI>`` or a
    full IRI, as its IRI."""
    name = name.strip()
    if name.startswith("<") and name.endswith(">"):
        return name[1:-1]
    if "://" in name:
        return name
    prefix, colon, local = name.partition(":")
    if not colon:
        raise MigkgError(f"--type {name!r}: give a prefixed name (mig:Position) or a full IRI")
    if prefix not in PREFIXES:
        raise MigkgError(
            f"--type {name!r}: unknown prefix {prefix!r}: use one of the project's "
            "(migkg prefixes) or a full IRI"
        )
    return PREFIXES[prefix] + local


def index_of(where: Project | Path | str) -> Path:
    """The index file for a project (built now if stale, as every command's build is), a
    project root, or the index file itself."""
    from loaders.graph.dataset import load
    from loaders.project import Project

    if isinstance(where, Project):
        project = where
    else:
        path = Path(where)
        if path.is_file():
            return path
        project = Project.locate(path)
    load(project)
    return project.dist / INDEX


def search(
    where: Project | Path | str,
    text: str,
    lang: str | None = None,
    type: str | None = None,
    limit: int = 20,
) -> list[Hit]:
    """The best ``limit`` hits for ``text`` (an FTS5 query), best first (0: every hit).

    ``where`` is a Project, a project root or an index file; ``lang`` keeps literals in
    that language; ``type`` keeps nodes of that class or a subclass of it (a prefixed name
    or an IRI). A malformed query is a MigkgError naming it."""
    if not text.strip():
        raise MigkgError("search: the text is empty: give words to look for")
    path = index_of(where)
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        db.execute("SELECT iri, label_en, label_nl FROM nodes LIMIT 1").fetchall()
        db.execute("SELECT node FROM classes LIMIT 1").fetchall()
    except sqlite3.Error as exc:
        raise MigkgError(
            f"{path}: not a search index migkg made ({exc}): run migkg build --force"
        ) from exc
    sql = (
        "SELECT n.iri, n.type, t.field, t.text, "
        "highlight(texts, 0, :open, :close), snippet(texts, 0, :open, :close, '…', 16), "
        "t.lang, n.label_en, n.label_nl, t.sources, bm25(texts) "
        "FROM texts AS t JOIN nodes AS n ON n.id = t.node WHERE texts MATCH :text"
    )
    params: dict[str, object] = {"text": text, "open": OPEN, "close": CLOSE}
    if lang:
        sql += " AND t.lang = :lang"
        params["lang"] = lang
    if type:
        params["class"] = class_iri(type)
        if db.execute("SELECT 1 FROM classes WHERE class = :class", params).fetchone() is None:
            db.close()
            raise MigkgError(f"--type {type}: no node of the graph is of this class")
        sql += " AND t.node IN (SELECT node FROM classes WHERE class = :class)"
    sql += " ORDER BY bm25(texts), n.iri, t.field, t.text"
    if limit:
        sql += " LIMIT :limit"
        params["limit"] = limit
    try:
        found = db.execute(sql, params).fetchall()
    except sqlite3.OperationalError as exc:
        raise MigkgError(
            f"search {text!r}: not a valid search ({exc}); put words with - . : ( ) or quotes "
            "in double quotes, e.g. '\"EU-Turkey\"', or see migkg search --help"
        ) from exc
    finally:
        db.close()
    first, second = ("label_nl", "label_en") if lang == "nl" else ("label_en", "label_nl")
    hits = []
    for iri, kind, field, literal, marked, snippet, lng, en, nl, sources, score in found:
        names = {"label_en": en, "label_nl": nl}
        hits.append(
            Hit(
                iri,
                kind,
                field,
                literal,
                marked,
                snippet,
                lng,
                names[first] or names[second],
                tuple(sources.split()),
                score,
            )
        )
    return hits


# --- output --------------------------------------------------------------------------------

COLUMNS = ("node", "type", "field", "lang", "label", "match", "source")
LABEL_WIDTH = 50
"""Tables cut a label longer than this with … (csv and json never cut)."""


def short(iri: str) -> str:
    """An IRI as the tables show it: a path under id/, else a prefixed name."""
    if iri.startswith(ID):
        return iri[len(ID) :]
    for prefix, ns in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def render(hits: list[Hit], fmt: str) -> str:
    """The hits as a text table, CSV or JSON."""
    import json

    if fmt == "json":
        rows = [{**h.__dict__, "sources": list(h.sources)} for h in hits]
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([*COLUMNS[:5], "marked", "source", "score"])
        for h in hits:
            row = [h.node, h.type, h.field, h.lang, h.label, h.marked, " ".join(h.sources)]
            writer.writerow([*row, f"{h.score:.3f}"])
        return buffer.getvalue()
    body = [
        [
            short(h.node),
            h.type,
            h.field,
            h.lang,
            h.label if len(h.label) <= LABEL_WIDTH else h.label[: LABEL_WIDTH - 1] + "…",
            " ".join(h.snippet.split()),
            " ".join(short(s) for s in h.sources),
        ]
        for h in hits
    ]
    widths = [max([len(c), *(len(r[i]) for r in body)]) for i, c in enumerate(COLUMNS)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    lines.append(f"({len(body)} hit{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"
