"""HermiT finds the ontology with its data consistent, and rejects a contradiction."""

from __future__ import annotations

import shutil

import pytest
from rdflib import Graph, Literal
from rdflib.namespace import RDF, RDFS

from loaders.check.reasoner import check_consistency
from loaders.graph.dataset import Dataset
from loaders.namespaces import ID, MIG

pytestmark = pytest.mark.skipif(
    shutil.which("java") is None, reason="HermiT needs Java (.ci/run installs it)"
)


@pytest.fixture(scope="module")
def owl_graph(build: Dataset) -> Graph:
    return build.union(["ontology", "instances"])


def test_ontology_and_instances_are_consistent(owl_graph: Graph) -> None:
    result = check_consistency(owl_graph)
    assert result.consistent, (result.detail, result.unsatisfiable)


@pytest.fixture(scope="module")
def ontology_graph(build: Dataset) -> Graph:
    """The ontology alone: what makes the contradictions below, at a third of the cost
    (the data's consistency is the test above)."""
    return build.union(["ontology"])


def test_a_recommendation_typed_binding_is_rejected(ontology_graph: Graph) -> None:
    broken = Graph() + ontology_graph
    reco = ID["celex/32020H1364"]
    broken.add((reco, RDF.type, MIG.Recommendation))
    broken.add((reco, RDFS.label, Literal("Aanbeveling (EU) 2020/1364", lang="nl")))
    assert check_consistency(broken).consistent  # a recommendation alone is fine
    broken.add((reco, RDF.type, MIG.BindingInstrument))
    result = check_consistency(broken)
    assert not result.consistent
    assert "inconsistent" in result.detail


def test_an_instrument_of_two_kinds_is_rejected(ontology_graph: Graph) -> None:
    broken = Graph() + ontology_graph
    act = ID["celex/32013L0032"]
    broken.add((act, RDF.type, MIG.Directive))
    broken.add((act, RDF.type, MIG.Regulation))  # both binding, still two kinds
    assert not check_consistency(broken).consistent
