"""Every Turtle file is in canonical form; fmt restores it and carries the version."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal
from rdflib.compare import isomorphic
from rdflib.namespace import OWL

from loaders.cli import main
from loaders.graph.format import not_canonical, rewrite, version_iri
from loaders.namespaces import ONTOLOGY
from loaders.project import Project


def test_every_file_in_the_repository_is_canonical(project: Project) -> None:
    bad = [project.relative(p) for p in not_canonical(project)]
    assert bad == [], f"not canonical, run `migkg fmt`: {bad}"


def test_fmt_check_fails_on_a_reordered_file_and_fmt_repairs_it(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    path = project_copy.root / "ontology" / "places.ttl"
    before = Graph().parse(path)
    text = path.read_text()
    blocks = text.split("\n\n")
    path.write_text("\n\n".join([blocks[0], *reversed(blocks[1:])]))  # same triples, other order
    # the named files only (every file of the repository is checked once, above)
    other = project_copy.root / "ontology" / "actors.ttl"
    files = [str(path), str(other)]
    assert main(["--root", str(project_copy.root), "fmt", "--check", *files]) == 1
    out = capsys.readouterr().out
    assert "ontology/places.ttl: not in canonical form" in out and "actors.ttl" not in out
    assert rewrite(project_copy, [path, other]) == [path]
    assert path.read_text() == text
    assert isomorphic(Graph().parse(path), before)
    assert main(["--root", str(project_copy.root), "fmt", "--check", *files]) == 0


def test_fmt_takes_the_version_from_pyproject(project_copy: Project) -> None:
    pyproject = project_copy.root / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(f'version = "{project_copy.version}"', 'version = "9.8.7"', 1)
    )
    fresh = Project.locate(project_copy.root)
    assert fresh.version == "9.8.7"
    actors = fresh.root / "ontology" / "actors.ttl"
    assert rewrite(fresh, [actors]) == [actors]
    g = Graph().parse(actors)
    assert g.value(ONTOLOGY["actors"], OWL.versionInfo) == Literal("9.8.7")
    assert g.value(ONTOLOGY["actors"], OWL.versionIRI) == ONTOLOGY["9.8.7/actors"]


def test_version_iri_of_top_and_module() -> None:
    assert (
        str(version_iri(ONTOLOGY[""].removesuffix("/"), "1.2.3"))
        == "https://w3id.org/migkg/def/1.2.3"
    )  # type: ignore[arg-type]
    assert (
        str(version_iri(ONTOLOGY["figures"], "1.2.3")) == "https://w3id.org/migkg/def/1.2.3/figures"
    )


def test_fmt_leaves_files_alone_when_one_does_not_parse(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    places = project_copy.root / "ontology" / "places.ttl"
    messy = places.read_text().replace("    ", "  ")
    places.write_text(messy)
    (project_copy.root / "instances" / "zz-bad.ttl").write_text("<urn:a> <urn:b> .\n")
    bad = project_copy.root / "instances" / "zz-bad.ttl"
    assert main(["--root", str(project_copy.root), "fmt", str(places), str(bad)]) == 2
    assert "instances/zz-bad.ttl:1:" in capsys.readouterr().err
    assert places.read_text() == messy


def test_canonical_turtle_does_not_search_every_namespace_seen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """rdflib searches every namespace it was asked about on each later IRI
    (RDFLib/rdflib#1752): `extract fiche` on a fiche with 9 600 positions, each with its
    own `#` fragments, took 93 s. Subjects and objects under no bound namespace are now
    written whole without asking; the number of searches no longer grows with them."""
    import rdflib.namespace
    from rdflib import Graph, Literal, URIRef

    from loaders.graph.turtle import canonical_turtle

    calls = {"n": 0}
    real = rdflib.namespace.get_longest_namespace

    def counting(trie, value):  # type: ignore[no-untyped-def]
        calls["n"] += len(trie)  # the namespaces this search runs through
        return real(trie, value)

    monkeypatch.setattr(rdflib.namespace, "get_longest_namespace", counting)

    def searches(n: int) -> tuple[int, str]:
        graph = Graph()
        for i in range(n):
            position = URIRef(f"https://example.org/position/{i}")
            evidence = URIRef(f"https://example.org/position/{i}#evidence")
            graph.add((position, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), Literal(i)))
            graph.add((position, URIRef("https://w3id.org/migkg/def#hasEvidence"), evidence))
            graph.add((evidence, URIRef("https://w3id.org/migkg/def#isStatedIn"),
                       URIRef(f"https://example.org/source/{i}")))  # fmt: skip
        calls["n"] = 0
        text = canonical_turtle(graph)
        return calls["n"], text

    few, _ = searches(10)
    many, text = searches(2000)
    assert many <= few + 10  # the predicates' searches only (about 9 300 000 before)
    assert text.count("<https://example.org/position/") == 6000  # 2 subjects, 1 object each
    assert "rdfs:label" in text and "mig:isStatedIn" in text and "mig:hasEvidence" in text
