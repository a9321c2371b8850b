"""The build: one named graph per file, stable output, atomic writes, clear errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import BNode, Graph
from rdflib import Dataset as RdflibDataset
from rdflib.compare import isomorphic
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from loaders.cli import main
from loaders.graph.build import build as run_build
from loaders.graph.build import counts, format_rows
from loaders.graph.dataset import Dataset
from loaders.graph.turtle import parse_turtle
from loaders.namespaces import BASE, GRAPH, MIG
from loaders.project import GRAPH_SCOPES, Project, scope_of


def test_every_input_file_is_a_named_graph(build: Dataset, project: Project) -> None:
    files = project.input_files()
    assert {project.relative(f) for f in files} >= {
        "ontology/migkg.ttl",
        "ontology/instruments.ttl",
        "instances/sources.ttl",
    }
    iris = {str(iri) for iri, _ in build.graphs()}
    extracted = {str(GRAPH["extracted/citations"]), str(GRAPH["extracted/fiches"])}
    # one graph per input file, and the graphs of what the loaders extract from sources/
    assert iris == {str(GRAPH[project.relative(f)]) for f in files} | extracted
    # a triple knows the file it came from
    where = {str(iri) for iri, g in build.graphs() if (MIG.Regulation, RDFS.subClassOf, None) in g}
    assert where == {str(GRAPH["ontology/instruments.ttl"])}
    where = {str(iri) for iri, g in build.graphs() if (MIG.Regulation, SKOS.closeMatch, None) in g}
    assert where == {str(GRAPH["ontology/alignments.ttl"])}


def test_union_has_every_triple_of_every_file(build: Dataset) -> None:
    """The graph is the union of the files of its scopes; the shapes stay apart."""
    total = {t for iri, g in build.graphs() if scope_of(str(iri)) in GRAPH_SCOPES for t in g}
    assert len(build.union()) == len(total) > 1500
    shapes = {t for iri, g in build.graphs() if scope_of(str(iri)) == "shapes" for t in g}
    assert len(build.union(["shapes"])) == len(shapes) > 100


def test_counts_per_class(graph: Graph, build: Dataset) -> None:
    per_class = dict(counts(build.quads)[0])
    modules = [o for o in graph.subjects(RDF.type, OWL.Ontology) if str(o).startswith(BASE + "def")]
    assert len(modules) == 12
    # with competence kinds, discrepancy kinds, date qualifiers, Council decision
    # procedures and roles of the European Parliament
    assert per_class["skos:ConceptScheme"] == 13
    assert per_class["mig:SourceDocument"] == 5
    sources = {
        str(cls)
        for doc in graph.subjects(RDF.type, MIG.SourceDocument)
        for cls in graph.objects(doc, RDF.type)
    }
    assert sources == {
        str(MIG[c])
        for c in (
            "SourceDocument",
            "BncFiche",
            "ParliamentaryLetter",
            "CommissionDocument",
            "OfficialJournalPublication",
        )
    }


def same_graph(a: Graph, b: Graph) -> bool:
    """Equal triples; isomorphism is checked only on the few triples with blank nodes
    (rdflib's isomorphism test takes minutes on the whole graph)."""

    def split(g: Graph) -> tuple[set[tuple[object, ...]], Graph]:
        plain, blank = set(), Graph()
        for t in g:
            if any(isinstance(x, BNode) for x in t):
                blank.add(t)
            else:
                plain.add(t)
        return plain, blank

    plain_a, blank_a = split(a)
    plain_b, blank_b = split(b)
    return plain_a == plain_b and isomorphic(blank_a, blank_b)


@pytest.fixture(scope="module")
def built_files(build: Dataset) -> list[Path]:
    """dist/graph.nq, graph.trig and graph.ttl of the repository's build (the session's
    build fixture made it, or found it fresh), for the tests that only read them."""
    return [build.project.dist / name for name in ("graph.nq", "graph.trig", "graph.ttl")]


@pytest.fixture(scope="module")
def trig_back(built_files: list[Path]) -> RdflibDataset:
    """graph.trig as rdflib reads it."""
    back = RdflibDataset()
    back.parse(built_files[1], format="trig")
    return back


def test_outputs_parse_back_to_rdflibs_reading_of_every_file(
    build: Dataset, project: Project, built_files: list[Path], trig_back: RdflibDataset
) -> None:
    """The built files hold, graph by graph, what rdflib (the reference) reads in each
    input file, and the extracted graphs of the build."""
    nq, trig, ttl = built_files
    want = {str(project.graph_iri(f)): parse_turtle(f) for f in project.input_files()}
    extracted = {str(iri): g for iri, g in build.graphs() if "/graph/extracted/" in str(iri)}
    assert extracted
    for path, fmt in ((trig, "trig"), (nq, "nquads")):
        if fmt == "trig":
            back = trig_back
        else:
            back = RdflibDataset()
            back.parse(path, format=fmt)
        got = {str(g.identifier): g for g in back.graphs() if len(g)}
        assert got.keys() == want.keys() | extracted.keys(), path
        for iri, graph in {**want, **extracted}.items():
            assert same_graph(got[iri], graph), (path, iri)
    union = Graph().parse(ttl, format="turtle")
    assert same_graph(union, build.union(["ontology", "instances", "extracted", "shapes"]))


def test_the_build_keeps_literals_as_written(project_copy: Project) -> None:
    """Regression guard: an Oxigraph Store would turn "05"^^xsd:nonNegativeInteger into
    "5"^^xsd:integer; the build keeps what the file says."""
    extra = project_copy.root / "instances" / "literal-forms.ttl"
    extra.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        '<urn:x> <urn:p> "05"^^xsd:nonNegativeInteger , "1.50"^^xsd:decimal .\n'
    )
    run_build(project_copy)  # (a new input: the copy's build is stale)
    text = (project_copy.dist / "graph.nq").read_text(encoding="utf-8")
    assert '"05"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>' in text
    assert '"1.50"^^<http://www.w3.org/2001/XMLSchema#decimal>' in text


def test_build_output_is_byte_identical_across_runs(
    project_copy: Project, built_files: list[Path]
) -> None:
    """A build in another process (another hash seed), of another copy, writes the very
    bytes of the module's build, the search index included."""
    command = ["--root", str(project_copy.root), "build", "--force"]
    subprocess.run([sys.executable, "-m", "loaders", *command], check=True, capture_output=True)
    names = [path.name for path in built_files]
    assert sorted(names) == ["graph.nq", "graph.trig", "graph.ttl"]
    for path in built_files:
        assert (project_copy.dist / path.name).read_bytes() == path.read_bytes(), path.name
    for name in ("search.sqlite", "lines.json"):  # migkg search's index, validate's lines
        made = built_files[0].parent / name
        assert (project_copy.dist / name).read_bytes() == made.read_bytes(), name


@pytest.mark.parametrize("command", [["build"], ["query", "cq-cabinet-supports"]])
def test_malformed_turtle_names_file_and_line_and_keeps_dist(
    project_copy: Project, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    """The build, and any command that finds the build stale, stop at a broken file."""
    dist = project_copy.dist
    (dist / "graph.ttl").write_text("earlier output\n")
    trig = (dist / "graph.trig").read_bytes()
    bad = project_copy.root / "instances" / "broken.ttl"
    bad.write_text(
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "<https://w3id.org/migkg/id/x> a mig:Regulation .\n"
        "<https://w3id.org/migkg/id/y> a mig:Directive ;\n"
        '    mig:hasTitle "unterminated .\n'
    )
    code = main(["--root", str(project_copy.root), *command])
    err = capsys.readouterr().err
    assert code == 2
    assert "instances/broken.ttl:4:" in err
    assert "Turtle syntax error" in err
    assert (dist / "graph.ttl").read_text() == "earlier output\n"
    assert (dist / "graph.trig").read_bytes() == trig
    assert not [p for p in dist.iterdir() if p.name.endswith(".tmp")]


@pytest.mark.parametrize("command", [["stats"], ["build"]])
def test_non_utf8_file_is_a_clear_error(
    project_copy: Project, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    bad = project_copy.root / "instances" / "latin1.ttl"
    bad.write_bytes(
        b'@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n<urn:x> rdfs:label "caf\xe9" .\n'
    )
    assert main(["--root", str(project_copy.root), *command]) == 2
    err = capsys.readouterr().err
    assert "instances/latin1.ttl:2: not UTF-8 text" in err


def test_missing_root_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(tmp_path), "build"]) == 2
    assert "no ontology/ folder" in capsys.readouterr().err


def test_written_files_get_the_usual_mode_not_mkstemps_0600(built_files: list[Path]) -> None:
    """Regression: files written through a temporary file were left readable by root only."""
    import os
    import stat

    umask = os.umask(0)
    os.umask(umask)
    for path in built_files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_multi_line_literals_survive_the_trig_output(
    build: Dataset, trig_back: RdflibDataset
) -> None:
    """Regression: graph blocks were indented, which changed the text of the SPARQL
    queries (triple-quoted, multi-line) of the shapes."""
    from loaders.namespaces import SH

    back = trig_back
    selects = {str(o) for o in build.union(["shapes"]).objects(None, SH.select)}
    assert any("\n" in q for q in selects)
    assert {str(o) for _, _, o, _ in back.quads((None, SH.select, None, None))} == selects


def test_a_stale_build_is_rebuilt_on_the_one_path_and_reused_while_fresh(
    project_copy: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(project_copy.root)
    # the copy carries the repository's build: the same inputs elsewhere are the same
    # build (the digest named the package's files by their folder's place, so a copy
    # always rebuilt)
    assert main(["--root", root, "build"]) == 0
    assert "up to date" in capsys.readouterr().out
    first = (project_copy.dist / "graph.trig").read_bytes()
    # a command other than build reuses the fresh build without a word
    assert main(["--root", root, "stats"]) == 0
    assert "built it" not in capsys.readouterr().err
    # a changed input file: the next command, whichever, rebuilds (and says so)
    sources = project_copy.root / "instances" / "sources.ttl"
    sources.write_text(sources.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert main(["--root", root, "query", "cq-cabinet-supports", "--format", "csv"]) == 0
    assert "built it" in capsys.readouterr().err
    assert (project_copy.dist / "graph.trig").read_bytes() == first  # same content, rebuilt
    assert main(["--root", root, "build"]) == 0
    assert "up to date" in capsys.readouterr().out
    # so does a missing output, and --force
    (project_copy.dist / "graph.ttl").unlink()
    assert main(["--root", root, "build"]) == 0
    assert (project_copy.dist / "graph.ttl").is_file()
    assert main(["--root", root, "build", "--force"]) == 0
    assert "wrote dist/graph.trig" in capsys.readouterr().out


def test_stats_counts_what_the_build_holds(
    capsys: pytest.CaptureFixture[str], project: Project, build: Dataset
) -> None:
    assert main(["--root", str(project.root), "stats"]) == 0
    stats = capsys.readouterr().out
    per_class, triples = counts(build.quads)
    assert format_rows(per_class, triples) + "\n" == stats
    assert dict(per_class)["mig:Position"] > 400 and triples > 30000


def test_the_graph_is_one_definition_of_scopes(build: Dataset) -> None:
    """ "The graph" is ontology, curated instances and extracted data, for every command."""
    from loaders.project import GRAPH_SCOPES, scope_of

    assert GRAPH_SCOPES == ("ontology", "instances", "extracted")
    scopes = {scope_of(q.graph_name.value) for q in build.quads_in()}  # type: ignore[union-attr]
    assert scopes == set(GRAPH_SCOPES)
    shapes = {scope_of(q.graph_name.value) for q in build.quads_in(["shapes"])}  # type: ignore[union-attr]
    assert shapes == {"shapes"}
    store = build.store()
    n = len({q.triple for q in build.quads_in()})
    assert sum(1 for _ in store.quads_for_pattern(None, None, None, None)) > n
    from pyoxigraph import DefaultGraph

    assert len(list(store.quads_for_pattern(None, None, None, DefaultGraph()))) == n
