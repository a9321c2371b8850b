"""Time the main steps on the real graph and print a markdown table.

    .venv/bin/python benchmarks/bench.py [--repeat N]

Each step runs N times in this process (after one warm-up for the first); the table
gives the median and the fastest run in seconds. Timings are measured here, never
asserted in tests.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from loaders import oxstore
from loaders.graph.build import Build, load, trig_text
from loaders.extract.evidence import problems
from loaders.project import Project
from loaders.graph.query import bindings, run_oxigraph, run_rdflib, stored
from loaders.check.reasoner import check_consistency
from loaders.check.validate import run


def timed(step: Callable[[], object], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    project = Project.locate()
    build = load(project)
    triples = len(build.union())
    steps: dict[str, Callable[[], object]] = {
        "load (parse every file)": lambda: load(project),
        "serialise dist/graph.trig": lambda: trig_text(build),
        "validate (shapes as SPARQL on Oxigraph, the default)": lambda: run(build),
        "validate (pySHACL)": lambda: run(build, engine="pyshacl"),
        "check evidence quotes": lambda: problems(build.union(["instances"]), project),
        "reason (HermiT)": lambda: check_consistency(build.union(["ontology", "instances"])),
    }
    print(f"graph: {triples} triples in {len(build.files)} files\n")
    print("| step | median s | fastest s |")
    print("| --- | ---: | ---: |")
    for name, step in steps.items():
        times = timed(step, args.repeat)
        print(f"| {name} | {statistics.median(times):.2f} | {min(times):.2f} |")
    queries(project, build, args.repeat)


def queries(project: Project, build: Build, repeat: int) -> None:
    """Each stored query on both engines, and a whole cold `migkg query` run."""
    store = oxstore.load(project)
    graph = build.union(oxstore.QUERY_FOLDERS)
    cold = [sys.executable, "-m", "loaders.cli", "query", "cq-cabinet-supports", "--format", "csv"]
    bare = [sys.executable, "-c", "import rdflib"]
    print("\n| start-up | median s | fastest s |")
    print("| --- | ---: | ---: |")
    for name, command in (("python -c 'import rdflib'", bare), ("migkg query (cold, whole)", cold)):
        times = timed(lambda c=command: subprocess.run(c, check=True, capture_output=True), repeat)
        print(f"| {name} | {statistics.median(times):.3f} | {min(times):.3f} |")
    print("\n| stored query | Oxigraph median ms | rdflib median ms | rows |")
    print("| --- | ---: | ---: | ---: |")
    for query in stored(project):
        bound = bindings(query, [])
        fast = timed(lambda q=query, b=bound: run_oxigraph(store, q, b), repeat)
        slow = timed(lambda q=query, b=bound: run_rdflib(graph, q, b), repeat)
        rows = len(run_oxigraph(store, query, bound).rows)
        print(
            f"| {query.name} | {1000 * statistics.median(fast):.1f} "
            f"| {1000 * statistics.median(slow):.0f} | {rows} |"
        )


if __name__ == "__main__":
    main()
