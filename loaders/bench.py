"""``migkg bench``: synthetic graphs shaped like ours, and what each step costs on them.

The generator writes N-Triples with our ontology's classes and properties: instruments of
every kind with labels in two languages, statuses, dates and COM numbers, citing and
amending each other (a few links each); positions of a pool of actors on instruments,
each with stance, date, source document and a quoted, located piece of evidence; figures
per programme, actor and year with value, unit, source and evidence. A fixed seed makes
runs comparable. The real ontology and vocabularies come along, so the stored queries,
views and shapes all apply.

Each (backend, size) runs in a child process, so its peak memory (max RSS) is its own.
Steps: load, validate, every stored query, every export view; each timed as the median
of repeated runs. The first backend of each size also times the BNC-fiche parser on a
generated fiche of FICHE_CHARS_PER_TRIPLE characters per triple of the size (1 M: 20 MB;
loaders/bench_fiche.py), the step "extract fiche (N MB)", and the search index of the
graph with searches on it ("search index", "search TEXT"). Last, ``migkg search`` on the
real graph: the function call and the whole process, each the median of repeated runs.
"""

from __future__ import annotations

import json
import random
import resource
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import Any

from loaders.namespaces import EVENT_TYPE, ID, MEASURE, MIG, OA, QB, ROLE, STANCE, STATUS, UNIT
from loaders.project import Project

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
KINDS = ["Regulation", "Directive", "Decision", "Recommendation", "Communication", "Guidance"]
STATUSES = ["proposal", "adopted", "amended-proposal", "withdrawn"]
STANCES = ["supports", "opposes", "conditional", "neutral", "calls-for", "commits-to"]
MEASURES = ["pledged", "resettled", "quota"]
ROLES = ["participant", "implementer", "adopter", "co-legislator", "proposer"]
FICHE_CHARS_PER_TRIPLE = 20


def _iri(base: object, local: str) -> str:
    return f"<{base}{local}>"


def synthetic(size: int, seed: int = 7) -> str:
    """About ``size`` triples of instance data, as N-Triples."""
    return "".join(synthetic_lines(size, seed))


def synthetic_lines(size: int, seed: int = 7) -> Iterator[str]:
    """The lines of ``synthetic``, made as they are read (a million lines are 130 MB)."""
    rnd = random.Random(seed)
    lines: list[str] = []
    add = lines.append
    count = 0

    def flush() -> Iterator[str]:
        nonlocal count, lines, add
        count += len(lines)
        yield "\n".join(lines) + "\n"
        lines = []
        add = lines.append

    def mig(name: str) -> str:
        return f"<{MIG}{name}>"

    n_instruments = max(10, size // 60)
    n_actors = max(5, size // 2000)
    sources = [_iri(ID, f"source/{i:03d}") for i in range(5)]
    for i, src in enumerate(sources):
        add(f"{src} {RDF_TYPE} {mig('SourceDocument')} .")
        add(f'{src} {LABEL} "Source document {i}"@en .')
    actors = [_iri(ID, f"actor/a{i}") for i in range(n_actors)]
    for i, actor in enumerate(actors):
        add(f"{actor} {RDF_TYPE} {mig('Government' if i % 3 else 'EUAgency')} .")
        add(f'{actor} {LABEL} "Actor {i}"@en .')
        add(f'{actor} {LABEL} "Actor {i}"@nl .')
    for i in range(20):  # the programmes and periods figures refer to are described, as ours are
        programme = _iri(ID, f"programme/p{i}")
        add(f"{programme} {RDF_TYPE} {mig('Programme')} .")
        add(f'{programme} {LABEL} "Programme {i}"@en .')
        add(f'{programme} {LABEL} "Programma {i}"@nl .')
    for year in range(2000, 2025):
        period = _iri(ID, f"period/{year}")
        add(f"{period} {RDF_TYPE} {mig('Period')} .")
        add(f'{period} {LABEL} "{year}"@en .')
    instruments = [_iri(ID, f"com/{2000 + i % 25}/{i}") for i in range(n_instruments)]
    quote = 0

    def evidence(fact: str, source: str, text: str) -> None:
        nonlocal quote
        quote += 1
        e = fact[:-1] + f"#evidence-{quote}>"
        t, q, p = (fact[:-1] + f"#evidence-{quote}-{x}>" for x in ("target", "quote", "position"))
        add(f"{fact} {mig('hasEvidence')} {e} .")
        add(f"{e} {RDF_TYPE} {mig('Evidence')} .")
        add(f"{e} <{OA}hasTarget> {t} .")
        add(f"{t} {RDF_TYPE} <{OA}SpecificResource> .")
        add(f"{t} <{OA}hasSource> {source} .")
        add(f"{t} <{OA}hasSelector> {q} .")
        add(f"{t} <{OA}hasSelector> {p} .")
        add(f"{q} {RDF_TYPE} <{OA}TextQuoteSelector> .")
        add(f'{q} <{OA}exact> "{text}" .')
        add(f"{p} {RDF_TYPE} <{OA}TextPositionSelector> .")
        start = rnd.randrange(100000)
        add(f'{p} <{OA}start> "{start}"^^<{XSD}integer> .')
        add(f'{p} <{OA}end> "{start + len(text)}"^^<{XSD}integer> .')

    for i, inst in enumerate(instruments):
        year = 2000 + i % 25
        add(f"{inst} {RDF_TYPE} {mig(rnd.choice(KINDS))} .")
        add(f'{inst} {LABEL} "Instrument {i} on migration"@en .')
        add(f'{inst} {LABEL} "Instrument {i} over migratie"@nl .')
        add(f'{inst} {mig("hasComNumber")} "COM({year}) {i}" .')
        # its status as a source states it: a status event (status is never stored)
        status_event, source = _iri(ID, f"event/s/status-{i}"), rnd.choice(sources)
        add(f"{status_event} {RDF_TYPE} {mig('StatusEvent')} .")
        add(f"{status_event} {mig('concernsInstrument')} {inst} .")
        add(f"{status_event} {mig('hasStatus')} <{STATUS}{rnd.choice(STATUSES)}> .")
        add(f"{status_event} {mig('hasEventType')} <{EVENT_TYPE}status-statement> .")
        add(f'{status_event} {mig("occurredOn")} "{year}-1{i % 3}-0{1 + i % 9}"^^<{XSD}date> .')
        add(f"{status_event} {mig('isStatedIn')} {source} .")
        add(f'{status_event} {LABEL} "Status of instrument {i}"@en .')
        evidence(status_event, source, f"Voorstel {i} is in behandeling.")
        add(f'{inst} {mig("wasProposedOn")} "{year}-0{1 + i % 9}-1{i % 9}"^^<{XSD}date> .')
        for _ in range(rnd.randrange(3)):
            add(f"{inst} {mig('cites')} {rnd.choice(instruments)} .")
        if i and rnd.random() < 0.3:
            add(f"{inst} {mig('amends')} {instruments[rnd.randrange(i)]} .")
        if i % 3 == 0:  # an actor's role in it (proposer, implementer...), with its evidence
            involvement = _iri(ID, f"role/s/{i}")
            source = rnd.choice(sources)
            add(f"{inst} {mig('hasInvolvement')} {involvement} .")
            add(f"{involvement} {RDF_TYPE} {mig('ActorRole')} .")
            add(f"{involvement} {mig('involves')} {rnd.choice(actors)} .")
            add(f"{involvement} {mig('hasRoleType')} <{ROLE}{rnd.choice(ROLES)}> .")
            add(f"{involvement} {mig('isStatedIn')} {source} .")
            add(f'{involvement} {LABEL} "Role {i}"@en .')
            evidence(involvement, source, f"De Commissie stelt voorstel {i} voor.")
    n = 0
    while count + len(lines) < size:
        if len(lines) > 10000:
            yield from flush()
        n += 1
        src = rnd.choice(sources)
        if n % 4:
            pos = _iri(ID, f"position/s/{n}")
            add(f"{pos} {RDF_TYPE} {mig('Position')} .")
            add(f"{pos} {mig('hasHolder')} {rnd.choice(actors)} .")
            add(f"{pos} {mig('isAbout')} {rnd.choice(instruments)} .")
            add(f"{pos} {mig('hasStance')} <{STANCE}{rnd.choice(STANCES)}> .")
            add(f'{pos} {mig("wasTakenOn")} "2020-0{1 + n % 9}-0{1 + n % 9}"^^<{XSD}date> .')
            add(f"{pos} {mig('isStatedIn')} {src} .")
            add(f'{pos} {LABEL} "Position {n}"@en .')
            evidence(pos, src, f"Het kabinet steunt voorstel {n}.")
        else:
            obs = _iri(ID, f"figure/s/{n}")
            add(f"{obs} {RDF_TYPE} <{QB}Observation> .")
            add(f"{obs} {mig('refProgramme')} {_iri(ID, f'programme/p{n % 20}')} .")
            add(f"{obs} {mig('refPeriod')} {_iri(ID, f'period/{2000 + n % 25}')} .")
            add(f"{obs} {mig('refActor')} {rnd.choice(actors)} .")
            add(f"{obs} {mig('refMeasureType')} <{MEASURE}{rnd.choice(MEASURES)}> .")
            add(f'{obs} {mig("obsValue")} "{rnd.randrange(10000)}"^^<{XSD}integer> .')
            add(f"{obs} {mig('hasUnit')} <{UNIT}person> .")
            add(f"{obs} {mig('isStatedIn')} {src} .")
            evidence(obs, src, f"In {2000 + n % 25} werden {n} vluchtelingen hervestigd.")
    if lines:
        yield from flush()


class StepTimeout(BaseException):
    """A step ran past the time limit (a BaseException: rdflib's SPARQL engine takes any
    Exception in a FILTER for an error of the expression and goes on)."""


def _alarm(signum: int, frame: object) -> None:
    raise StepTimeout


def _median(step: Callable[[], object], repeat: int, limit: float = 0) -> float | None:
    """The median time of ``repeat`` runs; None if a run takes longer than ``limit``
    seconds (0: no limit). The limit stops pure-Python work (rdflib) at once, and
    Oxigraph's when it hands back control."""
    times = []
    previous = signal.signal(signal.SIGALRM, _alarm)
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            signal.setitimer(signal.ITIMER_REAL, limit)
            try:
                step()
            except StepTimeout:
                return None
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            times.append(time.perf_counter() - start)
            if limit and times[-1] > limit:  # the signal came while Oxigraph held on
                return None
    finally:
        signal.signal(signal.SIGALRM, previous)
    return statistics.median(times)


def run_case(
    project: Project,
    backend: str,
    size: int,
    repeat: int,
    limit: float = 0,
    fiche: bool = False,
) -> dict[str, Any]:
    """Time every step for one backend and size, in this process (with ``fiche``, the
    fiche parser too: last, after the peak memory of the graph's steps is taken).

    The synthetic graph is written to a temporary N-Triples file and loaded from there,
    so its text is never held in memory beside the store. One store (or rdflib graph)
    serves the queries and the views; validation makes its own after it is dropped."""
    import gc
    import tempfile

    from rdflib import Graph

    from loaders.graph.dataset import load
    from loaders.graph.engines import Engine, OxigraphEngine, RdflibEngine
    from loaders.graph.query import bindings, run, stored
    from loaders.publish.exports import Triples

    built = load(project)
    ontology = built.union(["ontology"])
    shapes = built.union(["shapes"])
    engine: Engine
    result: dict[str, Any] = {"backend": backend, "size": size, "limit": limit, "steps": {}}
    steps: dict[str, float | None] = {}
    with tempfile.TemporaryDirectory(prefix="migkg-bench-") as tmp, ExitStack() as stack:
        data = Path(tmp) / "synthetic.nt"
        with data.open("w", encoding="utf-8") as out:
            out.write(ontology.serialize(format="nt"))
            out.writelines(synthetic_lines(size))
        if backend == "oxigraph":
            import pyoxigraph as ox

            def loaded() -> ox.Store:
                store = ox.Store()
                # lenient, as migkg query reads the graph (oxstore.load): the build has
                # checked the IRIs already
                store.bulk_load(path=data, format=ox.RdfFormat.N_TRIPLES, lenient=True)
                return store

            steps["load"] = _median(loaded, repeat)
            store = loaded()
            result["triples"] = len(store)

            engine = OxigraphEngine(store)

        elif backend == "virtuoso":
            server = stack.enter_context(_virtuoso(Path(tmp)))
            engine, pushed, steps["push"] = _pushed(project, server, data, limit)
            steps["load"] = float("nan")
            result["triples"] = pushed

        else:

            def parsed() -> Graph:
                return Graph().parse(data, format="nt")

            steps["load"] = _median(parsed, 1 if size > 100000 else repeat)
            graph = parsed()
            result["triples"] = len(graph)

            engine = RdflibEngine(graph)

        def runner(q: Any, b: Any) -> Any:
            return run(engine, q, b)

        def view(text: str) -> Any:
            return Triples.from_ntriples(engine.construct(text).splitlines())

        peaks = {"load": _peak()}
        _warm(runner, view)
        for query in stored(project):
            bound = bindings(query, [])
            steps[f"query {query.name}"] = _median(partial(runner, query, bound), repeat, limit)
        peaks["queries"] = _peak()
        steps.update(_views(project, view, ontology, 1 if size > 100000 else repeat, limit))
        peaks["exports"] = _peak()
        store = graph = engine = None  # type: ignore[assignment]
        gc.collect()
        # validation on Virtuoso is not trustworthy (docs/endpoints.md): not timed
        steps["validate"] = (
            float("nan") if backend == "virtuoso" else _validate(backend, data, shapes, limit)
        )
        peaks["validate"] = _peak()
        if fiche:  # once a size, as the fiche: the index has no backend
            steps.update(_search_synthetic(data, 1 if size > 100000 else repeat, limit))
            peaks["search"] = _peak()
    result["steps"] = steps
    result["peak_mb"] = _peak()
    result["peak_mb_after"] = peaks  # the peak so far, after each phase
    if fiche:
        name, took = _fiche(size * FICHE_CHARS_PER_TRIPLE, 1 if size > 100000 else repeat, limit)
        steps[name] = took
        peaks["extract fiche"] = _peak()
    return result


SEARCHES = ("Frontex", "hervestiging*", '"positieve grondhouding"', "kabinet steunt")
"""What the search steps look for: a label, a Dutch prefix (compounds), a phrase in a
quote, and two words in most quotes (on the synthetic graph: every position's)."""


def _search_synthetic(data: Path, repeat: int, limit: float = 0) -> dict[str, float | None]:
    """The search index of the synthetic graph (its build step), and searches on it."""
    import tempfile

    import pyoxigraph as ox

    from loaders.graph.search import search, write_index

    quads = list(ox.parse(path=data, format=ox.RdfFormat.N_QUADS, lenient=True))
    with tempfile.TemporaryDirectory(prefix="migkg-bench-") as tmp:
        index = Path(tmp) / "search.sqlite"

        def made() -> None:
            index.unlink(missing_ok=True)
            write_index(quads, index)

        steps = {"search index": _median(made, 1, limit)}
        for text in SEARCHES:  # (no index made within the limit: nothing to search)
            made_in_time = steps["search index"] is not None
            steps[f"search {text}"] = (
                _median(partial(search, index, text), repeat, limit) if made_in_time else None
            )
    return steps


def search_times(project: Project, repeat: int) -> list[tuple[str, float, float]]:
    """On the real graph: (text, seconds of the function call ``search(project, text)``,
    seconds of the whole ``migkg search`` process, start-up included), medians of
    ``repeat`` runs; both check that the build is fresh, as every command does."""
    from loaders.graph.search import index_of, search

    index_of(project)  # built now if stale, so that no run below builds
    root = str(project.root)
    times = []
    for text in SEARCHES:
        call = _median(partial(search, project, text), repeat)
        command = [sys.executable, "-m", "loaders", "--root", root, "search", text]

        def process(command: list[str] = command) -> None:
            subprocess.run(command, check=True, capture_output=True)

        whole = _median(process, repeat)
        times.append((text, call or 0.0, whole or 0.0))
    return times


def search_table(times: list[tuple[str, float, float]]) -> str:
    """The search times as a markdown table."""
    lines = [
        "\n### migkg search on the real graph (medians)\n",
        "| search | function call s | whole process s |",
        "|---|---|---|",
    ]
    lines += [f"| `{text}` | {call:.3f} | {whole:.3f} |" for text, call, whole in times]
    return "\n".join(lines) + "\n"


def _fiche(chars: int, repeat: int, limit: float = 0) -> tuple[str, float | None]:
    """The step name and median time of parsing a generated fiche of ``chars``
    characters (the parse alone: ``migkg extract fiche`` also writes the RDF)."""
    from loaders.bench_fiche import synthetic_fiche
    from loaders.extract.fiche import parse_text

    text = synthetic_fiche(chars).text
    megabytes = len(text.encode("utf-8")) / 1e6
    return f"extract fiche ({megabytes:.1f} MB)", _median(
        partial(parse_text, text, "synthetic"), repeat, limit
    )


def _virtuoso(tmp: Path) -> Any:
    """A private Virtuoso 7.2 with nothing of ours in it (a seed graph of one triple)."""
    from loaders.publish.virtuoso import start_virtuoso

    seed = tmp / "seed.nq"
    seed.write_text("<urn:s> <urn:p> <urn:o> <https://w3id.org/migkg/graph/instances/seed> .\n")
    return start_virtuoso(seed, tmp / "virtuoso")


def _pushed(
    project: Project, server: Any, data: Path, limit: float
) -> tuple[Any, int, float | None]:
    """``migkg push`` of the synthetic graph to the server (timed once: its graph and the
    union, written, read back and compared), and the engine that queries the union."""
    import os

    import pyoxigraph as ox

    from loaders.graph.dataset import Dataset
    from loaders.graph.engines import RemoteEngine
    from loaders.namespaces import GRAPH
    from loaders.publish.endpoint import PUSHED_GRAPH, Endpoint, push

    name = ox.NamedNode(str(GRAPH["instances/synthetic"]))
    triples = ox.parse(path=data, format=ox.RdfFormat.N_TRIPLES)
    dataset = Dataset(project, [ox.Quad(t.subject, t.predicate, t.object, name) for t in triples])
    os.environ["MIGKG_ENDPOINT_USER"] = server.graph_user
    os.environ["MIGKG_ENDPOINT_PASSWORD"] = server.graph_password
    auth = f"{server.base_url}/sparql-auth"
    endpoint = Endpoint.of(server.base_url, auth, server.graph_store_url, 3600, auth)
    counts: dict[str, int] = {}
    # no step limit for the push: the queries need all of it there
    took = _median(lambda: counts.update(push(endpoint, dataset, say=lambda _: None)), 1)
    # the step limit (SIGALRM) stops a slow query first; the request outlives it a little
    engine = RemoteEngine(auth, default_graph=PUSHED_GRAPH, timeout=limit + 30 if limit else 3600)
    return engine, counts.get(PUSHED_GRAPH, 0), took


def _peak() -> float:
    """The process's peak memory so far (max RSS), in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _warm(runner: Callable[[Any, Any], Any], view: Callable[[str], Any]) -> None:
    """Import and first-use costs paid before any clock runs: they are not the first
    step's, and a time limit that fires inside an import leaves the module half made."""
    import pyshacl  # noqa: F401

    from loaders.check import (
        shacl_sparql,  # noqa: F401
        validate,  # noqa: F401
    )
    from loaders.graph.query import StoredQuery
    from loaders.publish import exports  # noqa: F401

    ask = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"
    runner(StoredQuery("warm-up", Path("warm-up.rq"), ask), {})
    view("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 1")


def _views(
    project: Project, view: Callable[[str], Any], ontology: Any, repeat: int, limit: float
) -> dict[str, float | None]:
    """Each export view as ``migkg export --format graphml`` makes it: the CONSTRUCT (on
    the backend), the projection and the GraphML text."""
    from loaders.publish.exports import Triples, graphml
    from loaders.publish.exports import project as projection

    classes = Triples(ontology)
    out = {}
    for name in ("instruments", "positions", "actors"):
        text = (project.root / "queries" / "views" / f"{name}.rq").read_text(encoding="utf-8")

        def export(text: str = text) -> int:
            return len(graphml(projection(view(text), "en", classes)))

        out[f"export {name}"] = _median(export, repeat, limit)
    return out


def _validate(backend: str, data: Path, shapes: Any, limit: float) -> float | None:
    """SHACL: the compiled SPARQL engine straight on Oxigraph, or pySHACL on rdflib."""

    def oxigraph() -> None:
        from loaders.check.shacl_sparql import store_from_ntriples_file, validate_store

        validate_store(store_from_ntriples_file(data), shapes)

    def pyshacl() -> None:
        from rdflib import Graph

        from loaders.check.validate import pyshacl_results

        pyshacl_results(Graph().parse(data, format="nt"), shapes)

    return _median(oxigraph if backend == "oxigraph" else pyshacl, 1, limit)


def run(
    project: Project, sizes: list[int], backends: list[str], repeat: int, limit: float = 0
) -> list[dict[str, Any]]:
    """Each case in a child process (its own peak memory)."""
    results = []
    for size in sizes:
        for backend in backends:
            fiche = backend == backends[0]  # the parser once a size: it has no backend
            code = (
                "import json; from pathlib import Path; from loaders.bench import run_case; "
                "from loaders.project import Project; "
                f"root = Project.locate(Path({str(project.root)!r})); "
                f"print(json.dumps(run_case(root, {backend!r}, {size}, {repeat}, {limit}, "
                f"{fiche})))"
            )
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:  # reported in the table, and the other cases still run
                lines = [line for line in done.stderr.strip().splitlines() if line.strip()]
                error = lines[-1] if lines else f"exit {done.returncode}"
                results.append({"backend": backend, "size": size, "error": error})
                print(f"bench: {backend} {size} failed: {error}", file=sys.stderr)
                continue
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"bench: {backend} {size} done", file=sys.stderr)
    return results


def _cell(value: float | None, limit: float) -> str:
    if value is None:
        return f"> {limit:g}"
    return "n/a" if value != value else f"{value:.3f}"


def _ratio(value: float | None, base: float | None, limit: float) -> str:
    """Backend time over rdflib's; against a timed-out rdflib step, an upper bound."""
    if value is None or value != value:
        return "n/a"
    if base is None:
        return f"< {_small(value / limit)}" if limit else "n/a"
    return _small(value / base) if base and base == base else "n/a"


def _small(x: float) -> str:
    return f"{x:.3f}" if x >= 0.001 or x == 0 else f"{x:.1e}"


def table(results: list[dict[str, Any]]) -> str:
    """A markdown table per size: seconds per step and backend, and the ratio to rdflib.
    A step that ran past the time limit shows as "> limit"."""
    out = []
    for failed in (r for r in results if "error" in r):
        out.append(f"\n{failed['backend']} at {int(failed['size']):,} failed: {failed['error']}\n")
    for size in sorted({int(r["size"]) for r in results if "error" not in r}):
        cases = {str(r["backend"]): r for r in results if r["size"] == size and "error" not in r}
        backends = sorted(cases, key=lambda b: (b != "rdflib", b))
        base_name = "rdflib" if "rdflib" in cases else "oxigraph"
        others = [b for b in backends if b != base_name] if base_name in cases else []
        triples = max(int(c["triples"]) for c in cases.values())
        out.append(f"\n### {size:,} synthetic instance triples ({triples:,} with the ontology)\n")
        head = "| step | " + " | ".join(f"{b} s" for b in backends)
        head += "".join(f" | {b} / {base_name}" for b in others)
        out.append(head + " |")
        out.append("|---" * head.count("|") + "|")
        steps = list(dict.fromkeys(s for b in backends for s in cases[b]["steps"]))
        for step in steps:
            row = f"| {step} | " + " | ".join(
                _cell(cases[b]["steps"].get(step, float("nan")), cases[b].get("limit", 0))
                for b in backends
            )
            for b in others:
                base = cases[base_name]["steps"].get(step, float("nan"))
                value = cases[b]["steps"].get(step, float("nan"))
                row += " | " + _ratio(value, base, cases[base_name].get("limit", 0))
            out.append(row + " |")
        out.append(
            "| peak memory MB | "
            + " | ".join(f"{cases[b]['peak_mb']:.0f}" for b in backends)
            + " |"
        )
    return "\n".join(out).lstrip("\n") + "\n"
