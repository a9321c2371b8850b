"""SHACL validation as set-based SPARQL on an in-memory Oxigraph store.

pySHACL evaluates every property shape once per focus node; on our graph that is some
35 000 shape evaluations and several seconds. This module compiles each constraint of
the shapes graph into one SPARQL query that finds all of its violations at once and
runs it on pyoxigraph. It covers the parts of SHACL Core and SHACL-SPARQL our shapes
use; anything else raises :class:`Unsupported`, and the caller falls back to pySHACL.

Its results are the top-level results pySHACL reports (focus node, source shape,
severity, path, value, message): ``tests/test_validate.py`` checks that both engines
agree on the real graph and on every two-way shape test case.

On large graphs (``migkg bench``: a million triples) the cost is in the queries, which
are kept cheap: the node sets several queries share (the focus nodes of a target, the
instances of a class) are found once per validation and looked up from then on
(:meth:`Compiler.stored`); a sh:minCount or sh:maxCount of 1 on a predicate asks whether
a node has no value or two, without counting; whether a literal is well-typed, and the
value of a literal stored under KEPT_AS, are worked out in SPARQL where that is certain,
without a call into Python per value; and a SHACL-SPARQL query's triples are matched
subject by subject before they are joined (:func:`_star_joins`).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from loaders import terms
from loaders.graph.engines import Engine, QueryError
from loaders.namespaces import SH

WELL_TYPED = "urn:migkg:fn:wellTyped"
KEPT_AS = "urn:migkg:dt:"
# while validate_store runs, the node sets the queries share (the focus nodes of a target,
# the instances of a class) are kept in this graph: (SET + hash of its query, MEMBER, node)
SETS_GRAPH = "urn:migkg:shacl:sets"
SET = "urn:migkg:shacl:set:"
MEMBER = "urn:migkg:shacl:member"
BASE_PROLOGUE = (
    "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
)

# constraint parameters that test one value node at a time
VALUE_PARAMS = {
    SH["class"],
    SH.datatype,
    SH.nodeKind,
    SH["in"],
    SH.pattern,
    SH.minLength,
    SH.maxLength,
    SH.languageIn,
    SH.minInclusive,
    SH.maxInclusive,
    SH.minExclusive,
    SH.maxExclusive,
    SH["not"],
    SH["or"],
    SH["and"],
    SH.node,
}
# parameters we understand that are not constraints of their own, or are read with another
KNOWN = {
    RDF.type,
    SH.path,
    SH.message,
    SH.severity,
    SH.name,
    SH.description,
    SH.flags,
    SH.property,
    SH.targetClass,
    SH.targetSubjectsOf,
    SH.targetObjectsOf,
    SH.targetNode,
    SH.target,
    SH.minCount,
    SH.maxCount,
    SH.hasValue,
    SH.qualifiedValueShape,
    SH.qualifiedMinCount,
    SH.qualifiedMaxCount,
    SH.lessThan,
    SH.lessThanOrEquals,
    SH.sparql,
    SH.order,
    SH.group,
    URIRef("http://www.w3.org/2000/01/rdf-schema#label"),
    URIRef("http://www.w3.org/2000/01/rdf-schema#comment"),
    URIRef("http://www.w3.org/2004/02/skos/core#note"),
} | VALUE_PARAMS


TARGETS = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode, SH.target)


class Unsupported(Exception):
    """The shapes use a feature this engine does not compile."""


@dataclass(frozen=True)
class RawResult:
    focus: Node
    shape: Node
    severity: URIRef
    path: Node | None
    value: Node | None
    message: str
    component: URIRef


def component(param: URIRef) -> URIRef:
    """The constraint component of a parameter: sh:minCount, sh:MinCountConstraintComponent."""
    name = str(param).rsplit("#", 1)[-1]
    name = "SPARQL" if name == "sparql" else name[0].upper() + name[1:]
    return SH[f"{name}ConstraintComponent"]


# --- terms between rdflib and pyoxigraph -------------------------------------------------


_KEPT: dict[str, bool] = {}


def _kept(datatype: str) -> bool:
    """Does an Oxigraph store keep this datatype as given?

    It does not keep all: it stores a derived type as its primitive base
    (xsd:nonNegativeInteger as xsd:integer, xsd:dateTimeStamp as xsd:dateTime), which
    would make a datatype check fail on correct data. Such literals are stored under
    ``urn:migkg:dt:<datatype>`` and read back as they were.
    """
    if datatype not in _KEPT:
        probe = ox.Store()
        dt = ox.NamedNode(datatype)
        probe.add(ox.Quad(dt, dt, ox.Literal("1", datatype=dt)))
        _KEPT[datatype] = next(iter(probe)).object.datatype == dt
    return _KEPT[datatype]


def to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    """As terms.to_ox, with datatypes the store would not keep stored under KEPT_AS."""
    datatype = str(term.datatype) if isinstance(term, Literal) and term.datatype else ""
    if datatype and not _kept(datatype):
        return ox.Literal(str(term), datatype=ox.NamedNode(KEPT_AS + datatype))
    return terms.to_ox(term)


def from_ox(term: object) -> Node:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(KEPT_AS):
        return Literal(term.value, datatype=URIRef(term.datatype.value.removeprefix(KEPT_AS)))
    return terms.from_ox(term)


def store_of(graph: Graph) -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]
        for s, p, o in graph
    )
    return store


def _as_stored(x: str) -> str:
    """A SPARQL expression: the term in `x`, with a literal stored under KEPT_AS as the
    store would keep it (to compare it)."""
    datatype = f"STR(DATATYPE({x}))"
    return (
        f'IF(isLiteral({x}) && STRSTARTS({datatype}, "{KEPT_AS}"), '
        f'STRDT(STR({x}), IRI(STRAFTER({datatype}, "{KEPT_AS}"))), {x})'
    )


# Lexical forms rdflib reads as well-typed for sure, tested in SPARQL before asking it (a
# call into Python per value): more digits, other days, time zones and the like are left
# to it. Python's int() refuses more than 4300 digits; date() knows no year 0.
WELL_TYPED_FORMS = {
    XSD.integer: "^-?[0-9]{1,18}$",
    XSD.nonNegativeInteger: "^[0-9]{1,18}$",
    XSD.decimal: "^-?[0-9]{1,18}([.][0-9]{1,18})?$",
    XSD.date: "^[1-9][0-9]{3}-((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    "|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)$",
}


def _well_typed(term: ox.Literal) -> ox.Literal:
    ok = isinstance(term, ox.Literal) and not getattr(from_ox(term), "ill_typed", False)
    return ox.Literal("true" if ok else "false", datatype=ox.NamedNode(str(XSD.boolean)))


CASTS = {XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.boolean, XSD.dateTime, XSD.date}
"""Datatypes whose cast function SPARQL engines have (a portable well-typedness test)."""


# --- compiling shapes ----------------------------------------------------------------------


def _n3(term: Node) -> str:
    if isinstance(term, URIRef | Literal):
        return term.n3()
    raise Unsupported(f"blank node {term} where an IRI or literal is expected")


class Compiler:
    """Compiles shapes to queries. ``portable`` queries run on any SPARQL 1.1 engine
    (a server, through the engine seam): the node sets are sub-SELECTs, not looked up in
    SETS_GRAPH, and a literal's lexical form is checked with the datatype's cast function,
    not with the rdflib call-back only the embedded store has."""

    def __init__(self, shapes: Graph, portable: bool = False) -> None:
        self.g = shapes
        self.portable = portable
        self._fresh = itertools.count()
        self.prologue = BASE_PROLOGUE + "".join(
            f"PREFIX {self.g.value(d, SH.prefix)}: <{self.g.value(d, SH.namespace)}>\n"
            for d in self.g.objects(None, SH.declare)
        )
        self.reads: list[str] = []  # the node sets the query being compiled reads, see stored

    def var(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._fresh)}"

    def stored(self, select: str, x: str = "?this") -> str:
        """A pattern binding `x` to the nodes `select` finds (its ?this), looked up in the
        set validate_store keeps of them in SETS_GRAPH: the focus nodes of a target or the
        instances of a class, found once per validation, where the pattern itself (a path
        and a DISTINCT) would be evaluated again by every query that needs it."""
        if self.portable:  # the pattern itself, once (Virtuoso loses FILTERs after nested
            # sub-SELECTs, and DISTINCT is not needed: results are kept once each)
            body = select.removeprefix(self.prologue)
            head = "SELECT ?this WHERE { { SELECT DISTINCT ?this WHERE { "
            if x != "?this" or not body.startswith(head):
                raise Unsupported("a node set other than a shape's focus nodes, on a server")
            return "{ " + body.removeprefix(head).removesuffix(" } }")
        self.reads.append(select)
        return f"GRAPH <{SETS_GRAPH}> {{ <{_set_iri(select)}> <{MEMBER}> {x} }}"

    def take_reads(self) -> tuple[str, ...]:
        """The node sets read since the last call: those of the query just compiled."""
        reads, self.reads = tuple(dict.fromkeys(self.reads)), []
        return reads

    def select(self, pattern: str) -> str:
        return self.prologue + f"SELECT ?this WHERE {{ {pattern} }}"

    def items(self, node: Node) -> list[Node]:
        return list(Collection(self.g, node))

    def check_known(self, shape: Node) -> None:
        unknown = {p for p in self.g.predicates(shape) if p not in KNOWN}
        if unknown:
            raise Unsupported(f"shape {shape} uses {sorted(map(str, unknown))}")
        if (shape, SH.deactivated, None) in self.g:
            raise Unsupported("sh:deactivated")

    def path(self, node: Node) -> str:
        if isinstance(node, URIRef):
            return node.n3()
        if (node, RDF.first, None) in self.g:
            return "(" + "/".join(self.path(p) for p in self.items(node)) + ")"
        for prop, fmt in (
            (SH.inversePath, "^{}"),
            (SH.zeroOrMorePath, "{}*"),
            (SH.oneOrMorePath, "{}+"),
            (SH.zeroOrOnePath, "{}?"),
        ):
            inner = self.g.value(node, prop)
            if inner is not None:
                return "(" + fmt.format(self.path(inner)) + ")"
        alternatives = self.g.value(node, SH.alternativePath)
        if alternatives is not None:
            return "(" + "|".join(self.path(p) for p in self.items(alternatives)) + ")"
        raise Unsupported(f"path {node}")

    # a boolean SPARQL expression: does the node in `x` pass this value constraint?
    def value_test(self, param: Node, arg: Node, x: str, shape: Node) -> str:
        if param == SH["class"]:
            # the same text as the focus of a shape targeting the class: one set for both
            if self.portable:  # the value's own types, not the set of all instances
                return f"EXISTS {{ {x} rdf:type/rdfs:subClassOf* {_n3(arg)} }}"
            instances = self.select("{ SELECT DISTINCT ?this WHERE { " + _instances(arg) + " } }")
            return f"EXISTS {{ {self.stored(instances, x)} }}"
        if param == SH.datatype:
            if arg == XSD.string:
                return f"(isLiteral({x}) && datatype({x}) = xsd:string && LANG({x}) = '')"
            kept_as = URIRef(KEPT_AS + str(arg)).n3()
            well_typed = f"<{WELL_TYPED}>({x})"
            if self.portable:  # a cast fails on an ill-typed lexical form
                well_typed = (
                    f"COALESCE({_n3(arg)}(STR({x})) = {_n3(arg)}(STR({x})), false)"
                    if arg in CASTS
                    else "true"
                )
            if arg in WELL_TYPED_FORMS:
                form = Literal(WELL_TYPED_FORMS[arg]).n3()  # type: ignore[index]
                well_typed = (
                    f"IF(REGEX(STR({x}), {form}), true, {well_typed})"  # not ||: calls both
                )
            return (
                f"(isLiteral({x}) && (datatype({x}) = {_n3(arg)} || datatype({x}) = {kept_as})"
                f" && {well_typed})"
            )
        if param == SH.nodeKind:
            tests = {
                SH.IRI: f"isIRI({x})",
                SH.BlankNode: f"isBlank({x})",
                SH.Literal: f"isLiteral({x})",
                SH.BlankNodeOrIRI: f"!isLiteral({x})",
                SH.BlankNodeOrLiteral: f"!isIRI({x})",
                SH.IRIOrLiteral: f"!isBlank({x})",
            }
            if arg not in tests:
                raise Unsupported(f"sh:nodeKind {arg}")
            return tests[arg]  # type: ignore[index]
        if param == SH["in"]:
            members = self.items(arg)
            if not members:
                return "false"
            return "(" + " || ".join(f"sameTerm({x}, {_n3(m)})" for m in members) + ")"
        if param == SH.pattern:
            flags = self.g.value(shape, SH.flags)
            extra = f", {Literal(str(flags)).n3()}" if flags is not None else ""
            return f"(!isBlank({x}) && REGEX(STR({x}), {Literal(str(arg)).n3()}{extra}))"
        if param == SH.minLength:
            return f"(!isBlank({x}) && STRLEN(STR({x})) >= {int(arg)})"  # type: ignore[call-overload]
        if param == SH.maxLength:
            return f"(!isBlank({x}) && STRLEN(STR({x})) <= {int(arg)})"  # type: ignore[call-overload]
        if param == SH.languageIn:
            tags = [str(t) for t in self.items(arg)]
            tests_ = " || ".join(f"LANGMATCHES(LANG({x}), {Literal(t).n3()})" for t in tags)
            return f"(isLiteral({x}) && ({tests_ or 'false'}))"
        comparisons = {
            SH.minInclusive: ">=",
            SH.maxInclusive: "<=",
            SH.minExclusive: ">",
            SH.maxExclusive: "<",
        }
        if isinstance(param, URIRef) and param in comparisons:
            value = _as_stored(x)
            return f"(isLiteral({x}) && COALESCE({value} {comparisons[param]} {_n3(arg)}, false))"
        if param == SH["not"]:
            return f"!({self.conforms(arg, x)})"
        if param == SH["or"]:
            return "(" + " || ".join(self.conforms(s, x) for s in self.items(arg)) + ")"
        if param == SH["and"]:
            return "(" + " && ".join(self.conforms(s, x) for s in self.items(arg)) + ")"
        if param == SH.node:
            return self.conforms(arg, x)
        raise Unsupported(f"constraint {param}")

    def conforms(self, shape: Node, x: str) -> str:
        """A boolean SPARQL expression: does the node in `x` conform to the whole shape?"""
        self.check_known(shape)
        tests: list[str] = []
        path = self.g.value(shape, SH.path)
        if path is not None:
            tests.extend(self._property_tests(shape, self.path(path), x))
        else:
            for param, arg in self.g.predicate_objects(shape):
                if param in VALUE_PARAMS:
                    tests.append(self.value_test(param, arg, x, shape))
                elif param == SH.hasValue:
                    tests.append(f"sameTerm({x}, {_n3(arg)})")
                elif param in (SH.sparql, SH.qualifiedValueShape, SH.minCount, SH.maxCount):
                    raise Unsupported(f"{param} on a nested node shape")
        for prop in self.g.objects(shape, SH.property):
            tests.append(self.conforms(prop, x))
        return "(" + " && ".join(tests) + ")" if tests else "true"

    def _property_tests(self, shape: Node, path: str, x: str) -> list[str]:
        tests = []
        for param, arg in self.g.predicate_objects(shape):
            if param in VALUE_PARAMS:
                y = self.var()
                test = self.value_test(param, arg, y, shape)
                tests.append(f"NOT EXISTS {{ {x} {path} {y} FILTER (!({test})) }}")
            elif param == SH.minCount:
                n = int(arg)  # type: ignore[call-overload]
                if n > 1:
                    raise Unsupported("nested sh:minCount above 1")
                if n == 1:
                    tests.append(f"EXISTS {{ {x} {path} {self.var()} }}")
            elif param == SH.maxCount:
                if int(arg) != 1:  # type: ignore[call-overload]
                    raise Unsupported("nested sh:maxCount other than 1")
                a, b = self.var(), self.var()
                tests.append(f"NOT EXISTS {{ {x} {path} {a}, {b} FILTER (!sameTerm({a}, {b})) }}")
            elif param == SH.hasValue:
                tests.append(f"EXISTS {{ {x} {path} {_n3(arg)} }}")
            elif param in (
                SH.qualifiedValueShape,
                SH.lessThan,
                SH.lessThanOrEquals,
                SH.sparql,
            ):
                raise Unsupported(f"{param} on a nested property shape")
        return tests

    # --- targets and top-level queries -----------------------------------------------------

    def focus_pattern(self, shape: Node) -> str | None:
        parts = []
        for cls in self.g.objects(shape, SH.targetClass):
            parts.append(_instances(cls))
        for prop in self.g.objects(shape, SH.targetSubjectsOf):
            parts.append(f"{{ ?this {_n3(prop)} [] }}")
        for prop in self.g.objects(shape, SH.targetObjectsOf):
            parts.append(f"{{ [] {_n3(prop)} ?this }}")
        for node in self.g.objects(shape, SH.targetNode):
            parts.append(f"{{ VALUES ?this {{ {_n3(node)} }} }}")
        for target in self.g.objects(shape, SH.target):
            select = self.g.value(target, SH.select)
            if (target, RDF.type, SH.SPARQLTarget) not in self.g or select is None:
                raise Unsupported(f"target {target}")
            parts.append(f"{{ {select} }}")
        if not parts:
            return None
        return "{ SELECT DISTINCT ?this WHERE { " + " UNION ".join(parts) + " } }"


def _instances(cls: Node) -> str:
    """?this rdf:type/rdfs:subClassOf* cls, from the class: about twice as fast in Oxigraph."""
    return f"{{ ?_class rdfs:subClassOf* {_n3(cls)} . ?this rdf:type ?_class }}"


def _set_iri(select: str) -> str:
    return SET + hashlib.sha1(select.encode()).hexdigest()


def _severity(shapes: Graph, shape: Node) -> URIRef:
    severity = shapes.value(shape, SH.severity)
    return severity if isinstance(severity, URIRef) else SH.Violation


def _messages(shapes: Graph, shape: Node) -> list[str]:
    return [str(m) for m in shapes.objects(shape, SH.message)]


def _fill(message: str, values: dict[str, Node]) -> str:
    for name, value in values.items():
        message = re.sub(f"{{[?$]{name}}}", str(value), message)
    return message


@dataclass
class Query:
    text: str
    shape: Node
    severity: URIRef
    path: Node | None
    kind: str  # "value": ?value is the offending value; "focus": value is the focus; "none"
    messages: list[str]
    component: URIRef
    reads: tuple[str, ...] = ()  # the node sets it reads from SETS_GRAPH (Compiler.stored)


def queries(shapes: Graph, portable: bool = False) -> Iterator[Query]:
    """One query per (targeted shape, property shape, constraint parameter)."""
    c = Compiler(shapes, portable)
    targeted = sorted(
        {s for p in TARGETS for s in shapes.subjects(p, None)},
        key=str,
    )
    for shape in targeted:
        focus = c.focus_pattern(shape)
        assert focus is not None
        c.check_known(shape)
        stored = c.stored(c.select(focus))
        reads = c.take_reads()
        if (shape, SH.path, None) in shapes:
            yield from _property_queries(c, shape, stored, reads)
            continue
        severity = _severity(shapes, shape)
        for param, arg in shapes.predicate_objects(shape):
            if param in VALUE_PARAMS:
                test = c.value_test(param, arg, "?this", shape)
                yield Query(
                    c.prologue + f"SELECT ?this WHERE {{ {stored} FILTER (!({test})) }}",
                    shape,
                    severity,
                    None,
                    "focus",
                    _messages(shapes, shape),
                    component(param),  # type: ignore[arg-type]
                    reads + c.take_reads(),
                )
            elif param == SH.sparql:
                yield _sparql_query(c, shape, arg, focus, severity)
            elif param in (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.hasValue):
                raise Unsupported(f"{param} on node shape {shape}")
        for prop in shapes.objects(shape, SH.property):
            c.check_known(prop)
            yield from _property_queries(c, prop, stored, reads)


def _property_queries(
    c: Compiler, shape: Node, focus: str, reads: tuple[str, ...]
) -> Iterator[Query]:
    g = c.g
    path_node = g.value(shape, SH.path)
    assert path_node is not None
    path = c.path(path_node)
    severity = _severity(g, shape)
    messages = _messages(g, shape)

    for param, arg in g.predicate_objects(shape):

        def q(text: str, kind: str) -> Query:
            return Query(
                c.prologue + text,
                shape,
                severity,
                path_node,
                kind,
                messages,
                component(param),  # type: ignore[arg-type]  # noqa: B023
                reads + c.take_reads(),
            )

        if param in VALUE_PARAMS:
            test = c.value_test(param, arg, "?value", shape)
            yield q(
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value "
                f"FILTER (!({test})) }}",
                "value",
            )
        elif param == SH.minCount:
            n = int(arg)  # type: ignore[call-overload]
            if n == 1 and isinstance(path_node, URIRef):  # no value: no need to count
                yield q(
                    f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} [] }} }}",
                    "none",
                )
            else:
                yield q(_count(focus, f"?this {path} ?value", f"?n < {n}"), "none")
        elif param == SH.maxCount:
            n = int(arg)  # type: ignore[call-overload]
            if n == 1 and isinstance(path_node, URIRef):  # two different values
                yield q(
                    f"SELECT ?this WHERE {{ {focus} FILTER EXISTS {{ ?this {path} ?value , ?other "
                    "FILTER (!sameTerm(?value, ?other)) } }",
                    "none",
                )
            else:
                yield q(_count(focus, f"?this {path} ?value", f"?n > {n}"), "none")
        elif param == SH.hasValue:
            yield q(
                f"SELECT ?this WHERE {{ {focus} FILTER NOT EXISTS {{ ?this {path} {_n3(arg)} }} }}",
                "none",
            )
        elif param in (SH.lessThan, SH.lessThanOrEquals):
            op = "<" if param == SH.lessThan else "<="
            yield q(
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value . "
                f"?this {_n3(arg)} ?other "
                f"FILTER (!COALESCE({_as_stored('?value')} {op} {_as_stored('?other')}, false)) }}",
                "value",
            )
        elif param in (SH.qualifiedMinCount, SH.qualifiedMaxCount):
            qualified = g.value(shape, SH.qualifiedValueShape)
            if qualified is None:
                continue
            ok = c.conforms(qualified, "?value")
            op = "<" if param == SH.qualifiedMinCount else ">"
            yield q(
                _count(focus, f"?this {path} ?value FILTER ({ok})", f"?n {op} {int(arg)}"),  # type: ignore[call-overload]
                "none",
            )
        elif param == SH.sparql:
            raise Unsupported("sh:sparql on a property shape")


def _count(focus: str, pattern: str, condition: str) -> str:
    return (
        f"SELECT ?this WHERE {{ {{ SELECT ?this (COUNT(DISTINCT ?value) AS ?n) WHERE {{ "
        f"{focus} OPTIONAL {{ {pattern} }} }} GROUP BY ?this }} FILTER ({condition}) }}"
    )


def _sparql_query(
    c: Compiler, shape: Node, constraint: Node, focus: str, severity: URIRef
) -> Query:
    """A SHACL-SPARQL SELECT whose $this is the focus node: run once for all focus nodes.

    $this is pre-bound in SHACL; joining the query's solutions with the focus nodes
    gives the same rows as long as $this occurs in the query's top-level pattern,
    which the comparison with pySHACL in the tests holds us to.
    """
    select = c.g.value(constraint, SH.select)
    if select is None or "$this" not in str(select):
        raise Unsupported(f"SPARQL constraint of {shape} without a SELECT on $this")
    text = str(select).replace("$this", "?this")
    match = re.match(r"\s*SELECT\s+(DISTINCT\s+)?(.*?)\s+WHERE\s*\{", text, re.S | re.I)
    if not match:
        raise Unsupported(f"SPARQL constraint of {shape}: cannot read its SELECT")
    body = _star_joins(text[match.end() :])
    text = f"{text[: match.end()]} {focus} {body}"
    messages = [str(m) for m in c.g.objects(constraint, SH.message)] or _messages(c.g, shape)
    return Query(c.prologue + text, shape, severity, None, "sparql", messages, component(SH.sparql))


# --- the join order of a SHACL-SPARQL query ------------------------------------------------

_IRI = r"<[^<>\"{}|^`\\\x00-\x20]*>"
_WORD = r"[^\s{}()\[\];,.<>'\"#]+(?:\.[^\s{}()\[\];,.<>'\"#]+)*"  # a name, number or operator
_STRING = (
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\""
    r"|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\""
)
_TOKEN = re.compile(
    rf"(?P<space>\s+|#[^\n]*)"
    rf"|(?P<literal>(?:{_STRING})(?:@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:{_IRI}|{_WORD}))?)"
    rf"|(?P<iri>{_IRI})|(?P<var>[?$]\w+)|(?P<punct>[{{}}()\[\];,.])|(?P<word>{_WORD})|(?P<other>.)",
    re.S,
)
_NAME = re.compile(r"(?:[A-Za-z][\w.-]*)?:[\w.:%-]*|a", re.A)  # a prefixed name, or rdf:type
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|true|false")
_ELEMENTS = {"FILTER", "BIND", "OPTIONAL", "MINUS", "VALUES", "GRAPH", "SERVICE", "UNION"}
_CLOSE = {"{": "}", "(": ")", "[": "]"}


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


class _Verbatim(Exception):
    """The pattern is not one _star_joins rewrites: it stays as written."""


def _star_joins(body: str) -> str:
    """The group pattern that opens `body` (after its "{"), with each block of triples
    about more than one subject split into one subquery per subject: the same solutions,
    joined on all the variables the subjects share.

    Oxigraph joins the triple patterns of a block one at a time, on the variables the
    next one shares with those before; between two subjects that is often one variable
    of many (two observations of the same programme, in a query that wants the same
    programme, period, actor and unit), and a product of all pairs. As subqueries, each
    subject's triples are matched first and the subjects joined on everything they share.
    A block with blank nodes, collections or property paths, and anything the tokenizer
    does not follow, stays as written.
    """
    tokens = [
        _Token(m.lastgroup or "", m.group(), m.start(), m.end())
        for m in _TOKEN.finditer(body)
        if m.lastgroup != "space"
    ]
    try:
        end = _closing(tokens, -1)
        pieces = []
        i = 0
        while i < end:
            token = tokens[i]
            if token.text == "{":
                j = _closing(tokens, i) + 1
            elif token.kind == "word" and token.text.upper() in _ELEMENTS:
                j = i + 1  # the keyword, up to its bracketed part (VALUES: its block of rows)
                opening = ("{",) if token.text.upper() == "VALUES" else tuple(_CLOSE)
                while tokens[j].text not in opening:
                    if tokens[j].text in _CLOSE:
                        j = _closing(tokens, j)
                    elif tokens[j].kind == "punct":
                        raise _Verbatim
                    j += 1
                j = _closing(tokens, j) + 1
            else:
                j = i
                while (
                    j < end
                    and tokens[j].text != "{"
                    and not (tokens[j].kind == "word" and tokens[j].text.upper() in _ELEMENTS)
                ):
                    j += 1
                pieces.append((tokens[i].start, tokens[j - 1].end, _stars(tokens[i:j])))
            i = j
    except (_Verbatim, IndexError):
        return body
    out, at = [], 0
    for start, stop, stars in pieces:
        if len(stars) > 1:
            out.append(body[at:start])
            out.append(" ".join(f"{{ SELECT * WHERE {{ {star} }} }}" for star in stars))
            at = stop
    return "".join(out) + body[at:]


def _closing(tokens: list[_Token], i: int) -> int:
    """The index of the bracket that closes the one at i (at -1: an opening "{")."""
    stack = [tokens[i].text if i >= 0 else "{"]
    while stack:
        i += 1
        text = tokens[i].text
        if tokens[i].kind != "punct":
            continue
        if text in _CLOSE:
            stack.append(text)
        elif text in _CLOSE.values() and _CLOSE[stack.pop()] != text:
            raise _Verbatim
    return i


def _stars(tokens: list[_Token]) -> list[str]:
    """The triples of a block, as one string of triples per subject."""
    stars: dict[str, list[str]] = {}
    i = 0

    def term(*kinds: str) -> str:
        nonlocal i
        token = tokens[i]
        i += 1
        if token.kind in kinds or (
            token.kind == "word"
            and (
                _NAME.fullmatch(token.text)
                or ("literal" in kinds and _NUMBER.fullmatch(token.text))
            )
        ):
            return token.text
        raise _Verbatim

    while i < len(tokens):
        if tokens[i].text == ".":
            i += 1
            continue
        subject = term("iri", "var")
        if subject == "a":
            raise _Verbatim
        while True:
            predicate = term("iri", "var")
            while True:
                stars.setdefault(subject, []).append(
                    f"{subject} {predicate} {term('iri', 'var', 'literal')} ."
                )
                if i < len(tokens) and tokens[i].text == ",":
                    i += 1
                    continue
                break
            while i < len(tokens) and tokens[i].text == ";":
                i += 1
            if i == len(tokens) or tokens[i].text == "." or tokens[i - 1].text != ";":
                break
        if i < len(tokens) and tokens[i].text != ".":
            raise _Verbatim
    return [" ".join(triples) for triples in stars.values()]


def validate(data: Graph, shapes: Graph) -> list[RawResult]:
    """Every top-level validation result of the shapes on the data."""
    plan = list(queries(shapes))  # compile first: Unsupported before any work
    return validate_store(store_of(data), shapes, plan)


def store_of_quads(quads: list[ox.Quad]) -> ox.Store:
    """The quads' triples (a set) as the default graph of a store, with the datatypes it
    would not keep stored under KEPT_AS (as store_of does)."""

    def kept(
        term: ox.NamedNode | ox.BlankNode | ox.Literal,
    ) -> ox.NamedNode | ox.BlankNode | ox.Literal:
        if isinstance(term, ox.Literal) and not term.language and not _kept(term.datatype.value):
            return ox.Literal(term.value, datatype=ox.NamedNode(KEPT_AS + term.datatype.value))
        return term

    store = ox.Store()
    store.bulk_extend(
        {ox.Quad(q.subject, q.predicate, kept(q.object)): None for q in quads}  # type: ignore[arg-type]
    )
    return store


def store_from_ntriples(text: str) -> ox.Store:
    """N-Triples straight into a store, with the datatypes it would not keep stored under
    KEPT_AS (as store_of does), for graphs too large to hold in rdflib."""
    store = ox.Store()
    store.bulk_load(_keep_datatypes(text), ox.RdfFormat.N_TRIPLES)
    return store


def store_from_ntriples_file(path: Path, chunk: int = 1 << 24) -> ox.Store:
    """As store_from_ntriples, reading the file a few megabytes at a time (through a
    temporary file), so that its text is never held whole beside the store."""
    import tempfile

    store = ox.Store()
    with (
        path.open(encoding="utf-8") as source,
        tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".nt") as kept,
    ):
        while block := source.read(chunk):
            block += source.readline()  # to the end of its line
            kept.write(_keep_datatypes(block))
        kept.flush()
        store.bulk_load(path=kept.name, format=ox.RdfFormat.N_TRIPLES)
    return store


def _keep_datatypes(text: str) -> str:
    for datatype in set(re.findall(r"\^\^<([^>]+)>", text)):
        if not _kept(datatype):
            text = text.replace(f"^^<{datatype}>", f"^^<{KEPT_AS}{datatype}>")
    return text


def validate_store(
    store: ox.Store, shapes: Graph, plan: list[Query] | None = None
) -> list[RawResult]:
    """Every top-level validation result of the shapes on a store made by store_of or
    store_from_ntriples.

    The node sets the queries read (Query.reads) are found once and kept in the named
    graph SETS_GRAPH while the queries run; the graph is removed again before this
    returns. The queries written in the shapes (SPARQL targets and constraints) do not
    see it.
    """
    plan = list(queries(shapes)) if plan is None else plan
    graph, member = ox.NamedNode(SETS_GRAPH), ox.NamedNode(MEMBER)
    if store.contains_named_graph(graph):
        raise Unsupported(f"the store already has a graph named <{SETS_GRAPH}>")
    others = list(store.named_graphs())  # what the queries written in the shapes may see
    try:
        sets = {select: query.shape for query in plan for select in query.reads}
        for select, shape in sets.items():
            node = ox.NamedNode(_set_iri(select))
            store.extend(
                ox.Quad(node, member, row[0], graph)
                for row in _select(store, select, shape, others)
            )
        return [found for query in plan for found in _run(store, query, others)]
    finally:
        store.remove_graph(graph)


_FUNCTIONS: dict[
    ox.NamedNode, Callable[..., ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]
] = {
    ox.NamedNode(WELL_TYPED): _well_typed,
}


def _select(
    store: ox.Store, text: str, shape: Node, named_graphs: list[ox.NamedNode | ox.BlankNode] | None
) -> ox.QuerySolutions:
    try:
        solutions = store.query(text, custom_functions=_FUNCTIONS, named_graphs=named_graphs)
    except SyntaxError as error:  # a shape we compiled wrongly, or a bad SELECT
        raise Unsupported(f"{shape}: {error}") from error
    assert isinstance(solutions, ox.QuerySolutions)
    return solutions


def _run(
    store: ox.Store, query: Query, others: list[ox.NamedNode | ox.BlankNode]
) -> Iterator[RawResult]:
    solutions = _select(store, query.text, query.shape, others if query.kind == "sparql" else None)
    variables = [v.value for v in solutions.variables]
    rows = ([None if row[v] is None else from_ox(row[v]) for v in variables] for row in solutions)
    return _results(query, variables, rows)


def validate_engine(engine: Engine, shapes: Graph) -> list[RawResult]:
    """Every top-level validation result of the shapes on the graph an engine holds (a
    server, say), with portable queries, through the engine seam."""
    found: list[RawResult] = []
    for query in queries(shapes, portable=True):
        try:
            table = engine.select(query.text)
        except QueryError as error:
            raise QueryError(f"validating {query.shape}: {error.message}") from error
        rows = ([None if v is None else terms.from_ox(v) for v in row] for row in table.rows)
        found.extend(_results(query, table.columns, rows))
    return found


def _results(
    query: Query, variables: list[str], rows: Iterable[list[Node | None]]
) -> Iterator[RawResult]:
    seen = set()
    for row in rows:
        key = tuple(row)
        if key in seen:  # pySHACL reports a repeated solution once
            continue
        seen.add(key)
        values = {name: v for name, v in zip(variables, row, strict=True) if v is not None}
        focus = values["this"]
        if query.kind == "value":
            value: Node | None = values.get("value")
        elif query.kind == "focus":
            value = focus
        elif query.kind == "sparql":
            value = values.get("value", focus if query.path is None else None)
        else:
            value = None
        path = values.get("path", query.path) if query.kind == "sparql" else query.path
        for message in query.messages or [""]:
            text = _fill(message, values) if query.kind == "sparql" else message
            yield RawResult(focus, query.shape, query.severity, path, value, text, query.component)
