"""``migkg add FILE``: a new source document and a draft of what the extractors find in it.

One command takes a text to a queryable draft:

1. the text is copied byte for byte to ``sources/NNN-slug.txt`` and described in the
   manifest (``instances/sources.ttl``: kind, file, SHA-256, language);
2. the extractors run on it (for a BNC fiche the fiche parser, for every kind the
   citation extractor) and their findings are written in the curated form to
   ``instances/NNN-slug/`` (``entities.ttl``, ``relations.ttl``, ``positions.ttl``):
   canonical Turtle, every fact with its quote, every quote located with its offsets as
   ``migkg locate`` records them;
3. every fact and every node the draft makes carries the review mark
   ``mig:awaitsReview true`` and ``prov:wasGeneratedBy`` the run that wrote it; a curator
   reviews the draft by editing it and deletes the mark of each fact reviewed
   (``migkg query cq-unreviewed`` lists what is left).

Nothing is half-written: every file is staged beside its target and all are renamed
into place together (``loaders.files.write_atomically``), after every quote was found.
A document already in the project (the same bytes, or the same file name under
``sources/``) is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from loaders.errors import InputError, MigkgError
from loaders.extract.evidence import record
from loaders.extract.extracted import (
    ASSESSMENT_STANCES,
    DIMENSION_IDS,
    Resolver,
    describe,
    documents,
    provision_levels,
)
from loaders.extract.fiche import Fiche, NotAFiche, parse_text
from loaders.extract.identifiers import commission_number, preparatory_number
from loaders.extract.refs import Reference, read_text
from loaders.extract.refs import extract as extract_text
from loaders.extract.text import Normalised, QuoteNotFound, locate, normalise
from loaders.files import write_atomically
from loaders.graph.turtle import canonical_turtle, parse_turtle
from loaders.namespaces import CELEX, DIMENSION, ID, MIG, OA, STANCE, bind_all
from loaders.project import Project

KINDS = {
    "fiche": MIG.BncFiche,
    "letter": MIG.ParliamentaryLetter,
    "communication": MIG.CommissionDocument,
    "act": MIG.OfficialJournalPublication,
}
KIND_NAMES = {
    "fiche": ("BNC-fiche", "BNC fiche"),
    "letter": ("Kamerbrief", "Letter to parliament"),
    "communication": ("Commissiedocument", "Commission document"),
    "act": ("Publicatie in het Publicatieblad", "Official Journal publication"),
}
LANG_NLD = URIRef("http://publications.europa.eu/resource/authority/language/NLD")
DECISION_PROCEDURE = URIRef("https://w3id.org/migkg/concept/decision-procedure")
PARLIAMENT_ROLE = URIRef("https://w3id.org/migkg/concept/parliament-role")
HOLDER = ID["actor/nl-government"]
_CO = re.compile(r",?\s*(?:in (?:nauwe )?samenwerking|samen) met\s+(?:het\s+)?", re.I)
_AND = re.compile(r",\s*(?:en\s+)?(?:het\s+)?(?=Ministerie)|\s+en\s+(?:het\s+)?(?=Ministerie)")


@dataclass(frozen=True)
class Added:
    """What ``add`` wrote: the source document's IRI, its text, its draft folder."""

    source: URIRef
    text: Path
    folder: Path
    facts: int
    warnings: tuple[str, ...] = ()


def slug(text: str, limit: int = 60) -> str:
    """Lower case, hyphens, no leading document number: ``'003 Fiche: X'`` → ``fiche-x``."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    words = re.sub(r"^\d{3}-", "", words)
    return words[:limit].strip("-") or "document"


def next_number(project: Project) -> str:
    """The next free source number: one more than any under sources/ or instances/."""
    used = [-1]
    for folder in (project.root / "sources", project.root / "instances"):
        if folder.is_dir():
            used += [int(p.name[:3]) for p in folder.iterdir() if re.match(r"\d{3}-", p.name)]
    return f"{max(used) + 1:03d}"


def already_present(project: Project, manifest: Graph, data: bytes, name: str) -> str | None:
    """Why the text is already in the project, or None."""
    digest = hashlib.sha256(data).hexdigest()
    for doc, value in manifest.subject_objects(MIG.hasSha256):
        if str(value) == digest:
            file = manifest.value(doc, MIG.hasSourceFile)
            return f"this text is already in the project as {doc} ({file})"
    for path in (project.root / "sources").glob("*.txt"):
        if path.read_bytes() == data:
            return f"this text is already in the project as {project.relative(path)}"
    if (project.root / "sources" / name).exists():
        return f"sources/{name} already exists"
    return None


class Draft:
    """The draft graphs of one document, one per file of its folder, built fact by fact."""

    def __init__(self, doc: URIRef, number: str, text: Normalised, run: URIRef) -> None:
        self.doc, self.number, self.text, self.run = doc, number, text, run
        self.files: dict[str, Graph] = {
            name: bind_all(Graph(bind_namespaces="none"))
            for name in ("entities", "relations", "positions")
        }
        self.facts = 0

    def mark(self, node: URIRef, file: str = "entities") -> None:
        """The review mark and the run that wrote it."""
        graph = self.files[file]
        graph.add((node, MIG.awaitsReview, Literal(True)))
        graph.add((node, PROV.wasGeneratedBy, self.run))
        self.facts += 1

    def quote(self, value: str, after: str = "") -> tuple[str, str | None]:
        """The quote for ``value`` as it stands in the text, and the text just before the
        occurrence meant (the first after the words ``after``, a heading): a field's value
        may occur earlier too. A value the locator cannot find (a footnote cut into it) is
        shortened to its longest leading part that is found."""
        words = value.split()
        for n in range(len(words), 0, -1):
            exact = " ".join(words[:n])
            try:
                locate(self.text, exact)
            except QuoteNotFound:
                continue
            folded = self.text.text
            anchor = folded.lower().find(after.lower()) if after else -1
            at = folded.find(exact, anchor + len(after)) if anchor >= 0 else -1
            prefix = folded[max(0, at - 32) : at] if at > 0 else None
            return exact, prefix
        raise MigkgError(f"{self.doc}: the extracted text {value[:60]!r} is not in the source")

    def evidence(self, fact: URIRef, value: str, file: str, after: str = "") -> None:
        """``fact mig:hasEvidence`` a quote of ``value`` in the document (blank nodes:
        ``record`` names and locates them)."""
        exact, prefix = self.quote(value, after)
        graph = self.files[file]
        evidence, target, selector = BNode(), BNode(), BNode()
        graph.add((fact, MIG.hasEvidence, evidence))
        graph.add((evidence, RDF.type, MIG.Evidence))
        graph.add((evidence, OA.hasTarget, target))
        graph.add((target, RDF.type, OA.SpecificResource))
        graph.add((target, OA.hasSource, self.doc))
        graph.add((target, OA.hasSelector, selector))
        graph.add((selector, RDF.type, OA.TextQuoteSelector))
        graph.add((selector, OA.exact, Literal(exact)))
        if prefix:
            graph.add((selector, OA.prefix, Literal(prefix)))

    def claim(
        self,
        name: str,
        triple: tuple[URIRef, URIRef, URIRef],
        labels: tuple[str, str],
        value: str,
        after: str = "",
        file: str = "relations",
    ) -> URIRef:
        """The triple and a ``mig:Claim`` that records it with its quote and mark."""
        graph = self.files[file]
        graph.add(triple)
        node = ID[f"claim/{self.number}/{name}"]
        graph.add((node, RDF.type, MIG.Claim))
        graph.add((node, RDFS.label, Literal(labels[0], lang="nl")))
        graph.add((node, RDFS.label, Literal(labels[1], lang="en")))
        graph.add((node, MIG.claimSubject, triple[0]))
        graph.add((node, MIG.claimPredicate, triple[1]))
        graph.add((node, MIG.claimObject, triple[2]))
        graph.add((node, MIG.isStatedIn, self.doc))
        self.evidence(node, value, file, after)
        self.mark(node, file)
        return node


def _folded(text: str) -> str:
    return " ".join(text.lower().split())


def concepts(curated: Graph, scheme: URIRef) -> dict[str, URIRef]:
    """Folded label → concept of a scheme (the curated concepts a value may match)."""
    out: dict[str, URIRef] = {}
    for concept in curated.subjects(SKOS.inScheme, scheme):
        for prop in (SKOS.prefLabel, SKOS.altLabel, RDFS.label):
            for label in curated.objects(concept, prop):
                if isinstance(concept, URIRef):
                    out.setdefault(_folded(str(label)), concept)
    return out


def ministries(value: str) -> list[str]:
    """The ministries of field 1g: the lead one first, then those it works with."""
    parts = _CO.split(value, maxsplit=1)
    names = [parts[0]]
    if len(parts) > 1:
        names += _AND.split(parts[1])
    return [n.strip(" .,;") for n in names if n.strip(" .,;")]


def _heading(fiche: Fiche, key: str) -> str:
    from loaders.extract.fiche import SUBSECTIONS

    return SUBSECTIONS[key][1].split()[0] if key in SUBSECTIONS else ""


def fiche_draft(draft: Draft, fiche: Fiche, resolver: Resolver, curated: Graph) -> None:
    """Every general-data field, the assessments and the candidate positions of a fiche."""
    doc, g = draft.doc, draft.files["entities"]
    g.add((doc, RDF.type, MIG.BncFiche))
    draft.mark(doc)
    title = fiche.get("1a")
    if title:
        g.add((doc, MIG.hasDocumentTitle, Literal(title, lang="nl")))
        draft.evidence(doc, title, "entities", _heading(fiche, "1a"))
    if fiche.received and fiche.get("1b"):
        g.add((doc, MIG.wasReceivedOn, Literal(fiche.received.isoformat(), datatype=XSD.date)))
        draft.evidence(doc, fiche.get("1b") or "", "entities", "Datum ontvangst")
    if fiche.get("1e"):
        g.add((doc, MIG.hasImpactAssessmentNote, Literal(fiche.get("1e"), lang="nl")))
        draft.evidence(doc, fiche.get("1e") or "", "entities", "impact assessment")
    about = _assessed(draft, fiche, resolver, curated)
    _actors(draft, fiche, resolver)
    _concept(draft, fiche, "1i", MIG.hasDecisionProcedure, DECISION_PROCEDURE, curated)
    _concept(draft, fiche, "1j", MIG.hasParliamentRole, PARLIAMENT_ROLE, curated)
    for path in fiche.legal_basis:
        provision = _provision(draft, resolver, path, fiche.get("1h") or "", "Rechtsbasis")
        for target in about:
            name = f"{_tail(target)}-legal-basis-{path.replace('/', '-')}"
            draft.claim(
                name,
                (target, MIG.hasLegalBasis, provision),
                (f"Rechtsbasis volgens het fiche: {path}", f"Legal basis in the fiche: {path}"),
                fiche.get("1h") or "",
                "Rechtsbasis",
            )
    _positions(draft, fiche, about)


def _provision(draft: Draft, resolver: Resolver, path: str, quote: str, after: str = "") -> URIRef:
    """The provision a path names, with the article (and paragraph) above it: a node for
    each level neither the curated data nor the draft has, written as the curated
    provisions are (type, labels, number, treaty, the level above)."""
    g = draft.files["entities"]
    treaty = ID[f"treaty/{path.split('/')[0]}"]
    parent: URIRef | None = None
    for iri, cls, number, nl, en in provision_levels(path):
        if not resolver.known(iri) and (iri, RDF.type, None) not in g:
            g.add((iri, RDF.type, cls))
            g.add((iri, RDFS.label, Literal(nl, lang="nl")))
            g.add((iri, RDFS.label, Literal(en, lang="en")))
            g.add((iri, MIG.hasProvisionNumber, Literal(number)))
            g.add((iri, MIG.isProvisionOf, treaty))
            if parent is not None:
                g.add((iri, MIG.isSubdivisionOf, parent))
            draft.mark(iri)
            draft.evidence(iri, quote, "entities", after)
        parent = iri
    return ID[path]


def _tail(iri: URIRef) -> str:
    return str(iri).removeprefix(str(ID)).replace("/", "-")


def _assessed(draft: Draft, fiche: Fiche, resolver: Resolver, curated: Graph) -> list[URIRef]:
    """One node per assessed document, whichever of its numbers and links the fiche gives
    (``Resolver.document``): the curated node, else the one the rule mints."""
    g, about = draft.files["entities"], []
    for number, celex in documents(fiche):
        target = resolver.document([number], celex)
        about.append(target)
        resolver.learn(target, [number, *celex])
        draft.claim(
            f"fiche-assesses-{_tail(target)}",
            (draft.doc, MIG.assesses, target),
            (f"Het fiche beoordeelt {number}", f"The fiche assesses {number}"),
            fiche.get("1c") or number,
            "Nr. Commissiedocument",
        )
        if resolver.known(target):
            continue
        series = commission_number(number).series
        prop = {"COM": MIG.hasComNumber, "C": MIG.hasCNumber, "SWD": MIG.hasSwdNumber}.get(
            series, MIG.hasIdentifier
        )
        g.add((target, RDF.type, MIG.CommissionDocument))
        g.add((target, prop, Literal(number)))
        label = fiche.get("1a") if len(fiche.documents) == 1 else None
        g.add((target, RDFS.label, Literal(label or number, lang="nl")))
        g.add((target, RDFS.label, Literal(number, lang="en")))
        draft.mark(target)
        draft.evidence(target, fiche.get("1c") or number, "entities", "Nr. Commissiedocument")
        for value in celex:
            g.add((target, MIG.hasCelexNumber, Literal(value)))
            g.add((target, MIG.hasEurLexResource, CELEX[value]))
        if celex and fiche.get("1d"):
            draft.evidence(target, fiche.get("1d") or "", "entities", "EUR-Lex")
    return about


def _actors(draft: Draft, fiche: Fiche, resolver: Resolver) -> None:
    """Council configuration (1f), lead ministry and co-responsible ministries (1g): the
    curated actor with that name, else a new actor with the name as its label."""
    wanted: list[tuple[str, str, URIRef, URIRef, str, tuple[str, str]]] = []
    if fiche.get("1f"):
        value = fiche.get("1f") or ""
        what = ("Behandelingstraject Raad", "Council configuration")
        wanted.append(
            ("1f", value, MIG.hasCouncilConfiguration, MIG.CouncilConfiguration, "council", what)
        )
    names = ministries(fiche.get("1g") or "")
    for i, name in enumerate(names):
        prop = MIG.hasLeadMinistry if i == 0 else MIG.hasCoResponsibleMinistry
        what = (
            ("Eerstverantwoordelijk ministerie", "Lead ministry")
            if i == 0
            else ("Medeverantwoordelijk ministerie", "Co-responsible ministry")
        )
        wanted.append(("1g", name, prop, MIG.Ministry, "ministry", what))
    for key, name, prop, cls, kind, (nl, en) in wanted:
        actor = resolver.by_label.get(_folded(name))
        if actor is None:
            actor = ID[f"actor/{slug(name)}"]
            g = draft.files["entities"]
            g.add((actor, RDF.type, cls))
            g.add((actor, RDFS.label, Literal(name, lang="nl")))
            draft.mark(actor)
            draft.evidence(actor, name, "entities", _heading(fiche, key))
        draft.claim(
            f"fiche-{kind}-{_tail(actor).removeprefix('actor-')}",
            (draft.doc, prop, actor),
            (f"{nl} volgens het fiche: {name}", f"{en} named in the fiche: {name}"),
            name,
            _heading(fiche, key),
        )


def _concept(
    draft: Draft, fiche: Fiche, key: str, prop: URIRef, scheme: URIRef, curated: Graph
) -> None:
    value = fiche.get(key)
    if not value:
        return
    concept = concepts(curated, scheme).get(_folded(value))
    if concept is None:
        concept = ID[f"extracted/{str(scheme).rsplit('/', 1)[-1]}/{slug(value)}"]
        g = draft.files["entities"]
        g.add((concept, RDF.type, SKOS.Concept))
        g.add((concept, SKOS.inScheme, scheme))
        g.add((concept, SKOS.prefLabel, Literal(value, lang="nl")))
        g.add((concept, RDFS.label, Literal(value, lang="nl")))
        draft.mark(concept)
        draft.evidence(concept, value, "entities", _heading(fiche, key))
    what = str(scheme).rsplit("/", 1)[-1]
    draft.claim(
        f"fiche-{what}",
        (draft.doc, prop, concept),
        (f"{_heading(fiche, key)} volgens het fiche: {value}", f"{what} in the fiche: {value}"),
        value,
        _heading(fiche, key),
    )


def _positions(draft: Draft, fiche: Fiche, about: list[URIRef]) -> None:
    g = draft.files["positions"]

    def position(
        node: URIRef, cls: URIRef, stance: str, text: str, labels: tuple[str, str]
    ) -> None:
        g.add((node, RDF.type, cls))
        g.add((node, RDFS.label, Literal(labels[0], lang="nl")))
        g.add((node, RDFS.label, Literal(labels[1], lang="en")))
        g.add((node, MIG.hasHolder, HOLDER))
        g.add((node, MIG.hasStance, STANCE[stance]))
        g.add((node, MIG.isStatedIn, draft.doc))
        for target in about:
            g.add((node, MIG.isAbout, target))
        draft.evidence(node, text, "positions")
        draft.mark(node, "positions")

    for dimension, found in fiche.assessments.items():
        dim = DIMENSION_IDS[dimension]
        node = ID[f"position/{draft.number}/{dim}"]
        position(
            node,
            MIG.Assessment,
            ASSESSMENT_STANCES[found.stance],
            found.sentence.text,
            (f"Beoordeling {dim} (fiche {draft.number})", f"Assessment: {dim} ({draft.number})"),
        )
        g.add((node, MIG.hasDimension, DIMENSION[dim]))
    for n, found in enumerate(fiche.positions, start=1):
        node = ID[f"position/{draft.number}/3b-{n:02d}"]
        position(
            node,
            MIG.Position,
            found.stance,
            found.sentence.text,
            (
                f"Standpunt kabinet {n} (fiche {draft.number})",
                f"Cabinet position {n} ({draft.number})",
            ),
        )
        if found.stance == "conditional":
            g.add((node, MIG.hasCondition, Literal(found.condition or found.sentence.text)))


def citations(draft: Draft, raw: str, resolver: Resolver) -> None:
    """Every reference the citation extractor finds that names a node, as ``mig:cites``
    with a claim and the reference as its quote. Each reference resolves to the one IRI
    of what it names (``Resolver.identity``): a document the fiche assesses, named by its
    number in one place and its EUR-Lex link in another, is one node."""
    seen: set[URIRef] = set()
    for ref in extract_text(raw):
        target = resolver.identity(ref)
        if target is None or target == draft.doc or target in seen:
            continue
        seen.add(target)
        if not resolver.known(target) and (target, RDF.type, None) not in draft.files["entities"]:
            _describe_cited(draft, ref, target, resolver)
            resolver.learn(target, [ref.id])
        draft.claim(
            f"cites-{_tail(target)}",
            (draft.doc, MIG.cites, target),
            (f"Het document verwijst naar {ref.id}", f"The document cites {ref.id}"),
            ref.text,
        )


_ACT_CLASSES = {"R": MIG.Regulation, "L": MIG.Directive, "D": MIG.Decision, "H": MIG.Recommendation}


def _describe_cited(draft: Draft, ref: Reference, target: URIRef, resolver: Resolver) -> None:
    """A node, with its type, labels and identifier, for what a reference names that
    neither the curated data nor the draft has yet."""
    g = draft.files["entities"]
    if ref.kind in ("act", "celex", "eurlex"):
        celex = str(target).rsplit("/", 1)[-1] if "/celex/" in str(target) else None
        if celex is None:  # a preparatory CELEX: the Commission document it encodes
            encoded = preparatory_number(ref.id)
            if encoded is None:
                return
            describe(g, Reference("commission", encoded.canonical, 0, 0, 0, ref.text), target)
            g.add((target, MIG.hasCelexNumber, Literal(ref.id)))
        else:
            g.add((target, RDF.type, _ACT_CLASSES.get(celex[5:6], MIG.LegalAct)))
            g.add((target, RDFS.label, Literal(ref.text, lang="nl")))
            g.add((target, RDFS.label, Literal(f"CELEX {celex}", lang="en")))
            g.add((target, MIG.hasCelexNumber, Literal(celex)))
            g.add((target, MIG.hasEurLexResource, CELEX[celex]))
    elif ref.kind == "provision":
        _provision(draft, resolver, ref.id, ref.text)
        return
    else:
        describe(g, ref, target)
    draft.mark(target)
    draft.evidence(target, ref.text, "entities")


def add(project: Project, file: Path, kind: str, curated: Graph) -> Added:
    """Add ``file`` as a new source document of ``kind`` with its draft; see the module."""
    data = read_text(file).encode("utf-8")
    raw = data.decode("utf-8")
    sources_ttl = project.root / "instances" / "sources.ttl"
    manifest = parse_turtle(sources_ttl, project.relative(sources_ttl))
    stem = slug(file.stem)
    number = next_number(project)
    name = f"{number}-{stem}.txt"
    if why := already_present(project, manifest, file.read_bytes(), name):
        raise InputError(file, f"{why}: nothing was changed")
    fiche: Fiche | None = None
    if kind == "fiche":
        try:
            fiche = parse_text(raw, str(file))
        except NotAFiche as exc:
            raise InputError(file, exc.message.split(": ", 1)[-1]) from None
    doc = ID[f"source/{number}"]
    run = ID[f"activity/migkg-add-{number}"]
    draft = Draft(doc, number, normalise(raw), run)
    resolver = Resolver(curated)
    if fiche is not None:
        fiche_draft(draft, fiche, resolver, curated)
    citations(draft, raw, resolver)
    activity = draft.files["entities"]
    activity.add((run, RDF.type, PROV.Activity))
    activity.add((run, RDFS.label, Literal(f"migkg add: the draft of source {number}", lang="en")))
    activity.add((run, RDFS.label, Literal(f"migkg add: het concept van bron {number}", lang="nl")))
    activity.add((run, PROV.used, doc))
    title = (fiche.get("1a") if fiche else None) or file.stem
    nl, en = KIND_NAMES[kind]
    manifest.add((doc, RDF.type, KINDS[kind]))
    manifest.add((doc, RDF.type, MIG.SourceDocument))
    manifest.add((doc, RDFS.label, Literal(f"{nl}: {title}", lang="nl")))
    manifest.add((doc, RDFS.label, Literal(f"{en} {number} (draft): {title}", lang="en")))
    manifest.add((doc, MIG.hasLanguage, LANG_NLD))
    manifest.add((doc, MIG.hasSha256, Literal(hashlib.sha256(data).hexdigest())))
    manifest.add((doc, MIG.hasSourceFile, Literal(f"sources/{name}")))
    folder = project.root / "instances" / f"{number}-{stem}"
    texts = {doc: draft.text}
    outputs: dict[Path, str | bytes] = {project.root / "sources" / name: file.read_bytes()}
    for base, graph in draft.files.items():
        if len(graph):
            record(graph, texts, f"{project.relative(folder)}/{base}.ttl")
            outputs[folder / f"{base}.ttl"] = canonical_turtle(graph)
    outputs[sources_ttl] = canonical_turtle(manifest)
    write_atomically(outputs)
    warnings = tuple(fiche.warnings) if fiche else ()
    return Added(doc, project.root / "sources" / name, folder, draft.facts, warnings)
