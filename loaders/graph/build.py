"""``migkg build``: the one reader of the Turtle files and the one runner of the extractors.

Every Turtle file under ontology/, instances/ and shapes/ becomes a named graph of its own
(``https://w3id.org/migkg/graph/<relative path>``), so every triple knows the file it came
from; the extractors add theirs (``graph/extracted/…``). Oxigraph parses and writes: the
quads are kept as parsed (a Store would rewrite literals), blank nodes are named from the
file and their order in it, and the quads are sorted, so the same inputs give the same
bytes. The result is written to dist/ (graph.nq, which every other command reads, and
graph.trig and graph.ttl for people and tools), with dist/build.json recording a digest of
the inputs: while no input changes, the build is reused as it is. The full-text index of
``migkg search`` (dist/search.sqlite) is made in the same build, from the same quads.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

from loaders.errors import InputError, MigkgError
from loaders.files import failure, sweep, temporary_folder, write_atomically
from loaders.graph.lines import LINES, record
from loaders.iris import PREFIXES
from loaders.project import GRAPH_SCOPES, Project, scope_of
from loaders.terms import curie, ill_typed, to_ox

OUTPUTS = ("graph.nq", "graph.trig", "graph.ttl", "search.sqlite", "lines.json")
"""What a build writes under dist/ beside the store: graph.nq (what every command reads),
graph.trig and graph.ttl (for people and tools), search.sqlite (migkg search's index,
loaders/graph/search.py) and lines.json (the line where each subject starts in its file,
loaders/graph/lines.py, for validate's findings)."""
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def syntax_error(name: str, exc: SyntaxError) -> InputError:
    """Oxigraph's parse error as an InputError naming the file and line."""
    text = str(exc)
    found = re.search(r"\bat (?:line )?(\d+)[:,]", text) or re.search(r"line (\d+)", text)
    line = int(found.group(1)) if found else getattr(exc, "lineno", None)
    return InputError(name, f"Turtle syntax error: {text}", line)


def parse_file(project: Project, path: Path, index: int) -> list[ox.Quad]:
    """One Turtle file as quads in its named graph; a problem names the file and line.

    Blank nodes are named by the file's ``index`` and their order of appearance (a parser
    names them at random), so that the same input gives the same names."""
    name = project.relative(path)
    graph = ox.NamedNode(str(project.graph_iri(path)))
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError as exc:
        raise InputError(name, f"cannot read file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(name, f"not UTF-8 text (byte {exc.start})", line) from exc
    quads: dict[ox.Quad, None] = {}
    names: dict[ox.BlankNode, ox.BlankNode] = {}
    blank = ox.BlankNode
    try:
        for t in ox.parse(data, format=ox.RdfFormat.TURTLE, base_iri=path.resolve().as_uri()):
            s, o = t.subject, t.object
            if type(s) is blank:
                s = names.setdefault(s, blank(f"f{index}b{len(names)}"))
            if type(o) is blank:
                o = names.setdefault(o, blank(f"f{index}b{len(names)}"))
            quads[ox.Quad(s, t.predicate, o, graph)] = None
    except SyntaxError as exc:
        raise syntax_error(name, exc) from exc
    for quad in quads:
        value = quad.object
        if type(value) is ox.Literal and (why := ill_typed(value.value, value.datatype.value)):
            raise InputError(name, f"ill-typed literal: {why}", _line_of(data, value.value))
    return list(quads)


def _line_of(data: bytes, text: str) -> int | None:
    """The line of the first quoted occurrence of ``text`` in a file's bytes."""
    at = data.find(f'"{text}"'.encode())
    return None if at < 0 else data.count(b"\n", 0, at) + 1


def read_inputs(project: Project, extract: bool = True) -> list[ox.Quad]:
    """Every input file, then (with ``extract``) what the extractors find in the sources,
    in the order of the dist/ files."""
    quads: list[ox.Quad] = []
    for index, path in enumerate(project.input_files()):
        quads.extend(parse_file(project, path, index))
    if extract and (project.root / "sources").is_dir():
        from loaders.extract.extracted import extracted, reads_of

        curated_graphs = {
            ox.NamedNode(str(project.graph_iri(f)))
            for f in project.input_files(("ontology", "instances"))
        }
        curated = reads_of(q for q in quads if q.graph_name in curated_graphs)
        for iri, graph in extracted(project, curated).items():
            name = ox.NamedNode(str(iri))
            quads.extend(
                {
                    ox.Quad(to_ox(s), to_ox(p), to_ox(o), name): None  # type: ignore[arg-type]
                    for s, p, o in graph
                }
            )
    return in_order(quads)


def in_order(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Quads by graph, then subject, then the whole quad: the order of dist/ files."""
    return sorted(quads, key=lambda q: (str(q.graph_name), str(q.subject), str(q)))


def texts(quads: list[ox.Quad]) -> dict[str, bytes]:
    """dist/graph.nq and graph.trig (named graphs) and graph.ttl (their union), sorted."""
    prefixes = dict(PREFIXES)
    union = sorted(dict.fromkeys(q.triple for q in quads), key=lambda t: (str(t.subject), str(t)))
    return {
        "graph.nq": ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"",
        "graph.trig": ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=prefixes) or b"",
        "graph.ttl": ox.serialize(union, format=ox.RdfFormat.TURTLE, prefixes=prefixes) or b"",
    }


def counts(quads: Iterable[ox.Quad]) -> tuple[list[tuple[str, int]], int]:
    """Instances per asserted class in the union (prefixed class name, count), sorted by
    name, and the number of triples in the union."""
    union = {q.triple for q in quads}
    per_class: Counter[object] = Counter(
        t.object for t in union if type(t.object) is ox.NamedNode and t.predicate == RDF_TYPE
    )
    named = sorted((curie(c.value), n) for c, n in per_class.items())  # type: ignore[attr-defined]
    return named, len(union)


def format_rows(rows: list[tuple[str, int]], triples: int) -> str:
    width = max((len(name) for name, _ in rows), default=5)
    lines = [f"{name:<{width}}  {count:>6}" for name, count in rows]
    lines.append(f"{'triples':<{width}}  {triples:>6}")
    return "\n".join(lines)


def inputs_digest(project: Project) -> str:
    """A SHA-256 over everything a build reads: the Turtle files, the source texts (the
    extractors read them) and the package's own code (it decides what a build makes)."""
    files = [*project.input_files(), *sorted((project.root / "sources").glob("*.txt"))]
    package = Path(__file__).resolve().parent.parent
    code = sorted(package.rglob("*.py"))
    in_package = set(code)
    digest = hashlib.sha256()
    for path in [*files, *code]:
        # named by relative path (the code by its path in the package), so that the same
        # inputs give the same digest wherever the project lies: a copy with its dist/
        # is up to date (a symbolic link is named as itself)
        if path in in_package:
            name = path.relative_to(package.parent).as_posix()
        elif path.is_relative_to(project.root):
            name = path.relative_to(project.root).as_posix()
        else:
            name = path.name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise InputError(name, f"cannot read file: {exc.strerror}") from exc
        digest.update(name.encode() + b"\0" + data + b"\0")
    return digest.hexdigest()


def up_to_date(project: Project, digest: str) -> bool:
    """Did the last build read exactly these inputs, and are its outputs still there?"""
    try:
        record = json.loads((project.dist / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    outputs = [project.dist / name for name in record.get("outputs", [])]
    return (
        record.get("inputs") == digest
        and set(record.get("outputs", [])) == set(OUTPUTS)
        and all(p.is_file() for p in outputs)
        and (project.dist / STORE).is_dir()
    )


def write(project: Project, quads: list[ox.Quad], digest: str, lines: str) -> list[Path]:
    """The outputs under dist/, the persisted store (dist/store) and dist/build.json naming
    the inputs' digest, all written atomically (a failed build leaves the last one as it
    was; the store and the search index are made beside it and swapped in)."""
    from loaders.graph.search import INDEX, write_index

    written = texts(quads)
    outputs: dict[Path, str | bytes] = {project.dist / name: text for name, text in written.items()}
    record = {"inputs": digest, "outputs": list(OUTPUTS)}
    outputs[project.dist / "build.json"] = json.dumps(record, indent=1) + "\n"
    outputs[project.dist / LINES] = lines
    with temporary_folder(project.dist, STORE) as tmp:
        fresh = tmp / STORE
        kept = persist(quads, fresh)
        write_index(kept, tmp / INDEX)
        try:
            os.replace(tmp / INDEX, project.dist / INDEX)
        except OSError as exc:
            raise failure(project.dist / INDEX, exc) from exc
        write_atomically(outputs)
        old = tmp / "old"
        target = project.dist / STORE
        if target.exists():
            target.rename(old)
        fresh.rename(target)
    return [project.dist / name for name in OUTPUTS] + [project.dist / STORE]


STORE = "store"
"""dist/store: the graph (GRAPH_SCOPES) in an Oxigraph store on disk, which a command
opens read-only at once instead of loading the quads."""


def persist(quads: list[ox.Quad], location: Path) -> list[ox.Quad]:
    """The quads of the graph's scopes in a new on-disk store: each in its named graph, and
    their union (a set) as the default graph; returns those quads."""
    kept = [
        q
        for q in quads
        if isinstance(q.graph_name, ox.NamedNode) and scope_of(q.graph_name.value) in GRAPH_SCOPES
    ]
    store = ox.Store(str(location))
    store.bulk_extend(kept)
    store.bulk_extend(
        ox.Quad(t.subject, t.predicate, t.object) for t in dict.fromkeys(q.triple for q in kept)
    )
    store.flush()
    del store
    return kept


@contextmanager
def locked(project: Project) -> Iterator[None]:
    """One build at a time in a checkout: two commands that find dist/ stale at once (or
    two test workers) build in turn, and the second finds the first's build fresh."""
    import fcntl

    dist = project.dist
    if dist.exists() and not dist.is_dir():
        raise MigkgError(
            f"{dist}: is a file, not a folder: move it away (migkg writes its build to dist/)"
        )
    try:
        dist.mkdir(parents=True, exist_ok=True)
        handle = (dist / ".build.lock").open("a")
    except OSError as exc:
        raise failure(dist, exc, "cannot write the build there") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            sweep(dist)  # temporary files of killed runs: we hold the lock, they are gone
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build(project: Project, force: bool = False) -> tuple[list[ox.Quad], list[Path]]:
    """The dataset's quads, built and written now, and the paths written; ``([], [])``
    when dist/ was up to date with the inputs and the build not ``force``d."""
    with locked(project):
        digest = inputs_digest(project)
        if not force and up_to_date(project, digest):
            return [], []
        quads = read_inputs(project)
        return quads, write(project, quads, digest, subject_lines(project))


def subject_lines(project: Project) -> str:
    """dist/lines.json: where each subject starts in each input file (read as the build
    reads it, so that findings point into the text the build read)."""
    files = {project.relative(p): p.read_text(encoding="utf-8") for p in project.input_files()}
    return record(files)


def read_built(project: Project) -> list[ox.Quad]:
    """The quads of dist/graph.nq, as written by ``write``."""
    path = project.dist / "graph.nq"
    try:
        return list(ox.parse(path=path, format=ox.RdfFormat.N_QUADS))
    except (OSError, SyntaxError) as exc:
        raise InputError(project.relative(path), f"cannot read the built dataset: {exc}") from exc
