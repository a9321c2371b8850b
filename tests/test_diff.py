"""``migkg diff``: a planted change is reported exactly, a reordering not at all.

One copy of the project is made a git repository, committed, then changed in the working
tree: one position's stance, one quote's text, one actor added, one shape's message, and
besides those a reordering that changes no knowledge (a file's subjects shuffled, a blank
node written with a label instead of brackets, a subject moved to another file).
``migkg diff`` with its defaults (HEAD against the working tree) builds both: the only
two builds of the module.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from loaders.cli import main
from loaders.graph.dataset import Dataset
from loaders.project import Project
from loaders.publish.diff import Report, to_markdown
from tests.conftest import ROOT, copy_project

ID = "https://w3id.org/migkg/id/"
POSITION = ID + "position/000/central-european-member-states-non-compulsory-participation"
OLD_QUOTE = (
    "Het gegeven dat de aanbeveling evenmin een verplichtend karakter heeft zal naar "
    "verwachting van belang zijn ten aanzien van de grondhouding van met name die lidstaten."
)
NEW_QUOTE = "Een geplant citaat dat in geen enkele bron staat."
ACTOR = ID + "actor/planted-ngo"
SHAPE = "https://w3id.org/migkg/shapes#Instrument-adoptedOn"
OLD_MESSAGE = 'The adoption date is one xsd:date like \\"2020-09-23\\"^^xsd:date.'
NEW_MESSAGE = "Give one adoption date."


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def blocks(path: Path) -> tuple[str, list[str]]:
    """A canonical Turtle file's prefix lines and its subjects' blocks."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    return head, [b.strip() + "\n." for b in body.split("\n.\n") if b.strip()]


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        check=True,
        capture_output=True,
        timeout=60,
    )


def plant(root: Path) -> None:
    """The knowledge changes, and the reorderings that must not show."""
    edit(root / "instances/000-bnc-fiche/positions.ttl", "stance:critical", "stance:opposes")
    edit(root / "instances/000-bnc-fiche/positions.ttl", OLD_QUOTE, NEW_QUOTE)
    edit(root / "shapes/instruments.ttl", OLD_MESSAGE, NEW_MESSAGE)
    # a subject moved to another file, and an actor added in its place
    head, parts = blocks(root / "instances/actors.ttl")
    moved = next(b for b in parts if b.startswith(f"<{ID}post/nl-state-secretary"))
    parts.remove(moved)
    parts.append(
        f'<{ACTOR}>\n    a mig:NonGovernmentalOrganisation ;\n    rdfs:label "Planted NGO"@en ;\n.'
    )
    (root / "instances/actors.ttl").write_text(head + "\n\n" + "\n\n".join(parts) + "\n")
    entities = root / "instances/000-bnc-fiche/entities.ttl"
    entities.write_text(entities.read_text(encoding="utf-8") + "\n" + moved + "\n")
    # a file's subjects shuffled
    head, parts = blocks(root / "instances/000-bnc-fiche/relations.ttl")
    random.Random(19).shuffle(parts)
    (root / "instances/000-bnc-fiche/relations.ttl").write_text(
        head + "\n\n" + "\n\n".join(parts) + "\n"
    )
    # a blank node written with a label, its triples after its parent's
    advice = root / "shapes/figures-advice.ttl"
    text = advice.read_text(encoding="utf-8")
    start = text.index("        [\n")
    end = text.index("        ] ;\n", start)
    inner = text[start + len("        [\n") : end]
    text = text[:start] + "        _:relabelled ;\n" + text[end + len("        ] ;\n") :]
    advice.write_text(text + "\n_:relabelled\n" + inner.rstrip().rstrip(";") + "\n.\n")


@pytest.fixture(scope="module")
def changed(tmp_path_factory: pytest.TempPathFactory) -> Project:
    copy = copy_project(tmp_path_factory.mktemp("diff"), built=False)
    (copy.root / ".gitignore").write_text("dist/\n")
    git(copy.root, "init", "-q")
    git(copy.root, "add", "-A")
    git(copy.root, "commit", "-q", "-m", "as it was")
    plant(copy.root)
    return copy


@pytest.fixture(scope="module")
def report(changed: Project, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The JSON of ``migkg diff`` with its defaults: HEAD against the working tree; with
    ``--exit-code`` the change is exit 1."""
    out = tmp_path_factory.mktemp("out") / "diff.json"
    argv = ["--root", str(changed.root), "diff", "--format", "json", "--exit-code"]
    assert main([*argv, "-o", str(out)]) == 1  # (without --exit-code: 0)
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def test_planted_change_is_reported_exactly(report: dict[str, Any]) -> None:
    assert (report["old"], report["new"]) == ("HEAD", "working tree")
    nonzero = {k: v for k, v in report["summary"].items() if v}
    assert nonzero == {
        "positions changed": 1,
        "actors added": 1,
        "shapes changed": 1,
        "quotes added": 1,
        "quotes removed": 1,
    }
    [position] = report["positions"]["changed"]
    assert position["iri"] == POSITION
    assert position["label"].startswith("Central European Member States: insisted")
    [stance] = position["properties"]
    assert stance["property"] == "mig:hasStance"
    assert [v["value"] for v in stance["old"]] == ["stance:critical"]
    assert [v["value"] for v in stance["new"]] == ["stance:opposes"]
    assert report["actors"]["added"] == [{"iri": ACTOR, "label": "Planted NGO"}]
    [shape] = report["shapes"]["changed"]
    assert shape["iri"] == SHAPE
    [message] = shape["properties"]
    assert message["property"] == "sh:message"
    assert message["new"] == [{"value": f'"{NEW_MESSAGE}"@en'}]
    assert report["quotes"]["added"] == [
        {"fact": POSITION, "label": position["label"], "quote": NEW_QUOTE}
    ]
    assert [(q["fact"], q["quote"]) for q in report["quotes"]["removed"]] == [(POSITION, OLD_QUOTE)]
    assert report["other"] == []


def test_markdown_names_labels_and_values(report: dict[str, Any]) -> None:
    data = {k: v for k, v in report.items() if k not in ("old", "new")}
    text = to_markdown(Report(report["old"], report["new"], data))
    assert text.splitlines()[2] == (
        "Summary: actors added 1, positions changed 1, shapes changed 1, quotes added 1, "
        "quotes removed 1."
    )
    assert "## Positions" in text and "## Actors" in text and "## Quotes" in text
    row = next(line for line in text.splitlines() if "`mig:hasStance`" in line)
    assert "Central European Member States: insisted" in row
    assert row.index("`stance:critical`") < row.index("`stance:opposes`")
    assert "| Planted NGO |" in text
    assert NEW_MESSAGE in text and NEW_QUOTE in text
    assert "No change" not in text


def test_reordering_relabelling_and_moves_give_no_diff(build: Dataset, tmp_path: Path) -> None:
    """The session's build written back shuffled, every blank node renamed and one file's
    triples moved into another named graph: the same knowledge."""
    build.quads  # noqa: B018 (the session's build, fresh)
    lines = (ROOT / "dist" / "graph.nq").read_text(encoding="utf-8").splitlines()
    random.Random(7).shuffle(lines)
    graph = "<https://w3id.org/migkg/graph/instances/actors.ttl> ."
    other = "<https://w3id.org/migkg/graph/instances/000-bnc-fiche/entities.ttl> ."
    label = re.compile(r"_:(\w+)")
    moved = [
        (label.sub(r"_:renamed\1x", line) if "_:" in line else line).replace(graph, other)
        for line in lines
    ]
    assert sum(line.endswith(graph) for line in lines) > 100
    assert sum("_:" in line for line in lines) > 100
    (tmp_path / "graph.nq").write_text("\n".join(moved) + "\n", encoding="utf-8")
    out = tmp_path / "diff.json"
    argv = ["--root", str(ROOT), "diff", str(ROOT / "dist"), str(tmp_path / "graph.nq")]
    assert main([*argv, "--format", "json", "--exit-code", "-o", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert not any(report["summary"].values()) and report["other"] == []
    data = {k: v for k, v in report.items() if k not in ("old", "new")}
    assert "No change in the knowledge." in to_markdown(Report("a", "b", data))


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        (["--root", str(ROOT), "diff", "no-such-revision-19c"], "unknown revision"),
        (["--root", str(ROOT), "diff", str(tmp_path)], "not a build"),
    ]
    outside = tmp_path / "outside"
    (outside / "ontology").mkdir(parents=True)
    cases.append((["--root", str(outside), "diff"], "not a git checkout"))
    for argv, cause in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and cause in err, err
