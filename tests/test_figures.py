"""The numbers in the sources can be recomputed from the graph, and the reports on
figures that disagree or do not add up list what they should."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from rdflib import Graph, URIRef

from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine
from loaders.namespaces import ID, PREFIXES
from loaders.project import Project

SOURCE = {n: ID[f"source/{n}"] for n in ("000", "001", "002", "003", "004")}


@pytest.fixture(scope="module")
def data(build: Dataset) -> Graph:
    return build.union(["ontology", "instances"])


def figures(graph: Graph, where: str, **bindings: URIRef) -> list[dict[str, object]]:
    rows = graph.query(
        "SELECT * WHERE { ?o a qb:Observation ; mig:obsValue ?value . " + where + " }",
        initNs=PREFIXES,
        initBindings=bindings,
    )
    return [{k: v.toPython() for k, v in row.asdict().items()} for row in rows]  # type: ignore[union-attr]


def percent(part: Decimal, whole: Decimal) -> Decimal:
    return (Decimal(100) * part / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP)


def test_fulfilment_rates_the_recommendation_states_are_recomputed(data: Graph) -> None:
    """19 452 of 22 504 pledged were resettled (86 %); 43 827 of 50 039 (88 %)."""
    rows = figures(
        data,
        """?o mig:refMeasureType measure:fulfilment-rate ; mig:isStatedIn ?source ;
              mig:refProgramme ?programme ; mig:refPeriod ?period ; mig:refActor ?actor .
           ?p mig:refMeasureType measure:pledged ; mig:obsValue ?pledged ; mig:isStatedIn ?source ;
              mig:refProgramme ?programme ; mig:refPeriod ?period ; mig:refActor ?actor .
           ?r mig:refMeasureType measure:resettled ; mig:obsValue ?resettled ;
              mig:isStatedIn ?source ;
              mig:refProgramme ?programme ; mig:refPeriod ?period ; mig:refActor ?actor .""",
        source=SOURCE["001"],
    )
    found = {
        (int(r["pledged"]), int(r["resettled"]), Decimal(str(r["value"])))
        for r in rows  # type: ignore[call-overload]
    }
    assert found == {(22504, 19452, Decimal("86.0")), (50039, 43827, Decimal("88.0"))}
    for pledged, resettled, stated in found:
        assert percent(Decimal(resettled), Decimal(pledged)) == stated


def test_dutch_resettlement_2016_2019_total_is_the_sum_of_its_years(data: Graph) -> None:
    """The letter's table: 730 + 300 + 610 + 500 = 2 140."""
    rows = figures(
        data,
        """?o mig:refProgramme ?programme ; mig:refMeasureType measure:resettled ;
              mig:refActor ?nl ; mig:isStatedIn ?source ; mig:refPeriod ?period .
           ?period mig:hasStartDate ?start ; mig:hasEndDate ?end .""",
        programme=ID["programme/nl-resettlement-framework-2016-2019"],
        nl=ID["country/nl"],
        source=SOURCE["004"],
    )
    years = {r["start"].year: r["value"] for r in rows if r["start"].year == r["end"].year}  # type: ignore[attr-defined]
    totals = [r["value"] for r in rows if r["start"].year == 2016 and r["end"].year == 2019]  # type: ignore[attr-defined]
    assert years == {2016: 730, 2017: 300, 2018: 610, 2019: 500}
    assert totals == [2140]
    assert sum(years.values()) == totals[0]


@pytest.fixture(scope="module")
def engine(build: Dataset) -> Engine:
    """The same data on Oxigraph, for the stored reports (test_queries compares every
    stored query on rdflib and Oxigraph)."""
    return build.engine("oxigraph", ["ontology", "instances"])


def run_report(engine: Engine, project: Project, name: str) -> set[tuple[str, ...]]:
    text = (project.root / "queries" / name).read_text(encoding="utf-8")
    short = lambda v: v.value.removeprefix(str(ID)).removeprefix(PREFIXES["measure"])  # noqa: E731
    return {tuple(short(v) for v in row) for row in engine.select(text).rows}


def test_disagreement_report_lists_the_numbers_stated_differently(
    engine: Engine, project: Project
) -> None:
    rows = run_report(engine, project, "cq-figure-disagreements.rq")
    pledging = ("programme/eu-resettlement-pledging-2020", "period/2020")
    assert rows == {
        # the recommendation's annex total against its "iets minder dan 29 500"
        (
            *pledging,
            "actor/eu-member-states",
            "pledged",
            "29487",
            "source/001",
            "29500",
            "source/001",
        ),
        # the letter's "meer dan 30.000" against the recommendation
        (
            *pledging,
            "actor/eu-member-states",
            "pledged",
            "29487",
            "source/001",
            "30000",
            "source/004",
        ),
        (
            *pledging,
            "actor/eu-member-states",
            "pledged",
            "29500",
            "source/001",
            "30000",
            "source/004",
        ),
        # the Dutch pledge: 1 902 in the annex, 1.500 in the letter
        (*pledging, "country/nl", "pledged", "1902", "source/001", "1500", "source/004"),
    }


def test_arithmetic_report_shows_where_a_document_does_not_add_up(
    engine: Engine, project: Project
) -> None:
    rows = run_report(engine, project, "cq-figure-arithmetic.rq")
    assert rows == {
        # quota 500 + 750 + 500 for 2017-2019 against the framework's 2 140 (the letter
        # explains that 2016-2018 were fixed at the numbers carried out)
        (
            "periods",
            "source/004",
            "programme/nl-resettlement-framework-2016-2019",
            "country/nl",
            "quota",
            "period/2016-2019",
            "2140",
            "3",
            "1750",
        ),
        # the annex of the recommendation: 14 pledges add up to 29 486, its total says 29 487
        (
            "states",
            "source/001",
            "programme/eu-resettlement-pledging-2020",
            "actor/eu-member-states",
            "pledged",
            "period/2020",
            "29487",
            "14",
            "29486",
        ),
    }
