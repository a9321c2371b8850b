"""Official identifiers: any spelling parses to one canonical form and one IRI."""

from __future__ import annotations

import pytest

from loaders.extract import identifiers as ids


@pytest.mark.parametrize(
    "spelling", ["COM(2020) 609", "COM (2020) 609 final", "COM(2020)609", "com(2020) 609"]
)
def test_commission_numbers(spelling: str) -> None:
    number = ids.commission_number(spelling)
    assert number.canonical == "COM(2020) 609"
    assert str(number.iri) == "https://w3id.org/migkg/id/com/2020/609"
    assert ids.communication_celex(number) == "52020DC0609"
    assert ids.proposal_celex(number) == "52020PC0609"


@pytest.mark.parametrize(
    ("spelling", "canonical", "kind", "celex", "eli"),
    [
        ("(EU) 2020/1364", "(EU) 2020/1364", "recommendation", "32020H1364", "reco/2020/1364"),
        ("(EU) nr. 516/2014", "(EU) No 516/2014", "regulation", "32014R0516", "reg/2014/516"),
        ("(EG) nr. 343/2003", "(EC) No 343/2003", "regulation", "32003R0343", "reg/2003/343"),
        ("2013/32/EU", "2013/32/EU", "directive", "32013L0032", "dir/2013/32"),
        ("2008/115/EG", "2008/115/EC", "directive", "32008L0115", "dir/2008/115"),
        ("(EU) 2015/1601", "(EU) 2015/1601", "decision", "32015D1601", "dec/2015/1601"),
    ],
)
def test_act_numbers(spelling: str, canonical: str, kind: str, celex: str, eli: str) -> None:
    act = ids.act_number(spelling)
    assert act.canonical == canonical
    assert act.celex(kind) == celex
    assert str(act.eli(kind)) == f"http://data.europa.eu/eli/{eli}/oj"
    assert str(ids.celex_iri(celex)) == f"https://w3id.org/migkg/id/celex/{celex}"


@pytest.mark.parametrize(
    "spelling", ["19 637, nr. 2375", "19637, nr. 2375", "19 637 nr. 2375", "19637-2375"]
)
def test_kamerstuk_numbers(spelling: str) -> None:
    number = ids.kamerstuk_number(spelling)
    assert number.canonical == "19 637, nr. 2375"
    assert str(number.iri) == "https://w3id.org/migkg/id/kst/19637-2375"


@pytest.mark.parametrize(
    ("parse", "bad"),
    [
        (ids.commission_number, "COM 2020 609"),
        (ids.act_number, "2020/1364"),
        (ids.kamerstuk_number, "nr. 2375"),
        (ids.check_celex, "3202OH1364"),
        (ids.procedure_number, "2016/224"),
    ],
)
def test_malformed_identifiers_are_rejected_with_the_expected_form(parse, bad: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ids.IdentifierError, match="like"):
        parse(bad)


def test_celex_of_an_act_needs_a_kind_with_a_celex_letter() -> None:
    with pytest.raises(ids.IdentifierError):
        ids.act_number("(EU) 2020/1364").celex("communication")
