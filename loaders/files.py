"""Writing files: every output is written whole or not at all, and nothing is left behind.

* A regular file (or a new one) is written to a temporary file beside it and renamed into
  place, so a reader sees the old file or the new one, never half of one.
* Anything else ``-o`` names is written *through*: a FIFO, a device (``/dev/stdout``,
  ``/dev/null``) or the file a symbolic link points to (the link stays a link). Such a
  target is never replaced by a regular file.
* Temporary files are named ``.NAME.migkg-PID-RANDOM.tmp`` (directories ``…-PID-RANDOM.tmpd``)
  and removed on every exit the process sees: success, error, Ctrl-C, SIGTERM and SIGHUP
  (the CLI turns those signals into an exception, so ``finally`` runs). A run killed
  outright (SIGKILL, power loss) leaves them; :func:`sweep` removes those of processes that
  are gone, and every build calls it on dist/.
* A write that fails (a full disk, no permission, a folder in the way) is one
  :class:`OutputError` naming the file and the cause, with the temporary file removed.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from loaders.errors import MigkgError


class OutputError(MigkgError):
    """An output cannot be written: the message names the file and what to do."""


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


_FILE_MODE = _file_mode()
_TEMP = re.compile(r"^\..*\.migkg-(\d+)-[^.]*\.tmpd?$")

_HINTS = {
    errno.ENOSPC: "no space left on the device (the disk is full): free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EACCES: "permission denied: choose a folder you may write to",
    errno.EPERM: "permission denied: choose a folder you may write to",
    errno.EROFS: "the file system is read-only: choose another folder",
    errno.EISDIR: "it is a folder: give a file name",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EFBIG: "the file is too large for this file system or limit",
}


def failure(path: Path | str, exc: OSError, doing: str = "cannot write") -> OutputError:
    """An OSError met writing ``path`` as one line: the file, and what to do."""
    hint = _HINTS.get(exc.errno or 0) or exc.strerror or str(exc)
    return OutputError(f"{path}: {doing}: {hint}")


def temp_prefix(name: str) -> str:
    """The prefix of this process's temporary files for ``name`` (see :func:`sweep`)."""
    return f".{name}.migkg-{os.getpid()}-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def sweep(folder: Path) -> list[Path]:
    """Remove the temporary files and folders under ``folder`` left by runs that were
    killed (their process is gone); those of live runs are kept. Returns what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    for current, dirs, files in os.walk(folder):
        for name in [*files, *dirs]:
            found = _TEMP.match(name)
            if not found or int(found.group(1)) == os.getpid() or _alive(int(found.group(1))):
                continue
            path = Path(current) / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
                dirs.remove(name)
            else:
                path.unlink(missing_ok=True)
            removed.append(path)
    return removed


@contextmanager
def temporary_folder(parent: Path, name: str) -> Iterator[Path]:
    """A temporary folder in ``parent`` (named so that :func:`sweep` knows it), removed
    with everything in it when the block ends, however it ends."""
    try:
        path = Path(tempfile.mkdtemp(prefix=temp_prefix(name), suffix=".tmpd", dir=parent))
    except OSError as exc:
        raise failure(parent, exc, "cannot make a temporary folder") from exc
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _target(path: Path) -> tuple[Path, bool]:
    """Where writing to ``path`` goes: the final file (a symbolic link followed), and
    whether it is a regular file or a new one (True) or something to write through."""
    real = Path(os.path.realpath(path))
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        parent = real.parent
        if parent.exists() and not parent.is_dir():
            raise OutputError(f"{path}: {parent} is a file, not a folder") from None
        return real, True
    except OSError as exc:
        raise failure(path, exc) from exc
    if stat.S_ISDIR(mode):
        raise OutputError(f"{path}: it is a folder: give a file name")
    return real, stat.S_ISREG(mode)


def check_output(path: Path) -> None:
    """Raise the OutputError that writing to ``path`` would meet for what the path is (a
    folder, a path under a file), so that a command says it before its work, not after."""
    _target(path)


@contextmanager
def output(path: Path) -> Iterator[IO[bytes]]:
    """A binary handle on ``path``: a temporary file renamed into place when the block ends
    without an error (a regular or new file), or the target itself (FIFO, device)."""
    real, regular = _target(path)
    if not regular:
        try:
            with open(real, "wb") as handle:
                yield handle
        except OSError as exc:
            raise failure(path, exc) from exc
        return
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=temp_prefix(real.name), suffix=".tmp", dir=real.parent)
    except OSError as exc:
        raise failure(path, exc) from exc
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(tmp, _FILE_MODE)  # mkstemp makes 0600; give the usual mode
        os.replace(tmp, real)
    except OSError as exc:
        raise failure(path, exc) from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(outputs: Mapping[Path, str | bytes]) -> None:
    """Write every file (see :func:`output`); regular files are all staged first and then
    renamed into place together, so if anything fails before the renames no output file is
    touched."""
    staged: list[tuple[Path, Path]] = []
    through: list[tuple[Path, bytes]] = []
    try:
        for target, text in outputs.items():
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            real, regular = _target(target)
            if not regular:
                through.append((target, data))
                continue
            try:
                real.parent.mkdir(parents=True, exist_ok=True)
                fd, name = tempfile.mkstemp(
                    prefix=temp_prefix(real.name), suffix=".tmp", dir=real.parent
                )
                staged.append((Path(name), real))
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                os.chmod(name, _FILE_MODE)
            except OSError as exc:
                raise failure(target, exc) from exc
        for tmp, real in staged:
            try:
                os.replace(tmp, real)
            except OSError as exc:
                raise failure(real, exc) from exc
        for target, data in through:
            with output(target) as handle:
                handle.write(data)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)


@contextmanager
def text_output(path: Path | None) -> Iterator[IO[str]]:
    """A text handle on ``path`` (see :func:`output`), or standard output for None or -."""
    import io
    import sys

    if path is None or str(path) == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    with output(path) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        try:
            yield text
            text.flush()
        finally:
            text.detach()
