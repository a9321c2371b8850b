"""What is still only text: the date detector, the rule for "held as data", and the
report on the real graph (docs/coverage.md lists each item)."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, XSD

from loaders.namespaces import MIG, OA
from loaders.publish.textonly import (
    date_mentions,
    dates_only_in_text,
    statements_not_positions,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Op 23 september 2020 heeft de Commissie", [("23 september 2020", ("2020-09-23",))]),
        ("Implementing Decision of 26.6.2020 on", [("26.6.2020", ("2020-06-26",))]),
        ("medio september 2020 meer dan", [("september 2020", ("2020-09",))]),
        ("sinds april 2019 operationeel", [("april 2019", ("2019-04",))]),
        ("uiterlijk eind 2020 akkoord", [("eind 2020", ("2020",))]),
        ("de periode 2016\u20132019 en 2020", [("2016\u20132019", ("2016", "2019"))]),
        ("voor 2018\u20102019", [("2018\u20102019", ("2018", "2019"))]),
        # identifiers and names are not date statements
        ("Aanbeveling (EU) 2020/1364 en COM(2016) 468", []),
        ("het Vluchtelingenverdrag van 1951", []),
        ("Richtlijn 2013/32/EU", []),
        ("Kamerstukken II, 2019\u20132020, 19 637, nr. 2563", []),
        ("OESO (2018), \u201cthe labour force: 2005- 2015\u201d", []),
        ("De EU is vandaag al beter voorbereid dan in 2015", []),
        ("van minder dan 9 % vóór 2016", [("vóór 2016", ("2015", "2016"))]),
        ("de EU na 2021 en", [("na 2021", ("2021", "2022"))]),
        # "voor" is "for" as often as "before"
        ("toezeggingen voor 2020", []),
    ],
)
def test_date_mentions(text: str, expected: list[tuple[str, tuple[str, ...]]]) -> None:
    assert [(m.words, m.keys) for m in date_mentions(text)] == expected


def quoted(graph: Graph, node: URIRef, text: str) -> None:
    evidence, target, selector = BNode(), BNode(), BNode()
    graph.add((node, MIG.hasEvidence, evidence))
    graph.add((evidence, OA.hasTarget, target))
    graph.add((target, OA.hasSource, URIRef("https://w3id.org/migkg/id/source/009")))
    graph.add((target, OA.hasSelector, selector))
    graph.add((selector, OA.exact, Literal(text)))


def test_a_date_is_held_by_a_node_that_quotes_the_same_text() -> None:
    g = Graph()
    claim = URIRef("https://w3id.org/migkg/id/claim/009/x")
    text = "De Commissie zal uiterlijk juni 2021 een voorstel doen."
    quoted(g, claim, text)
    assert [i.words for i in dates_only_in_text(g)] == ["juni 2021"]
    event = URIRef("https://w3id.org/migkg/id/event/2021-06-x")
    quoted(g, event, text)
    g.add((event, MIG.occurredInMonth, Literal("2021-07", datatype=XSD.gYearMonth)))
    assert [i.words for i in dates_only_in_text(g)] == ["juni 2021"], "another month"
    g.add((event, MIG.occurredInMonth, Literal("2021-06", datatype=XSD.gYearMonth)))
    assert dates_only_in_text(g) == []


def test_a_date_is_held_by_the_node_a_fact_refers_to() -> None:
    g = Graph()
    position = URIRef("https://w3id.org/migkg/id/position/009/x")
    forum = URIRef("https://w3id.org/migkg/id/event/2019-12-forum")
    quoted(g, position, "Zoals in december 2019 tijdens het forum is herhaald, steunt de EU ...")
    g.add((position, MIG.isAbout, forum))
    assert len(dates_only_in_text(g)) == 1
    g.add((forum, MIG.occurredInMonth, Literal("2019-12", datatype=XSD.gYearMonth)))
    assert dates_only_in_text(g) == []


def test_a_year_is_held_by_a_period_of_that_year() -> None:
    g = Graph()
    figure, period = URIRef("https://w3id.org/migkg/id/figure/009/x"), BNode()
    quoted(g, figure, "In 2019 werden 1 000 personen hervestigd.")
    assert len(dates_only_in_text(g)) == 1
    g.add((figure, MIG.refPeriod, period))
    g.add((period, MIG.hasStartDate, Literal("2019-01-01", datatype=XSD.date)))
    assert dates_only_in_text(g) == []


def test_evaluative_wording_is_held_by_a_position_quoting_it() -> None:
    g = Graph()
    place = URIRef("https://w3id.org/migkg/id/place/x")
    text = "Het Schengengebied is een van de belangrijkste successen."
    quoted(g, place, text)
    assert [i.words for i in statements_not_positions(g)] == ["successen"]
    position = URIRef("https://w3id.org/migkg/id/position/009/x")
    quoted(g, position, text)
    g.add((position, RDF.type, MIG.Position))
    assert statements_not_positions(g) == []


def test_every_reported_item_is_a_quote_of_the_graph(graph: Graph) -> None:
    quotes = {str(q) for q in graph.objects(None, OA.exact)}
    items = dates_only_in_text(graph) + statements_not_positions(graph)
    assert all(i.quote in quotes and i.words in i.quote for i in items)


def test_nothing_the_sources_state_is_held_only_as_text(graph: Graph) -> None:
    """Issue 16, part 8: driven to zero, and kept there. A new quote with a date or an
    evaluative word needs its dated node or its position (docs/coverage.md lists any)."""
    assert [(i.node, i.words) for i in dates_only_in_text(graph)] == []
    assert [(i.node, i.words) for i in statements_not_positions(graph)] == []
