"""Stored SPARQL queries: their headers, their parameters, running them, and the output.

A stored query is a ``.rq`` file under ``queries/`` that opens with a comment block::

    # title: Instruments resting on a treaty article
    # question: Which instruments have the given article as their legal basis?
    # param article (iri): the treaty provision. default: id:treaty/tfeu/art/78
    # columns: instrument, kind, date

``# param NAME (KIND[, required]): description. default: VALUE`` declares a parameter:
the query's variable ``?NAME``, bound before the query runs, as an RDF term of its kind
(iri, string, integer, decimal, date, lang). Parameters are never pasted into the query
text: Oxigraph pre-binds them (SPARQL substitutions, SEP-0007), rdflib through
``initBindings``. Continuation lines start with ``#`` and more spaces.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO

import pyoxigraph as ox

from loaders.errors import MigkgError
from loaders.graph.engines import Engine, QueryError, Row, Table
from loaders.iris import ID, PREFIXES, XSD
from loaders.limits import Deadline, iterate
from loaders.project import Project
from loaders.terms import OxTerm, curie

KINDS = ("iri", "string", "integer", "decimal", "date", "lang")
FORMATS = ("table", "csv", "json", "md")

_PARAM = re.compile(
    r"^param\s+(?P<name>[A-Za-z_]\w*)\s*\((?P<kind>\w+)(?P<required>\s*,\s*required)?\)\s*:"
    r"\s*(?P<text>.*?)(?:\s*\bdefault:\s*(?P<default>\S.*?))?\s*$",
    re.S,
)


@dataclass(frozen=True)
class Param:
    name: str
    kind: str
    description: str
    default: str | None = None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass
class StoredQuery:
    name: str
    path: Path
    text: str
    title: str = ""
    question: str = ""
    columns: list[str] = field(default_factory=list)
    params: dict[str, Param] = field(default_factory=dict)

    @property
    def is_check(self) -> bool:
        return self.name.startswith("check-")


def _header(text: str) -> list[tuple[str, str]]:
    """The ``key: value`` entries of the opening comment block, continuations joined."""
    entries: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:]
        if body.startswith("  ") and entries:  # a continuation line
            key, value = entries[-1]
            entries[-1] = (key, f"{value} {body.strip()}")
        elif ":" in body:
            key, value = body.strip().split(":", 1)
            entries.append((key.strip().lower(), value.strip()))
    return entries


def parse(path: Path) -> StoredQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MigkgError(f"{path}: cannot read the query: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise MigkgError(f"{path}: the query is not UTF-8 text ({exc.reason})") from exc
    return parse_text(text, path.stem, path)


# a token that can hold a colon without being a prefixed name (strings, IRIs, comments),
# or a prefixed name's prefix (group 1), or a PREFIX declaration's (group 2)
_TOKENS = re.compile(
    "|".join(
        (
            r'"""(?:[^"\\]|\\.|"(?!""))*"""',  # long strings
            r"'''(?:[^'\\]|\\.|'(?!''))*'''",
            r'"(?:[^"\\\n]|\\.)*"',  # strings
            r"'(?:[^'\\\n]|\\.)*'",
            r"<[^<>\"{}|^`\s]*>",  # IRIs
            r"\#[^\n]*",  # comments
            r"\bPREFIX\s+([A-Za-z][\w.-]*)?:",  # a declaration: group 1
            r"(?<![\w?$:.-])([A-Za-z][\w.-]*):",  # a prefixed name's prefix: group 2
        )
    ),
    re.I,
)


def with_prefixes(text: str, where: str) -> str:
    """The query with a PREFIX line for every project prefix (loaders.iris.PREFIXES) it
    uses but does not declare; a prefix that is neither is named, with the known ones."""
    from loaders.iris import PREFIXES

    declared: set[str] = set()
    used: list[str] = []
    for m in _TOKENS.finditer(text):
        if m.group(1) is not None:
            declared.add(m.group(1))
        elif m.group(2) is not None and m.group(2) not in used:
            used.append(m.group(2))
    missing = [p for p in used if p not in declared]
    unknown = [p for p in missing if p not in PREFIXES]
    if unknown:
        raise MigkgError(
            f"{where}: unknown prefix {unknown[0]}: declare it (PREFIX {unknown[0]}: <...>) or "
            f"use one of the project's: {', '.join(sorted(PREFIXES))} (migkg prefixes)"
        )
    lines = [f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in sorted(missing)]
    return "".join(lines) + text


def parse_text(text: str, name: str, path: Path) -> StoredQuery:
    """A query from its text (a stored file, -e TEXT or standard input); the project's
    prefixes are added where the text uses them without declaring them."""
    header = _header(text)  # the opening comment block, before any PREFIX added
    text = with_prefixes(text, str(path))
    query = StoredQuery(name, path, text)
    kind = operation(text)
    if kind in UPDATES:
        raise MigkgError(
            f"{path}: updates are not allowed ({kind}): migkg query only reads the graph; "
            "change the graph by editing instances/ and running migkg build"
        )
    for key, value in header:
        if key == "title":
            query.title = value
        elif key == "question":
            query.question = value
        elif key == "columns":
            query.columns = [c.strip() for c in value.split(",") if c.strip()]
        elif key.startswith("param "):
            match = _PARAM.match(f"{key}: {value}")
            if not match or match["kind"] not in KINDS:
                raise MigkgError(
                    f"{path}: cannot read the parameter line '# {key}: {value}'; write it as "
                    f"'# param NAME (KIND): description. default: VALUE' with KIND one of "
                    f"{', '.join(KINDS)}"
                )
            param = Param(
                match["name"],
                match["kind"],
                match["text"].rstrip(". "),
                None if match["required"] else match["default"],
            )
            if not match["required"] and param.default is None:
                raise MigkgError(
                    f"{path}: parameter {param.name} has no default: give one "
                    "('default: VALUE') or mark it (KIND, required)"
                )
            if not re.search(rf"[?$]{param.name}\b", without_comments(text)):
                raise MigkgError(f"{path}: parameter {param.name} is not used as ?{param.name}")
            query.params[param.name] = param
    return query


UPDATES = ("INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH")
_PROLOGUE = re.compile(r"""\s*(?:\#[^\n]*\n?|PREFIX\s+[\w.-]*:\s*<[^>]*>|BASE\s*<[^>]*>)""", re.I)


def operation(text: str) -> str:
    """The first keyword after the prologue (comments, PREFIX and BASE), upper case:
    SELECT, ASK, CONSTRUCT, DESCRIBE, or an update's (INSERT, DELETE, LOAD …)."""
    position = 0
    while match := _PROLOGUE.match(text, position):
        if match.end() == position:
            break
        position = match.end()
    word = re.match(r"\s*([A-Za-z]+)", text[position:])
    return word.group(1).upper() if word else ""


def without_comments(text: str) -> str:
    """The query's text without its comment lines (the header among them)."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def stored(project: Project) -> list[StoredQuery]:
    return [parse(p) for p in sorted((project.root / "queries").glob("*.rq"))]


def find(project: Project, name: str) -> StoredQuery:
    """A stored query by name (with or without .rq), any .rq file by path, or ``-``: the
    query text on standard input."""
    if name == "-":
        import sys

        try:
            text = sys.stdin.read()
        except UnicodeDecodeError as exc:
            raise MigkgError(f"standard input: the query is not UTF-8 text ({exc.reason})") from exc
        if not text.strip():
            raise MigkgError("standard input: no query given")
        return parse_text(text, "stdin", Path("<stdin>"))
    path = Path(name)
    if path.suffix == ".rq" and path.is_file():
        return parse(path)
    candidate = project.root / "queries" / f"{name.removesuffix('.rq')}.rq"
    if candidate.is_file():
        return parse(candidate)
    names = ", ".join(q.name for q in stored(project))
    raise MigkgError(f"no stored query or .rq file named {name!r}; stored queries: {names}")


# --- parameters -----------------------------------------------------------------------------


def term(param: Param, value: str) -> OxTerm:
    """The RDF term a parameter's value stands for, checked against its kind."""
    where = f"parameter {param.name} ({param.kind})"
    if param.kind == "iri":
        return _iri(value, where)
    if param.kind == "string":
        return ox.Literal(value)
    if param.kind == "lang":
        if not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", value):
            raise MigkgError(f"{where}: {value!r} is not a language tag like nl or en")
        return ox.Literal(value.lower())
    if param.kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value.strip()):
            raise MigkgError(f"{where}: {value!r} is not a whole number")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(XSD + "integer"))
    if param.kind == "decimal":
        try:
            number = Decimal(value.strip())
            if not number.is_finite():
                raise InvalidOperation
            return ox.Literal(format(number, "f"), datatype=ox.NamedNode(XSD + "decimal"))
        except InvalidOperation:
            raise MigkgError(f"{where}: {value!r} is not a number") from None
    if param.kind == "date":
        try:
            day = date.fromisoformat(value.strip()).isoformat()
            return ox.Literal(day, datatype=ox.NamedNode(XSD + "date"))
        except ValueError:
            raise MigkgError(f"{where}: {value!r} is not a date like 2020-09-23") from None
    raise MigkgError(f"{where}: unknown kind")


_IRI_BAD = re.compile(r"[\s<>\"{}|\\^`]")


def _iri(value: str, where: str) -> ox.NamedNode:
    """``<...>``, an absolute IRI, ``prefix:name`` or a path under the id/ namespace."""
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1]
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", text):
            raise MigkgError(f"{where}: {value!r}: write a full IRI between < and >")
    elif re.match(r"^[A-Za-z][\w.-]*:", text) and "://" not in text:
        prefix, local = text.split(":", 1)
        if prefix == "id":
            text = ID + local
        elif prefix in PREFIXES:
            text = PREFIXES[prefix] + local
        else:
            raise MigkgError(
                f"{where}: unknown prefix {prefix!r} in {value!r}; known: id, "
                + ", ".join(sorted(PREFIXES))
            )
    elif not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", text):
        text = ID + text.lstrip("/")
    if not text or _IRI_BAD.search(text):
        raise MigkgError(f"{where}: {value!r} is not an IRI (no spaces, quotes, braces or <>)")
    try:
        return ox.NamedNode(text)
    except ValueError as exc:
        raise MigkgError(f"{where}: {value!r} is not an IRI: {exc}") from None


def bindings(
    query: StoredQuery, given: Sequence[str], lang: str | None = None
) -> dict[str, OxTerm]:
    """The parameters' terms from ``name=value`` strings, defaults for the rest."""
    values: dict[str, str] = {}
    for item in given:
        name, sep, value = item.partition("=")
        if not sep:
            raise MigkgError(f"--param {item!r}: write it as name=value")
        if name not in query.params:
            known = ", ".join(query.params) or "none"
            raise MigkgError(f"{query.name}: unknown parameter {name!r}; its parameters: {known}")
        values[name] = value
    if lang is not None and "lang" in query.params and "lang" not in values:
        values["lang"] = lang
    out: dict[str, OxTerm] = {}
    for param in query.params.values():
        given_or_default = values.get(param.name, param.default)
        if given_or_default is None:
            raise MigkgError(
                f"{query.name}: parameter {param.name} is required ({param.description}); "
                f"give it with --param {param.name}=VALUE"
            )
        out[param.name] = term(param, given_or_default)
    return out


# --- running ---------------------------------------------------------------------------------


def run(engine: Engine, query: StoredQuery, bound: dict[str, OxTerm]) -> Table:
    """A stored query on an engine; a refusal names the query's file."""
    try:
        return engine.select(query.text, bound)
    except QueryError as exc:
        raise QueryError(f"{query.path}: {exc.message}") from exc


def stream(
    engine: Engine, query: StoredQuery, bound: dict[str, OxTerm], deadline: Deadline
) -> tuple[list[str], Iterator[Row]]:
    """A stored query's columns and its rows as the engine gives them, within the
    deadline (the whole wait: the query, the first row and every one after it)."""

    def items() -> Iterator[object]:
        try:
            solutions = engine.solutions(query.text, bound)
            yield solutions.columns
            yield from solutions.rows
        except QueryError as exc:
            raise QueryError(f"{query.path}: {exc.message}") from exc

    found = iterate(items, deadline)
    columns = next(found)
    return columns, found  # type: ignore[return-value]


class Capped:
    """The first ``limit`` rows (0: all); ``more`` tells whether rows were left out."""

    def __init__(self, rows: Iterator[Row], limit: int) -> None:
        self.rows = rows
        self.limit = limit
        self.count = 0
        self.more = False

    def __iter__(self) -> Iterator[Row]:
        for row in self.rows:
            if self.limit and self.count >= self.limit:
                self.more = True
                return
            self.count += 1
            yield row


# --- output ----------------------------------------------------------------------------------


STREAMED = ("csv", "json")
"""Formats written row by row as the rows come (table and md need every row first)."""


def write_stream(columns: list[str], rows: Iterable[Row], fmt: str, out: IO[str]) -> None:
    """CSV or SPARQL JSON results, written row by row: memory stays flat. The text is the
    same as :func:`render` gives for the whole table."""
    if fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([text_of(v) for v in row])
        return
    if fmt != "json":
        raise MigkgError(f"format {fmt!r} is not written row by row")
    marker = "@rows@"
    empty = json.dumps({"head": {"vars": columns}, "results": {"bindings": []}}, indent=2)
    before, after = json.dumps(
        {"head": {"vars": columns}, "results": {"bindings": [marker]}}, indent=2
    ).split(json.dumps(marker))
    first = True
    for row in rows:
        binding = json.dumps(_binding(columns, row), indent=2, ensure_ascii=False)
        out.write((before if first else ",\n      ") + binding.replace("\n", "\n      "))
        first = False
    out.write((empty if first else after) + "\n")


# --- whole tables ----------------------------------------------------------------------------


LABELS = """SELECT ?node ?label WHERE {
  VALUES ?node { %s }
  { ?node <http://www.w3.org/2000/01/rdf-schema#label> ?label }
  UNION { ?node <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }
}"""


def labels(engine: Engine, iris: set[ox.NamedNode], lang: str) -> dict[str, str]:
    """A label for each IRI (by its IRI string): rdfs:label or skos:prefLabel in ``lang``,
    else en/nl, else any. One query on the engine (the IRIs come from its results)."""
    if not iris:
        return {}
    preference = [lang, "en", "nl", ""]

    def rank(label: ox.Literal) -> tuple[int, str]:
        tag = label.language or ""
        return (preference.index(tag) if tag in preference else len(preference), label.value)

    found: dict[str, ox.Literal] = {}
    ordered = sorted(iris, key=lambda iri: iri.value)
    for i in range(0, len(ordered), 500):
        values = " ".join(str(iri) for iri in ordered[i : i + 500])
        for node, label in engine.select(LABELS % values).rows:
            if not isinstance(node, ox.NamedNode) or not isinstance(label, ox.Literal):
                continue
            best = found.get(node.value)
            if best is None or rank(label) < rank(best):
                found[node.value] = label
    return {iri: label.value for iri, label in found.items()}


def names_for(engine: Engine, rows: Iterable[Row], lang: str | None = None) -> dict[str, str]:
    """The label of every IRI in the rows (:func:`labels`, in ``lang``, English by default):
    what the table and md outputs, and the Python API's rows, show for a node."""
    iris = {v for row in rows for v in row if isinstance(v, ox.NamedNode)}
    return labels(engine, iris, lang or "en")


DECIMAL = XSD + "decimal"


def text_of(value: OxTerm | None) -> str:
    """The text of a value in every output format, the same on every engine: an
    xsd:decimal in its XSD 1.1 canonical form ("86", "0.5", "-3.25"), as Oxigraph writes
    it; rdflib and some servers write "86.0"."""
    if value is None:
        return ""
    if isinstance(value, ox.Literal) and value.datatype.value == DECIMAL:
        return canonical_decimal(value.value)
    return value.value


def canonical_decimal(lexical: str) -> str:
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(lexical.strip())
    except InvalidOperation:
        return lexical  # ill-typed: shown as written
    if not number.is_finite():
        return lexical
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cell(value: OxTerm | None, names: dict[str, str]) -> str:
    if value is None:
        return ""
    if isinstance(value, ox.NamedNode):
        return names.get(value.value) or curie(value.value)
    return text_of(value)


def render(table: Table, fmt: str, names: dict[str, str], width: int = 60) -> str:
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(table.columns)
        writer.writerows([[text_of(v) for v in row] for row in table.rows])
        return out.getvalue()
    if fmt == "json":
        return json.dumps(_sparql_json(table), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        lines = ["| " + " | ".join(table.columns) + " |", "|" + " --- |" * len(table.columns)]
        for row in table.rows:
            cells = [_md_cell(v, names) for v in row]
            lines.append("| " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
    if fmt == "table":
        return _text_table(table, names, width)
    raise MigkgError(f"unknown format {fmt!r}: choose one of {', '.join(FORMATS)}")


def _md_cell(value: OxTerm | None, names: dict[str, str]) -> str:
    text = cell(value, names).replace("|", "\\|").replace("\n", " ")
    if isinstance(value, ox.NamedNode):
        return f"[{text}]({value.value})"
    return text


def _text_table(table: Table, names: dict[str, str], width: int = 60) -> str:
    """A plain text table; cells longer than ``width`` are cut with "…" (0: never)."""

    def clip(text: str) -> str:
        text = " ".join(text.split())
        return text if not width or len(text) <= width else text[: width - 1] + "…"

    body = [[clip(cell(v, names)) for v in row] for row in table.rows]
    widths = [max([len(c), *(len(r[i]) for r in body)]) for i, c in enumerate(table.columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(table.columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"


PLAIN = {XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"}


def _binding(columns: list[str], row: Row) -> dict[str, dict[str, str]]:
    """One row in the SPARQL 1.1 Query Results JSON Format."""
    binding: dict[str, dict[str, str]] = {}
    for name, value in zip(columns, row, strict=True):
        if value is None:
            continue
        if isinstance(value, ox.NamedNode):
            binding[name] = {"type": "uri", "value": value.value}
        elif isinstance(value, ox.Literal):
            entry = {"type": "literal", "value": text_of(value)}
            if value.language:
                entry["xml:lang"] = value.language
            elif value.datatype.value not in PLAIN:
                entry["datatype"] = value.datatype.value
            binding[name] = entry
        else:
            binding[name] = {"type": "bnode", "value": value.value}
    return binding


def _sparql_json(table: Table) -> dict[str, object]:
    """The SPARQL 1.1 Query Results JSON Format."""
    bindings = [_binding(table.columns, row) for row in table.rows]
    return {"head": {"vars": table.columns}, "results": {"bindings": bindings}}
