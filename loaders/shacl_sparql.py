"""SHACL validation as set-based SPARQL on an in-memory Oxigraph store.

pySHACL evaluates every property shape once per focus node; on our graph that is some
35 000 shape evaluations and several seconds. This module compiles each constraint of
the shapes graph into one SPARQL query that finds all of its violations at once and
runs it on pyoxigraph. It covers the parts of SHACL Core and SHACL-SPARQL our shapes
use; anything else raises :class:`Unsupported`, and the caller falls back to pySHACL.

Its results are the top-level results pySHACL reports (focus node, source shape,
severity, path, value, message): ``tests/test_validate.py`` checks that both engines
agree on the real graph and on every two-way shape test case.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, XSD
from rdflib.term import Node

from . import oxstore
from .namespaces import SH

WELL_TYPED = "urn:migkg:fn:wellTyped"
AS_STORED = "urn:migkg:fn:value"  # a literal stored under KEPT_AS, as the store would keep it
KEPT_AS = "urn:migkg:dt:"
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
    """As oxstore.to_ox, with datatypes the store would not keep stored under KEPT_AS."""
    datatype = str(term.datatype) if isinstance(term, Literal) and term.datatype else ""
    if datatype and not _kept(datatype):
        return ox.Literal(str(term), datatype=ox.NamedNode(KEPT_AS + datatype))
    return oxstore.to_ox(term)


def from_ox(term: object) -> Node:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(KEPT_AS):
        return Literal(term.value, datatype=URIRef(term.datatype.value.removeprefix(KEPT_AS)))
    return oxstore.from_ox(term)


def store_of(graph: Graph) -> ox.Store:
    store = ox.Store()
    store.extend(
        ox.Quad(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]
        for s, p, o in graph
    )
    return store


def _as_stored(term: ox.Literal) -> ox.Literal:
    if isinstance(term, ox.Literal) and term.datatype.value.startswith(KEPT_AS):
        return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype.value[len(KEPT_AS) :]))
    return term


def _well_typed(term: ox.Literal) -> ox.Literal:
    ok = isinstance(term, ox.Literal) and not getattr(from_ox(term), "ill_typed", False)
    return ox.Literal("true" if ok else "false", datatype=ox.NamedNode(str(XSD.boolean)))


# --- compiling shapes ----------------------------------------------------------------------


def _n3(term: Node) -> str:
    if isinstance(term, URIRef | Literal):
        return term.n3()
    raise Unsupported(f"blank node {term} where an IRI or literal is expected")


class Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.g = shapes
        self._fresh = itertools.count()
        self.prologue = BASE_PROLOGUE + "".join(
            f"PREFIX {self.g.value(d, SH.prefix)}: <{self.g.value(d, SH.namespace)}>\n"
            for d in self.g.objects(None, SH.declare)
        )

    def var(self, stem: str = "v") -> str:
        return f"?_{stem}{next(self._fresh)}"

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
            return f"EXISTS {{ {x} rdf:type/rdfs:subClassOf* {_n3(arg)} }}"
        if param == SH.datatype:
            if arg == XSD.string:
                return f"(isLiteral({x}) && datatype({x}) = xsd:string && LANG({x}) = '')"
            kept_as = URIRef(KEPT_AS + str(arg)).n3()
            return (
                f"(isLiteral({x}) && (datatype({x}) = {_n3(arg)} || datatype({x}) = {kept_as})"
                f" && <{WELL_TYPED}>({x}))"
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
            value = f"<{AS_STORED}>({x})"
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
            parts.append(f"{{ ?this rdf:type/rdfs:subClassOf* {_n3(cls)} }}")
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


def queries(shapes: Graph) -> Iterator[Query]:
    """One query per (targeted shape, property shape, constraint parameter)."""
    c = Compiler(shapes)
    targeted = sorted(
        {s for p in TARGETS for s in shapes.subjects(p, None)},
        key=str,
    )
    for shape in targeted:
        focus = c.focus_pattern(shape)
        assert focus is not None
        c.check_known(shape)
        if (shape, SH.path, None) in shapes:
            yield from _property_queries(c, shape, focus)
            continue
        severity = _severity(shapes, shape)
        for param, arg in shapes.predicate_objects(shape):
            if param in VALUE_PARAMS:
                test = c.value_test(param, arg, "?this", shape)
                yield Query(
                    c.prologue + f"SELECT ?this WHERE {{ {focus} FILTER (!({test})) }}",
                    shape,
                    severity,
                    None,
                    "focus",
                    _messages(shapes, shape),
                    component(param),  # type: ignore[arg-type]
                )
            elif param == SH.sparql:
                yield _sparql_query(c, shape, arg, focus, severity)
            elif param in (SH.minCount, SH.maxCount, SH.qualifiedValueShape, SH.hasValue):
                raise Unsupported(f"{param} on node shape {shape}")
        for prop in shapes.objects(shape, SH.property):
            c.check_known(prop)
            yield from _property_queries(c, prop, focus)


def _property_queries(c: Compiler, shape: Node, focus: str) -> Iterator[Query]:
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
            )

        if param in VALUE_PARAMS:
            test = c.value_test(param, arg, "?value", shape)
            yield q(
                f"SELECT DISTINCT ?this ?value WHERE {{ {focus} ?this {path} ?value "
                f"FILTER (!({test})) }}",
                "value",
            )
        elif param == SH.minCount:
            yield q(_count(focus, f"?this {path} ?value", f"?n < {int(arg)}"), "none")  # type: ignore[call-overload]
        elif param == SH.maxCount:
            yield q(_count(focus, f"?this {path} ?value", f"?n > {int(arg)}"), "none")  # type: ignore[call-overload]
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
                f"FILTER (!COALESCE(<{AS_STORED}>(?value) {op} <{AS_STORED}>(?other), false)) }}",
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
    body = text[match.end() :]
    text = f"{text[: match.end()]} {focus} {body}"
    messages = [str(m) for m in c.g.objects(constraint, SH.message)] or _messages(c.g, shape)
    return Query(c.prologue + text, shape, severity, None, "sparql", messages, component(SH.sparql))


def validate(data: Graph, shapes: Graph) -> list[RawResult]:
    """Every top-level validation result of the shapes on the data."""
    plan = list(queries(shapes))  # compile first: Unsupported before any work
    return validate_store(store_of(data), shapes, plan)


def store_from_ntriples(text: str) -> ox.Store:
    """N-Triples straight into a store, with the datatypes it would not keep stored under
    KEPT_AS (as store_of does), for graphs too large to hold in rdflib."""
    for datatype in set(re.findall(r"\^\^<([^>]+)>", text)):
        if not _kept(datatype):
            text = text.replace(f"^^<{datatype}>", f"^^<{KEPT_AS}{datatype}>")
    store = ox.Store()
    store.bulk_load(text.encode(), ox.RdfFormat.N_TRIPLES)
    return store


def validate_store(
    store: ox.Store, shapes: Graph, plan: list[Query] | None = None
) -> list[RawResult]:
    """Every top-level validation result of the shapes on a store made by store_of or
    store_from_ntriples."""
    plan = list(queries(shapes)) if plan is None else plan
    functions: dict[
        ox.NamedNode, Callable[..., ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple | None]
    ] = {
        ox.NamedNode(WELL_TYPED): _well_typed,
        ox.NamedNode(AS_STORED): _as_stored,
    }
    results = []
    for query in plan:
        try:
            solutions = store.query(query.text, custom_functions=functions)
        except SyntaxError as error:  # a shape we compiled wrongly, or a bad SELECT
            raise Unsupported(f"{query.shape}: {error}") from error
        assert isinstance(solutions, ox.QuerySolutions)
        variables = [v.value for v in solutions.variables]
        seen = set()
        for row in solutions:
            key = tuple(row[name] for name in variables)
            if key in seen:  # pySHACL reports a repeated solution once
                continue
            seen.add(key)
            values = {name: from_ox(row[name]) for name in variables if row[name] is not None}
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
                found = RawResult(
                    focus, query.shape, query.severity, path, value, text, query.component
                )
                results.append(found)
    return results
