"""migkg bench: the synthetic graphs are shaped like ours and the same every time, and
the command times every step and writes its JSON. (Timings are printed, never asserted.)"""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest

from loaders.bench import synthetic
from loaders.cli import main
from loaders.graph.query import stored
from loaders.project import Project


def test_synthetic_graphs_are_the_same_for_the_same_seed_and_shaped_like_ours() -> None:
    text = synthetic(5000)
    assert text == synthetic(5000)
    assert text != synthetic(5000, seed=8)
    store = ox.Store()
    store.bulk_load(text.encode(), ox.RdfFormat.N_TRIPLES)
    assert 5000 <= len(store) < 5100
    kinds = {
        str(q.object.value).rsplit("#", 1)[-1]
        for q in store.quads_for_pattern(
            None, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None
        )
    }
    assert {
        "Position",
        "Observation",
        "Evidence",
        "TextQuoteSelector",
        "Regulation",
        "ActorRole",
        "StatusEvent",
    } <= kinds
    # status is derived from status events, never stored (the shapes refuse it)
    stored_status = ox.NamedNode("https://w3id.org/migkg/def#hasLegislativeStatus")
    assert not list(store.quads_for_pattern(None, stored_status, None))


def test_bench_times_every_query_and_view_and_writes_json(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "bench.json"
    assert (
        main(
            [
                "bench",
                "--sizes",
                "3000",
                "--backends",
                "oxigraph",
                "--repeat",
                "1",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    results = json.loads(out.read_text(encoding="utf-8"))
    steps = results[0]["steps"]
    assert {f"query {q.name}" for q in stored(project)} <= set(steps)
    assert {"load", "validate", "export instruments", "export positions", "export actors"} <= set(
        steps
    )
    assert results[0]["peak_mb"] > 0
    assert {"search index", "search kabinet steunt"} <= set(steps)
    out = capsys.readouterr().out
    assert "| load |" in out
    assert "### migkg search on the real graph" in out and "| `Frontex` | " in out


def test_bench_on_virtuoso_pushes_and_times_every_query_against_the_embedded_engine(
    project: Project, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--backends virtuoso: a private Virtuoso 7.2, the synthetic graph pushed to it (all
    of it read back: the push counts come back), every stored query and view run there."""
    import os
    import shutil

    if not shutil.which("virtuoso-t"):
        if os.environ.get("CI"):
            pytest.fail("Virtuoso is not installed: .ci/run installs virtuoso-opensource")
        pytest.skip("Virtuoso is not installed (Debian package virtuoso-opensource)")
    out = tmp_path / "bench.json"
    args = ["bench", "--sizes", "2000", "--backends", "oxigraph,virtuoso", "--repeat", "1"]
    assert main([*args, "--out", str(out)]) == 0
    embedded, virtuoso = json.loads(out.read_text(encoding="utf-8"))
    assert virtuoso["backend"] == "virtuoso"
    assert virtuoso["triples"] == embedded["triples"]  # everything pushed arrived
    assert virtuoso["steps"]["push"] > 0
    timed = {f"query {q.name}" for q in stored(project)} | {"export instruments"}
    assert all(virtuoso["steps"][step] > 0 for step in timed)
    assert "| push |" in capsys.readouterr().out


def test_a_step_past_the_time_limit_is_reported_not_waited_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """rdflib at 3 000 triples with a limit of a hundredth of a second: the slow steps
    come back as null in the JSON and "> 0.01" in the table, with the ratio as a bound."""
    out = tmp_path / "bench.json"
    args = ["bench", "--sizes", "3000", "--backends", "rdflib,oxigraph", "--repeat", "1"]
    assert main([*args, "--limit", "0.01", "--out", str(out)]) == 0
    rdflib_case, _ = json.loads(out.read_text(encoding="utf-8"))
    assert rdflib_case["backend"] == "rdflib" and rdflib_case["limit"] == 0.01
    timed_out = [step for step, t in rdflib_case["steps"].items() if t is None]
    assert "validate" in timed_out and "export positions" in timed_out
    limited = {k: t for k, t in rdflib_case["steps"].items() if k != "load"}  # load has none
    assert all(t is None or t <= 0.01 for t in limited.values())
    table = capsys.readouterr().out
    assert "| validate | > 0.01 |" in table
    assert "| oxigraph / rdflib |" in table and "| < " in table


def test_the_fiche_step_times_the_parser_on_a_generated_fiche_of_the_size_asked() -> None:
    """migkg bench's "extract fiche (N MB)": the first backend of each size parses a fiche
    of FICHE_CHARS_PER_TRIPLE characters per triple (loaders/bench_fiche.py)."""
    from loaders.bench import _fiche

    name, took = _fiche(200_000, 1)
    assert name == "extract fiche (0.2 MB)"
    assert took is not None and took > 0
