"""Synthetic BNC fiches of any size, for ``migkg bench`` and the parser's hang guard.

A generated fiche is on the standard template (1 a-j, 2, 3 a-c, 4 a-e, 5-7) and laid out
as PDF extraction lays out the real ones (sources/000-*): lines of about 75 characters
ending in a space, words broken at line ends with a hyphen, footnote markers glued to
the full stop ("asielzoekers.12") and footnote blocks where a page ended, cutting a
paragraph in the middle of a sentence, the next page's first line starting with a
space. Almost all of its size is section 3b (the stance sentences), some of it section
2 and 4c; 3b also holds a long list whose items end without a full stop (they are one
paragraph) and a long sentence full of abbreviations ("art.", "nr.").

The generator says what a correct parser finds in it: the stance and text of every
stance sentence of 3b in order, every footnote, the assessment of each of 4a-e. A fixed
seed makes runs comparable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

# a stance sentence of every kind, as the cabinet states one in section 3b
STANCE_SENTENCES = {
    "supports": [
        "Het kabinet steunt het voorstel om de samenwerking met derde landen te versterken.",
        "Het kabinet verwelkomt de aandacht van de Commissie voor hervestiging.",
        "Het kabinet onderschrijft het belang van een gemeenschappelijke aanpak van "
        "irreguliere migratie.",
    ],
    "opposes": [
        "Het kabinet is geen voorstander van een verplichte verdeling van asielzoekers.",
        "Het kabinet verzet zich tegen uitbreiding van de uitvoeringslasten voor gemeenten.",
    ],
    "conditional": [
        "Het kabinet steunt dit onderdeel alleen op voorwaarde dat de kosten binnen de "
        "begroting blijven.",
        "Het kabinet kan instemmen mits de nationale bevoegdheid behouden blijft.",
    ],
    "calls-for": ["Het kabinet bepleit een snellere terugkeer van afgewezen asielzoekers."],
    "commits-to": ["Het kabinet zet zich in voor betere bescherming in de regio."],
    "neutral": ["Het kabinet neemt kennis van de voorgestelde evaluatie van het kader."],
}
# sentences that take no stance (no holder, or no stance of one)
OTHER_SENTENCES = [
    "De Commissie stelt voor om de procedures aan de buitengrenzen te harmoniseren.",
    "Dit volgt uit art. 79 VWEU en nr. 3 van de bijlage bij het voorstel.",
    "Volgens de Commissie ontbreekt o.a. voldoende opvangcapaciteit in de regio.",
    "De lidstaten voeren de hervestigingsprogramma's uit binnen het kader van het "
    "fonds voor asiel, migratie en integratie.",
    "Daarnaast worden de verantwoordelijkheden van de agentschappen uitgebreid.",
]
# section 4: the sentence that states each assessment, and what it is
ASSESSMENTS = {
    "competence": (
        "Het kabinet heeft een positieve grondhouding ten aanzien van de bevoegdheid.",
        "positive",
    ),
    "subsidiarity": (
        "Het kabinet heeft een positieve grondhouding ten aanzien van de subsidiariteit.",
        "positive",
    ),
    "proportionality": (
        "Het kabinet beoordeelt de proportionaliteit positief, met kanttekeningen.",
        "mixed",
    ),
    "financial": (
        "De financiële gevolgen worden ingepast op de begroting van het ministerie.",
        "none",
    ),
    "regulatory_burden": (
        "Het kabinet heeft een negatieve grondhouding ten aanzien van de regeldruk.",
        "negative",
    ),
}
MARKED = "De Commissie verwijst naar eerdere afspraken."  # a footnote's marker follows
FILLER = "De Commissie licht de gevolgen toe in de memorie bij het voorstel."

# the covering letter's fragment and section 1, each line ending in a space
HEAD_LINES = [
    " Overeenkomstig de bestaande afspraken ontvangt u hierbij 3 fiches die",
    "werden opgesteld door de werkgroep Beoordeling Nieuwe Commissie-",
    "voorstellen (BNC).",
    "",
    "Fiche: Verordening inzake een synthetisch migratie- en asielkader",
    "",
    "1. Algemene gegevens",
    "",
    "a) Titel voorstel",
    "Voorstel voor een verordening van het Europees Parlement en de Raad inzake",
    "een synthetisch migratie- en asielkader",
    "",
    "b) Datum ontvangst Commissiedocument",
    "23 september 2020",
    "",
    "c) Nr. Commissiedocument",
    "COM(2020) 610 final",
    "",
    "d) EUR-Lex",
    "https://eur-lex.europa.eu/legal-content/NL/TXT/?uri=CELEX:52020PC",
    "0610&from=NL",
    "",
    "e) Nr. impact assessment Commissie en Opinie Raad voor Regelgevingstoetsing",
    "Niet opgesteld",
    "",
    "f) Behandelingstraject Raad",
    "Raad Justitie en Binnenlandse Zaken",
    "",
    "g) Eerstverantwoordelijk ministerie",
    "Ministerie van Justitie en Veiligheid",
    "",
    "h) Rechtsbasis",
    "Artikel 79, lid 2, VWEU",
    "",
    "i) Besluitvormingsprocedure Raad",
    "Gekwalificeerde meerderheid",
    "",
    "j) Rol Europees Parlement",
    "Medebeslissing",
]
HEAD = "".join(f"{line} \n" for line in HEAD_LINES) + "\n"
WIDTH = 75  # characters of a line, as the PDF extraction wraps them
FOOTNOTE_EVERY = 20_000  # characters of body text per footnote (at most 999 in all)


@dataclass
class SyntheticFiche:
    """A generated fiche and what a correct parser finds in it."""

    text: str
    positions: list[tuple[str, str]] = field(default_factory=list)  # (stance, sentence)
    footnotes: list[str] = field(default_factory=list)  # white space folded
    assessments: dict[str, str] = field(default_factory=dict)  # dimension -> stance


def synthetic_fiche(size: int, seed: int = 7) -> SyntheticFiche:
    """A fiche of about ``size`` characters (at least a few kilobytes)."""
    rnd = random.Random(seed)
    fiche = SyntheticFiche("")
    stances = [(s, text) for s, texts in STANCE_SENTENCES.items() for text in texts]
    # a pool of paragraphs, wrapped once: (lines, the stance sentences in it)
    pool: list[tuple[list[str], list[tuple[str, str]]]] = []
    for _ in range(48):
        chosen: list[tuple[str | None, str]] = []
        for _ in range(rnd.randint(3, 6)):
            if rnd.random() < 0.5:
                chosen.append(rnd.choice(stances))
            else:
                chosen.append((None, rnd.choice(OTHER_SENTENCES)))
        said = [(s, t) for s, t in chosen if s is not None]
        pool.append((_wrap(" ".join(t for _, t in chosen), rnd), said))
    out: list[str] = [HEAD]
    length = len(HEAD)
    footnotes = max(1, min(999, size // FOOTNOTE_EVERY))

    def add(part: str) -> None:
        nonlocal length
        out.append(part)
        length += len(part)

    def paragraphs(until: int, notes: int, stances: bool) -> None:
        """Paragraphs from the pool up to ``until`` characters in all; ``notes`` footnote
        blocks spread evenly, each cutting a paragraph where a page ends."""
        spacing = (until - length) // (notes + 1)
        due = length + spacing if notes else until
        while length < until:
            lines, said = rnd.choice(pool) if stances else (other, [])
            # a page ends after a line of the paragraph (not inside a hyphenated word)
            cuts = [k for k in range(1, len(lines)) if not lines[k - 1].endswith("-")]
            if length >= due and len(fiche.footnotes) < 999 and cuts:
                number = len(fiche.footnotes) + 1
                note = f"{number} Kamerstuk 22 112, nr. {2900 + number}."
                fiche.footnotes.append(note)
                add(f"{MARKED}{number} \n\n")  # the marker, glued to the full stop
                cut = rnd.choice(cuts)
                lines = [*lines[:cut], "", note, " " + lines[cut], *lines[cut + 1 :]]
                due += spacing
            add(" \n".join(lines) + " \n\n")
            fiche.positions.extend(said)

    other = _wrap(" ".join(OTHER_SENTENCES), rnd)
    add("2. Essentie voorstel \n\n")
    paragraphs(length + size // 12, 0, stances=False)
    add("3. Nederlandse positie ten aanzien van het voorstel \n\n")
    add("a) Essentie Nederlands beleid op dit terrein \n\n")
    add(" \n".join(_wrap(" ".join(OTHER_SENTENCES), rnd)) + " \n\n")
    add("b) Beoordeling + inzet ten aanzien van dit voorstel \n\n")
    body = size - length - size // 12 - 4000  # 3b: all but the rest of the template
    paragraphs(length + body // 2, footnotes // 2, stances=True)
    # a list whose items end without a full stop: one paragraph, however long
    add("Het kabinet zet zich in voor: \n\n")
    fiche.positions.append(("commits-to", "Het kabinet zet zich in voor:"))
    items = max(2, size // 2500)
    for i in range(items):
        add(f"- betere samenwerking met derde land nummer {i + 1} \n\n")
    add("- een eerlijke verdeling van de lasten. \n\n")
    # a long sentence with many abbreviations, which do not end it
    refs = ", ".join(f"art. {i % 300 + 1}" for i in range(max(2, size // 4000)))
    add(" \n".join(_wrap(f"Zie ook {refs} en nr. 3 van de bijlage.", rnd)) + " \n\n")
    paragraphs(size - size // 12 - 4000, footnotes - footnotes // 2, stances=True)
    add("c) Eerste inschatting van krachtenveld \n\n")
    add(" \n".join(_wrap(" ".join(OTHER_SENTENCES), rnd)) + " \n\n")
    add(
        "4. Grondhouding ten aanzien van bevoegdheid, subsidiariteit, \n"
        "proportionaliteit, financiële gevolgen en gevolgen op het gebied \n"
        "van regeldruk en administratieve lasten \n\n"
    )
    filler = _wrap(" ".join([FILLER] * 6), rnd)
    for letter, heading, dimension in (
        ("a", "Bevoegdheid", "competence"),
        ("b", "Subsidiariteit", "subsidiarity"),
        ("c", "Proportionaliteit", "proportionality"),
        ("d", "Financiële gevolgen", "financial"),
        ("e", "Gevolgen voor regeldruk, administratieve lasten en concurrentiekracht", ""),
    ):
        dimension = dimension or "regulatory_burden"
        sentence, stance = ASSESSMENTS[dimension]
        fiche.assessments[dimension] = stance
        add(f"{letter}) {heading} \n\n{sentence} \n\n")
        until = length + (size // 12 if letter == "c" else 200)
        while length < until:
            add(" \n".join(filler) + " \n\n")
    for number, heading in (
        ("5", "Implicaties juridisch"),
        ("6", "Implicaties voor uitvoering en/of handhaving"),
        ("7", "Implicaties voor ontwikkelingslanden"),
    ):
        add(f"{number}. {heading} \n\n{OTHER_SENTENCES[0]} \n")
    fiche.text = "".join(out)
    return fiche


def _wrap(text: str, rnd: random.Random) -> list[str]:
    """The lines of ``text`` at about WIDTH characters; now and then a long word is
    broken at the line end with a hyphen, as PDF extraction leaves it."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if len(line) + 1 + len(word) <= WIDTH or not line:
            line = f"{line} {word}" if line else word
            continue
        if len(word) >= 12 and word.isalpha() and word.islower() and rnd.random() < 0.5:
            half = len(word) // 2
            lines.append(f"{line} {word[:half]}-")
            line = word[half:]
            continue
        lines.append(line)
        line = word
    lines.append(line)
    return lines
