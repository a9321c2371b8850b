"""The source texts travel with the project, described by the manifest."""

from __future__ import annotations

import hashlib
import subprocess

from rdflib import Graph, Literal
from rdflib.namespace import RDF

from loaders.namespaces import MIG
from loaders.project import Project


def test_manifest_describes_every_source_file_with_its_digest(
    project: Project, graph: Graph
) -> None:
    files = sorted(p for p in (project.root / "sources").glob("*.txt"))
    assert len(files) == 5
    described = {}
    for doc in graph.subjects(RDF.type, None):
        path = graph.value(doc, MIG.hasSourceFile)
        if path is not None:
            described[str(path)] = doc
    assert sorted(described) == [project.relative(p) for p in files]
    for path in files:
        doc = described[project.relative(path)]
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert graph.value(doc, MIG.hasSha256) == Literal(digest), path.name
        assert (doc, RDF.type, None) in graph


def test_sources_are_utf8_text(project: Project) -> None:
    for path in (project.root / "sources").glob("*.txt"):
        text = path.read_bytes().decode("utf-8")
        assert len(text) > 10_000


def test_nothing_reads_the_shared_folder(project: Project) -> None:
    tracked = subprocess.run(
        ["git", "-C", str(project.root), "ls-files"], capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = [
        f
        for f in tracked
        if f.endswith((".py", ".sh", ".toml", ".rq")) or f == ".ci/run"
        if "../shared" in (project.root / f).read_text(encoding="utf-8")
        and f != "tests/test_sources.py"
    ]
    assert offenders == []
