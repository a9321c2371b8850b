"""The CLI under bad input and faults: one line naming the thing, exit 2, no traceback,
nothing half-written, no wait without bound (issue 15).

Most cases run the real CLI in a subprocess (as a user would), so that a traceback, an
exit code or a left-over file is seen exactly as a user sees it."""

from __future__ import annotations

import contextlib
import http.server
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import ROOT, copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loaders.cli import main
from loaders.files import output, sweep, temp_prefix
from loaders.project import Project

PY = sys.executable


def cli(
    *argv: str,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    stdout: int | None = subprocess.PIPE,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PY, "-m", "loaders", *argv],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=timeout,
    )


def one_line_error(done: subprocess.CompletedProcess[str], *needles: str) -> str:
    """The run failed as a user error should: exit 2, no traceback, and its last line the
    error (argparse's usage lines may come before it), holding every needle."""
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stderr)
    last = done.stderr.strip().splitlines()[-1]
    assert re.match(r"^migkg( [\w-]+)*: error: ", last), done.stderr
    for needle in needles:
        assert needle in last, (needle, last)
    return last


# --- arguments ---------------------------------------------------------------------------------


ARGUMENTS = [
    (["query", "cq-nosuch"], "no stored query or .rq file named 'cq-nosuch'"),
    (["query", "cq-cabinet-supports", "--param", "holder"], "write it as name=value"),
    (["query", "cq-cabinet-supports", "--param", "nosuch=1"], "unknown parameter 'nosuch'"),
    (["query", "cq-instruments-on-article", "--param", "article=<urn:a b>"], "not an IRI"),
    (["query", "cq-instruments-on-article", "--param", "article=zz:x"], "unknown prefix 'zz'"),
    (["query", "cq-cabinet-supports", "--timeout", "-1"], "give 0 (no limit) or more"),
    (["query", "cq-cabinet-supports", "--timeout", "soon"], "not a number of seconds"),
    (["query", "cq-cabinet-supports", "--timeout", "inf"], "give 0 (no limit) or more"),
    (["query", "cq-cabinet-supports", "--limit", "-3"], "give 0 or more"),
    (["query", "cq-cabinet-supports", "--format", "xml"], "invalid choice: 'xml'"),
    (["query", "cq-cabinet-supports", "--endpoint", "not a url"], "give an http:// or https://"),
    (["query", "cq-cabinet-supports", "--endpoint", "http://[::1/"], "not a valid URL"),
    (["query", "cq-cabinet-supports", "--endpoint", "http://127.0.0.1:99999/"], "out of range"),
    (
        ["query", "cq-cabinet-supports", "--endpoint", "http://u:secret@127.0.0.1:9/"],
        "put no credentials in it",
    ),
    (
        ["query", "cq-cabinet-supports", "--endpoint", "http://x/", "--graph", "a b"],
        "not an absolute IRI",
    ),
    (["push", "--endpoint", "http://127.0.0.1:9", "--graph", "<x>"], "not an absolute IRI"),
    (["serve", "--port", "70000"], "a port is a number from 1 to 65535"),
    (["serve", "--port", "http"], "not a port number"),
    (["serve", "--host", "nosuch.invalid"], "--host nosuch.invalid: no such host"),
    (["serve", "--host", "192.0.2.1"], "not an address of this machine"),
    (["export", "--view", "nosuch"], "unknown view 'nosuch'"),
    (["export", "--format", "docx"], "unknown format 'docx'"),
    (["bench", "--sizes", "ten"], "--sizes ten: give whole numbers"),
    (["bench", "--sizes", "0"], "1 triple or more"),
    (["bench", "--repeat", "0"], "give 1 or more"),
    (["bench", "--backends", "nosuch"], "unknown backend 'nosuch'"),
    (["extract", "fiche", "/nonexistent/fiche.txt"], "/nonexistent/fiche.txt: cannot read"),
    (["extract", "refs", "/"], "/: cannot read"),
    (["fmt", "/nonexistent.ttl"], "/nonexistent.ttl: cannot read file"),
    (["locate", "/nonexistent.ttl"], "/nonexistent.ttl: cannot read file"),
    (["--root", "/nonexistent", "stats"], "/nonexistent: no ontology/ folder here"),
    (["--root", "/etc/hostname", "stats"], "/etc/hostname: no ontology/ folder here"),
    (["locate", "a\x00b.ttl"], "an argument holds a NUL byte"),  # found by the property test
    (["query", "cq-cabinet-supports", "-o", "x\x00"], "an argument holds a NUL byte"),
    (["extract", "fiche", "README.md"], "not a BNC fiche"),
    (["coverage", "-o", "/"], "/: it is a folder: give a file name"),
    (["query", "cq-cabinet-supports", "-o", "/"], "it is a folder"),
    (["query", "cq-cabinet-supports", "-o", "pyproject.toml/x.csv"], "is a file, not a folder"),
    (["export", "--format", "nt", "-o", "/dev/full"], "/dev/full: cannot write"),
    (["search", "EU-Turkije"], "search 'EU-Turkije': not a valid search"),
    (["search", "x", "--type", "zz:Thing"], "unknown prefix 'zz'"),
    (["search", "x", "--type", "mig:NoSuchClass"], "no node of the graph is of this class"),
    (["search", "x", "--limit", "-1"], "give 0 or more"),
    (["search", "x", "-o", "/"], "it is a folder"),
]


def in_process(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> subprocess.CompletedProcess[str]:
    """``main(argv)`` in this process (an exception escaping it fails the test as a
    traceback would), as a finished process."""
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse
        code = exc.code if isinstance(exc.code, int) else 2
    out, err = capsys.readouterr()
    return subprocess.CompletedProcess(argv, code, out, err)


@pytest.mark.parametrize(("argv", "says"), ARGUMENTS, ids=[" ".join(a) for a, _ in ARGUMENTS])
def test_a_bad_argument_is_one_line_and_exit_2(
    argv: list[str], says: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    done = in_process(argv, capsys)
    one_line_error(done, says)
    assert "secret" not in done.stderr


def test_dev_full_stays_a_device_when_written_to() -> None:
    """`migkg export -o /dev/full`, as root, replaced the device with a regular file."""
    before = os.stat("/dev/full")
    one_line_error(cli("export", "--format", "nt", "-o", "/dev/full"), "no space left")
    after = os.stat("/dev/full")
    assert after.st_rdev == before.st_rdev and after.st_ino == before.st_ino


def test_a_full_standard_output_is_one_line() -> None:
    with open("/dev/full", "w") as full:
        done = cli("queries", stdout=full.fileno())
    one_line_error(done, "standard output: cannot write: No space left on device")


def test_a_full_standard_output_is_one_line_for_streamed_rows_too() -> None:
    with open("/dev/full", "w") as full:
        done = cli("query", "cq-cabinet-supports", "--format", "csv", stdout=full.fileno())
    one_line_error(done, "cannot write")


# --- input files -------------------------------------------------------------------------------


def broken_copy(tmp_path: Path, name: str, edit: str) -> Project:
    project = copy_project(tmp_path)
    path = project.root / name
    text = path.read_text(encoding="utf-8")
    path.write_text(edit.format(text=text), encoding="utf-8")
    return project


def test_an_ill_typed_literal_names_file_and_line_in_build_validate_and_reason(
    tmp_path: Path,
) -> None:
    """`"2020-13-45"^^xsd:date` gave rdflib tracebacks, and build and reason exited 0."""
    project = copy_project(tmp_path)
    last = (project.dist / "graph.nq").read_bytes()
    events = project.root / "instances" / "000-bnc-fiche" / "events.ttl"
    lines = events.read_text(encoding="utf-8").splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if '"^^xsd:date' in line)
    lines[at] = re.sub(r'"\d{4}-\d\d-\d\d"', '"2020-13-45"', lines[at])
    events.write_text("".join(lines), encoding="utf-8")
    for command in ("build", "validate", "reason"):
        one_line_error(
            cli("--root", str(project.root), command),
            f"instances/000-bnc-fiche/events.ttl:{at + 1}: ill-typed literal",
            "not a valid xsd:date",
        )
    assert (project.dist / "graph.nq").read_bytes() == last  # the last build, untouched


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        ("{text}\n<urn:a> <urn:b> .\n", "Turtle syntax error"),
        (
            '{text}\n<urn:a> <urn:b> "x"^^<http://www.w3.org/2001/XMLSchema#integer> .\n',
            '"x" is not a valid xsd:integer',
        ),
        ("{text}\n<urn:a> <urn:b> <not an iri> .\n", "Turtle syntax error"),
    ],
    ids=["syntax", "ill-typed-integer", "bad-iri"],
)
def test_a_broken_input_file_is_named_with_its_line(tmp_path: Path, edit: str, says: str) -> None:
    project = broken_copy(tmp_path, "instances/001-recommendation/entities.ttl", edit)
    lines = (project.root / "instances/001-recommendation/entities.ttl").read_text().count("\n")
    last = one_line_error(cli("--root", str(project.root), "build"), says)
    found = re.search(r"entities\.ttl:(\d+):", last)
    assert found and int(found.group(1)) in (lines - 1, lines), last


def test_input_files_that_cannot_be_read_are_named(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project.root / "instances" / "binary.ttl").write_bytes(b"\xff\xfe<urn:a>")
    one_line_error(cli("--root", str(project.root), "build"), "binary.ttl:1: not UTF-8 text")
    (project.root / "instances" / "binary.ttl").unlink()
    (project.root / "instances" / "dangling.ttl").symlink_to(tmp_path / "nowhere.ttl")
    one_line_error(cli("--root", str(project.root), "build"), "dangling.ttl: cannot read file")


def test_an_input_file_name_with_a_space_builds(tmp_path: Path) -> None:
    """A file name with a space made an invalid graph IRI: a traceback in build."""
    project = copy_project(tmp_path)
    source = project.root / "instances" / "001-recommendation" / "entities.ttl"
    spaced = source.with_name("more entities.ttl")
    source.rename(spaced)
    done = cli("--root", str(project.root), "build")
    assert done.returncode == 0, done.stderr
    graph = project.graph_iri(spaced)
    assert graph.endswith("/instances/001-recommendation/more%20entities.ttl")
    assert project.path_of_graph(graph) == "instances/001-recommendation/more entities.ttl"
    assert f"<{graph}>" in (project.dist / "graph.nq").read_text(encoding="utf-8")


def test_dist_as_a_file_is_one_line(tmp_path: Path) -> None:
    project = copy_project(tmp_path, built=False)
    project.dist.write_text("not a folder")
    one_line_error(cli("--root", str(project.root), "stats"), "dist: is a file, not a folder")


def test_update_files_are_refused_as_updates(tmp_path: Path) -> None:
    """An UPDATE given to `migkg query` was refused as "expected CONSTRUCT"."""
    for text in (
        "PREFIX ex: <urn:ex:>\n# a comment\nINSERT DATA { ex:a ex:b ex:c }\n",
        "delete where { ?s ?p ?o }",
        "DROP ALL",
    ):
        path = tmp_path / "update.rq"
        path.write_text(text)
        one_line_error(cli("query", str(path)), "updates are not allowed")


def test_a_failing_service_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    path = tmp_path / "service.rq"
    path.write_text(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/q> {{ ?s ?p ?o }} }}\n")
    done = cli("query", str(path))
    one_line_error(done, "service.rq: oxigraph: the query failed")
    assert "unsendable" not in done.stderr


def test_a_parameter_outside_the_projection_is_bound_on_every_engine(tmp_path: Path) -> None:
    """Oxigraph substitutes projected variables only: a --param for another one was a
    RuntimeError traceback."""
    path = tmp_path / "label.rq"
    path.write_text(
        "# title: label of a node\n"
        "# param node (iri): the node. default: id:actor/frontex\n"
        "SELECT ?label WHERE { ?node <http://www.w3.org/2000/01/rdf-schema#label> ?label }\n"
    )
    answers = []
    for engine in ("oxigraph", "rdflib"):
        done = cli("query", str(path), "--format", "csv", "--engine", engine)
        assert done.returncode == 0, done.stderr
        answers.append(sorted(done.stdout.splitlines()))
    assert answers[0] == answers[1]
    assert "Frontex" in answers[0][1] and len(answers[0]) == 3  # header, @en, @nl


# --- output files: written through, or whole, and nothing left -------------------------------


def test_o_writes_through_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    done = cli("query", "cq-cabinet-supports", "--format", "csv", "-o", str(fifo))
    reader.join(30)
    assert done.returncode == 0, done.stderr
    assert fifo.is_fifo()
    assert got[0].decode().splitlines()[0].startswith("holder,stance,instrument")
    assert len(got[0].decode().splitlines()) == 27  # the header and the 26 rows


def test_o_writes_through_a_symbolic_link(tmp_path: Path) -> None:
    target = tmp_path / "real" / "answer.csv"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    done = cli("query", "cq-cabinet-supports", "--format", "csv", "-o", str(link))
    assert done.returncode == 0, done.stderr
    assert link.is_symlink() and link.resolve() == target.resolve()
    assert len(target.read_text().splitlines()) == 27
    assert sorted(p.name for p in target.parent.iterdir()) == ["answer.csv"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def full(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    from loaders.files import OutputError

    with pytest.raises(OutputError, match=r"out\.txt: cannot write: no space left on the"):  # noqa: SIM117
        with output(target) as handle:
            handle.write(b"new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


@pytest.mark.parametrize(
    ("stop", "says"),
    [(signal.SIGTERM, "SIGTERM"), (signal.SIGINT, "Ctrl-C"), (signal.SIGHUP, "SIGHUP")],
)
def test_a_signal_while_writing_removes_the_temporary(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    stop: signal.Signals,
    says: str,
) -> None:
    """The signal arrives while the output is being written (a real signal to this
    process, at a known point): the temporary file goes, the old file stays, exit 2."""
    target = tmp_path / "answer.csv"
    target.write_text("old\n")
    import loaders.graph.query as query

    real = query.write_stream

    def interrupted(columns, rows, fmt, out):  # type: ignore[no-untyped-def]
        out.write("holder,stance\n")
        assert any(p.name.startswith(".answer.csv.migkg-") for p in tmp_path.iterdir())
        os.kill(os.getpid(), stop)
        time.sleep(5)  # the handler raises before this ends
        real(columns, rows, fmt, out)

    monkeypatch.setattr(query, "write_stream", interrupted)
    code = main(["query", "cq-cabinet-supports", "--format", "csv", "-o", str(target)])
    assert code == 2
    assert f"interrupted ({says})" in capsys.readouterr().err
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["answer.csv"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers put back
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL


def test_temporaries_of_a_killed_run_are_swept_by_the_next_build(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project.dist / "docs").mkdir(parents=True)
    killed = subprocess.run(
        [PY, "-c",
         "import os, signal, sys\n"
         "from pathlib import Path\n"
         "from loaders.files import output, temporary_folder\n"
         f"d = Path({str(project.dist)!r})\n"
         "with temporary_folder(d, 'store'):\n"
         "    with output(d / 'docs' / 'page.html') as h:\n"
         "        h.write(b'half'); h.flush()\n"
         "        os.kill(os.getpid(), signal.SIGKILL)\n"],
        cwd=ROOT, capture_output=True, timeout=60,
    )  # fmt: skip
    assert killed.returncode == -signal.SIGKILL
    left = sorted(p.name for p in project.dist.rglob("*.migkg-*"))
    assert len(left) == 2, left
    mine = project.dist / f"{temp_prefix('live')}x.tmp"  # a live run's (ours): kept
    mine.write_text("live")
    done = cli("--root", str(project.root), "build")
    assert done.returncode == 0, done.stderr
    assert [p.name for p in project.dist.rglob("*.migkg-*")] == [mine.name]
    assert sweep(project.dist) == []


def _unshare_works() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


needs_mounts = pytest.mark.skipif(
    not _unshare_works(), reason="needs a private mount namespace (unshare -m, as root)"
)


def in_mount_namespace(script: str) -> subprocess.CompletedProcess[str]:
    """A shell script in a private mount namespace: its mounts vanish with it."""
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


@needs_mounts
def test_a_full_disk_is_one_line_and_leaves_no_temporary(tmp_path: Path) -> None:
    """A real file system that fills up (a 256 KB tmpfs) under a write of several MB."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = (
        f"mount -t tmpfs -o size=256k tmpfs {disk} && "
        f"{PY} -m loaders export --view full --format nt -o {disk}/full.nt; "
        f"echo exit=$?; ls -A {disk}"
    )
    done = in_mount_namespace(script)
    assert "Traceback" not in done.stderr
    assert "exit=2" in done.stdout and done.stdout.strip().endswith("exit=2"), done.stdout
    assert "full.nt: cannot write: no space left on the device (the disk is full)" in done.stderr


@needs_mounts
def test_a_read_only_dist_is_one_line(tmp_path: Path) -> None:
    project = copy_project(tmp_path, built=False)
    project.dist.mkdir()
    with (project.root / "instances" / "001-recommendation" / "entities.ttl").open("a") as f:
        f.write("\n")  # nothing built yet: the build must write
    script = (
        f"mount --bind {project.dist} {project.dist} && "
        f"mount -o remount,ro,bind {project.dist} && "
        f"{PY} -m loaders --root {project.root} stats"
    )
    done = in_mount_namespace(script)
    one_line_error(done, "dist: cannot write the build there: the file system is read-only")


# --- bounded waits -----------------------------------------------------------------------------


class Stalling(http.server.BaseHTTPRequestHandler):
    """A server that never answers (silent), answers a byte at a time (trickle), or
    answers with something that is not SPARQL JSON results (bad), or none (empty)."""

    mode: ClassVar[str] = "silent"
    hits: ClassVar[int] = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        Stalling.hits += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.mode == "silent":
            time.sleep(30)
            return
        if self.mode == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/sparql-results+json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(100):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.3)
            return
        body = {
            "bad": b'{"head": {"vars": ["a"]}, "results": {"bindings": [{"a": {"type": "x"}}]}}',
            "html": b"<html>maintenance</html>",
            "empty": b'{"head": {"vars": ["act"]}, "results": {"bindings": []}}',
        }[self.mode]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture()
def stalling() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Stalling)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    Stalling.hits = 0
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("mode", ["silent", "trickle"])
def test_timeout_bounds_the_whole_wait_and_says_so(stalling: str, mode: str) -> None:
    """--timeout 0.5 against a server that never answers hung for ever; --timeout 2 waited
    11 s over retries. The bound here is a hang guard, generous for a loaded machine."""
    Stalling.mode = mode
    start = time.monotonic()
    done = cli("query", "cq-cabinet-supports", "--endpoint", f"{stalling}/query",
               "--timeout", "1.5")  # fmt: skip
    waited = time.monotonic() - start
    one_line_error(done, "/query: no answer within 1.5 s in 1 attempt", "--timeout")
    assert waited < 15, waited


@pytest.mark.parametrize(
    ("mode", "says"), [("bad", "not SPARQL JSON"), ("html", "not SPARQL JSON")]
)
def test_malformed_answers_are_one_line(stalling: str, mode: str, says: str) -> None:
    Stalling.mode = mode
    one_line_error(cli("query", "cq-cabinet-supports", "--endpoint", f"{stalling}/query"), says)
    one_line_error(cli("enrich", "--endpoint", stalling, "-o", os.devnull), says)


def test_enrich_warns_when_nothing_matched(stalling: str, tmp_path: Path) -> None:
    Stalling.mode = "empty"
    target = tmp_path / "cellar.trig"
    target.write_text("kept\n")
    done = cli("enrich", "--endpoint", stalling, "-o", str(target))
    assert done.returncode == 0, done.stderr
    assert "warning: nothing matched" in done.stderr and Stalling.hits >= 1
    assert target.read_text() == "kept\n"


# --- bounded local queries -------------------------------------------------------------------


RUNAWAY = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n"


def test_a_runaway_local_query_stops_at_its_timeout(tmp_path: Path) -> None:
    path = tmp_path / "runaway.rq"
    path.write_text("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }\n")
    start = time.monotonic()
    done = cli("query", str(path), "--timeout", "1")
    one_line_error(done, "runaway on oxigraph: no answer within 1 s", "--timeout")
    assert time.monotonic() - start < 15


def test_limit_caps_rows_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "runaway.rq"
    path.write_text(RUNAWAY)
    done = cli("query", str(path), "--format", "csv", "--limit", "7")
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 8  # the header and 7 rows
    assert "stopped at 7 rows (--limit 7)" in done.stderr
    table = cli("query", str(path), "--limit", "5")
    assert "(5 rows)" in table.stdout and "--limit 5" in table.stderr


def _peak_kb(argv: list[str]) -> int:
    """The peak resident memory of one CLI run, in KB (its output thrown away)."""
    with open(os.devnull, "wb") as sink:
        proc = subprocess.Popen([PY, "-m", "loaders", *argv], cwd=ROOT, stdout=sink,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        _, status, usage = os.wait4(proc.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return int(usage.ru_maxrss)


def test_csv_streams_with_flat_memory(tmp_path: Path) -> None:
    """A million rows took 678 MB: the rows were all held before the first was written
    (about 0.7 KB a row). Streamed, 60 000 rows take about what 2 000 take."""
    path = tmp_path / "runaway.rq"
    path.write_text(RUNAWAY)
    few = _peak_kb(["query", str(path), "--format", "csv", "--limit", "2000"])
    many = _peak_kb(["query", str(path), "--format", "csv", "--limit", "60000"])
    assert many - few < 20_000, (few, many)  # held, 60 000 rows would be about 40 MB more


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_rows_are_written_as_they_come(tmp_path: Path, fmt: str) -> None:
    """The first rows of a runaway query reach the reader long before the query ends."""
    path = tmp_path / "runaway.rq"
    path.write_text(RUNAWAY)
    proc = subprocess.Popen(
        [PY, "-m", "loaders", "query", str(path), "--format", fmt, "--timeout", "60"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        head = b"".join(proc.stdout.readline() for _ in range(40))
        assert proc.poll() is None  # still running: the rows came as they were found
        assert head.count(b"\n") == 40
        assert (b"?a" not in head) and ((b'"type": "uri"' in head) or (b"," in head))
    finally:
        proc.kill()
        proc.wait()


def test_streamed_output_is_the_whole_tables_output() -> None:
    for fmt in ("csv", "json"):
        done = cli("query", "cq-nl-quota", "--format", fmt)
        assert done.returncode == 0, done.stderr
        from loaders.graph.dataset import load
        from loaders.graph.query import bindings, find, render, run

        project = Project.locate(ROOT)
        query = find(project, "cq-nl-quota")
        table = run(load(project).engine("oxigraph"), query, bindings(query, []))
        assert done.stdout == render(table, fmt, {})


# --- which checkout ----------------------------------------------------------------------------


def test_a_command_inside_another_checkout_works_on_that_checkout(tmp_path: Path) -> None:
    """Run inside a copy, the installed migkg read and wrote the original's dist/."""
    copy = copy_project(tmp_path / "copy")
    built = ROOT / "dist" / "build.json"
    before = built.stat().st_mtime_ns if built.exists() else None
    done = cli("stats", cwd=copy.root / "instances")
    assert done.returncode == 0, done.stderr
    assert f"using the checkout at {copy.root}" in done.stderr
    assert (copy.dist / "graph.nq").is_file()
    assert (built.stat().st_mtime_ns if built.exists() else None) == before
    # --root overrides, silently
    other = cli("--root", str(ROOT), "queries", cwd=copy.root)
    assert other.returncode == 0 and "using the checkout" not in other.stderr


# --- serve -------------------------------------------------------------------------------------


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [PY, "-m", "loaders", "serve", "--port", str(port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    assert f"http://127.0.0.1:{port}/" in proc.stdout.readline()
    assert "Ctrl-C stops it" in proc.stdout.readline()  # its handlers are set
    assert _listening(port)
    return proc


def _gone(port: int, seconds: float = 20) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if not _listening(port):
            return True
        time.sleep(0.1)
    return False


def test_serve_stops_its_server_on_sighup() -> None:
    """A closed terminal (SIGHUP) left the Oxigraph child serving."""
    port = _free_port()
    proc = _serve(port)
    proc.send_signal(signal.SIGHUP)
    assert proc.wait(timeout=20) == 0
    assert _gone(port)


def test_serves_server_dies_when_serve_is_killed() -> None:
    port = _free_port()
    proc = _serve(port)
    proc.kill()  # SIGKILL: no handler of ours runs; the kernel tells the child
    proc.wait(timeout=20)
    assert _gone(port)


# --- any argument vector -----------------------------------------------------------------------


COMMANDS = ["build", "stats", "fmt", "locate", "coverage", "validate", "docs", "extract",
            "prefixes", "export", "queries", "query", "search", "diff", "help", ""]  # fmt: skip
TOKENS = [
    "--check", "--force", "--format", "--engine", "--param", "--lang", "--limit", "--timeout",
    "--view", "-o", "--fail-on", "--match", "--endpoint", "--graph", "--type", "fiche", "refs",
    "accuracy", "cq-cabinet-supports", "cq-nl-quota", "cq-nosuch", "table", "csv", "json",
    "md", "ttl", "nt", "html", "graphml", "sparql", "pyshacl", "oxigraph", "rdflib", "en",
    "junit", "sarif", "github", "markdown", "--exit-code", "HEAD", "HEAD~1",
    "nl", "de", "0", "1", "-1", "1e999", "nan", "full", "positions", "warning", "x=1",
    "holder=<urn:a>", "text=} ; DROP ALL", "http://127.0.0.1:9/", "sources", "", "-", "--",
    "\x00", "é", "--help",
]  # fmt: skip


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    command=st.sampled_from(COMMANDS),
    rest=st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=8)), max_size=6),
)
def test_any_argument_vector_exits_0_1_or_2_without_a_traceback(
    tmp_path: Path, command: str, rest: list[str]
) -> None:
    """Random argument vectors, run in this process against a copy of the project: the
    outcome is always an exit code of 0, 1 or 2, never an exception. Outputs (-o) go
    into the copy."""
    root = tmp_path / "project"
    if not root.exists():
        copy_project(root)  # with the build
    argv = ["--root", str(root), *([command] if command else []), *rest]
    argv = [str(root / "out") if prev == "-o" and a != "-" else a
            for prev, a in zip(["", *argv[:-1]], argv, strict=True)]  # fmt: skip
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse: --help (0) or a usage error (2)
            code = exc.code if isinstance(exc.code, int) else 2
    assert code in (0, 1, 2), (argv, code, err.getvalue())
    assert "Traceback" not in err.getvalue()
