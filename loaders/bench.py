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
of repeated runs.
"""

from __future__ import annotations

import json
import random
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from .namespaces import ID, MEASURE, MIG, OA, QB, STANCE, STATUS, UNIT
from .project import Project

XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
KINDS = ["Regulation", "Directive", "Decision", "Recommendation", "Communication", "Guidance"]
STATUSES = ["proposal", "adopted", "amended-proposal", "withdrawn"]
STANCES = ["supports", "opposes", "conditional", "neutral", "calls-for", "commits-to"]
MEASURES = ["pledged", "resettled", "quota"]


def _iri(base: object, local: str) -> str:
    return f"<{base}{local}>"


def synthetic(size: int, seed: int = 7) -> str:
    """About ``size`` triples of instance data, as N-Triples."""
    rnd = random.Random(seed)
    lines: list[str] = []
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
        add(f'{p} <{OA}start> "{start}"^^<{XSD}nonNegativeInteger> .')
        add(f'{p} <{OA}end> "{start + len(text)}"^^<{XSD}nonNegativeInteger> .')

    for i, inst in enumerate(instruments):
        year = 2000 + i % 25
        add(f"{inst} {RDF_TYPE} {mig(rnd.choice(KINDS))} .")
        add(f'{inst} {LABEL} "Instrument {i} on migration"@en .')
        add(f'{inst} {LABEL} "Instrument {i} over migratie"@nl .')
        add(f'{inst} {mig("hasComNumber")} "COM({year}) {i}" .')
        add(f"{inst} {mig('hasLegislativeStatus')} <{STATUS}{rnd.choice(STATUSES)}> .")
        add(f'{inst} {mig("wasProposedOn")} "{year}-0{1 + i % 9}-1{i % 9}"^^<{XSD}date> .')
        for _ in range(rnd.randrange(3)):
            add(f"{inst} {mig('cites')} {rnd.choice(instruments)} .")
        if i and rnd.random() < 0.3:
            add(f"{inst} {mig('amends')} {instruments[rnd.randrange(i)]} .")
    n = 0
    while len(lines) < size:
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
    return "\n".join(lines) + "\n"


def _median(step: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run_case(project: Project, backend: str, size: int, repeat: int) -> dict[str, Any]:
    """Time every step for one backend and size, in this process."""
    from rdflib import Graph

    from .build import load as build_load
    from .query import bindings, run_oxigraph, run_rdflib, stored

    data = synthetic(size)
    ontology = build_load(project, project.input_files(("ontology",)), extract=False).union()
    shapes = build_load(project, project.input_files(("shapes",)), extract=False).union()
    ontology_nt = ontology.serialize(format="nt")
    result: dict[str, Any] = {"backend": backend, "size": size, "triples": 0, "steps": {}}
    steps: dict[str, float] = {}
    if backend == "oxigraph":
        import pyoxigraph as ox

        def loaded() -> ox.Store:
            store = ox.Store()
            store.bulk_load((ontology_nt + data).encode(), ox.RdfFormat.N_TRIPLES)
            return store

        steps["load"] = _median(loaded, repeat)
        store = loaded()
        result["triples"] = len(store)

        def runner(q: Any, b: Any) -> Any:
            return run_oxigraph(store, q, b)

    else:
        graph = Graph()

        def parsed() -> Graph:
            g = Graph()
            g.parse(data=ontology_nt + data, format="nt")
            return g

        steps["load"] = _median(parsed, 1 if size > 100000 else repeat)
        graph = parsed()
        result["triples"] = len(graph)

        def runner(q: Any, b: Any) -> Any:
            return run_rdflib(graph, q, b)

    for query in stored(project):
        bound = bindings(query, [])
        steps[f"query {query.name}"] = _median(partial(runner, query, bound), repeat)
    steps.update(_views(project, backend, data, ontology, ontology_nt, repeat, size))
    steps["validate"] = _validate(backend, data, ontology_nt, shapes, size)
    result["steps"] = steps
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return result


def _views(project: Project, backend: str, data: str, ontology: Any, ontology_nt: str,
           repeat: int, size: int) -> dict[str, float]:  # fmt: skip
    """Each export view: the CONSTRUCT, the projection and GraphML, on the Oxigraph path;
    on rdflib the CONSTRUCT runs in rdflib."""
    import networkx as nx
    import pyoxigraph as ox
    from rdflib import Graph

    from .exports import project as projection
    from .oxstore import from_ox

    out = {}
    store = ox.Store()
    store.bulk_load((ontology_nt + data).encode(), ox.RdfFormat.N_TRIPLES)
    rdflib_graph: Graph | None = None
    for view in ("instruments", "positions", "actors"):
        text = (project.root / "queries" / "views" / f"{view}.rq").read_text(encoding="utf-8")

        def export(text: str = text) -> int:
            nonlocal rdflib_graph
            if backend == "oxigraph":
                g = Graph()
                triples = store.query(text)
                assert isinstance(triples, ox.QueryTriples)
                for t in triples:
                    g.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))
            else:
                if rdflib_graph is None:
                    rdflib_graph = Graph().parse(data=ontology_nt + data, format="nt")
                constructed = rdflib_graph.query(text).graph
                assert constructed is not None
                g = constructed
            network = projection(g, "en", ontology)
            return len("\n".join(nx.generate_graphml(network)))

        out[f"export {view}"] = _median(export, 1 if size > 100000 else repeat)
    return out


def _validate(backend: str, data: str, ontology_nt: str, shapes: Any, size: int) -> float:
    """SHACL: the compiled SPARQL engine straight on Oxigraph, or pySHACL on rdflib (up to
    100 k triples: beyond, it needs minutes and gigabytes, and is not run)."""
    if backend == "rdflib" and size > 100000:
        return float("nan")
    start = time.perf_counter()
    if backend == "oxigraph":
        from .shacl_sparql import store_from_ntriples, validate_store

        validate_store(store_from_ntriples(ontology_nt + data), shapes)
    else:
        from rdflib import Graph

        from .validate import _pyshacl

        _pyshacl(Graph().parse(data=ontology_nt + data, format="nt"), shapes)
    return time.perf_counter() - start


def run(
    project: Project, sizes: list[int], backends: list[str], repeat: int
) -> list[dict[str, Any]]:
    """Each case in a child process (its own peak memory)."""
    results = []
    for size in sizes:
        for backend in backends:
            code = (
                "import json; from pathlib import Path; from loaders.bench import run_case; "
                "from loaders.project import Project; "
                f"root = Project.locate(Path({str(project.root)!r})); "
                f"print(json.dumps(run_case(root, {backend!r}, {size}, {repeat})))"
            )
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise RuntimeError(f"bench {backend} {size}: {done.stderr[-2000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"bench: {backend} {size} done", file=sys.stderr)
    return results


def table(results: list[dict[str, Any]]) -> str:
    """A markdown table per size: seconds per step and backend, and the ratio to rdflib."""
    out = []
    for size in sorted({int(r["size"]) for r in results}):
        cases = {str(r["backend"]): r for r in results if r["size"] == size}
        backends = sorted(cases, key=lambda b: (b != "rdflib", b))
        triples = max(int(c["triples"]) for c in cases.values())
        out.append(f"\n### {size:,} synthetic instance triples ({triples:,} with the ontology)\n")
        head = "| step | " + " | ".join(f"{b} s" for b in backends)
        if "rdflib" in cases and len(backends) > 1:
            head += " | " + " | ".join(f"{b} / rdflib" for b in backends if b != "rdflib")
        out.append(head + " |")
        out.append("|---" * head.count("|") + "|")
        steps = list(cases[backends[0]]["steps"])
        for step in steps:
            values = [cases[b]["steps"].get(step, float("nan")) for b in backends]
            row = f"| {step} | " + " | ".join(f"{v:.3f}" for v in values)
            if "rdflib" in cases and len(backends) > 1:
                base = cases["rdflib"]["steps"].get(step, float("nan"))
                row += " | " + " | ".join(
                    f"{(cases[b]['steps'].get(step, float('nan')) / base):.3f}"
                    if base and base == base else "n/a"
                    for b in backends if b != "rdflib"
                )  # fmt: skip
            out.append(row + " |")
        out.append(
            "| peak memory MB | "
            + " | ".join(f"{cases[b]['peak_mb']:.0f}" for b in backends)
            + " |"
        )
    return "\n".join(out).lstrip("\n") + "\n"
