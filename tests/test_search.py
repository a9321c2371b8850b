"""migkg search: the full-text index the build makes (dist/search.sqlite) finds real nodes
of the graph by their labels, definitions and quotes, ranked, with their sources."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from conftest import copy_project

from loaders.cli import main
from loaders.graph.build import OUTPUTS, STORE, up_to_date
from loaders.graph.dataset import Dataset
from loaders.graph.search import INDEX, class_iri, index_of, search
from loaders.iris import ID, PREFIXES
from loaders.project import Project

MIG = PREFIXES["mig"]
PREFIX = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("mig", "oa", "rdfs"))


@pytest.fixture(scope="module")
def index(build: Dataset) -> Path:
    """The real build's index (the build made fresh by the session's fixture)."""
    return index_of(build.project)


def test_a_dutch_quote_finds_its_position_first_with_its_source(index: Path) -> None:
    hits = search(index, "positieve grondhouding subsidiariteit")
    first = hits[0]
    assert first.node == ID + "position/000/subsidiarity"
    assert (first.field, first.type, first.lang) == ("quote", "mig:Assessment", "nl")
    assert first.sources == (ID + "source/000",)
    assert first.text == (
        "Het kabinet heeft een positieve grondhouding ten aanzien van de subsidiariteit."
    )
    assert "«grondhouding»" in first.marked and "«subsidiariteit»" in first.snippet
    assert first.label  # the assessment's English label


def test_lang_keeps_the_literals_of_that_language(index: Path) -> None:
    dutch = search(index, "Frontex", lang="nl", limit=0)
    english = search(index, "Frontex", lang="en", limit=0)
    assert {h.lang for h in dutch} == {"nl"} and {h.lang for h in english} == {"en"}
    # the quotes are Dutch, as their sources are: none in English
    assert "quote" in {h.field for h in dutch} and "quote" not in {h.field for h in english}
    assert len(search(index, "Frontex", limit=0)) == len(dutch) + len(english)


def test_type_keeps_positions_and_their_subclasses(index: Path, build: Dataset) -> None:
    hits = search(index, "kabinet", type="mig:Position", limit=0)
    positions = {
        str(row[0].value)  # type: ignore[union-attr]
        for row in build.engine()
        .select(f"{PREFIX}SELECT ?p WHERE {{ ?p a/rdfs:subClassOf* mig:Position }}")
        .rows
    }
    assert len(hits) > 20
    assert {h.node for h in hits} <= positions
    assert {"mig:Position", "mig:Assessment"} <= {h.type for h in hits}
    assert any(h.node not in positions for h in search(index, "kabinet", limit=0))
    same = search(index, "kabinet", type=f"<{MIG}Position>", limit=0)
    assert [h.node for h in same] == [h.node for h in hits]


def test_an_actor_is_found_by_its_label(index: Path) -> None:
    first = search(index, "Frontex", type="mig:Actor")[0]
    assert first.node == ID + "actor/frontex"
    assert first.field in ("label", "altLabel") and first.type == "mig:EUAgency"
    assert "Frontex" in first.label


def test_a_prefix_query_finds_dutch_compounds(index: Path) -> None:
    word = {h.node for h in search(index, "hervestiging", limit=0)}
    prefix = {h.node for h in search(index, "hervestiging*", limit=0)}
    assert PREFIXES["topic"] + "resettlement" in word
    assert MIG + "NationalQuota" not in word  # "nationaal hervestigingsquotum"
    assert MIG + "NationalQuota" in prefix and word < prefix


def test_diacritics_do_not_count(index: Path) -> None:
    plain = search(index, "Libie", limit=0)
    accented = search(index, "Libië", limit=0)
    assert plain and [h.node for h in plain] == [h.node for h in accented]
    assert "«Libië»" in plain[0].marked


def test_a_malformed_query_is_one_line_and_exit_2(
    index: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["search", "EU-Turkey"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("migkg: error: search 'EU-Turkey': not a valid")
    assert main(["search", '"EU-Turkey"', "--type", "zz:Thing"]) == 2
    assert "unknown prefix 'zz'" in capsys.readouterr().err
    assert main(["search", '"EU-Turkey"', "--limit", "1"]) == 0
    assert "EU-Turkey" in capsys.readouterr().out


def test_every_quote_of_the_graph_is_in_the_index(index: Path, build: Dataset) -> None:
    import sqlite3

    query = (
        PREFIX
        + """SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?fact ?quote ?doc WHERE {
        ?fact mig:hasEvidence ?a . ?a oa:hasTarget ?t .
        ?t oa:hasSource ?doc ; oa:hasSelector ?s . ?s oa:exact ?quote FILTER(isIRI(?fact)) } }"""
    )
    expected = int(build.engine().select(query).rows[0][0].value)  # type: ignore[union-attr]
    with sqlite3.connect(index) as db:
        (indexed,) = db.execute("SELECT COUNT(*) FROM texts WHERE field = 'quote'").fetchone()
    assert expected > 2000 and indexed == expected


def test_the_index_is_an_output_of_the_build(build: Dataset, tmp_path: Path) -> None:
    """build.json names it, and a build without it is stale (so any command rebuilds)."""
    record = json.loads((build.project.dist / "build.json").read_text(encoding="utf-8"))
    assert INDEX in OUTPUTS and INDEX in record["outputs"]
    copy = copy_project(tmp_path, built=False)
    copy.dist.mkdir()
    (copy.dist / STORE).mkdir()
    for name in OUTPUTS:
        (copy.dist / name).write_text("")
    (copy.dist / "build.json").write_text(json.dumps({"inputs": "d", "outputs": OUTPUTS}))
    assert up_to_date(copy, "d")
    (copy.dist / INDEX).unlink()
    assert not up_to_date(copy, "d")


def test_output_to_a_file_as_csv(index: Path, tmp_path: Path) -> None:
    target = tmp_path / "hits.csv"
    assert (
        main(["search", "Frontex", "--type", "mig:Actor", "--format", "csv", "-o", str(target)])
        == 0
    )
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows[0]["node"] == ID + "actor/frontex" and "«Frontex»" in rows[0]["marked"]
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_class_names_resolve_with_the_project_prefixes() -> None:
    assert class_iri("mig:Position") == class_iri(f"{MIG}Position") == MIG + "Position"


def test_search_on_a_project_root(project: Project) -> None:
    """The API takes a Project, its root or the index file."""
    assert search(project.root, "Frontex", limit=1)[0].node == ID + "actor/frontex"


def test_the_guides_search_examples_run_as_shown(
    index: Path, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    import re
    import shlex

    guide = (project.root / "docs" / "analyst-guide.md").read_text(encoding="utf-8")
    examples = re.findall(
        r"```sh\n(migkg search [^\n]+)\n```\n\nAnswer:\n\n```text\n(.*?)```", guide, re.S
    )
    assert len(examples) >= 3
    for command, shown in examples:
        assert main(shlex.split(command)[1:]) == 0, command
        answer = capsys.readouterr().out.splitlines()
        missing = [line for line in shown.splitlines() if line not in answer]
        assert missing == [], f"{command}: the guide shows lines the search does not give"
    code = re.search(r"```python\n(from loaders import open_graph\n\nhits = .*?)```", guide, re.S)
    assert code is not None
    names: dict[str, object] = {}
    exec(code.group(1), names)
    first = names["hits"][0]  # type: ignore[index]
    assert first.node == ID + "position/000/subsidiarity"


def test_search_loads_no_rdf_library(project: Project) -> None:
    """The index holds all a hit shows: no rdflib, SPARQL parser or networkx is loaded.
    (Its speed is measured by migkg bench, not asserted.)"""
    import subprocess
    import sys

    code = (
        "import sys; from loaders.cli import main; main(['search', 'Frontex', '--limit', '1']); "
        "print(sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=project.root
    )
    loaded = set(eval(done.stderr.strip().splitlines()[-1]))
    assert "sqlite3" in loaded and "actor/frontex" in done.stdout
    assert not loaded & {"rdflib", "pyshacl", "networkx", "owlready2", "pyparsing"}


def test_a_file_that_is_not_the_index_is_one_error(tmp_path: Path) -> None:
    from loaders.errors import MigkgError

    junk = tmp_path / "search.sqlite"
    junk.write_text("not a database\n")
    with pytest.raises(MigkgError, match="not a search index migkg made"):
        search(junk, "Frontex")
