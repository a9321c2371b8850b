"""Time the main steps on the real graph and print a markdown table.

    .venv/bin/python benchmarks/bench.py [--repeat N]

Each step runs N times in this process (after one warm-up for the first); the table
gives the median and the fastest run in seconds. Timings are measured here, never
asserted in tests.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from loaders.build import load, trig_text
from loaders.evidence import problems
from loaders.project import Project
from loaders.reasoner import check_consistency
from loaders.validate import run


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


if __name__ == "__main__":
    main()
