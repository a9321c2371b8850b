"""docs/analyst-notebook.ipynb runs from top to bottom on the built graph and shows what
the Python API answers (issue 18 part 3)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from loaders.api import Graph, open_graph

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "docs" / "analyst-notebook.ipynb"


@pytest.fixture(scope="module")
def stored() -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def printed(stored: nbformat.NotebookNode) -> dict[str, str]:
    """What each code cell printed, by cell id, the notebook run in a python3 kernel in
    the repository."""
    notebook = nbformat.from_dict(stored)
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    out: dict[str, str] = {}
    for cell in notebook.cells:
        if cell.cell_type == "code":
            out[cell.id] = "".join(
                o.get("text", "") for o in cell.outputs if o.output_type == "stream"
            )
            assert not [o for o in cell.outputs if o.output_type == "error"], cell.id
    return out


@pytest.fixture(scope="module")
def g() -> Graph:
    return open_graph(ROOT)


def test_the_notebook_is_stored_without_outputs(stored: nbformat.NotebookNode) -> None:
    nbformat.validate(stored)
    code = [c for c in stored.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_the_notebook_shows_the_apis_answers(printed: dict[str, str], g: Graph) -> None:
    assert printed["open"] == f"{len(g.queries())} stored queries\n"
    supports = g.query("cq-cabinet-supports")
    assert printed["flagship"] == f"supports: ({len(supports)}, {len(supports.columns)})\n"
    positions = g.query(
        "SELECT DISTINCT ?position ?stance ?about WHERE { ?position mig:hasHolder ?holder ; "
        "mig:hasStance ?stance ; mig:isAbout ?about }",
        holder=g.iri("actor/nl-government"),
    )
    assert printed["adhoc"] == f"positions: ({len(positions)}, 3)\n"
    # positions per stance: each stance label with its number of positions
    per_stance = {}
    for row in positions.rows:
        per_stance.setdefault(row["stance"], set()).add(row["position"])
    shown = dict(line.rsplit(None, 1) for line in printed["per-stance"].splitlines()[1:])
    assert {k.strip(): int(v) for k, v in shown.items()} == {
        k: len(v) for k, v in per_stance.items()
    }
    assert "supports" in shown and "opposes" in shown
    # pledged against resettled, with the shortfall computed in the notebook
    lines = printed["schemes"].splitlines()
    assert lines[0].split() == ["programme", "pledged", "resettled", "ratePercent", "shortfall"]
    schemes = g.query("cq-eu-scheme-fulfilment").rows
    assert len(lines) == len(schemes) + 1 > 1
    for row, line in zip(schemes, lines[1:], strict=True):
        pledged, resettled = int(row["pledged"]), int(row["resettled"])
        assert line.strip().startswith(row["programme"])
        assert line.split()[-4:] == [
            str(pledged),
            str(resettled),
            row["ratePercent"],
            str(pledged - resettled),
        ]
