"""Where a subject starts in a Turtle file: the line a finding about a node points at.

The Turtle files are canonical (``migkg fmt``: rdflib's longturtle), so every statement
begins at column 0 with its subject, written as ``<full IRI>`` or a prefixed name, and
continues indented below it. A subject is found by that rule alone: a line that starts at
column 0 with an IRI or a prefixed name (outside a long string), expanded with the file's
``@prefix``/``PREFIX`` lines. Blank-node subjects (``[`` or ``_:``) have no line.

The lines are read from the Turtle files themselves, not from the build: a line number is
a fact about the text a person edits. The build is fresh when ``validate`` reports (any
command rebuilds a stale build first), so the files are the ones the build read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

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


def subject_lines(path: Path) -> dict[str, int]:
    """The subjects of a Turtle file and their first lines (see :func:`lines_in`)."""
    return lines_in(path.read_text(encoding="utf-8"))


class SubjectLines:
    """Subject lines per file of a project (a path relative to its root), read once each;
    None for what is not a Turtle file there (an extracted graph)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._files: dict[str, dict[str, int] | None] = {}

    def __call__(self, relative: str) -> dict[str, int] | None:
        if relative not in self._files:
            path = self.root / relative
            ok = path.suffix == ".ttl" and path.is_file()
            self._files[relative] = subject_lines(path) if ok else None
        return self._files[relative]
