"""What the loaders extract reliably, as RDF next to the curated data.

Two named graphs join the build: ``graph/extracted/citations`` (every reference the
citation extractor finds in a source document, as ``mig:cites`` from the document to
what it names) and ``graph/extracted/fiches`` (the general data of each BNC fiche
among the sources). Each graph says it was extracted (``prov:wasGeneratedBy`` the
extractor, from which sources), so a reader can tell it from curated data. A
reference is matched to the curated node with the same identifier when one exists;
an act not in the curated data is cited by its EUR-Lex resource; a provision, a
Commission document or a Kamerstuk not in the curated data gets a node of its own
with its type, label and identifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS, SKOS, XSD

from loaders.extract.evidence import add_evidence
from loaders.extract.fiche import Fiche, NotAFiche, parse
from loaders.extract.identifiers import commission_number, document_iri, preparatory_number
from loaders.extract.refs import Reference, extract_file
from loaders.namespaces import CELEX, GRAPH, ID, MIG, bind_all
from loaders.project import Project

if TYPE_CHECKING:
    import pyoxigraph as ox

EXTRACTOR = ID["activity/migkg-extract"]
TREATY_NAMES = {
    "tfeu": ("VWEU", "TFEU"),
    "teu": ("VEU", "TEU"),
    "charter": ("Handvest", "Charter"),
    "echr": ("EVRM", "ECHR"),
    "refugee-convention-1951": ("Vluchtelingenverdrag", "Refugee Convention"),
}


def provision_levels(path: str) -> list[tuple[URIRef, URIRef, str, str, str]]:
    """The article, paragraph and point a provision path names, outermost first, each as
    (IRI, class, number, Dutch label, English label): ``tfeu/art-91/par-1`` is
    article 91 TFEU and its paragraph 1, as the curated provisions are written."""
    treaty, *parts = path.split("/")
    nl_name, en_name = TREATY_NAMES.get(treaty, (treaty, treaty))
    out = []
    nl, en = "", ""
    for i, part in enumerate(parts):
        kind, _, number = part.partition("-")
        if kind == "art":
            cls, nl, en = MIG.Article, f"artikel {number}", f"Article {number}"
        elif kind == "par":
            cls, nl, en = MIG.Paragraph, f"{nl}, lid {number}", f"{en}({number})"
        else:  # a point; one right under an article (Article 6(e) TFEU) is no mig:Point,
            # which the model puts under a paragraph, but a provision of the treaty
            cls = MIG.Point if parts[i - 1].startswith("par-") else MIG.TreatyProvision
            nl, en = f"{nl}, sub {number}", f"{en}({number})"
        iri = ID["/".join([treaty, *parts[: i + 1]])]
        sep = ", " if kind != "art" else " "
        out.append((iri, cls, number, f"{nl}{sep}{nl_name}", f"{en} {en_name}"))
    return out


def sources(curated: Graph, project: Project) -> list[tuple[URIRef, Path]]:
    """Each source document of the manifest with its file."""
    out = []
    for doc, file in curated.subject_objects(MIG.hasSourceFile):
        if isinstance(doc, URIRef):
            out.append((doc, project.root / str(file)))
    return sorted(out)


IDENTIFIERS = (
    MIG.hasComNumber,
    MIG.hasCNumber,
    MIG.hasSwdNumber,
    MIG.hasCelexNumber,
    MIG.hasActNumber,
    MIG.hasInterinstitutionalNumber,
    MIG.hasKamerstukNumber,
    MIG.hasIdentifier,
)
LINKS = (MIG.hasEurLexResource, MIG.hasEli)
"""Links to a document's EUR-Lex resource (named by its CELEX) and ELI: the Resolver
maps the CELEX and the ELI to the curated node too."""
READS = (
    *IDENTIFIERS,
    *LINKS,
    SKOS.hiddenLabel,
    RDFS.label,
    RDF.type,
    MIG.hasSourceFile,
    SKOS.prefLabel,
    SKOS.altLabel,
    SKOS.inScheme,
)
"""The predicates of the curated data the extractors read: a build gives them only
these triples (an rdflib graph of all the curated data costs a second to make)."""


def reads_of(quads: Iterable[ox.Quad]) -> Graph:
    """The triples of ``quads`` whose predicate is one of READS, as the rdflib graph the
    extractors and their resolver read."""
    import pyoxigraph as ox

    from loaders.terms import from_ox

    reads = {ox.NamedNode(str(p)) for p in READS}
    curated = Graph(bind_namespaces="none")
    for q in quads:
        if q.predicate in reads:
            curated.add((from_ox(q.subject), from_ox(q.predicate), from_ox(q.object)))
    return curated


class Resolver:
    """Finds the curated node a reference names, by IRI or by identifier: every
    identifier of a curated document (COM, C, SWD, CELEX, act, procedure and Kamerstuk
    numbers, its EUR-Lex resource and ELI, and a wrong number a source cites it by,
    recorded as ``skos:hiddenLabel``) maps to the document's one IRI."""

    def __init__(self, curated: Graph) -> None:
        self.curated = curated
        self.by_literal: dict[str, URIRef] = {}
        for prop in IDENTIFIERS:
            for node, value in curated.subject_objects(prop):
                if isinstance(node, URIRef):
                    self.by_literal.setdefault(str(value), node)
        for node, link in curated.subject_objects(MIG.hasEurLexResource):
            if isinstance(node, URIRef) and str(link).startswith(str(CELEX)):
                self.by_literal.setdefault(str(link).removeprefix(str(CELEX)), node)
        for node, link in curated.subject_objects(MIG.hasEli):
            if isinstance(node, URIRef):
                self.by_literal.setdefault(str(link), node)
        for node, label in curated.subject_objects(SKOS.hiddenLabel):
            if isinstance(node, URIRef) and _is_identifier(str(label)):
                self.by_literal.setdefault(str(label), node)
        self.by_label: dict[str, URIRef] = {}
        for node, label in curated.subject_objects(RDFS.label):
            if isinstance(node, URIRef) and node.startswith(str(ID) + "actor/"):
                self.by_label.setdefault(_folded(str(label)), node)
        self.by_concept: dict[tuple[URIRef, str], URIRef] = {}
        for concept, scheme in curated.subject_objects(SKOS.inScheme):
            if isinstance(concept, URIRef) and isinstance(scheme, URIRef):
                for prop in (SKOS.prefLabel, SKOS.altLabel):
                    for label in curated.objects(concept, prop):
                        self.by_concept.setdefault((scheme, _folded(str(label))), concept)

    def document(
        self, numbers: tuple[str, ...] | list[str] = (), celex: tuple[str, ...] | list[str] = ()
    ) -> URIRef:
        """The one IRI of a document known by these identifiers: the curated node that
        any of them names, else the IRI the rule of ``identifiers.document_iri`` mints."""
        for value in (*numbers, *celex):
            if value in self.by_literal:
                return self.by_literal[value]
        return document_iri(numbers=numbers, celex=celex)

    def learn(self, iri: URIRef, identifiers: tuple[str, ...] | list[str]) -> None:
        """Let ``identifiers`` name ``iri`` from now on: a node a draft has just made is
        found by every identifier the draft gave it, as a curated one is."""
        for value in identifiers:
            self.by_literal.setdefault(value, iri)

    def identity(self, ref: Reference) -> URIRef | None:
        """The one IRI of the document, provision or paper a reference names: the curated
        node, else the node a draft already made for it (``learn``), else the IRI the rule
        of ``identifiers.document_iri`` mints: an adopted act's CELEX (an act number, a
        CELEX number and an EUR-Lex link all give ``id/celex/…``), a Commission number or
        the Commission number a preparatory CELEX encodes (``id/com/…``). OJ and Ares
        references name no node (None)."""
        if ref.kind in ("oj", "ares"):
            return None
        if ref.id in self.by_literal:
            return self.by_literal[ref.id]
        if ref.kind in ("act", "celex", "eurlex"):
            try:
                return document_iri(celex=[ref.id])
            except ValueError:
                return None
        if ref.kind == "commission":
            return document_iri(numbers=[ref.id])
        return ref.iri

    def known(self, iri: URIRef) -> bool:
        return (iri, RDF.type, None) in self.curated or (iri, RDFS.label, None) in self.curated

    def resolve(self, ref: Reference) -> tuple[URIRef, bool] | None:
        """(target, curated?) or None for references that name no node (OJ, Ares)."""
        if ref.kind in ("oj", "ares"):
            return None
        if ref.id in self.by_literal:
            return self.by_literal[ref.id], True
        iri = ref.iri
        if iri is not None and self.known(iri):
            return iri, True
        if ref.kind in ("act", "celex", "eurlex") and iri is not None:
            return CELEX[ref.id], False
        if iri is not None:
            return iri, False
        return None


def _is_identifier(text: str) -> bool:
    try:
        commission_number(text)
    except ValueError:
        return False
    return True


def _folded(text: str) -> str:
    return " ".join(text.lower().split())


def describe(graph: Graph, ref: Reference, target: URIRef) -> None:
    """A node for what a reference names that the curated data lacks."""
    if ref.kind == "commission":
        graph.add((target, RDF.type, MIG.CommissionDocument))
        graph.add((target, RDFS.label, Literal(ref.id, lang="en")))
        graph.add((target, RDFS.label, Literal(ref.id, lang="nl")))
        prop = {"COM": MIG.hasComNumber, "C": MIG.hasCNumber, "SWD": MIG.hasSwdNumber}.get(
            commission_number(ref.id).series, MIG.hasIdentifier
        )
        graph.add((target, prop, Literal(ref.id)))
    elif ref.kind == "kamerstuk":
        graph.add((target, RDF.type, MIG.ParliamentaryPaper))
        graph.add((target, RDFS.label, Literal(f"Kamerstuk {ref.id}", lang="nl")))
        graph.add((target, RDFS.label, Literal(f"Parliamentary paper {ref.id}", lang="en")))
        graph.add((target, MIG.hasKamerstukNumber, Literal(ref.id)))
    elif ref.kind == "provision":
        treaty, *parts = ref.id.split("/")
        nl, en = TREATY_NAMES.get(treaty, (treaty, treaty))
        number = parts[0].removeprefix("art-")
        detail = " ".join(p.replace("par-", "lid ").replace("pt-", "sub ") for p in parts[1:])
        graph.add((target, RDF.type, MIG.Article if len(parts) == 1 else MIG.TreatyProvision))
        graph.add(
            (
                target,
                RDFS.label,
                Literal(f"artikel {number} {detail} {nl}".replace("  ", " "), lang="nl"),
            )
        )
        en_detail = " ".join(
            p.replace("par-", "paragraph ").replace("pt-", "point ") for p in parts[1:]
        )
        graph.add(
            (
                target,
                RDFS.label,
                Literal(f"Article {number} {en_detail} {en}".replace("  ", " "), lang="en"),
            )
        )
        graph.add((target, MIG.isProvisionOf, ID[f"treaty/{treaty}"]))


def citations(project: Project, curated: Graph) -> Graph:
    graph = bind_all(Graph(bind_namespaces="none"))
    resolver = Resolver(curated)
    used = []
    for doc, path in sources(curated, project):
        if not path.is_file():
            continue
        used.append(doc)
        for ref in extract_file(path):
            found = resolver.resolve(ref)
            if found is None:
                continue
            target, is_curated = found
            if target == doc:
                continue
            graph.add((doc, MIG.cites, target))
            if not is_curated and not target.startswith(str(CELEX)):
                describe(graph, ref, target)
    _mark(graph, GRAPH["extracted/citations"], used)
    return graph


def fiches(project: Project, curated: Graph) -> Graph:
    graph = bind_all(Graph(bind_namespaces="none"))
    resolver = Resolver(curated)
    used = []
    for doc, path in sources(curated, project):
        if (doc, RDF.type, MIG.BncFiche) not in curated or not path.is_file():
            continue
        try:
            fiche = parse(path, project.relative(path))
        except NotAFiche:
            continue
        used.append(doc)
        add_general_data(graph, doc, fiche, resolver)
    _mark(graph, GRAPH["extracted/fiches"], used)
    return graph


def add_general_data(graph: Graph, doc: URIRef, fiche: Fiche, resolver: Resolver) -> None:
    """The fiche's general data (section 1) as triples about the fiche and what it assesses."""
    if fiche.received:
        graph.add((doc, MIG.wasReceivedOn, Literal(fiche.received.isoformat(), datatype=XSD.date)))
    paired = documents(fiche)
    for number, own in paired:
        graph.add((doc, MIG.assesses, resolver.document([number], own)))
    for celex in sorted(set(fiche.celex) - {c for _, own in paired for c in own}):
        if celex in resolver.by_literal:
            graph.add((doc, MIG.assesses, resolver.by_literal[celex]))
    for link in links(fiche, resolver):
        graph.add((doc, link.prop, link.target))
        if link.new is not None:  # a value no curated node has: never dropped
            describe_new(graph, link)
            graph.add((link.target, PROV.wasGeneratedBy, EXTRACTOR))
    for path in fiche.legal_basis:
        for number, own in paired:
            if any(n in resolver.by_literal for n in (number, *own)):
                graph.add((resolver.document([number], own), MIG.hasLegalBasis, ID[path]))


DECISION_PROCEDURE = URIRef("https://w3id.org/migkg/concept/decision-procedure")
PARLIAMENT_ROLE = URIRef("https://w3id.org/migkg/concept/parliament-role")
_CO = re.compile(r",?\s*(?:in (?:nauwe )?samenwerking|samen) met\s+(?:het\s+)?", re.I)
_AND = re.compile(r",\s*(?:en\s+)?(?:het\s+)?(?=Ministerie)|\s+en\s+(?:het\s+)?(?=Ministerie)")


@dataclass(frozen=True)
class Link:
    """A general-data field whose value names a node: the fiche ``prop`` the ``target``.
    ``new`` is the class (or concept scheme) of a node to make for a value that matches
    no curated node by its label, None when the target is curated."""

    key: str  # the subsection (1f, 1g, 1i, 1j)
    prop: URIRef
    value: str  # the fiche's words
    target: URIRef
    new: URIRef | None


def ministries(value: str) -> list[str]:
    """The ministries of field 1g: the lead one first, then those it works with
    ("Ministerie van X, in nauwe samenwerking met het Ministerie van Y en het …")."""
    parts = _CO.split(value, maxsplit=1)
    names = [parts[0]]
    if len(parts) > 1:
        names += _AND.split(parts[1])
    return [n.strip(" .,;") for n in names if n.strip(" .,;")]


def slug(text: str, limit: int = 60) -> str:
    """Lower case, hyphens, no leading document number: ``'003 Fiche: X'`` → ``fiche-x``."""
    words = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    words = re.sub(r"^\d{3}-", "", words)
    return words[:limit].strip("-") or "document"


def links(fiche: Fiche, resolver: Resolver) -> list[Link]:
    """The Council configuration (1f), the lead and co-responsible ministries (1g), the
    Council's decision procedure (1i) and the European Parliament's role (1j): each the
    curated actor or concept with that label, else a node minted from the value
    (``id/actor/<slug>``, ``id/extracted/<scheme>/<slug>``) that the caller describes."""
    wanted: list[tuple[str, URIRef, str, URIRef]] = []
    if value := fiche.get("1f"):
        wanted.append(("1f", MIG.hasCouncilConfiguration, value, MIG.CouncilConfiguration))
    for i, name in enumerate(ministries(fiche.get("1g") or "")):
        prop = MIG.hasLeadMinistry if i == 0 else MIG.hasCoResponsibleMinistry
        wanted.append(("1g", prop, name, MIG.Ministry))
    if value := fiche.get("1i"):
        wanted.append(("1i", MIG.hasDecisionProcedure, value, DECISION_PROCEDURE))
    if value := fiche.get("1j"):
        wanted.append(("1j", MIG.hasParliamentRole, value, PARLIAMENT_ROLE))
    out = []
    for key, prop, value, kind in wanted:
        if kind in (DECISION_PROCEDURE, PARLIAMENT_ROLE):
            found = resolver.by_concept.get((kind, _folded(value)))
            minted = ID[f"extracted/{str(kind).rsplit('/', 1)[-1]}/{slug(value)}"]
        else:
            found = resolver.by_label.get(_folded(value))
            minted = ID[f"actor/{slug(value)}"]
        out.append(Link(key, prop, value, found or minted, None if found else kind))
    return out


def describe_new(graph: Graph, link: Link) -> None:
    """The node for a value no curated node has: its class (or scheme) and the fiche's
    words as its Dutch label."""
    graph.add((link.target, RDFS.label, Literal(link.value, lang="nl")))
    if link.new in (DECISION_PROCEDURE, PARLIAMENT_ROLE):
        graph.add((link.target, RDF.type, SKOS.Concept))
        graph.add((link.target, SKOS.inScheme, link.new))
        graph.add((link.target, SKOS.prefLabel, Literal(link.value, lang="nl")))
    elif link.new is not None:
        graph.add((link.target, RDF.type, link.new))


def documents(fiche: Fiche) -> list[tuple[str, list[str]]]:
    """Each Commission document the fiche assesses with the CELEX numbers of its EUR-Lex
    links: the CELEX that encodes the number (52023PC0127 for COM(2023) 127), else, when
    the fiche gives as many links as numbers, the link in the same place."""
    out = []
    for i, number in enumerate(fiche.documents):
        own = [c for c in fiche.celex if preparatory_number(c) == commission_number(number)]
        if not own and len(fiche.documents) == len(fiche.celex):
            candidate = fiche.celex[i]
            if preparatory_number(candidate) is None:
                own = [candidate]
        out.append((number, own))
    return out


def _mark(graph: Graph, iri: URIRef, used: list[URIRef]) -> None:
    graph.add((iri, RDF.type, PROV.Entity))
    graph.add((iri, PROV.wasGeneratedBy, EXTRACTOR))
    for doc in used:
        graph.add((iri, PROV.wasDerivedFrom, doc))
    graph.add((EXTRACTOR, RDF.type, PROV.Activity))
    graph.add(
        (
            EXTRACTOR,
            RDFS.label,
            Literal("migkg extract: the citation extractor and the BNC-fiche parser", lang="en"),
        )
    )
    graph.add(
        (
            EXTRACTOR,
            RDFS.label,
            Literal("migkg extract: de verwijzingenextractor en de BNC-fiche-parser", lang="nl"),
        )
    )


def extracted(project: Project, curated: Graph) -> dict[URIRef, Graph]:
    return {
        GRAPH["extracted/citations"]: citations(project, curated),
        GRAPH["extracted/fiches"]: fiches(project, curated),
    }


# --- one fiche as RDF (migkg extract fiche) -----------------------------------------------------

DIMENSION_IDS = {
    "competence": "competence",
    "subsidiarity": "subsidiarity",
    "proportionality": "proportionality",
    "financial": "financial-consequences",
    "regulatory_burden": "regulatory-burden",
}
ASSESSMENT_STANCES = {
    "positive": "positive",
    "negative": "negative",
    "mixed": "mixed",
    "none": "not-stated",
}


def fiche_graph(fiche: Fiche, doc: URIRef | None = None, resolver: Resolver | None = None) -> Graph:
    """The fiche as a source document, what it assesses with its identifiers and general
    data, its formal assessments and its candidate positions, each with its sentence."""
    from loaders.namespaces import DIMENSION, STANCE

    graph = bind_all(Graph(bind_namespaces="none"))
    resolver = resolver or Resolver(Graph())
    slug = _slug(fiche)
    doc = doc or ID[f"fiche/{slug}"]
    graph.add((doc, RDF.type, MIG.BncFiche))
    graph.add((doc, RDFS.label, Literal(f"BNC-fiche: {fiche.get('1a') or slug}", lang="nl")))
    if fiche.get("1a"):
        graph.add((doc, MIG.hasDocumentTitle, Literal(fiche.get("1a"), lang="nl")))
    add_general_data(graph, doc, fiche, resolver)
    about = []
    for number, celex in documents(fiche):
        target = resolver.document([number], celex)
        about.append(target)
        prop = {"COM": MIG.hasComNumber, "C": MIG.hasCNumber, "SWD": MIG.hasSwdNumber}.get(
            commission_number(number).series, MIG.hasIdentifier
        )
        graph.add((doc, MIG.assesses, target))
        graph.add((target, prop, Literal(number)))
        if fiche.get("1a") and len(fiche.documents) == 1:
            graph.add((target, RDFS.label, Literal(fiche.get("1a"), lang="nl")))
        for value in celex:
            graph.add((target, MIG.hasCelexNumber, Literal(value)))
        for path in fiche.legal_basis:
            graph.add((target, MIG.hasLegalBasis, ID[path]))
    holder = ID["actor/nl-government"]

    def position(node: URIRef, stance: URIRef, sentence_text: str, cls: URIRef) -> None:
        graph.add((node, RDF.type, cls))
        graph.add((node, MIG.hasHolder, holder))
        graph.add((node, MIG.hasStance, stance))
        graph.add((node, MIG.isStatedIn, doc))
        for target in about:
            graph.add((node, MIG.isAbout, target))
        named = f"{node}#evidence"
        nodes = (URIRef(named), URIRef(f"{named}-target"), URIRef(f"{named}-quote"))
        add_evidence(graph, node, doc, sentence_text, nodes=nodes)

    for dimension, found in fiche.assessments.items():
        node = ID[f"position/extracted/{slug}/{DIMENSION_IDS[dimension]}"]
        position(
            node, STANCE[ASSESSMENT_STANCES[found.stance]], found.sentence.text, MIG.Assessment
        )
        graph.add((node, MIG.hasDimension, DIMENSION[DIMENSION_IDS[dimension]]))
    for n, found in enumerate(fiche.positions, start=1):
        node = ID[f"position/extracted/{slug}/3b-{n:02d}"]
        position(node, STANCE[found.stance], found.sentence.text, MIG.Position)
    return graph


def _slug(fiche: Fiche) -> str:
    if fiche.documents:
        return "-".join(
            commission_number(n).canonical.replace("(", "-").replace(") ", "-").lower()
            for n in fiche.documents
        )
    return "unnumbered"
