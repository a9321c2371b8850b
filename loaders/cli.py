"""``migkg``: the command-line interface, a thin layer over the package.

Heavy libraries are imported inside the command that needs them, so that
``migkg --help`` and light commands start fast.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from loaders.errors import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, MigkgError
from loaders.files import failure

if TYPE_CHECKING:
    from loaders.extract.extracted import Resolver
    from loaders.graph.dataset import Dataset
    from loaders.graph.engines import Engine
    from loaders.project import Project
    from loaders.publish.endpoint import Endpoint

EPILOG = """exit codes:
  0  success
  1  the command ran and found problems (inconsistent ontology, files not canonical,
     validation results at or above the --fail-on level)
  2  the command could not run: one line says why (a file that does not parse, bad
     arguments, a full disk, a server down or past --timeout, an interrupt)
limits, outputs and which checkout: docs/cli.md
"""


def _project(args: argparse.Namespace) -> Project:
    from loaders.project import Project

    return Project.locate(args.root)


def _dataset(args: argparse.Namespace) -> Dataset:
    """The built dataset (built now if an input changed since the last build)."""
    from loaders.graph.dataset import load

    return load(_project(args))


def _engine(args: argparse.Namespace, dataset: Dataset | None = None) -> Engine:
    """The one engine of this run: --endpoint URL, else --engine (oxigraph or rdflib) on
    the built dataset."""
    endpoint = getattr(args, "endpoint", None)
    if endpoint:
        from loaders.graph.engines import RemoteEngine
        from loaders.publish.endpoint import Endpoint

        where = Endpoint.of(endpoint, getattr(args, "query_url", None), None, args.timeout)
        graph = getattr(args, "graph", None)
        return RemoteEngine(where.query_url, None, graph or None, args.timeout)
    return (dataset or _dataset(args)).engine(getattr(args, "engine", "oxigraph"))


def cmd_build(args: argparse.Namespace) -> int:
    from loaders.graph.build import build, counts, format_rows

    project = _project(args)
    quads, written = build(project, force=args.force)
    if not written:
        print("dist/ is up to date: no input changed since the last build (--force rebuilds)")
        return EXIT_OK
    print(format_rows(*counts(quads)))
    for path in written:
        print(f"wrote {project.relative(path)}")
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from loaders.graph.build import counts, format_rows

    print(format_rows(*counts(_dataset(args).quads)))
    return EXIT_OK


def cmd_fmt(args: argparse.Namespace) -> int:
    from loaders.graph.format import not_canonical, rewrite

    project = _project(args)
    files = [Path(f).resolve() for f in args.files] or None
    if args.check:
        bad = not_canonical(project, files)
        for path in bad:
            print(f"{project.relative(path)}: not in canonical form (run: migkg fmt)")
        return EXIT_FINDINGS if bad else EXIT_OK
    for path in rewrite(project, files):
        print(f"rewrote {project.relative(path)}")
    return EXIT_OK


def cmd_reason(args: argparse.Namespace) -> int:
    from loaders.check.reasoner import check_consistency

    graph = _dataset(args).union()
    result = check_consistency(graph)
    print(result.detail)
    for iri in result.unsatisfiable:
        print(f"  unsatisfiable: {iri}")
    return EXIT_OK if result.consistent else EXIT_FINDINGS


def cmd_locate(args: argparse.Namespace) -> int:
    from loaders.extract.evidence import locate_files, problems

    project = _project(args)
    if args.check:
        found = problems(_dataset(args).union(["instances"]), project)
        for line in found:
            print(line)
        print(f"{len(found)} evidence problem(s)")
        return EXIT_FINDINGS if found else EXIT_OK
    files = [Path(f).resolve() for f in args.files] or None
    for path in locate_files(project, files):
        print(f"recorded quote positions in {project.relative(path)}")
    return EXIT_OK


def cmd_coverage(args: argparse.Namespace) -> int:
    from loaders.files import write_atomically
    from loaders.publish.coverage import markdown

    project = _project(args)
    text = markdown(_dataset(args).union(["ontology", "instances"]))
    target = args.output or project.root / "docs" / "coverage.md"
    if str(target) == "-":
        sys.stdout.write(text)
        return EXIT_OK
    write_atomically({Path(target): text})
    print(f"wrote {project.relative(Path(target))}")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    from loaders.publish.diff import diff, to_json, to_markdown

    report = diff(_project(args), args.old, args.new)
    text = to_json(report) if args.format == "json" else to_markdown(report)
    _write_or_print(text, args.output)
    return EXIT_FINDINGS if args.exit_code and not report.empty else EXIT_OK


def cmd_validate(args: argparse.Namespace) -> int:
    from loaders.check.validate import as_json, as_text, as_turtle, run
    from loaders.files import check_output, text_output

    if args.output is not None and str(args.output) != "-":
        check_output(args.output)
    dataset = _dataset(args)
    on = _engine(args, dataset) if args.endpoint else None
    report = run(dataset, engine=args.engine, on=on)
    if args.format in ("junit", "sarif", "github"):
        from loaders.check.formats import render

        text = render(report, args.format, dataset.project.root, args.fail_on)
    else:
        text = {"text": as_text, "json": as_json, "turtle": as_turtle}[args.format](report)
    with text_output(args.output) as out:
        out.write(text)
    return EXIT_FINDINGS if report.at_or_above(args.fail_on) else EXIT_OK


def cmd_queries(args: argparse.Namespace) -> int:
    from loaders.graph.query import stored

    queries = stored(_project(args))
    width = max((len(q.name) for q in queries), default=0)
    for q in queries:
        params = ", ".join(
            f"{p.name}" + ("" if p.required else f"={p.default}") for p in q.params.values()
        )
        print(f"{q.name.ljust(width)}  {q.title}" + (f"  [{params}]" if params else ""))
    return EXIT_OK


def cmd_prefixes(args: argparse.Namespace) -> int:
    from loaders.iris import PREFIXES

    for name, iri in sorted(PREFIXES.items()):
        print(f"@prefix {name}: <{iri}> ." if args.turtle else f"PREFIX {name}: <{iri}>")
    return EXIT_OK


def cmd_query(args: argparse.Namespace) -> int:
    from loaders.files import text_output
    from loaders.graph.engines import Table
    from loaders.graph.query import (
        STREAMED,
        Capped,
        bindings,
        find,
        names_for,
        parse_text,
        render,
        stream,
    )
    from loaders.limits import Deadline, call

    project = _project(args)
    if (args.name is None) == (args.expression is None):
        raise MigkgError("give a query: NAME, FILE, - (standard input) or -e SPARQL, one of them")
    if args.expression is not None:
        if not args.expression.strip():
            raise MigkgError("-e: the query is empty")
        query = parse_text(args.expression, "expression", Path("-e"))
    else:
        query = find(project, args.name)
    bound = bindings(query, args.param or [], args.lang)
    engine = _engine(args)
    # on an endpoint each request has the deadline too, and its message says how often it
    # tried: the whole wait gets a little longer so that that message is the one shown
    grace = 1.0 if args.endpoint and args.timeout else 0.0
    deadline = Deadline(args.timeout + grace, f"{query.name} on {engine.name}")
    columns, found = stream(engine, query, bound, deadline)
    limit = args.limit if args.limit is not None else (0 if args.format in STREAMED else 10_000)
    rows = Capped(found, limit)
    with text_output(args.output) as out:
        if args.format in STREAMED:
            from loaders.graph.query import write_stream

            write_stream(columns, rows, args.format, out)
        else:
            table = Table(columns, list(rows))
            names = {}
            if args.format in ("table", "md"):
                names = call(lambda: names_for(engine, table.rows, args.lang), deadline)
            out.write(render(table, args.format, names, args.width))
    if rows.more:
        print(
            f"migkg: warning: stopped at {rows.count} rows (--limit {limit}); more rows follow: "
            "give a higher --limit, or 0 for all",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from loaders.files import text_output
    from loaders.graph.search import render, search

    hits = search(_project(args), args.text, args.lang, args.type, args.limit)
    with text_output(args.output) as out:
        out.write(render(hits, args.format))
    return EXIT_OK


def cmd_docs(args: argparse.Namespace) -> int:
    from loaders.files import write_atomically
    from loaders.publish.docs import model_doc, modules, render_all

    project = _project(args)
    build = _dataset(args)
    model = project.root / "docs" / "model.md"
    text = model_doc(build)
    if args.check:
        current = model.read_text(encoding="utf-8") if model.is_file() else ""
        if current != text:
            print(f"{project.relative(model)} is stale: run migkg docs", file=sys.stderr)
            return EXIT_FINDINGS
        return EXIT_OK
    pages = render_all(modules(build))
    out = project.dist / "docs"
    write_atomically({model: text, **{out / name: html for name, html in pages.items()}})
    print(f"wrote {project.relative(model)} and {len(pages)} pages in {project.relative(out)}/")
    return EXIT_OK


def _write_or_print(text: str, output: Path | None, quiet: bool = False) -> None:
    from loaders.files import text_output

    with text_output(output) as out:
        out.write(text)
    if output and str(output) != "-" and not quiet:
        print(f"wrote {output}", file=sys.stderr)


def _resolver(args: argparse.Namespace) -> Resolver:
    """Curated identifiers to match against, when run inside the project (fast: Oxigraph)."""
    from rdflib import Graph

    from loaders.extract.extracted import Resolver
    from loaders.project import Project

    try:
        project = Project.locate(args.root)
    except MigkgError:
        return Resolver(Graph())
    from loaders.graph.dataset import load

    return Resolver(load(project).union(["ontology", "instances"]))


def cmd_extract_fiche(args: argparse.Namespace) -> int:
    from loaders.extract.extracted import fiche_graph
    from loaders.extract.fiche import parse
    from loaders.graph.turtle import canonical_turtle

    fiche = parse(args.file, str(args.file))
    for warning in fiche.warnings:
        print(f"migkg: warning: {warning}", file=sys.stderr)
    resolver = _resolver(args) if args.match else None
    _write_or_print(canonical_turtle(fiche_graph(fiche, resolver=resolver)), args.output)
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    from loaders.add import add
    from loaders.extract.extracted import reads_of
    from loaders.graph.build import build
    from loaders.graph.dataset import load

    project = _project(args)
    curated = reads_of(load(project).quads_in(["ontology", "instances"]))
    added = add(project, Path(args.file), args.kind, curated)
    for warning in added.warnings:
        print(f"migkg: warning: {warning}", file=sys.stderr)
    build(project)  # so that migkg query answers from the draft at once
    print(f"added {project.relative(added.text)} as {added.source}")
    print(f"wrote {project.relative(added.folder)}/: {added.facts} facts await review")
    print("review: migkg query cq-unreviewed; delete mig:awaitsReview from each fact reviewed")
    return EXIT_OK


def cmd_extract_refs(args: argparse.Namespace) -> int:
    import json

    from loaders.extract.refs import extract_file

    refs = extract_file(args.file)
    if args.format == "json":
        rows = [{**r.__dict__, "iri": str(r.iri) if r.iri else None} for r in refs]
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    else:
        lines = ["line\tkind\tid\tstart\tend\ttext"]
        lines += [f"{r.line}\t{r.kind}\t{r.id}\t{r.start}\t{r.end}\t{r.text}" for r in refs]
        text = "\n".join(lines) + "\n"
    _write_or_print(text, args.output)
    return EXIT_OK


def cmd_extract_accuracy(args: argparse.Namespace) -> int:
    from loaders.extract.fiche import fiche_accuracy
    from loaders.extract.refs import accuracy

    project = _project(args)
    table, ok = accuracy(project)
    fiche_table, fiche_ok, _ = fiche_accuracy(project.root)
    sys.stdout.write(table + fiche_table)
    return EXIT_OK if ok and fiche_ok else EXIT_FINDINGS


def cmd_export(args: argparse.Namespace) -> int:
    from loaders.publish.exports import SUFFIX, check, render

    check(args.view, args.format)
    dataset = _dataset(args)
    text = render(dataset, _engine(args, dataset), args.view, args.format, args.lang)
    target = (
        args.output or dataset.project.dist / f"{args.view}.{SUFFIX.get(args.format, args.format)}"
    )
    _write_or_print(text, None if str(target) == "-" else Path(target))
    return EXIT_OK


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def cmd_serve(args: argparse.Namespace) -> int:
    from loaders.files import write_atomically
    from loaders.graph.query import stored
    from loaders.publish.endpoint import check_listen, host_port, queries_page, start

    project = _project(args)
    check_listen(args.host, args.port)  # say so before the build, not after it
    dataset = _dataset(args)  # built now if stale: dist/store is the graph, on disk
    location = project.dist / "store"
    triples = len(dataset.store())
    proc = start(location, args.host, args.port, read_only=True)
    try:
        # Ctrl-C and SIGTERM stop the server with us, even when we were started with SIGINT
        # ignored (as a shell starts a background job): else the server outlives us. SIGHUP
        # (a closed terminal) is main's; a SIGKILL the kernel passes on (see start)
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
        page = project.dist / "queries.html"
        write_atomically({page: queries_page(args.host, args.port, stored(project))})
        print(f"serving {triples} quads read-only at http://{host_port(args.host, args.port)}/ "
              f"(SPARQL at /query); the stored queries, ready to open: {page}")  # fmt: skip
        print("Ctrl-C stops it", flush=True)
        proc.wait()
    except KeyboardInterrupt:
        pass
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        print("stopped")
    return EXIT_OK


def _endpoint(args: argparse.Namespace) -> Endpoint:
    from loaders.publish.endpoint import Endpoint

    return Endpoint.of(
        args.endpoint,
        args.query_url,
        args.store_url,
        args.timeout,
        getattr(args, "update_url", None),
    )


def cmd_push(args: argparse.Namespace) -> int:
    from loaders.publish.endpoint import push

    endpoint = _endpoint(args)
    pushed = push(endpoint, _dataset(args), args.graph)
    print(f"pushed {len(pushed)} graph(s), {sum(pushed.values())} triples, each read back whole")
    return EXIT_OK


def cmd_enrich(args: argparse.Namespace) -> int:
    from loaders.files import write_atomically
    from loaders.namespaces import MIG
    from loaders.publish.endpoint import enrich

    project = _project(args)
    endpoint = _endpoint(args)
    dataset = enrich(endpoint, _dataset(args))
    target = Path(args.output or project.dist / "external" / "cellar.trig")
    matched = {s for g in dataset.graphs() for s in g.subjects(MIG.hasExternalSource)}
    if not matched:
        print(
            f"migkg: warning: nothing matched at {endpoint.query_url}: no act of the graph was "
            f"found there by its CELEX number; is it a CELLAR (CDM) endpoint? {target} was "
            "left as it was",
            file=sys.stderr,
        )
        return EXIT_OK
    write_atomically({target: dataset.serialize(format="trig")})
    n = sum(len(g) for g in dataset.graphs())
    print(f"wrote {target}: {n} triples on {len(matched)} acts from {endpoint.query_url}")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    import json

    from loaders.bench import run, search_table, search_times, table

    project = _project(args)
    try:
        sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        raise MigkgError(f"--sizes {args.sizes}: give whole numbers, comma-separated") from None
    if any(size < 1 for size in sizes):
        raise MigkgError(f"--sizes {args.sizes}: every size is 1 triple or more")
    backends = [b.strip() for b in args.backends.split(",")]
    for backend in backends:
        if backend not in ("rdflib", "oxigraph", "virtuoso"):
            raise MigkgError(f"unknown backend {backend!r}: choose rdflib, oxigraph, virtuoso")
    results = run(project, sizes, backends, args.repeat, args.limit) if sizes else []
    text = table(results) if results else ""
    sys.stdout.write(text + search_table(search_times(project, args.repeat)))
    out = args.out or project.dist / "bench.json"
    from loaders.files import write_atomically

    write_atomically({Path(out): json.dumps(results, indent=1) + "\n"})
    print(f"wrote {out}", file=sys.stderr)
    return EXIT_OK


def engine_options(p: argparse.ArgumentParser) -> None:
    """--engine, or --endpoint (with --graph and --timeout): the one engine of a run."""
    p.add_argument(
        "--engine",
        choices=["oxigraph", "rdflib"],
        default="oxigraph",
        help="the SPARQL engine on the built dataset: oxigraph (embedded, fast, the default) "
        "or rdflib (the reference)",
    )
    remote_options(p)


def remote_options(p: argparse.ArgumentParser) -> None:
    """--endpoint URL, with --graph and --timeout."""
    p.add_argument(
        "--endpoint",
        metavar="URL",
        help="run on a remote SPARQL 1.1 endpoint instead (Oxigraph base URL or a /query or "
        "/sparql URL); credentials from MIGKG_ENDPOINT_USER and MIGKG_ENDPOINT_PASSWORD",
    )
    p.add_argument(
        "--graph",
        metavar="IRI",
        type=graph_iri,
        default="https://w3id.org/migkg/graph/all",
        help="with --endpoint: the graph to query as the default graph (default: the union "
        "graph migkg push writes; '' for the server's own default graph)",
    )
    p.add_argument(
        "--timeout",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="the longest wait for the engine's answer, retries included (default 30; 0: no "
        "limit); the time a reader of the output takes does not count",
    )


def seconds(text: str) -> float:
    """A --timeout value: seconds, 0 or more (0: no limit)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not (value >= 0 and value != float("inf")):
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 (no limit) or more seconds")
    return value


def count(text: str) -> int:
    """A count: a whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: give 0 or more")
    return value


def graph_iri(text: str) -> str:
    """A graph's IRI: absolute, without spaces or <>"{}|^`\\ (or '' for none)."""
    if text and not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|^`\\]+", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not an absolute IRI")
    return text


def positive(text: str) -> int:
    """A count of 1 or more."""
    value = count(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: give 1 or more")
    return value


def port(text: str) -> int:
    """A TCP port: 1 to 65535."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value}: a port is a number from 1 to 65535")
    return value


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="migkg",
        description="Build, check and query the EU migration policy knowledge graph.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    top.add_argument(
        "--root",
        type=Path,
        default=None,
        help="repository root (default: the clone migkg runs from)",
    )
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_,
            description=help_,
            epilog=EPILOG,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    bld = add(
        "build",
        cmd_build,
        "build the graph into dist/graph.trig, graph.ttl and graph.nq; print counts",
    )
    bld.add_argument(
        "--force", action="store_true", help="rebuild even if no input changed since the last build"
    )
    add("stats", cmd_stats, "print the number of instances per class, writing nothing")
    fmt = add("fmt", cmd_fmt, "rewrite Turtle files in canonical form (sorted longturtle)")
    fmt.add_argument("--check", action="store_true", help="only list files not in canonical form")
    fmt.add_argument("files", nargs="*", help="files to format (default: every input file)")
    loc = add("locate", cmd_locate, "find every evidence quote in its source; record its offsets")
    loc.add_argument(
        "--check", action="store_true", help="only report quotes not found or not recorded"
    )
    loc.add_argument("files", nargs="*", help="instance files to update (default: all)")
    cov = add(
        "coverage",
        cmd_coverage,
        "write docs/coverage.md: what each source document contributed, and which kinds "
        "of fact each instrument has recorded",
    )
    cov.add_argument("-o", "--output", type=Path, help="file to write (- for standard output)")
    dif = add(
        "diff",
        cmd_diff,
        "what changed in the knowledge (not the text) between two git revisions or builds",
    )
    dif.add_argument(
        "old", nargs="?", default="HEAD", help="a git revision or a build (default: HEAD)"
    )
    dif.add_argument(
        "new",
        nargs="?",
        default=None,
        help="a git revision or a build: a checkout, dist/ folder or graph.nq file "
        "(default: the working tree)",
    )
    dif.add_argument(
        "--format",
        choices=["markdown", "json"],
        default="markdown",
        help="markdown (for a pull-request comment) or json (stable, sorted)",
    )
    dif.add_argument("-o", "--output", type=Path, help="file to write (- for standard output)")
    dif.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 when the knowledge changed (like git diff --exit-code); else always 0",
    )
    val = add("validate", cmd_validate, "validate the graph against the SHACL shapes in shapes/")
    val.add_argument(
        "--format",
        choices=["text", "json", "turtle", "junit", "sarif", "github"],
        default="text",
        help="text (grouped by focus node), json, turtle (the standard SHACL validation "
        "report), junit (JUnit XML: a test case per shape), sarif (SARIF 2.1.0, for code "
        "scanning) or github (GitHub Actions annotations); junit, sarif and github point at "
        "the line where the focus node's subject starts in its Turtle file",
    )
    val.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="file to write the report to (default, or -: standard output); see docs/validation.md",
    )
    val.add_argument(
        "--fail-on",
        choices=["violation", "warning", "info"],
        default="violation",
        help="lowest severity that makes the exit code 1 (default: violation)",
    )
    val.add_argument(
        "--engine",
        choices=["sparql", "pyshacl"],
        default="sparql",
        help="sparql: the shapes compiled to SPARQL on Oxigraph (fast, the default); "
        "pyshacl: pySHACL itself (same results, several times slower)",
    )
    remote_options(val)
    docs = add(
        "docs",
        cmd_docs,
        "write the ontology reference (dist/docs/*.html) and the model diagram (docs/model.md)",
    )
    docs.add_argument(
        "--check", action="store_true", help="only check that docs/model.md is up to date"
    )
    new = add("add", cmd_add, "add a document to sources/ with a draft of what it states")
    new.add_argument("file", type=Path, help="the text of the document (UTF-8)")
    new.add_argument(
        "--kind",
        choices=["fiche", "letter", "communication", "act"],
        default="fiche",
        help="what the document is (default: fiche, a BNC fiche)",
    )
    ext = add("extract", lambda a: EXIT_ERROR, "extract data from a text: a BNC fiche, references")
    ext_sub = ext.add_subparsers(dest="what", required=True, metavar="WHAT")

    def extract(
        name: str, func: Callable[[argparse.Namespace], int], help_: str
    ) -> argparse.ArgumentParser:
        p = ext_sub.add_parser(
            name, help=help_, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        p.set_defaults(func=func)
        return p

    fic = extract(
        "fiche",
        cmd_extract_fiche,
        "parse a BNC fiche into RDF (general data, assessments, candidate positions)",
    )
    fic.add_argument("file", type=Path, metavar="FILE")
    fic.add_argument("-o", "--output", type=Path, help="write Turtle to this file (atomically)")
    fic.add_argument(
        "--match",
        action="store_true",
        help="match the instrument and actors to the curated data of this project",
    )
    ref = extract("refs", cmd_extract_refs, "list every reference to another document or provision")
    ref.add_argument("file", type=Path, metavar="FILE")
    ref.add_argument("--format", choices=["tsv", "json"], default="tsv")
    ref.add_argument("-o", "--output", type=Path, help="write to this file (atomically)")
    extract(
        "accuracy",
        cmd_extract_accuracy,
        "precision and recall of the reference extractor on the hand-labelled sources, and "
        "of the fiche parser (fields, assessments, stances) on the held-out fiches",
    )
    exp = add(
        "export",
        cmd_export,
        "export a view of the graph for Gephi, Cytoscape, yEd, Graphviz, a browser or a store",
    )
    exp.add_argument("--view", default="instruments", help="instruments, positions, actors or full")
    exp.add_argument(
        "--format",
        default="html",
        help="graphml, gexf, cytoscape, dot, html (graph formats) or ttl, nt, jsonld, trig (RDF)",
    )
    exp.add_argument("--lang", choices=["nl", "en"], default="en", help="language of labels")
    engine_options(exp)
    exp.add_argument(
        "-o", "--output", type=Path, help="file to write (default dist/VIEW.FORMAT; - for stdout)"
    )
    srv = add("serve", cmd_serve, "serve the graph read-only with the Oxigraph server")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default loopback)")
    srv.add_argument("--port", type=port, default=7878, help="TCP port (default 7878)")
    for name, func, help_ in (
        ("push", cmd_push, "upload the graph to a store (Graph Store Protocol) and check it"),
        ("enrich", cmd_enrich, "fetch CDM metadata of the graph's EU acts from a CELLAR endpoint"),
    ):
        cmd = add(name, func, help_)
        cmd.add_argument("--endpoint", required=True, metavar="URL", help="the server's base URL")
        cmd.add_argument("--query-url", help="its SPARQL query URL (default ENDPOINT/query)")
        cmd.add_argument("--store-url", help="its Graph Store URL (default ENDPOINT/store)")
        cmd.add_argument("--update-url", help="its SPARQL update URL (default ENDPOINT/update)")
        cmd.add_argument(
            "--timeout",
            type=seconds,
            default=30.0,
            metavar="SECONDS",
            help="the longest wait for one request, retries included (default 30; 0: no limit)",
        )
        if name == "push":
            cmd.add_argument(
                "--graph", type=graph_iri, help="push everything into this one graph IRI"
            )
        else:
            cmd.add_argument("-o", "--output", type=Path, help="default dist/external/cellar.trig")
    bench = add(
        "bench",
        cmd_bench,
        "time load, validation, queries, exports and search on synthetic graphs, and "
        "migkg search on the real graph",
    )
    bench.add_argument(
        "--sizes",
        default="10000,100000",
        help="triples, comma-separated ('' for none: only the search on the real graph)",
    )
    bench.add_argument(
        "--backends",
        default="rdflib,oxigraph",
        help="rdflib, oxigraph, virtuoso (a private Virtuoso 7.2: push, then every query there)",
    )
    bench.add_argument(
        "--repeat", type=positive, default=3, help="runs per step (the median is kept)"
    )
    bench.add_argument("--out", type=Path, help="JSON results (default dist/bench.json)")
    bench.add_argument(
        "--limit",
        type=seconds,
        default=0,
        metavar="SECONDS",
        help="give up a step after this long and report it as '> SECONDS' (default: no limit)",
    )
    add("queries", cmd_queries, "list the stored queries under queries/ with their titles")
    pfx = add("prefixes", cmd_prefixes, "print the project's prefixes, ready to paste")
    pfx.add_argument(
        "--turtle", action="store_true", help="as Turtle @prefix lines (default: SPARQL PREFIX)"
    )
    qry = add(
        "query",
        cmd_query,
        "run a stored query, a .rq file, -e TEXT or standard input (-) on the graph; the "
        "project's prefixes are added where the query uses them undeclared",
    )
    qry.add_argument(
        "name",
        metavar="NAME|FILE|-",
        nargs="?",
        help="a stored query's name, a .rq file, or - to read the query from standard input",
    )
    qry.add_argument(
        "-e",
        "--expression",
        metavar="SPARQL",
        help="the query itself, given inline, instead of NAME|FILE",
    )
    qry.add_argument(
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter of the query (repeatable); IRIs as <...>, prefix:name or a path "
        "under https://w3id.org/migkg/id/ such as actor/frontex",
    )
    qry.add_argument(
        "--format", choices=["table", "csv", "json", "md"], default="table", help="output format"
    )
    qry.add_argument(
        "--lang",
        choices=["nl", "en"],
        default=None,
        help="language of labels in table and md output, and of a query's own lang "
        "parameter (default: en)",
    )
    qry.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write to this file (a new or regular file is replaced whole; a FIFO, device or "
        "symbolic link's target is written through)",
    )
    qry.add_argument(
        "--limit",
        type=count,
        default=None,
        metavar="ROWS",
        help="stop after this many rows, with a warning (default: 10000 for table and md, "
        "none for csv and json, which are written row by row as they come; 0: no limit)",
    )
    qry.add_argument(
        "--width",
        type=count,
        default=60,
        metavar="CHARS",
        help="cut table cells longer than this with '…' (default: 60; 0: never); csv, json "
        "and md are never cut",
    )
    engine_options(qry)
    sea = add(
        "search",
        cmd_search,
        "full-text search over labels, alternative labels, definitions and evidence quotes, "
        "best first (BM25); each hit with its node, type, the text matched and its source",
    )
    sea.add_argument(
        "text",
        metavar="TEXT",
        help="what to look for, as an SQLite FTS5 query: words (every one must occur; case "
        'and accents do not count), "a phrase", a OR b, a NOT b, prefix* (hervestiging* '
        "finds hervestigingsquotum); quote words holding - . : ( ) as a phrase",
    )
    sea.add_argument(
        "--lang",
        choices=["nl", "en"],
        default=None,
        help="only literals in this language (a quote is in its source's language); also "
        "the language of the labels shown (default: any; labels in English)",
    )
    sea.add_argument(
        "--type",
        metavar="CLASS",
        help="only nodes of this class or a subclass of it: a prefixed name (mig:Position, "
        "mig:Actor) or a full IRI",
    )
    sea.add_argument(
        "--limit",
        type=count,
        default=20,
        metavar="HITS",
        help="the best this many hits (default 20; 0: every hit)",
    )
    sea.add_argument(
        "--format",
        choices=["table", "csv", "json"],
        default="table",
        help="table (the match cut around the hit, marked «like this»), csv (the whole "
        "text marked, full IRIs) or json (every field of a hit)",
    )
    sea.add_argument(
        "-o",
        "--output",
        type=Path,
        help="write to this file (a new or regular file is replaced whole; a FIFO, device or "
        "symbolic link's target is written through)",
    )
    add("reason", cmd_reason, "check the ontology and instance data for consistency with HermiT")
    return top


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP: stop as on Ctrl-C, so that every ``finally`` runs (temporary
    files removed, a server child stopped)."""


def _stop(signum: int, frame: object) -> None:
    raise Stopped(signal.Signals(signum).name)


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of what
    could not be written (a closed pipe, a full disk) raises nothing at exit."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every failure a user can act on is one line and exit 2."""
    given = sys.argv[1:] if argv is None else list(argv)
    if any("\x00" in arg for arg in given):  # no file name or value may hold one
        return _fail("an argument holds a NUL byte (\\x00): remove it")
    args = parser().parse_args(given)
    handlers = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGHUP):
            handlers[sig] = signal.signal(sig, _stop)
    try:
        target = getattr(args, "output", None)  # every -o names a file: a folder is said now
        if target is not None and str(target) != "-":
            from loaders.files import check_output

            check_output(Path(target))
        code: int = args.func(args)
        sys.stdout.flush()
    except MigkgError as exc:
        return _fail(exc.message, exc.exit_code)
    except KeyboardInterrupt as exc:
        what = str(exc) if isinstance(exc, Stopped) else "Ctrl-C"
        return _fail(f"interrupted ({what}): nothing half-written was left", EXIT_ERROR)
    except BrokenPipeError:  # the reader went away (migkg queries | head): not an error
        _quiet_stdout()
        return EXIT_OK
    except OSError as exc:  # the environment: a file, folder, disk or device
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO) and not exc.filename:
            _quiet_stdout()
            return _fail(f"standard output: cannot write: {os.strerror(exc.errno or 0)}")
        return _fail(str(failure(exc.filename or "a file", exc, "cannot use it").message))
    finally:
        for sig, previous in handlers.items():
            signal.signal(sig, previous)
    return code


def _fail(message: str, code: int = EXIT_ERROR) -> int:
    with contextlib.suppress(OSError):
        print(f"migkg: error: {message}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
