"""Official identifiers: parse any spelling, give the canonical form, mint the IRI.

One instrument, one IRI, whatever spelling a document uses: "COM(2020)612",
"COM (2020) 612 final" and "COM(2020) 612" all become ``id/com/2020/612``. Canonical
literal forms are what the data stores; the spelling a document used stays in the
evidence quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import URIRef

from loaders.namespaces import ID


class IdentifierError(ValueError):
    """An identifier that does not have an official form."""


_COMMISSION = re.compile(
    r"^\s*(COM|C|SWD|SEC|JOIN)\s*\(\s*(\d{4})\s*\)\s*(\d+)(?:\s+final)?\s*$", re.I
)
_CELEX = re.compile(r"^[1-9CE]\d{4}[A-Z]{1,2}\d{1,4}$")
_ACT_NEW = re.compile(r"^\s*\((EU|EC|EG|EEG|EEC|Euratom)\)\s*(\d{4})/(\d+)\s*$")
_ACT_REG_OLD = re.compile(
    r"^\s*\((EU|EC|EG|EEG|EEC)\)\s*(?:No|nr\.?|n[or]\.)\s*(\d+)/(\d{4})\s*$", re.I
)
_ACT_DIR = re.compile(r"^\s*(\d{4})/(\d+)/(EU|EC|EG|EEG|EEC|JBZ|JHA)\s*$")
_KAMERSTUK = re.compile(r"^\s*(\d{2})\s?(\d{3})(?:\s*[-,]?\s*(?:nr\.?|no\.?)\s*|-)(\d+)\s*$", re.I)
_PROCEDURE = re.compile(r"^\s*(\d{4})/(\d{4})\s*\((COD|NLE|CNS|APP)\)\s*$")

_ENGLISH = {"EG": "EC", "EEG": "EEC", "JBZ": "JHA"}


@dataclass(frozen=True)
class CommissionNumber:
    series: str  # COM, C, SWD, SEC or JOIN
    year: int
    number: int

    @property
    def canonical(self) -> str:
        return f"{self.series}({self.year}) {self.number}"

    @property
    def iri(self) -> URIRef:
        return ID[f"{self.series.lower()}/{self.year}/{self.number}"]


def commission_number(text: str) -> CommissionNumber:
    m = _COMMISSION.match(text)
    if not m:
        raise IdentifierError(f"not a Commission document number like 'COM(2020) 609': {text!r}")
    return CommissionNumber(m.group(1).upper(), int(m.group(2)), int(m.group(3)))


def proposal_celex(com: CommissionNumber) -> str:
    """CELEX of a Commission proposal (COM(2020) 612 → 52020PC0612)."""
    if com.series != "COM":
        raise IdentifierError(f"only COM documents have a proposal CELEX: {com.canonical}")
    return f"5{com.year}PC{com.number:04d}"


def communication_celex(com: CommissionNumber) -> str:
    """CELEX of a Commission communication or report (COM(2020) 609 → 52020DC0609)."""
    if com.series != "COM":
        raise IdentifierError(f"only COM documents have a communication CELEX: {com.canonical}")
    return f"5{com.year}DC{com.number:04d}"


def check_celex(text: str) -> str:
    if not _CELEX.match(text):
        raise IdentifierError(f"not a CELEX number like '32020H1364': {text!r}")
    return text


_CELEX_TYPE = {"regulation": "R", "directive": "L", "decision": "D", "recommendation": "H"}
_ELI_TYPE = {"regulation": "reg", "directive": "dir", "decision": "dec", "recommendation": "reco"}


@dataclass(frozen=True)
class ActNumber:
    """The number under which the Official Journal publishes an act."""

    year: int
    number: int
    suffix: str  # EU, EC, EEC (the domain), in English
    style: str  # "new" ((EU) 2020/1364), "regulation" ((EU) No 604/2013), "directive" (2013/32/EU)

    @property
    def canonical(self) -> str:
        if self.style == "new":
            return f"({self.suffix}) {self.year}/{self.number}"
        if self.style == "regulation":
            return f"({self.suffix}) No {self.number}/{self.year}"
        return f"{self.year}/{self.number}/{self.suffix}"

    def celex(self, kind: str) -> str:
        """CELEX of the act, given its kind (regulation, directive, decision, recommendation)."""
        try:
            return f"3{self.year}{_CELEX_TYPE[kind]}{self.number:04d}"
        except KeyError:
            raise IdentifierError(f"no CELEX type for an act of kind {kind!r}") from None

    def eli(self, kind: str) -> URIRef:
        """ELI of the act as published in the Official Journal."""
        try:
            return URIRef(
                f"http://data.europa.eu/eli/{_ELI_TYPE[kind]}/{self.year}/{self.number}/oj"
            )
        except KeyError:
            raise IdentifierError(f"no ELI type for an act of kind {kind!r}") from None


def act_number(text: str) -> ActNumber:
    """Parse "(EU) 2020/1364", "(EU) nr. 516/2014", "(EG) nr. 343/2003" or "2013/32/EU"."""
    if m := _ACT_NEW.match(text):
        return ActNumber(int(m.group(2)), int(m.group(3)), _english(m.group(1)), "new")
    if m := _ACT_REG_OLD.match(text):
        return ActNumber(int(m.group(3)), int(m.group(2)), _english(m.group(1)), "regulation")
    if m := _ACT_DIR.match(text):
        return ActNumber(int(m.group(1)), int(m.group(2)), _english(m.group(3)), "directive")
    raise IdentifierError(
        f"not an act number like '(EU) 2020/1364', '(EU) No 604/2013' or '2013/32/EU': {text!r}"
    )


def _english(domain: str) -> str:
    return _ENGLISH.get(
        domain.upper(), domain.upper() if domain.upper() != "EURATOM" else "Euratom"
    )


@dataclass(frozen=True)
class KamerstukNumber:
    dossier: int
    number: int

    @property
    def canonical(self) -> str:
        d = f"{self.dossier:05d}"
        return f"{d[:2]} {d[2:]}, nr. {self.number}"

    @property
    def iri(self) -> URIRef:
        return ID[f"kst/{self.dossier}-{self.number}"]


def kamerstuk_number(text: str) -> KamerstukNumber:
    m = _KAMERSTUK.match(text)
    if not m:
        raise IdentifierError(f"not a Kamerstuk number like '19 637, nr. 2375': {text!r}")
    return KamerstukNumber(int(m.group(1) + m.group(2)), int(m.group(3)))


def procedure_number(text: str) -> str:
    m = _PROCEDURE.match(text)
    if not m:
        raise IdentifierError(f"not a procedure number like '2016/0224 (COD)': {text!r}")
    return f"{m.group(1)}/{m.group(2)} ({m.group(3)})"


def celex_iri(celex: str) -> URIRef:
    """Our IRI for an act identified by CELEX."""
    return ID[f"celex/{check_celex(celex)}"]


# --- one IRI per document -----------------------------------------------------------------------

_PREPARATORY = {"PC": "COM", "DC": "COM", "JC": "JOIN", "SC": "SWD"}
_CELEX_PREPARATORY = re.compile(r"^5(\d{4})(PC|DC|JC|SC)(\d{4})$")


def preparatory_number(celex: str) -> CommissionNumber | None:
    """The Commission number a preparatory CELEX encodes (52020PC0612 → COM(2020) 612,
    52020JC0004 → JOIN(2020) 4, 52019SC1055 → SWD(2019) 1055), or None."""
    m = _CELEX_PREPARATORY.match(celex)
    if not m:
        return None
    return CommissionNumber(_PREPARATORY[m.group(2)], int(m.group(1)), int(m.group(3)))


def document_iri(
    numbers: tuple[str, ...] | list[str] = (),
    celex: tuple[str, ...] | list[str] = (),
    act: tuple[ActNumber, str] | None = None,
) -> URIRef:
    """The one IRI we mint for a document from the identifiers known for it, when the
    curated data has no node for it (the Resolver looks there first). The rule:

    1. a CELEX number of an adopted act (sector 3): ``id/celex/<CELEX>``;
    2. an act number with its kind: ``id/celex/<the act's CELEX>``;
    3. a Commission number (COM, C, SWD, SEC, JOIN): ``id/com/<year>/<n>`` etc.;
    4. a preparatory CELEX (sector 5: PC, DC, JC, SC): the Commission number it encodes;
    5. any other CELEX: ``id/celex/<CELEX>``.

    So the C number of an adopted recommendation, its act number, its CELEX and its
    EUR-Lex link all give ``id/celex/…``, and a proposal's COM number and CELEX give
    ``id/com/…``, whichever of them a document names.
    """
    for value in celex:
        if check_celex(value).startswith("3"):
            return celex_iri(value)
    if act is not None:
        return celex_iri(act[0].celex(act[1]))
    for value in numbers:
        return commission_number(value).iri
    for value in celex:
        if (encoded := preparatory_number(value)) is not None:
            return encoded.iri
    for value in celex:
        return celex_iri(value)
    raise IdentifierError("no identifier to mint a document IRI from")
