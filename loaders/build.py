"""Read every input file into one Dataset, count what is in it, write dist/.

Each Turtle file under ontology/, instances/ and shapes/ becomes a named graph of its
own (``https://w3id.org/migkg/graph/<relative path>``), so every triple knows the file
it came from. ``union`` gives the merged view that queries run on.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset, Graph, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.namespace import RDF
from rdflib.plugins.parsers.notation3 import BadSyntax

from .errors import InputError
from .namespaces import bind_all
from .project import Project
from .turtle import canonical_turtle


def parse_turtle(path: Path, display: str | None = None) -> Graph:
    """Parse one Turtle file; any problem becomes an ``InputError`` naming file and line."""
    name = display or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror}") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(name, f"not UTF-8 text (byte {exc.start})", line) from exc
    graph = Graph(bind_namespaces="none")
    try:
        graph.parse(data=text, format="turtle", publicID=path.resolve().as_uri())
    except BadSyntax as exc:
        raise InputError(name, f"Turtle syntax error: {exc._why}", exc.lines + 1) from exc
    except Exception as exc:  # rdflib raises plain exceptions for some bad input
        raise InputError(name, f"cannot parse as Turtle: {exc}") from exc
    return graph


@dataclass
class Build:
    """The loaded graph: one named graph per input file."""

    project: Project
    dataset: Dataset
    files: list[Path]

    def graphs(self) -> list[tuple[URIRef, Graph]]:
        """The named graphs in IRI order, each with its triples."""
        named = [(g.identifier, g) for g in self.dataset.graphs() if len(g)]
        return sorted(((URIRef(str(i)), g) for i, g in named), key=lambda pair: str(pair[0]))

    def view(self, folders: Iterable[str]) -> ReadOnlyGraphAggregate:
        """The named graphs of the given top-level folders, read together without copying."""
        wanted = tuple(f"{f}/" for f in folders)
        graphs = [
            g for iri, g in self.graphs() if self.project.path_of_graph(iri).startswith(wanted)
        ]
        view = ReadOnlyGraphAggregate(graphs)
        view.namespace_manager = self.dataset.namespace_manager
        return view

    def union(self, folders: Iterable[str] | None = None, into: Graph | None = None) -> Graph:
        """All triples of the named graphs (of the given top-level folders only, if named).

        ``into`` is an empty graph to fill (a subclass, say); a new Graph by default.
        """
        wanted = tuple(f"{f}/" for f in folders) if folders is not None else None
        merged = bind_all(Graph(bind_namespaces="none") if into is None else into)
        for iri, graph in self.graphs():
            if wanted is None or self.project.path_of_graph(iri).startswith(wanted):
                merged += graph
        return merged


def load(project: Project, files: list[Path] | None = None, extract: bool = True) -> Build:
    """Parse every input file into its own named graph; then, for a whole build (no list
    of files given), add what the loaders extract from the sources (extracted.py)."""
    whole = files is None
    files = project.input_files() if files is None else files
    dataset = Dataset()
    bind_all(dataset)
    for path in files:
        graph = parse_turtle(path, project.relative(path))
        named = dataset.graph(project.graph_iri(path))
        for triple in graph:
            named.add(triple)
    build = Build(project, dataset, files)
    if whole and extract and (project.root / "sources").is_dir():
        from .extracted import extracted

        for iri, graph in extracted(project, build.view(["ontology", "instances"])).items():
            named = dataset.graph(iri)
            for triple in graph:
                named.add(triple)
    return build


def class_counts(graph: Graph) -> list[tuple[str, int]]:
    """Instances per asserted class, as (prefixed class name, count), sorted by name."""
    counts: Counter[str] = Counter()
    for cls in graph.objects(None, RDF.type):
        if isinstance(cls, URIRef):
            counts[graph.namespace_manager.normalizeUri(cls)] += 1
    return sorted(counts.items())


def format_counts(graph: Graph) -> str:
    return format_rows(class_counts(graph), len(graph))


def format_rows(rows: list[tuple[str, int]], triples: int) -> str:
    width = max((len(name) for name, _ in rows), default=5)
    lines = [f"{name:<{width}}  {count:>6}" for name, count in rows]
    lines.append(f"{'triples':<{width}}  {triples:>6}")
    return "\n".join(lines)


def trig_text(build: Build) -> str:
    """The dataset as TriG: project prefixes, then one block per named graph in IRI order.

    Each block holds the canonical Turtle of its graph, so the same inputs give the same
    bytes.
    """
    prefix_lines: set[str] = set()
    blocks: list[str] = []
    for iri, graph in build.graphs():
        body: list[str] = []
        for line in canonical_turtle(graph).splitlines():
            if line.startswith("PREFIX "):
                prefix_lines.add(line)
            else:
                # no indentation: it would change the text of multi-line literals
                body.append(line)
        while body and not body[0]:
            body.pop(0)
        blocks.append(f"<{iri}> {{\n" + "\n".join(body).rstrip() + "\n}\n")
    return "\n".join(sorted(prefix_lines)) + "\n\n" + "\n".join(blocks)


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()


def write_atomically(outputs: Mapping[Path, str | bytes]) -> None:
    """Write every file to a temporary file beside it, then rename them all into place.

    If anything fails before the renames, no output file is touched.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, text in outputs.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            with os.fdopen(fd, "wb") as handle:
                handle.write(text if isinstance(text, bytes) else text.encode("utf-8"))
            os.chmod(name, _FILE_MODE)  # mkstemp makes 0600; give the usual mode
            staged.append((Path(name), target))
        for tmp, target in staged:
            os.replace(tmp, target)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


OUTPUTS = ("graph.trig", "graph.ttl", "graph.nq")


def write_outputs(build: Build, digest: str | None = None) -> list[Path]:
    """Write dist/graph.trig (named graphs, canonical Turtle per graph), dist/graph.ttl (the
    union), dist/graph.nq (N-Quads, which export and serve load) and the digest of the
    inputs they were made from (dist/build.json)."""
    import pyoxigraph as ox

    from .oxbuild import in_order, stable_blank_nodes

    trig = trig_text(build)
    # the N-Quads from the canonical TriG: blank nodes named in the order it has them
    quads = in_order(stable_blank_nodes(ox.parse(trig, format=ox.RdfFormat.TRIG), "t"))
    texts: dict[str, str | bytes] = {
        "graph.trig": trig,
        "graph.ttl": canonical_turtle(build.union()),
        "graph.nq": ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"",
    }
    return write_texts(build.project, texts, "rdflib", digest)


def write_texts(
    project: Project, texts: dict[str, str | bytes], store: str, digest: str | None = None
) -> list[Path]:
    """The outputs under dist/, and dist/build.json naming the inputs' digest and the store
    that made them, all written atomically."""
    digest = digest or inputs_digest(project)
    record = {"inputs": digest, "store": store, "outputs": sorted(texts)}
    outputs: dict[Path, str | bytes] = {project.dist / name: text for name, text in texts.items()}
    outputs[project.dist / "build.json"] = json.dumps(record, indent=1) + "\n"
    write_atomically(outputs)
    return [project.dist / name for name in OUTPUTS if name in texts]


def inputs_digest(project: Project) -> str:
    """A SHA-256 over everything a build reads: the Turtle files, the source texts (the
    extractors read them) and the package's own code (it decides what a build makes)."""
    files = [*project.input_files(), *sorted((project.root / "sources").glob("*.txt"))]
    files += sorted(Path(__file__).parent.glob("*.py"))
    digest = hashlib.sha256()
    for path in files:
        name = project.relative(path) if path.is_relative_to(project.root) else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def up_to_date(project: Project, digest: str, store: str | None = None) -> bool:
    """Did the last build read exactly these inputs (with this store, if one is named), and
    are its outputs still there?"""
    manifest = project.dist / "build.json"
    try:
        record = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if store is not None and record.get("store", "rdflib") != store:
        return False
    outputs = [project.dist / name for name in record.get("outputs", [])]
    return record.get("inputs") == digest and bool(outputs) and all(p.is_file() for p in outputs)
