"""Where a subject starts in a Turtle file: the line a finding about a node points at.

The Turtle files are canonical (``migkg fmt``: rdflib's longturtle), so every statement
begins at column 0 with its subject, written as ``<full IRI>`` or a prefixed name, and
continues indented below it. A subject is found by that rule alone: a line that starts at
column 0 with an IRI or a prefixed name (outside a long string), expanded with the file's
``@prefix``/``PREFIX`` lines. Blank-node subjects (``[`` or ``_:``) have no line.

The build, the one reader of the Turtle files, records every file's subject lines in
dist/lines.json (a line number is a fact about the text a person edits); ``validate``
reads them from there, as it reads everything else from the build.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

from loaders.errors import MigkgError

_PREFIX = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([^\s:]*):\s*<([^>]*)>", re.IGNORECASE)
_IRI = re.compile(r"^<([^>]*)>")
_NAME = re.compile(r"^([A-Za-z][\w.-]*)?:(\S*)")
_KEYWORDS = re.compile(r"^(?:@?base|graph)\s", re.IGNORECASE)  # not a prefix named `graph:`
_ESCAPE = re.compile(r"\\(.)")
_LONG_QUOTE = re.compile(r'\\.|"""|\'\'\'')


def lines_in(text: str) -> dict[str, int]:
    """Each subject's full IRI and the first line (from 1) on which it starts a statement."""
    prefixes: dict[str, str] = {}
    found: dict[str, int] = {}
    open_quote: str | None = None  # inside a long string: which quotes close it
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote is None:
            declared = _PREFIX.match(line)
            if declared:
                prefixes[declared.group(1)] = declared.group(2)
            elif not _KEYWORDS.match(line):
                subject = _subject(line, prefixes)
                if subject is not None:
                    found.setdefault(subject, number)
        for mark in _LONG_QUOTE.findall(line):
            if mark.startswith("\\"):
                continue
            if open_quote is None:
                open_quote = mark
            elif mark == open_quote:
                open_quote = None
    return found


def _subject(line: str, prefixes: Mapping[str, str]) -> str | None:
    iri = _IRI.match(line)
    if iri:
        return iri.group(1)
    name = _NAME.match(line)
    if not name or (name.group(1) or "") not in prefixes:
        return None
    local = name.group(2).rstrip(";,.")  # a one-line statement: `ex:a a ex:C .`
    return prefixes[name.group(1) or ""] + _ESCAPE.sub(r"\1", local)


LINES = "lines.json"
"""dist/lines.json: for each input file (its path relative to the project's root), the
first line of each subject (see :func:`lines_in`)."""


def record(files: Mapping[str, str]) -> str:
    """The text of dist/lines.json for these files' texts (relative path -> text)."""
    lines = {name: lines_in(text) for name, text in sorted(files.items())}
    return json.dumps(lines, ensure_ascii=False, indent=0, sort_keys=True) + "\n"


class SubjectLines:
    """The subject lines of a project's files (a path relative to its root), as its build
    recorded them in dist/lines.json; None for what is not an input file there (an
    extracted graph)."""

    def __init__(self, root: Path) -> None:
        path = root / "dist" / LINES
        try:
            self._files: dict[str, dict[str, int]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise MigkgError(
                f"{path}: cannot read the build's line record ({exc}): run migkg build --force"
            ) from exc

    def __call__(self, relative: str) -> dict[str, int] | None:
        return self._files.get(relative)
