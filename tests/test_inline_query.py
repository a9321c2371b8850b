"""Queries given inline (-e) or on standard input, with the project's prefixes added where
a query uses them undeclared, and `migkg prefixes` (issue 18, part 1)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from loaders.cli import main
from loaders.errors import MigkgError
from loaders.graph.query import with_prefixes
from loaders.iris import PREFIXES

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = ROOT / "tests" / "queries"


def undeclared(name: str) -> str:
    """A stored query's text without its PREFIX lines, as an analyst would type it."""
    text = (ROOT / "queries" / f"{name}.rq").read_text(encoding="utf-8")
    return re.sub(r"(?im)^PREFIX\s+\S+\s+<[^>]*>\s*$\n?", "", text)


@pytest.mark.parametrize("name", ["cq-cabinet-supports", "cq-timeline", "cq-discrepancies"])
def test_an_inline_query_without_prefixes_gives_the_stored_answer(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = undeclared(name)
    assert "PREFIX" not in text and "mig:" in text
    assert main(["query", "-e", text, "--format", "csv"]) == 0
    assert capsys.readouterr().out == (EXPECTED / f"{name}.csv").read_text(encoding="utf-8")


def test_a_query_on_standard_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(undeclared("cq-discrepancies")))
    assert main(["query", "-", "--format", "csv"]) == 0
    assert capsys.readouterr().out == (EXPECTED / "cq-discrepancies.csv").read_text("utf-8")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["query", "-e", "SELECT * { ?x foo:bar ?y }"],
         "-e: unknown prefix foo: declare it (PREFIX foo: <...>) or use one of the project's"),
        (["query"], "give a query: NAME, FILE, - (standard input) or -e SPARQL, one of them"),
        (["query", "cq-timeline", "-e", "ASK {}"], "give a query: NAME, FILE, -"),
        (["query", "-e", "  "], "-e: the query is empty"),
    ],
)  # fmt: skip
def test_a_query_that_cannot_run_is_one_line_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_prefixes_are_found_outside_strings_iris_and_comments_only() -> None:
    text = (
        'SELECT ?x WHERE { ?x a mig:Position ; rdfs:label "skos:b" , """owl:d""" .\n'
        "  ?x mig:isAbout <http://example.org/e:f> } # g:h\n"
    )
    added = with_prefixes(text, "t")
    assert added.splitlines()[:2] == [f"PREFIX mig: <{PREFIXES['mig']}>",
                                      f"PREFIX rdfs: <{PREFIXES['rdfs']}>"]  # fmt: skip
    assert "PREFIX skos" not in added and added.endswith(text)
    declared = "PREFIX mig: <urn:mine#>\nSELECT * { ?x mig:a ?y }"
    assert with_prefixes(declared, "t") == declared  # a declared prefix is the query's own
    with pytest.raises(MigkgError, match="unknown prefix e:"):
        with_prefixes("SELECT * { ?x e:f ?y }", "t")


@pytest.mark.parametrize("turtle", [False, True])
def test_migkg_prefixes_prints_every_prefix_ready_to_paste(
    turtle: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["prefixes", *(["--turtle"] if turtle else [])]) == 0
    block = capsys.readouterr().out
    assert block.count("\n") == len(PREFIXES)
    if turtle:
        store = ox.Store()
        store.load((block + "mig:a mig:b mig:c .\n").encode(), ox.RdfFormat.TURTLE)
        assert len(store) == 1
    else:
        assert not bool(ox.Store().query(block + "ASK { ?s mig:a skos:b }"))


@pytest.mark.parametrize(
    ("lexical", "shown"),
    [("86.0", "86"), ("86", "86"), ("0.50", "0.5"), ("-3.250", "-3.25"), ("-0.0", "0"),
     ("+7.", "7"), ("1E2", "100"), ("x", "x")],
)  # fmt: skip
def test_a_decimal_is_written_in_one_form_whichever_engine_wrote_it(
    lexical: str, shown: str
) -> None:
    from loaders.graph.engines import Table
    from loaders.graph.query import render

    value = ox.Literal(lexical, datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"))
    table = Table(["rate"], [[value]])
    assert render(table, "csv", {}) == f"rate\n{shown}\n"
    assert render(table, "table", {}).splitlines()[2] == shown
    assert f"| {shown} |" in render(table, "md", {})
    assert f'"value": "{shown}"' in render(table, "json", {})


def test_width_cuts_table_cells_and_zero_never(capsys: pytest.CaptureFixture[str]) -> None:
    long = "SELECT ?q WHERE { ?s oa:exact ?q FILTER (STRLEN(?q) > 300) } ORDER BY ?q LIMIT 1"
    assert main(["query", "-e", long, "--width", "40"]) == 0
    cut = capsys.readouterr().out.splitlines()[2]
    assert len(cut) == 40 and cut.endswith("…")
    assert main(["query", "-e", long, "--width", "0"]) == 0
    whole = capsys.readouterr().out.splitlines()[2]
    assert len(whole) > 300 and "…" not in whole
