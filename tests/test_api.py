"""The Python API (loaders.api, issue 18 part 3): the CLI's rows, labels and numbers from
Python, bound parameters, ad-hoc queries, DataFrames, and the guide's example."""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

import pytest

from loaders import Graph, open_graph
from loaders.cli import main
from loaders.errors import MigkgError
from loaders.graph.dataset import Dataset
from loaders.graph.query import text_of
from loaders.project import Project

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def g() -> Graph:
    return open_graph(ROOT)


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 0, argv
    return capsys.readouterr().out


def table_cells(text: str) -> list[list[str]]:
    """The cells of `migkg query --format table --width 0`, cut at the dashes' columns."""
    lines = text.splitlines()
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]
    return [[line[a:b].strip() if b < len(line) else line[a:].strip() for a, b in spans]
            for line in lines[2:-1]]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("cq-cabinet-supports", {}),
        ("cq-cabinet-supports", {"stance": "stance:opposes"}),
        ("cq-eu-scheme-fulfilment", {}),
    ],
)
def test_rows_are_the_cli_table_and_terms_the_cli_csv(
    g: Graph, name: str, params: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    r = g.query(name, **params)
    given = [a for k, v in params.items() for a in ("--param", f"{k}={v}")]
    shown = cli(["query", name, *given, "--format", "table", "--width", "0"], capsys)
    assert shown.splitlines()[0].split() == r.columns
    expected = table_cells(shown)
    assert len(r.rows) == len(expected) > 0
    assert [[" ".join(row[c].split()) for c in r.columns] for row in r.rows] == expected
    written = list(csv.reader(io.StringIO(cli(["query", name, *given, "--format", "csv"], capsys))))
    assert written[0] == r.columns
    assert [[text_of(v) for v in row] for row in r.terms] == written[1:]


def test_a_bound_parameter_changes_the_answer_as_the_cli_param_does(g: Graph) -> None:
    supports, opposes = (
        g.query("cq-cabinet-supports"),
        g.query("cq-cabinet-supports", stance="stance:opposes"),
    )
    assert {row["stance"] for row in supports.rows} == {"supports"}
    assert {row["stance"] for row in opposes.rows} == {"opposes"}
    # the value is a term, looked for, never pasted into the text: quotes match nothing
    assert len(g.query("cq-find-by-label", text='Frontex" } #')) == 0
    assert len(g.query("cq-find-by-label", text="Frontex")) > 0


def test_an_ad_hoc_query_gets_the_prefixes_and_its_variables_bound(g: Graph) -> None:
    text = (
        "SELECT DISTINCT ?position WHERE { ?position mig:hasHolder ?holder ; "
        "mig:hasStance stance:opposes } ORDER BY ?position"
    )
    adhoc = g.query(text, holder=g.iri("actor/nl-government"))
    assert "PREFIX" not in text and len(adhoc) > 0
    stored = {
        row["position"] for row in g.query("cq-cabinet-supports", stance="stance:opposes").rows
    }
    assert stored <= {row["position"] for row in adhoc.rows}  # labels, as the stored query's
    # typed Python values: an integer, a decimal in canonical form
    numbers = g.query("SELECT ?half WHERE { BIND (xsd:decimal(?n) / 2 AS ?half) }", n=8)
    assert numbers.rows == [{"half": "4"}]


def test_rdflib_and_oxigraph_give_the_same_rows(build: Dataset, project: Project) -> None:
    """On the ontology only (rdflib is slow on the whole graph): labels, a language bound
    as a string, an integer and a computed decimal, in the CLI's number format."""
    text = (
        "SELECT ?class ?label ?ratio WHERE { ?class a owl:Class ; rdfs:label ?label . "
        "FILTER (LANG(?label) = ?tag) BIND (xsd:decimal(?n) / 4 AS ?ratio) } ORDER BY ?class"
    )
    answers = [
        Graph(project, build.engine(kind, ["ontology"])).query(text, lang="nl", tag="nl", n=8)
        for kind in ("oxigraph", "rdflib")
    ]
    assert answers[0].rows == answers[1].rows
    assert len(answers[0]) > 20 and answers[0].rows[0]["ratio"] == "2"
    assert {"class": "actor", "label": "actor", "ratio": "2"} in answers[0].rows


def test_df_is_the_rows(g: Graph) -> None:
    r = g.query("cq-eu-scheme-fulfilment")
    df = r.df()
    assert list(df.columns) == r.columns and df.shape == (len(r.rows), len(r.columns))
    assert df.to_dict("records") == r.rows


def test_without_pandas_df_says_what_to_install(g: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
    r = g.query("cq-eu-scheme-fulfilment")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(MigkgError, match=re.escape("pip install 'migkg[pandas]'")):
        r.df()


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("cq-no-such-query", {}, "no stored query or .rq file named 'cq-no-such-query'"),
        ("cq-cabinet-supports", {"colour": "red"}, "unknown parameter 'colour'"),
        ("cq-cabinet-supports", {"stance": "nope:x"}, "unknown prefix 'nope'"),
        ("SELECT * { ?x ?p ?y }", {"z": 1}, "the query has no variable ?z"),
        ("SELECT * { ?x ?p ?y }", {"p": [1]}, "cannot bind a list"),
        ("SELECT * { ?x foo:p ?y }", {}, "unknown prefix foo"),
        ("SELECT * { ?x ?p }", {}, "does not parse"),
    ],
)
def test_a_bad_query_or_parameter_is_a_migkg_error(
    g: Graph, name: str, params: dict[str, object], message: str
) -> None:
    with pytest.raises(MigkgError, match=re.escape(message)) as raised:
        g.query(name, **params)
    assert "\n" not in raised.value.message.strip()


def test_the_guides_python_example_runs(g: Graph, capsys: pytest.CaptureFixture[str]) -> None:
    text = (ROOT / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    (example,) = re.findall(
        r"```python\n(from loaders import open_graph\n\ng = .*?)```", text, re.S
    )
    names: dict[str, object] = {}
    exec(compile(example, "analyst-guide.md", "exec"), names)
    out = capsys.readouterr().out
    roles = names["roles"]
    # the ad-hoc query's rows are Frontex's roles in the stored cq-actor-roles
    frontex = {
        (row["subject"], row["role"])
        for row in g.query("cq-actor-roles").rows
        if "(Frontex)" in row["actor"] and row["role"]
    }
    assert {(row["subject"], row["role"]) for row in roles.rows} == frontex  # type: ignore[attr-defined]
    assert len(frontex) > 0 and str(roles) in out  # printed as the CLI's table


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"engine": "virtuoso"}, "unknown engine 'virtuoso': choose oxigraph or rdflib"),
        ({"endpoint": "ftp://example.org/sparql"}, "give an http:// or https:// URL"),
    ],
)
def test_a_graph_that_cannot_be_opened_is_a_migkg_error(
    options: dict[str, str], message: str
) -> None:
    with pytest.raises(MigkgError, match=re.escape(message)):
        open_graph(ROOT, **options)
