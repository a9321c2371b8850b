"""Start the Jena ARQ endpoint of JenaEndpoint.java on Debian's Jena jars, for tests.

Standard library only. Debian's ``libapache-jena-java`` 4.5.0 does not start as packaged: its
jena-core jar holds Jena's copy of the Xerces datatype code under the package ``xerces`` but the
message bundles that code loads under ``org/apache/jena/ext/xerces``, so the first XSD pattern
facet fails with "internal error" (see docs/engine-faults-jena.md). ``jena_classpath`` puts a
copy of those bundles at the path the classes look for on the classpath.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import zipfile
from pathlib import Path
from types import TracebackType

JAVA_DIR = Path("/usr/share/java")
ENDPOINT = Path(__file__).resolve().parent / "JenaEndpoint.java"

JENA_JARS = ("jena-base", "jena-core", "jena-iri", "jena-arq")
# The jars of libapache-jena-java's Depends that jena-arq loads; value: the Debian package.
DEPENDENCY_JARS = {
    "commons-io": "libcommons-io-java",
    "commons-lang3": "libcommons-lang3-java",
    "commons-codec": "libcommons-codec-java",
    "commons-compress": "libcommons-compress-java",
    "commons-csv": "libcommons-csv-java",
    "dexx.collection": "libdexx-java",
    "gson": "libgoogle-gson-java",
    "guava": "libguava-java",
    "httpclient": "libhttpclient-java",
    "httpcore": "libhttpcore-java",
    "jackson-core": "libjackson2-core-java",
    "jackson-databind": "libjackson2-databind-java",
    "jackson-annotations": "libjackson2-annotations-java",
    "jsonld-java": "libjsonld-java",
    "titanium-json-ld": "libtitanium-json-ld-java",
    "jakarta.json-api": "libjsonp2-java",
    "protobuf": "libprotobuf-java",
    "thrift": "libthrift-java",
    "slf4j-api": "libslf4j-java",
    "slf4j-nop": "libslf4j-java",  # silences SLF4J's "no binding" warning
}

# Where Debian's jena-core keeps the bundles, and where its relocated classes look for them.
BUNDLES_STORED = "org/apache/jena/ext/xerces/"
BUNDLES_WANTED = "xerces/"


class JenaUnavailable(RuntimeError):
    """Jena, one of its dependencies, or a JDK is not installed."""


def _find_jar(name: str, java_dir: Path) -> Path | None:
    plain = java_dir / f"{name}.jar"
    if plain.is_file():
        return plain
    versioned = sorted(java_dir.glob(f"{name}-[0-9]*.jar"))
    return versioned[-1] if versioned else None


def _bundle_shim(core: Path) -> Path | None:
    """A directory with jena-core's Xerces bundles where its classes look; None if not needed."""
    with zipfile.ZipFile(core) as jar:
        names = jar.namelist()
        relocated = BUNDLES_WANTED + "impl/xpath/regex/RegexParser.class" in names
        if not relocated or BUNDLES_WANTED + "impl/xpath/regex/message.properties" in names:
            return None
        bundles = [n for n in names if n.startswith(BUNDLES_STORED) and n.endswith(".properties")]
        digest = hashlib.sha256(core.read_bytes()).hexdigest()[:16]
        shim = Path(tempfile.gettempdir()) / f"migkg-jena-bundles-{digest}"
        if shim.is_dir():
            return shim
        staging = Path(tempfile.mkdtemp(prefix=shim.name + "-", dir=shim.parent))
        for name in bundles:
            target = staging / BUNDLES_WANTED / name.removeprefix(BUNDLES_STORED)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(jar.read(name))
    try:
        staging.rename(shim)
    except OSError:  # another process made it first
        shutil.rmtree(staging, ignore_errors=True)
    return shim


def jena_classpath(java_dir: Path = JAVA_DIR) -> str:
    """The classpath for Jena ARQ from Debian's jars, with the bundle fix when needed."""
    jars: list[Path] = []
    for name in JENA_JARS:
        jar = _find_jar(name, java_dir)
        if jar is None:
            raise JenaUnavailable(
                f"{name}.jar not found in {java_dir}: install the Debian package "
                "libapache-jena-java (apt-get install libapache-jena-java)"
            )
        jars.append(jar)
    for name, package in DEPENDENCY_JARS.items():
        jar = _find_jar(name, java_dir)
        if jar is None:
            raise JenaUnavailable(
                f"{name}.jar not found in {java_dir}: libapache-jena-java needs it; "
                f"install the Debian package {package}"
            )
        jars.append(jar)
    shim = _bundle_shim(jars[JENA_JARS.index("jena-core")])
    entries = [str(j) for j in jars] + ([str(shim)] if shim else [])
    return os.pathsep.join(entries)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class JenaServer:
    """A running JenaEndpoint; stop() it, or use it as a context manager."""

    def __init__(self, proc: subprocess.Popen[str], port: int, log: Path) -> None:
        self.proc = proc
        self.port = port
        self.log = log

    @property
    def query_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/query"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __enter__(self) -> JenaServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


def start_jena(nquads: Path, workdir: Path, timeout: float = 60.0) -> JenaServer:
    """Start the endpoint on `nquads` on a free loopback port; return once it says "ready"."""
    java = shutil.which("java")
    if java is None:
        raise JenaUnavailable("no java on PATH: install the Debian package openjdk-17-jdk-headless")
    classpath = jena_classpath()
    workdir.mkdir(parents=True, exist_ok=True)
    log = workdir / "jena.log"
    port = _free_port()
    command = [java, "-cp", classpath, str(ENDPOINT), "--data", str(nquads), "--port", str(port)]
    with log.open("w") as stderr:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
    server = JenaServer(proc, port, log)
    ready = threading.Event()
    ended = threading.Event()

    def drain() -> None:  # reads stdout to its end so that the endpoint never blocks on it
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                if line.strip() == "ready":
                    ready.set()
        ended.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = time.monotonic() + timeout
    while not ready.wait(0.1):
        if ended.is_set():
            server.stop()
            raise RuntimeError(
                f"Jena endpoint exited with {proc.returncode}: {log.read_text()[-2000:]}"
            )
        if time.monotonic() > deadline:
            server.stop()
            raise TimeoutError(f"Jena endpoint not ready after {timeout} s; see {log}")
    return server
