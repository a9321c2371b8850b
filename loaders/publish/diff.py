"""``migkg diff``: what changed in the knowledge between two builds, not in the text.

Each side is a built dataset: a git revision of the checkout (its tree exported to a
temporary folder and read there by the build's reader), a checkout folder (its build,
made now if stale), a dist/ folder or a graph.nq file. The two sides' scopes ontology,
instances, extracted and shapes are compared as one union each, so a subject moved to
another file, or triples reordered, is no change.

Every IRI subject is compared by its description: per property, the set of its values,
where a blank node stands for its own description, written canonically (recursively,
sorted), so a blank node relabelled is the same value. Blank nodes that hang from no
IRI are compared as a multiset of such canonical forms.

Subjects are reported by kind: instruments, actors, positions (mig:Position,
mig:Assessment), figures (qb:Observation), shapes (subjects of the shapes scope) and
ontology terms (classes, properties and concepts of the ontology scope), each added,
removed or changed with each changed property's old and new values. Evidence (the
nodes under ``mig:hasEvidence``) is reported as quotes (``oa:exact``) added or removed,
with the fact they support; any other node is counted per class.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from loaders.errors import MigkgError
from loaders.files import temporary_folder
from loaders.iris import PREFIXES
from loaders.project import Project, is_checkout, scope_of
from loaders.terms import curie

RDF_TYPE = PREFIXES["rdf"] + "type"
FIRST, REST, NIL = (PREFIXES["rdf"] + name for name in ("first", "rest", "nil"))
SUBCLASS = PREFIXES["rdfs"] + "subClassOf"
LABELS = (PREFIXES["rdfs"] + "label", PREFIXES["skos"] + "prefLabel", PREFIXES["sh"] + "name")
MIG = PREFIXES["mig"]
OA = PREFIXES["oa"]
HAS_EVIDENCE = MIG + "hasEvidence"
EXACT = OA + "exact"
EVIDENCE_LINKS = (HAS_EVIDENCE, OA + "hasTarget", OA + "hasSelector")

SCOPES = ("ontology", "instances", "extracted", "shapes")
"""The scopes compared: the graph and its shapes (external graphs are not the project's)."""

KINDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("instruments", "Instruments", (MIG + "Instrument",)),
    ("actors", "Actors", (MIG + "Actor",)),
    ("positions", "Positions", (MIG + "Position", MIG + "Assessment")),
    ("figures", "Figures", (PREFIXES["qb"] + "Observation",)),
)
"""Kinds of instance, each with the classes (and their subclasses) that make it."""

TERM_TYPES = frozenset(
    PREFIXES[p] + local
    for p, local in (
        ("owl", "Class"),
        ("rdfs", "Class"),
        ("owl", "ObjectProperty"),
        ("owl", "DatatypeProperty"),
        ("owl", "AnnotationProperty"),
        ("rdf", "Property"),
        ("owl", "Ontology"),
        ("skos", "Concept"),
        ("skos", "ConceptScheme"),
    )
)
SECTIONS = (
    *((k, title) for k, title, _ in KINDS),
    ("shapes", "Shapes"),
    ("terms", "Ontology terms"),
)

HOW = ("added", "removed", "changed")
SUMMARY_TAIL = ("quotes added", "quotes removed", "other nodes")

Value = tuple[Any, ...]
"""A canonical value: ("I", iri), ("L", lexical, language, datatype) or ("B", description)."""


@dataclass
class Side:
    """One build, indexed for comparison."""

    name: str
    described: dict[str, dict[str, frozenset[Value]]] = field(default_factory=dict)
    loose: Counter[Value] = field(default_factory=Counter)
    loose_types: dict[Value, str] = field(default_factory=dict)
    scopes: dict[str, set[str]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    quotes: set[tuple[str, str]] = field(default_factory=set)
    evidence: set[str] = field(default_factory=set)
    supers: dict[str, set[str]] = field(default_factory=dict)

    def types(self, iri: str) -> frozenset[Value]:
        return self.described.get(iri, {}).get(RDF_TYPE, frozenset())

    def ancestors(self, cls: str) -> set[str]:
        seen = {cls}
        todo = [cls]
        while todo:
            for parent in self.supers.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen


def index(name: str, quads: Iterable[ox.Quad]) -> Side:
    """The side's quads of :data:`SCOPES`, as descriptions of their subjects."""
    side = Side(name)
    raw: dict[object, list[tuple[str, object]]] = {}
    objects: set[object] = set()
    scopes: dict[object, str] = {}  # each graph's scope, worked out once
    for q in quads:
        scope = scopes.get(q.graph_name)
        if scope is None:
            graph = q.graph_name
            scope = scopes[graph] = scope_of(graph.value) if isinstance(graph, ox.NamedNode) else ""
        if scope not in SCOPES:
            continue
        sub, pred, obj = q.subject, q.predicate.value, q.object
        if isinstance(sub, ox.NamedNode):
            side.scopes.setdefault(scope, set()).add(sub.value)
        raw.setdefault(sub, []).append((pred, obj))
        if isinstance(obj, ox.BlankNode):
            objects.add(obj)
        if isinstance(sub, ox.NamedNode):
            if pred in LABELS and isinstance(obj, ox.Literal):
                side.labels.setdefault(sub.value, {}).setdefault(obj.language or "", obj.value)
            elif pred == SUBCLASS and isinstance(obj, ox.NamedNode):
                side.supers.setdefault(sub.value, set()).add(obj.value)
    memo: dict[object, Value] = {}

    def canon(term: object, path: frozenset[object] = frozenset()) -> Value:
        if isinstance(term, ox.NamedNode):
            return ("I", term.value)
        if isinstance(term, ox.Literal):
            return ("L", term.value, term.language or "", term.datatype.value)
        if isinstance(term, ox.BlankNode):
            if term in path:
                return ("B", ())  # a cycle of blank nodes: cut it
            if term not in memo:
                inner = path | {term}
                memo[term] = (
                    "B",
                    tuple(sorted({(p, canon(o, inner)) for p, o in raw.get(term, ())})),
                )
            return memo[term]
        return ("T", str(term))  # an RDF-star triple term, as written

    for subject, pairs in raw.items():
        if isinstance(subject, ox.NamedNode):
            values: dict[str, set[Value]] = {}
            for p, o in pairs:
                values.setdefault(p, set()).add(canon(o))
            side.described[subject.value] = {p: frozenset(v) for p, v in values.items()}
        elif subject not in objects:
            form = canon(subject)
            side.loose[form] += 1
            kinds = sorted(o.value for p, o in pairs if p == RDF_TYPE and hasattr(o, "value"))
            side.loose_types[form] = curie(kinds[0]) if kinds else "(no class)"
    _evidence(side, raw)
    return side


def _evidence(side: Side, raw: dict[object, list[tuple[str, object]]]) -> None:
    """The quotes of the side's evidence, each with its fact, and the evidence's nodes."""
    up: dict[object, list[tuple[str, object]]] = {}
    exact: list[tuple[object, str]] = []
    for subject, pairs in raw.items():
        for p, o in pairs:
            if p in EVIDENCE_LINKS:
                up.setdefault(o, []).append((p, subject))
            elif p == EXACT and isinstance(o, ox.Literal):
                exact.append((subject, o.value))
    for pairs in raw.values():
        for p, o in pairs:
            if p == HAS_EVIDENCE:
                todo = [o]
                while todo:
                    node = todo.pop()
                    if isinstance(node, ox.NamedNode) and node.value not in side.evidence:
                        side.evidence.add(node.value)
                        todo.extend(x for q, x in raw.get(node, ()) if q in EVIDENCE_LINKS[1:])
    for selector, text in exact:
        todo, seen = [selector], set()
        while todo:
            node = todo.pop()
            for p, parent in up.get(node, ()):
                if p == HAS_EVIDENCE:
                    side.quotes.add((_text(parent), text))
                elif parent not in seen:
                    seen.add(parent)
                    todo.append(parent)


def _text(term: object) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


# --- the two sides ------------------------------------------------------------------------


def _git(root: Path, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", *args], cwd=root, capture_output=True, timeout=timeout, check=False
        )
    except FileNotFoundError as exc:
        raise MigkgError("git is not installed: give two built datasets instead") from exc
    except subprocess.TimeoutExpired as exc:
        raise MigkgError(f"git {args[0]} gave no answer within {timeout:g} s") from exc


def _commit(root: Path, revision: str) -> str:
    """The commit a revision names in the checkout at ``root``."""
    if revision.startswith("-"):
        raise MigkgError(f"{revision}: not a revision or a path to a build")
    inside = _git(root, "rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0:
        raise MigkgError(
            f"{revision}: not a path to a build, and {root} is not a git checkout "
            "(give two built datasets: a dist/ folder or a graph.nq file)"
        )
    found = _git(root, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if found.returncode != 0:
        raise MigkgError(f"{revision}: unknown revision (and no such path)")
    return found.stdout.decode().strip()


@dataclass(frozen=True)
class Spec:
    """What one side names: a path (a build or a checkout) or a git commit."""

    label: str
    path: Path | None = None
    commit: str | None = None


def resolve(project: Project, text: str | None) -> Spec:
    """Check one side's argument now, before any build: None is the working tree."""
    if text is None:
        return Spec("working tree", path=project.root)
    path = Path(text)
    if path.exists():
        if path.is_file() or (path / "graph.nq").is_file() or is_checkout(path.resolve()):
            return Spec(text, path=path)
        raise MigkgError(f"{text}: not a build (no graph.nq in it) nor a checkout")
    return Spec(text, commit=_commit(project.root, text))


def quads_of(project: Project, spec: Spec) -> list[ox.Quad]:
    """The quads of one side's build."""
    from loaders.graph.build import read_inputs

    if spec.commit is not None:
        with temporary_folder(Path(tempfile.gettempdir()), "diff") as tmp:
            _export(project.root, spec.commit, tmp)
            if not is_checkout(tmp):
                raise MigkgError(f"{spec.label}: that revision holds no migkg checkout")
            return read_inputs(Project.locate(tmp))
    assert spec.path is not None
    path = spec.path
    if path.is_dir() and is_checkout(path.resolve()):
        from loaders.graph.dataset import load

        return load(Project.locate(path)).quads
    nq = path / "graph.nq" if path.is_dir() else path
    try:
        return list(ox.parse(path=nq, format=ox.RdfFormat.N_QUADS))
    except (OSError, SyntaxError) as exc:
        cause = (str(exc).splitlines() or ["no reason"])[0]
        raise MigkgError(f"{spec.label}: not a build (cannot read it as N-Quads: {cause})") from exc


def _export(root: Path, commit: str, into: Path) -> None:
    """The checkout's files at ``commit`` written under ``into``."""
    archive = into / ".archive.tar"
    done = _git(root, "archive", "--format=tar", f"--output={archive}", commit, timeout=120)
    if done.returncode != 0:
        cause = done.stderr.decode(errors="replace").strip().splitlines()
        raise MigkgError(f"{commit}: git archive failed: {cause[-1] if cause else 'no reason'}")
    with tarfile.open(archive) as tar:
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, filter="data")
        else:  # Python before 3.11.4: an archive git made of this checkout
            tar.extractall(into)
    archive.unlink()


# --- the comparison -----------------------------------------------------------------------


@dataclass
class Report:
    """The differences, as plain data (see :func:`to_json`)."""

    old: str
    new: str
    data: dict[str, Any]

    @property
    def empty(self) -> bool:
        return not any(self.data["summary"].values())


def compare(old: Side, new: Side) -> Report:
    """What changed from ``old`` to ``new``."""

    def label(iri: str) -> str | None:
        for side in (new, old):
            found = side.labels.get(iri)
            if found:
                return found.get("en") or found.get("nl") or found.get("") or None
        return None

    def kind_of(iri: str) -> str | None:
        for side in (new, old):
            if iri not in side.described:
                continue
            classes = {t[1] for t in side.types(iri) if t[0] == "I"}
            reach = set().union(*(side.ancestors(c) for c in classes)) if classes else set()
            for key, _, roots in KINDS:
                if reach & set(roots):
                    return key
            if iri in side.scopes.get("shapes", ()):
                return "shapes"
            if iri in side.scopes.get("ontology", ()) and classes & TERM_TYPES:
                return "terms"
        return None

    sections: dict[str, dict[str, list[dict[str, Any]]]] = {
        key: {"added": [], "removed": [], "changed": []} for key, _ in SECTIONS
    }
    other: dict[str, Counter[str]] = {}
    evidence = old.evidence | new.evidence
    for iri in sorted(set(old.described) | set(new.described)):
        if iri in evidence:
            continue
        before = {p: v for p, v in old.described.get(iri, {}).items() if p != HAS_EVIDENCE}
        after = {p: v for p, v in new.described.get(iri, {}).items() if p != HAS_EVIDENCE}
        if before == after:
            continue
        how = "added" if not before else "removed" if not after else "changed"
        key = kind_of(iri)
        if key is None:
            side = new if after else old
            classes = sorted(curie(t[1]) for t in side.types(iri) if t[0] == "I")
            other.setdefault(classes[0] if classes else "(no class)", Counter())[how] += 1
            continue
        entry: dict[str, Any] = {"iri": iri, "label": label(iri) or iri}
        if how == "changed":
            entry["properties"] = [
                {
                    "property": curie(p),
                    "old": [_value(v, label) for v in sorted(before.get(p, ()))],
                    "new": [_value(v, label) for v in sorted(after.get(p, ()))],
                }
                for p in sorted(set(before) | set(after))
                if before.get(p) != after.get(p)
            ]
        sections[key][how].append(entry)
    for form in set(old.loose) | set(new.loose):
        delta = new.loose[form] - old.loose[form]
        if delta:
            cls = (new.loose_types.get(form) or old.loose_types.get(form)) or "(no class)"
            other.setdefault(cls, Counter())["added" if delta > 0 else "removed"] += abs(delta)
    quotes = {
        how: [
            {"fact": fact, "label": label(fact) or fact, "quote": text}
            for fact, text in sorted(a - b)
        ]
        for how, a, b in (("added", new.quotes, old.quotes), ("removed", old.quotes, new.quotes))
    }
    others: list[dict[str, Any]] = [
        {"class": cls, **{how: counts[how] for how in ("added", "removed", "changed")}}
        for cls, counts in sorted(other.items())
    ]
    summary = {f"{key} {how}": len(sections[key][how]) for key, _ in SECTIONS for how in HOW}
    summary.update({f"quotes {how}": len(quotes[how]) for how in quotes})
    summary["other nodes"] = sum(sum(o[h] for h in ("added", "removed", "changed")) for o in others)
    data = {"summary": summary, **sections, "quotes": quotes, "other": others}
    return Report(old.name, new.name, data)


def _value(value: Value, label: Any) -> dict[str, str]:
    """A value for the report: its text, and for an IRI with a label, the label."""
    text = _show(value)
    if value[0] == "I":
        found = label(value[1])
        if found:
            return {"value": text, "label": found}
    return {"value": text}


def _show(value: Value) -> str:
    kind = value[0]
    if kind == "I":
        short = curie(value[1])
        return short if short != value[1] else f"<{value[1]}>"
    if kind == "L":
        text = json.dumps(value[1], ensure_ascii=False)
        if value[2]:
            return f"{text}@{value[2]}"
        if value[3] != PREFIXES["xsd"] + "string":
            return f"{text}^^{_show(('I', value[3]))}"
        return text
    if kind == "B":
        items = _items(value)
        if items is not None:
            return "( " + " ".join(_show(v) for v in items) + " )" if items else "()"
        inner = " ; ".join(f"{_show(('I', p))} {_show(o)}" for p, o in value[1])
        return f"[ {inner} ]" if inner else "[]"
    return str(value[1])


def _items(value: Value) -> list[Value] | None:
    """The members of an RDF list (``rdf:first``/``rdf:rest`` blank nodes), else None."""
    items: list[Value] = []
    while value != ("I", NIL):
        pairs = dict(value[1]) if value[0] == "B" else {}
        if len(value[1]) != 2 or set(pairs) != {FIRST, REST}:
            return None
        items.append(pairs[FIRST])
        value = pairs[REST]
    return items


# --- output -------------------------------------------------------------------------------


def to_json(report: Report) -> str:
    return (
        json.dumps(
            {"old": report.old, "new": report.new, **report.data},
            indent=2,
            sort_keys=True,
            ensure_ascii=False,
        )
        + "\n"
    )


def _cell(text: str, width: int = 300) -> str:
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("|", "\\|").replace("\n", " ")


def _shown(values: list[dict[str, str]]) -> str:
    return (
        "; ".join(
            f"{v['label']} (`{v['value']}`)" if "label" in v else f"`{v['value']}`" for v in values
        )
        or "—"
    )


def to_markdown(report: Report) -> str:
    data = report.data
    order = [*(f"{key} {how}" for key, _ in SECTIONS for how in HOW), *SUMMARY_TAIL]
    counts = {k: data["summary"][k] for k in order if data["summary"].get(k)}
    lines = [f"# Knowledge diff: {report.old} → {report.new}", ""]
    if not counts:
        return "\n".join([*lines, "No change in the knowledge.", ""])
    lines += ["Summary: " + ", ".join(f"{k} {v}" for k, v in counts.items()) + ".", ""]
    for key, title in SECTIONS:
        section = data[key]
        if not any(section.values()):
            continue
        lines += [f"## {title}", ""]
        for how in ("added", "removed"):
            if section[how]:
                lines += [f"### {how.capitalize()}", "", "| label | IRI |", "| --- | --- |"]
                lines += [f"| {_cell(e['label'])} | <{e['iri']}> |" for e in section[how]]
                lines.append("")
        if section["changed"]:
            lines += [
                "### Changed",
                "",
                "| label | property | old | new |",
                "| --- | --- | --- | --- |",
            ]
            for e in section["changed"]:
                for prop in e["properties"]:
                    lines.append(
                        f"| [{_cell(e['label'])}]({e['iri']}) | `{prop['property']}` "
                        f"| {_cell(_shown(prop['old']))} | {_cell(_shown(prop['new']))} |"
                    )
            lines.append("")
    quotes = data["quotes"]
    if any(quotes.values()):
        lines += ["## Quotes", ""]
        for how in ("added", "removed"):
            if quotes[how]:
                lines += [f"### {how.capitalize()}", "", "| fact | quote |", "| --- | --- |"]
                lines += [
                    f"| [{_cell(q['label'])}]({q['fact']}) | {_cell(q['quote'])} |"
                    for q in quotes[how]
                ]
                lines.append("")
    if data["other"]:
        lines += ["## Other nodes", "", "| class | added | removed | changed |"]
        lines.append("| --- | ---: | ---: | ---: |")
        lines += [
            f"| `{o['class']}` | {o['added']} | {o['removed']} | {o['changed']} |"
            for o in data["other"]
        ]
        lines.append("")
    return "\n".join(lines)


def diff(project: Project, old: str | None = "HEAD", new: str | None = None) -> Report:
    """Compare two sides (see the module): by default the last commit and the working tree."""
    specs = [resolve(project, old), resolve(project, new)]  # every argument checked first
    old_side, new_side = (index(s.label, quads_of(project, s)) for s in specs)
    return compare(old_side, new_side)
