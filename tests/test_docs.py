"""migkg docs: the ontology reference pages and the model diagram come from the
ontology and the shapes, carry every term with both labels, its definition, domain,
range and shapes, and the diagram in docs/ is never stale."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from loaders.cli import main
from loaders.graph.dataset import Dataset
from loaders.namespaces import MIG
from loaders.project import Project
from loaders.publish.docs import model_doc, modules, render_all


class Sections(HTMLParser):
    """The text of each <section id=...>, and every href."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: dict[str, str] = {}
        self.hrefs: list[str] = []
        self._current: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "section" and values.get("id"):
            self._current = values["id"]
            self.sections[self._current] = ""
        if tag == "a" and values.get("href"):
            self.hrefs.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._current = None

    def handle_data(self, data: str) -> None:
        if self._current:
            self.sections[self._current] += data


@pytest.fixture(scope="module")
def pages(build: Dataset) -> dict[str, Sections]:
    out = {}
    for name, html in render_all(modules(build)).items():
        parser = Sections()
        parser.feed(html)
        out[name] = parser
    return out


def test_every_term_of_our_namespace_has_a_section_with_labels_and_definition(
    pages: dict[str, Sections], ontology: Graph
) -> None:
    sections = {k: v for p in pages.values() for k, v in p.sections.items()}
    terms = {
        t
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for t in ontology.subjects(RDF.type, kind)
        if isinstance(t, URIRef) and t.startswith(str(MIG))
    }
    assert len(terms) > 100
    for term in terms:
        name = term.removeprefix(str(MIG))
        text = sections.get(name)
        assert text is not None, f"no section for {name}"
        for label in ontology.objects(term, RDFS.label):
            assert str(label) in text, (name, label)
        for definition in ontology.objects(term, SKOS.definition):
            assert " ".join(str(definition).split()) in " ".join(text.split()), name


def test_domain_range_and_shapes_are_shown(pages: dict[str, Sections]) -> None:
    holder = pages["positions.html"].sections["hasHolder"]
    assert "domain" in holder and "mig:Position" in holder and "mig:Actor" in holder
    assert "migs:Position-holder" in holder  # the property shape on mig:hasHolder
    assert "position holder: Checks that a position has exactly one holder" in holder  # in words
    position = pages["positions.html"].sections["Position"]
    assert "migs:Position" in position and "exactly one holder" in position
    legal_basis = pages["provisions.html"].sections["hasLegalBasis"]
    assert "mig:TreatyProvision" in legal_basis


def test_links_between_pages_resolve(pages: dict[str, Sections]) -> None:
    for name, page in pages.items():
        for href in page.hrefs:
            if href.startswith("http"):
                continue
            target, _, anchor = href.partition("#")
            assert target in pages, (name, href)
            assert not anchor or anchor in pages[target].sections, (name, href)


def test_the_model_diagram_in_docs_is_up_to_date(build: Dataset, project: Project) -> None:
    text = (project.root / "docs" / "model.md").read_text(encoding="utf-8")
    assert text == model_doc(build), "docs/model.md is stale: run migkg docs"
    assert "Instrument --> TreatyProvision : hasLegalBasis" in text
    assert "Position --> Actor : hasHolder" in text


def test_migkg_docs_writes_the_pages_and_check_finds_a_stale_diagram(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_copy.root / "docs").mkdir(exist_ok=True)
    root = str(project_copy.root)
    assert main(["--root", root, "docs", "--check"]) == 1  # no diagram yet
    assert "stale" in capsys.readouterr().err
    assert main(["--root", root, "docs"]) == 0
    written = sorted(p.name for p in (project_copy.dist / "docs").glob("*.html"))
    assert "index.html" in written and "positions.html" in written
    assert main(["--root", root, "docs", "--check"]) == 0


def test_the_analyst_guide_names_every_prefix_of_the_project(project: Project) -> None:
    from loaders.namespaces import PREFIXES

    guide = (project.root / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    missing = [p for p, ns in PREFIXES.items() if f"`{p}:`" not in guide and str(ns) not in guide]
    assert missing == []
