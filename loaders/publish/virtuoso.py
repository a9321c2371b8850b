"""A private Virtuoso 7.2 instance with the graph's query data, for engine comparisons.

Standard library only, so that it can run (and be read) apart from the package::

    with start_virtuoso(Path("dist/graph.nq"), Path("/some/tmpdir")) as server:
        urllib.request.urlopen(server.sparql_url + "?query=...")

It writes its own ``virtuoso.ini`` into the work folder (database, log and transaction
files there too; a free SQL and a free HTTP port picked at run time), starts
``virtuoso-t +foreground`` as a child process, waits until ``/sparql`` answers, and loads
the query data with the bulk loader: only the named graphs under ``graph/ontology/``,
``graph/instances/`` and ``graph/extracted/``, each quad into its named graph. Queries
sent without FROM see the union of all graphs as their default graph.

It also makes a user with the SPARQL_UPDATE role (``GRAPH_USER``/``GRAPH_PASSWORD``) for
the authenticated Graph Store endpoint ``/sparql-graph-crud-auth`` (HTTP Digest).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType

VIRTUOSO = "virtuoso-t"
ISQL = "isql-vt"
DBA_PASSWORD = "migkg-dba"
GRAPH_USER = "migkg"
GRAPH_PASSWORD = "migkg-push"
GRAPHS = tuple(
    f"https://w3id.org/migkg/graph/{folder}/" for folder in ("ontology", "instances", "extracted")
)
"""The named graphs whose quads are the query data (by IRI prefix)."""
UNION = "urn:x-migkg:union"
"""A graph with every triple of the query data once: the endpoint's default graph."""
START_TIMEOUT = 60.0
LOAD_TIMEOUT = 300.0

# TransactionAfterImageLimit bounds one transaction (push moves every graph into place in
# one update: at a million triples the default, 50 MB, aborts it, and nothing is replaced).
# MaxVectorSize bounds the triples one Graph Store GET returns (a push reads each graph
# back whole): the Debian default, 1 000 000, refuses a graph of a million triples.
# [SPARQL] limits: the defaults (ResultSetMaxRows 10000, MaxQueryCostEstimationTime 400 s
# in the Debian ini, a compiled-in estimate limit that refuses cq-source-contributions,
# MaxQueryExecutionTime 60 s that truncates instead of failing) are raised or switched off
# (0 = no limit) so that a slow query answers completely or fails, never partly.
INI = """\
[Database]
DatabaseFile       = {work}/virtuoso.db
ErrorLogFile       = {work}/virtuoso.log
LockFile           = {work}/virtuoso.lck
TransactionFile    = {work}/virtuoso.trx
xa_persistent_file = {work}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {work}/virtuoso-temp.db
TransactionFile    = {work}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = {sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
CheckpointAuditTrail     = 0
AllowOSCalls             = 0
SchedulerInterval        = 10
DirsAllowed              = ., {work}, {data}
ThreadCleanupInterval    = 0
ThreadThreshold          = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize        = 100000
SingleCPU                = 0
PrefixResultNames        = 0
RdfFreeTextRulesSize     = 100
IndexTreeMaps            = 64
MaxMemPoolSize           = 200000000
MaxQueryMem              = 1G
VectorSize               = 1000
MaxVectorSize            = 4000000
AdjustVectorSize         = 0
ThreadsPerQuery          = 4
AsyncQueueMaxThreads     = 10
NumberOfBuffers          = 20000
MaxDirtyBuffers          = 15000
TransactionAfterImageLimit = 2000000000

[HTTPServer]
ServerPort                  = {http_port}
ServerRoot                  = {work}/vsp
MaxClientConnections        = 10
DavRoot                     = DAV
EnabledDavVSP               = 0
HTTPProxyEnabled            = 0
TempASPXDir                 = 0
ServerThreads               = 10
MaxKeepAlives               = 10
KeepAliveTimeout            = 10
HTTPThreadSize              = 280000
HttpPrintWarningsInOutput   = 0
Charset                     = UTF-8
EnabledGzipContent          = 0

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
ResultSetMaxRows           = 10000000
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime      = 0
DefaultQuery               = SELECT * WHERE {{ ?s ?p ?o }} LIMIT 10
DeferInferenceRulesInit    = 0
"""


class VirtuosoError(RuntimeError):
    """Virtuoso did not start, load or stop as asked."""


def free_port() -> int:
    """A TCP port that nothing listens on now (the kernel's pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def query_quads(
    nquads: Path, out: Path, union: Path | None = None, prefixes: tuple[str, ...] = GRAPHS
) -> int:
    """Copy the quads whose graph IRI starts with one of ``prefixes``; the number kept.
    With ``union``, also write their triples there as N-Triples, each once.

    The graph is the last term of a line, ``<...> .``: an IRI, so the line's last ``<``
    opens it (an IRI has no ``<`` inside). Blank node labels are kept: the build gives
    each file's blank nodes their own labels, so a label names one node in every graph."""
    kept = 0
    seen: set[str] = set()
    with nquads.open(encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            text = line.rstrip()
            if not text or text.startswith("#"):
                continue
            start = text.rfind("<")
            if text.endswith("> .") and text[start + 1 :].startswith(prefixes):
                dst.write(text + "\n")
                kept += 1
                seen.add(text[:start].rstrip() + " .\n")
    if union is not None:
        union.write_text("".join(sorted(seen)), encoding="utf-8")
    return kept


class VirtuosoServer:
    """A running private Virtuoso; ``stop()`` (or leaving the ``with``) ends it."""

    def __init__(
        self, process: subprocess.Popen[bytes], workdir: Path, sql_port: int, http_port: int
    ) -> None:
        self.process = process
        self.workdir = workdir
        self.sql_port = sql_port
        self.http_port = http_port
        self.base_url = f"http://127.0.0.1:{http_port}"
        self.sparql_url = f"{self.base_url}/sparql"
        self.graph_store_url = f"{self.base_url}/sparql-graph-crud-auth"
        self.dba_password = DBA_PASSWORD
        self.graph_user = GRAPH_USER
        self.graph_password = GRAPH_PASSWORD

    def isql(self, sql: str, password: str | None = None, timeout: float = LOAD_TIMEOUT) -> str:
        """Run SQL statements (each ending with ``;``) as dba; the output, or an error."""
        script = self.workdir / "isql-input.sql"
        script.write_text(sql, encoding="utf-8")
        done = subprocess.run(
            [
                ISQL,
                f"127.0.0.1:{self.sql_port}",
                "dba",
                password or self.dba_password,
                "VERBOSE=OFF",
                "BANNER=OFF",
                "PROMPT=OFF",
                "ERRORS=STDOUT",
                str(script),
            ],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        output = done.stdout + done.stderr
        if done.returncode != 0 or "*** Error" in output:
            raise VirtuosoError(f"isql failed ({done.returncode}): {output.strip()[:2000]}")
        return output

    def stop(self, timeout: float = 30.0) -> None:
        """End the server (SIGTERM, then SIGKILL after ``timeout``) and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout)

    def __enter__(self) -> VirtuosoServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _wait_for_http(server: VirtuosoServer, deadline: float) -> None:
    probe = server.sparql_url + "?" + urllib.parse.urlencode({"query": "ASK {}"})
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = server.workdir / "virtuoso.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise VirtuosoError(f"virtuoso-t exited with {server.process.returncode}: {tail}")
        try:
            with urllib.request.urlopen(probe, timeout=2) as response:
                if response.status == 200:
                    return
        except (OSError, urllib.error.URLError):
            pass
        time.sleep(0.25)
    raise VirtuosoError(f"{server.sparql_url} did not answer within {START_TIMEOUT:.0f} s")


def _load(server: VirtuosoServer, folder: Path) -> None:
    """Bulk-load the folder's ``.nq`` file: the loader reads N-Quads by the extension,
    each quad into its own graph (the graph given to ld_dir is only for triples)."""
    server.isql(
        f"ld_dir('{folder}', '*.nq', 'https://w3id.org/migkg/graph/unnamed');\n"
        f"ld_dir('{folder}', '*.nt', '{UNION}');\n"
        "rdf_loader_run();\n"
        "checkpoint;\n"
    )
    output = server.isql(
        "SELECT ll_file, ll_state, ll_error FROM DB.DBA.load_list WHERE ll_error IS NOT NULL;\n"
    )
    if ".nq" in output or ".nt" in output:
        raise VirtuosoError(f"the bulk loader failed: {output.strip()}")


def _setup(server: VirtuosoServer) -> None:
    """The known dba password, and a Graph Store user allowed to read and write."""
    server.isql(f"USER_SET_PASSWORD('dba', '{DBA_PASSWORD}');\n", password="dba")
    server.isql(
        f"DB.DBA.USER_CREATE('{GRAPH_USER}', '{GRAPH_PASSWORD}');\n"
        f'GRANT SPARQL_UPDATE TO "{GRAPH_USER}";\n'
        f"DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{GRAPH_USER}', 7);\n"
        # the anonymous /sparql user reads the union graph only: Virtuoso's default graph
        # is the union of the graphs the user may read, as a bag (a triple stated in two
        # graphs comes back twice) and with its own system graphs (virtrdf#, ldp#, the
        # service description), so every graph is private but the deduplicated union
        "DB.DBA.RDF_DEFAULT_USER_PERMS_SET('nobody', 0);\n"
        f"DB.DBA.RDF_GRAPH_USER_PERMS_SET('{UNION}', 'nobody', 1);\n"
    )


def start_virtuoso(nquads: Path, workdir: Path) -> VirtuosoServer:
    """A new Virtuoso in ``workdir`` (made if missing; must hold no database yet) with
    the query data of ``nquads`` loaded, serving SPARQL on a free port."""
    binary = shutil.which(VIRTUOSO)
    if binary is None or shutil.which(ISQL) is None:
        raise VirtuosoError(f"{VIRTUOSO} and {ISQL} are needed (Debian: virtuoso-opensource)")
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if (workdir / "virtuoso.db").exists():
        raise VirtuosoError(f"{workdir} already holds a database: give an empty folder")
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    (workdir / "vsp").mkdir(exist_ok=True)
    if query_quads(nquads, data / "graph.nq", data / "union.nt") == 0:
        raise VirtuosoError(f"{nquads}: no quads in the query graphs")
    sql_port, http_port = free_port(), free_port()
    while http_port == sql_port:
        http_port = free_port()
    ini = workdir / "virtuoso.ini"
    ini.write_text(
        INI.format(work=workdir, data=data, sql_port=sql_port, http_port=http_port),
        encoding="utf-8",
    )
    log = (workdir / "virtuoso-stdout.log").open("wb")
    process = subprocess.Popen(
        [binary, "+foreground", "+configfile", str(ini)],
        cwd=workdir,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a Ctrl-C for the caller is not one for the server
        env={**os.environ, "LC_ALL": "C.UTF-8"},
    )
    log.close()
    server = VirtuosoServer(process, workdir, sql_port, http_port)
    try:
        _wait_for_http(server, time.monotonic() + START_TIMEOUT)
        _setup(server)
        _load(server, data)
    except BaseException:
        server.stop()
        raise
    return server
