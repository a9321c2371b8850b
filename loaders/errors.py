"""One exception family for everything the tool reports to a user.

Each error carries a message a user can act on and the exit code the CLI returns.

Exit codes (documented in the README and in ``migkg --help``):

* 0: success;
* 1: the command ran and found problems (an inconsistent ontology, files not in
  canonical form, validation results at or above the fail level);
* 2: the command could not run: bad input (a file that does not parse, a missing
  folder), bad arguments, an unreachable endpoint.
"""

from __future__ import annotations

from pathlib import Path

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class MigkgError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""

    exit_code = EXIT_ERROR

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InputError(MigkgError):
    """A file under ontology/, instances/, shapes/ or sources/ cannot be used."""

    def __init__(self, path: Path | str, cause: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {cause}")
        self.path = str(path)
        self.line = line
        self.cause = cause
