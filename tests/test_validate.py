"""migkg validate: the real graph has no violation; a broken copy fails; bad shapes and
bad data are errors that name the file; reports in text, json and turtle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.namespace import RDF

from loaders.check import shacl_sparql
from loaders.check.shacl_sparql import RawResult
from loaders.check.validate import Report, as_json, as_text, as_turtle, run
from loaders.cli import main
from loaders.graph.dataset import Dataset
from loaders.namespaces import ID, SH
from loaders.project import Project
from tests.conftest import small_project


@pytest.fixture(scope="module")
def report(build: Dataset) -> Report:
    return run(build)


def test_the_full_graph_has_no_violation(report: Report) -> None:
    assert report.count("Violation") == 0, as_text(report)
    # what remains are honest warnings and notes on gaps worth filling
    assert {r.severity for r in report.results} <= {"Warning", "Info"}
    assert report.count("Info") > 0


def test_text_report_groups_by_focus_node_with_label_message_and_file(report: Report) -> None:
    text = as_text(report)
    assert text.rstrip().endswith("note(s)")
    first = report.results[0]
    assert f"<{first.focus}>" in text
    assert first.message in text
    assert any(r.files and f"in {', '.join(r.files)}" in text for r in report.results)


def test_json_report_is_machine_readable(report: Report) -> None:
    data = json.loads(as_json(report))
    assert data["counts"]["Violation"] == 0
    assert {"focus", "severity", "shape", "message", "files"} <= set(data["results"][0])


def test_turtle_report_is_a_standard_shacl_report(report: Report) -> None:
    graph = Graph().parse(data=as_turtle(report), format="turtle")
    assert len(list(graph.subjects(RDF.type, SH.ValidationReport))) == 1
    assert len(list(graph.subjects(RDF.type, SH.ValidationResult))) == len(report.results)


def test_fail_on_warning_fails_on_the_real_graph(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--fail-on", "warning", "--format", "json"]) == 1
    assert json.loads(capsys.readouterr().out)["counts"]["Warning"] >= 1


def test_a_broken_copy_fails_validation_naming_the_file(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_copy.root / "instances" / "zz-broken.ttl").write_text(
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/migkg/id/com/2099/1> a mig:Regulation ;\n"
        '  rdfs:label "kapot"@nl , "broken"@en ;\n'
        '  mig:hasComNumber "COM 2099/1" .\n'
    )
    assert main(["--root", str(project_copy.root), "validate"]) == 1
    out = capsys.readouterr().out
    assert "<https://w3id.org/migkg/id/com/2099/1>" in out
    assert "in instances/zz-broken.ttl" in out
    assert 'A COM number is written like "COM(2020) 609"' in out
    assert "1 violation(s)" in out


def test_a_shapes_file_that_does_not_parse_is_exit_2(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_copy.root / "shapes" / "zz-bad.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\nsh:x sh:y .\nsh:z\n"
    )
    assert main(["--root", str(project_copy.root), "validate"]) == 2
    assert "shapes/zz-bad.ttl:2: Turtle syntax error" in capsys.readouterr().err


def test_a_shape_on_a_class_the_ontology_lacks_is_exit_2(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_copy.root / "shapes" / "zz-typo.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "<https://w3id.org/migkg/shapes#Typo> a sh:NodeShape ; sh:targetClass mig:Regulaton .\n"
    )
    assert main(["--root", str(project_copy.root), "validate"]) == 2
    err = capsys.readouterr().err
    assert (
        "shapes/zz-typo.ttl" in err and "Regulaton" in err and "not a class of the ontology" in err
    )


def test_data_that_is_not_rdf_is_exit_2(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    (project_copy.root / "instances" / "zz-notes.ttl").write_text("These are notes, not Turtle.\n")
    assert main(["--root", str(project_copy.root), "validate"]) == 2
    assert "instances/zz-notes.ttl:1:" in capsys.readouterr().err


def _one_shape(shape: str, data: str) -> list[RawResult]:
    prefixes = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix ex: <https://example.org/> .\n"
    )
    shapes = Graph().parse(data=prefixes + shape, format="turtle")
    return shacl_sparql.validate(Graph().parse(data=prefixes + data, format="turtle"), shapes)


def test_a_derived_integer_type_keeps_its_datatype_in_oxigraph() -> None:
    """Oxigraph stores xsd:nonNegativeInteger as xsd:integer; the engine must not let that
    make every oa:start of the graph fail its datatype check (a bug we had)."""
    shape = (
        "ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:start ;"
        " sh:datatype xsd:nonNegativeInteger ; sh:minInclusive 0 ; sh:message 'start' ] ."
    )
    good = 'ex:a a ex:C ; ex:start "5"^^xsd:nonNegativeInteger .'
    assert _one_shape(shape, good) == []
    bad = 'ex:a a ex:C ; ex:start "5"^^xsd:integer , "-1"^^xsd:nonNegativeInteger .'
    found = {(str(r.value), str(r.component).rsplit("#")[-1]) for r in _one_shape(shape, bad)}
    assert found == {
        ("5", "DatatypeConstraintComponent"),  # the wrong type
        ("-1", "DatatypeConstraintComponent"),  # ill-typed: not a non-negative integer
        ("-1", "MinInclusiveConstraintComponent"),
    }


def test_shapes_the_engine_cannot_compile_fall_back_to_pyshacl(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """On a small project (the ontology, the shapes, two states): pySHACL on the whole
    graph would take seconds to say the same."""
    project_copy = small_project(tmp_path)
    extra = project_copy.root / "shapes" / "xone.ttl"
    extra.write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n"
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "@prefix migs: <https://w3id.org/migkg/shapes#> .\n"
        "migs:PlaceXone a sh:NodeShape ; sh:targetClass mig:Place ;"
        " sh:message 'a place is either a country or something else, not both' ;"
        " sh:xone ( [ sh:class mig:Country ] [ sh:class mig:Place ] ) .\n"
    )
    code = main(["--root", str(project_copy.root), "validate", "--format", "json"])
    captured = capsys.readouterr()
    assert "validating with pySHACL" in captured.err and "xone" in captured.err
    assert code == 1
    countries = [r for r in json.loads(captured.out)["results"] if r["shape"] == "migs:PlaceXone"]
    assert sorted(r["focus"] for r in countries) == [ID + "country/nl", ID + "country/tr"]


def test_both_engines_give_the_same_report_on_the_real_graph(
    report: Report, capsys: pytest.CaptureFixture[str]
) -> None:
    """The default engine (SPARQL on Oxigraph) against pySHACL, chosen on the command line."""
    assert main(["validate", "--engine", "pyshacl", "--format", "json"]) == 0
    slow = json.loads(capsys.readouterr().out)
    assert slow == json.loads(as_json(report))
    assert len(slow["results"]) > 40  # the notes on gaps: a real comparison, not of nothing


def test_validating_a_store_loaded_from_n_triples_gives_the_same_results(build: Dataset) -> None:
    """The large-graph path (no rdflib graph in between) agrees with the usual one."""
    data = build.union(["ontology", "instances", "extracted"])
    shapes = build.union(["shapes"])
    key = lambda r: (str(r.focus), str(r.shape), str(r.value), str(r.path), r.message)  # noqa: E731
    usual = sorted(map(key, shacl_sparql.validate(data, shapes)))
    store = shacl_sparql.store_from_ntriples(data.serialize(format="nt"))
    direct = sorted(map(key, shacl_sparql.validate_store(store, shapes)))
    assert usual == direct and len(usual) > 40


def test_a_file_read_in_blocks_gives_the_same_store(build: Dataset, tmp_path: Path) -> None:
    """The benchmark's path: N-Triples from a file, a block at a time (small blocks here,
    so that many lines and literals meet a block's end), datatypes kept as written."""
    text = build.union(["ontology", "instances", "extracted"]).serialize(format="nt")
    # a datatype Oxigraph would not keep (the graph's text offsets are xsd:integer now)
    text += '<urn:x> <urn:p> "05"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger> .\n'
    path = tmp_path / "graph.nt"
    path.write_text(text, encoding="utf-8")
    import pyoxigraph as ox

    def named(store: ox.Store) -> tuple[set[ox.Quad], int]:
        """Quads without blank nodes (a parser names those afresh), and the number of all."""
        quads = set(store)
        return {q for q in quads if not any(isinstance(t, ox.BlankNode) for t in q.triple)}, len(
            quads
        )

    whole = named(shacl_sparql.store_from_ntriples(text))
    blocks = named(shacl_sparql.store_from_ntriples_file(path, chunk=4096))
    assert blocks == whole and whole[1] > 30000
    kept = [q for q in whole[0] if shacl_sparql.KEPT_AS in str(q.object)]
    assert kept  # the xsd:nonNegativeInteger, kept as written


# --- what keeps the compiled engine fast on large graphs (migkg bench) --------------------


@given(st.data())
def test_forms_taken_as_well_typed_in_sparql_are_well_typed_for_rdflib(data: st.DataObject) -> None:
    """The SPARQL engine trusts these regular expressions instead of asking rdflib about
    each literal: every form they accept must be one rdflib reads as well-typed."""
    from rdflib import Literal

    datatype = data.draw(st.sampled_from(sorted(shacl_sparql.WELL_TYPED_FORMS)))
    form = shacl_sparql.WELL_TYPED_FORMS[datatype]
    lexical = data.draw(st.from_regex(form.strip("^$"), fullmatch=True))
    assert not Literal(lexical, datatype=datatype).ill_typed


def test_triples_about_several_subjects_are_joined_subject_by_subject() -> None:
    """Oxigraph joined two observations on their programme alone (30 s at 1 M triples);
    split per subject, the same solutions come back."""
    import pyoxigraph as ox

    store = ox.Store()
    p, m, v, t = (ox.NamedNode(f"urn:{x}") for x in "pmvt")
    integer = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
    for i, (measure, value) in enumerate([("res", 5), ("pl", 3), ("res", 1), ("pl", 2)]):
        s = ox.NamedNode(f"urn:o{i}")
        store.extend(
            [
                ox.Quad(s, p, ox.NamedNode("urn:prog")),
                ox.Quad(s, m, ox.NamedNode(f"urn:{measure}")),
                ox.Quad(s, v, ox.Literal(str(value), datatype=integer)),
                ox.Quad(s, t, ox.NamedNode(f"urn:t{i // 2}")),
            ]
        )
    body = (
        "?r <urn:p> ?x ; <urn:m> <urn:res> ; <urn:v> ?a ; <urn:t> ?t . "
        "?o <urn:p> ?x ; <urn:m> <urn:pl> ; <urn:v> ?b ; <urn:t> ?t . FILTER (?a > ?b) }"
    )
    rewritten = shacl_sparql._star_joins(body)
    assert rewritten.count("SELECT * WHERE") == 2

    def rows(b: str) -> list[str]:
        solutions = store.query("SELECT * WHERE {" + b)
        assert isinstance(solutions, ox.QuerySolutions)
        names = [var.value for var in solutions.variables]
        return sorted(str(sorted((n, str(row[n])) for n in names)) for row in solutions)

    assert rows(body) == rows(rewritten) != []
    for kept in (
        "?a <urn:p> [ <urn:q> ?b ] . ?c <urn:p> ?b }",
        "?a <urn:p>/<urn:q> ?b . ?c <urn:p> ?b }",
    ):
        assert shacl_sparql._star_joins(kept) == kept


def test_validating_a_store_leaves_it_as_it_was(build: Dataset) -> None:
    """The node sets are kept in a named graph while validation runs, and removed."""
    text = build.union(["ontology", "instances"]).serialize(format="nt")
    store = shacl_sparql.store_from_ntriples(text)
    size = len(store)
    results = shacl_sparql.validate_store(store, build.union(["shapes"]))
    assert results  # the real graph has warnings and notes
    assert len(store) == size and not list(store.named_graphs())
