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
into place together (``loaders.files.write_atomically``), after every quote was found;
a rename that fails undoes the others (``commit``).
A document already in the project (the same bytes, or the same file name under
``sources/``) is refused before anything is written.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from loaders.errors import InputError, MigkgError
from loaders.extract.evidence import add_evidence, record
from loaders.extract.extracted import (
    ASSESSMENT_STANCES,
    DIMENSION_IDS,
    Resolver,
    describe,
    describe_new,
    documents,
    links,
    provision_levels,
    slug,
)
from loaders.extract.fiche import Fiche, NotAFiche, parse_text
from loaders.extract.identifiers import commission_number, preparatory_number
from loaders.extract.refs import Reference, read_text
from loaders.extract.refs import extract as extract_text
from loaders.extract.text import Normalised, QuoteNotFound, locate, normalise
from loaders.files import write_atomically
from loaders.graph.turtle import canonical_turtle, parse_turtle
from loaders.namespaces import CELEX, DIMENSION, ID, MIG, STANCE, bind_all
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
HOLDER = ID["actor/nl-government"]


@dataclass(frozen=True)
class Added:
    """What ``add`` wrote: the source document's IRI, its text, its draft folder."""

    source: URIRef
    text: Path
    folder: Path
    facts: int
    warnings: tuple[str, ...] = ()


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
            if folded.count(exact) < 2:
                return exact, None
            anchor = folded.lower().find(after.lower()) if after else -1
            at = folded.find(exact, anchor + len(after)) if anchor >= 0 else -1
            return exact, (folded[max(0, at - 32) : at] if at > 0 else None)
        raise MigkgError(f"{self.doc}: the extracted text {value[:60]!r} is not in the source")

    def evidence(self, fact: URIRef, value: str, file: str, after: str = "") -> None:
        """``fact mig:hasEvidence`` a quote of ``value`` in the document (blank nodes:
        ``record`` names and locates them)."""
        exact, prefix = self.quote(value, after)
        add_evidence(self.files[file], fact, self.doc, exact, prefix)

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


HEADINGS = {
    "1a": "Titel",
    "1b": "Datum ontvangst",
    "1c": "Commissiedocument",
    "1d": "EUR-Lex",
    "1e": "impact assessment",
    "1f": "Behandelingstraject",
    "1g": "ministerie",
    "1h": "Rechtsbasis",
    "1i": "Besluitvormingsprocedure",
    "1j": "Rol Europees Parlement",
}
"""A word of each general-data heading: a field's quote is its value's first occurrence
after it (the value may occur before, in a covering letter)."""


def fiche_draft(draft: Draft, fiche: Fiche, resolver: Resolver) -> None:
    """Every general-data field, the assessments and the candidate positions of a fiche."""
    doc, g = draft.doc, draft.files["entities"]
    g.add((doc, RDF.type, MIG.BncFiche))
    draft.mark(doc)
    title = fiche.get("1a")
    if title:
        g.add((doc, MIG.hasDocumentTitle, Literal(title, lang="nl")))
        draft.evidence(doc, title, "entities", "Titel")
    if fiche.received and fiche.get("1b"):
        g.add((doc, MIG.wasReceivedOn, Literal(fiche.received.isoformat(), datatype=XSD.date)))
        draft.evidence(doc, fiche.get("1b") or "", "entities", HEADINGS["1b"])
    if fiche.get("1e"):
        g.add((doc, MIG.hasImpactAssessmentNote, Literal(fiche.get("1e"), lang="nl")))
        draft.evidence(doc, fiche.get("1e") or "", "entities", HEADINGS["1e"])
    about = _assessed(draft, fiche, resolver)
    _links(draft, fiche, resolver)
    for path in fiche.legal_basis:
        provision = _provision(draft, resolver, path, fiche.get("1h") or "", HEADINGS["1h"])
        for target in about:
            name = f"{_tail(target)}-legal-basis-{path.replace('/', '-')}"
            draft.claim(
                name,
                (target, MIG.hasLegalBasis, provision),
                (f"Rechtsbasis volgens het fiche: {path}", f"Legal basis in the fiche: {path}"),
                fiche.get("1h") or "",
                HEADINGS["1h"],
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


def _assessed(draft: Draft, fiche: Fiche, resolver: Resolver) -> list[URIRef]:
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
            HEADINGS["1c"],
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
        draft.evidence(target, fiche.get("1c") or number, "entities", HEADINGS["1c"])
        for value in celex:
            g.add((target, MIG.hasCelexNumber, Literal(value)))
            g.add((target, MIG.hasEurLexResource, CELEX[value]))
        if celex and fiche.get("1d"):
            draft.evidence(target, fiche.get("1d") or "", "entities", HEADINGS["1d"])
    return about


def _links(draft: Draft, fiche: Fiche, resolver: Resolver) -> None:
    """Council configuration, lead and co-responsible ministries, decision procedure and
    role of the European Parliament (``extracted.links``): each a claim with its quote, and
    a new node, marked, for a value that matches no curated one."""
    g = draft.files["entities"]
    for link in links(fiche, resolver):
        after = HEADINGS.get(link.key, "")
        if link.new is not None and (link.target, RDF.type, None) not in g:
            describe_new(g, link)
            draft.mark(link.target)
            draft.evidence(link.target, link.value, "entities", after)
        nl, en = LINK_NAMES[link.prop]
        what = str(link.target).removeprefix(str(ID)).rsplit("/", 1)[-1]
        draft.claim(
            f"fiche-{en.lower().replace(' ', '-')}-{what}",
            (draft.doc, link.prop, link.target),
            (f"{nl} volgens het fiche: {link.value}", f"{en} in the fiche: {link.value}"),
            link.value,
            after,
        )


LINK_NAMES = {
    MIG.hasCouncilConfiguration: ("Behandelingstraject Raad", "Council configuration"),
    MIG.hasLeadMinistry: ("Eerstverantwoordelijk ministerie", "Lead ministry"),
    MIG.hasCoResponsibleMinistry: ("Medeverantwoordelijk ministerie", "Co-responsible ministry"),
    MIG.hasDecisionProcedure: ("Besluitvormingsprocedure Raad", "Decision procedure"),
    MIG.hasParliamentRole: ("Rol Europees Parlement", "Parliament role"),
}


UNKNOWN_TARGET = (
    "The fiche names no Commission document (its section 1 is missing), so this position "
    "is about the fiche itself until the curator sets the document it assesses."
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
        if not about:  # no document numbers (section 1 missing): about the fiche, to review
            g.add((node, MIG.isAbout, draft.doc))
            g.add((node, SKOS.note, Literal(UNKNOWN_TARGET, lang="en")))
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
    raw = read_text(file)  # UTF-8 text, or one line saying why not
    data = raw.encode("utf-8")  # the file's bytes: UTF-8 decodes and encodes back the same
    sources_ttl = project.root / "instances" / "sources.ttl"
    manifest = parse_turtle(sources_ttl, project.relative(sources_ttl))
    stem = slug(file.stem)
    number = next_number(project)
    name = f"{number}-{stem}.txt"
    if why := already_present(project, manifest, data, name):
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
        fiche_draft(draft, fiche, resolver)
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
    outputs: dict[Path, str | bytes] = {}
    for base, graph in draft.files.items():
        if len(graph):
            record(graph, texts, f"{project.relative(folder)}/{base}.ttl")
            outputs[folder / f"{base}.ttl"] = canonical_turtle(graph)
    outputs[project.root / "sources" / name] = data
    outputs[sources_ttl] = canonical_turtle(manifest)
    commit(outputs, folder)
    warnings = tuple(fiche.warnings) if fiche else ()
    return Added(doc, project.root / "sources" / name, folder, draft.facts, warnings)


def commit(outputs: dict[Path, str | bytes], folder: Path) -> None:
    """Write every file, the manifest last; if any write fails, undo those that were
    done (remove the new files and the draft folder, put the old manifest back), so that
    a failure leaves the project as it was. Each file is itself written whole or not at
    all (``write_atomically``: staged beside its target, then renamed)."""
    before = {path: path.read_bytes() if path.is_file() else None for path in outputs}
    try:
        write_atomically(outputs)
    except BaseException:
        for path, old in before.items():
            if old is None:
                path.unlink(missing_ok=True)
            elif path.read_bytes() != old:
                write_atomically({path: old})
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise
