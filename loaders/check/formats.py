"""``migkg validate --format junit|sarif|github``: the report in the formats CI systems read.

Each takes the report and ``lines``, which gives for a file of the project (relative to
its root) the first line of each subject in it, or None when it is not a Turtle file (see
lines.py). A result points at the line where its focus node's subject starts in each file
that describes it; a focus node with no file (a blank node, a node only in an extracted
graph) points at no line.

* JUnit XML: one test suite ``migkg-validate``, one test case per named shape (every shape,
  so a shape without results is a passing case). A result at or above the fail level
  (``--fail-on``, default violation) is a ``<failure>`` of its shape's case, with the
  severity as its type; results below it do not fail the case and are listed in the
  case's ``<system-out>``.
* SARIF 2.1.0: one run of the tool ``migkg``, a rule per named shape, a result per
  validation result with its level (Violation error, Warning warning, Info note).
* GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per
  result, escaped as GitHub's runner expects.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from pathlib import Path

from loaders.check.validate import SEVERITY_ORDER, Report, Result

Lines = Callable[[str], Mapping[str, int] | None]
"""A file relative to the project's root: its subjects' first lines, or None (no file)."""

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {"Violation": "error", "Warning": "warning", "Info": "note"}
GITHUB_COMMANDS = {"Violation": "error", "Warning": "warning", "Info": "notice"}


def locations(result: Result, lines: Lines) -> list[tuple[str, int | None]]:
    """The Turtle files that describe the focus node, each with the line its subject starts
    on (None if no statement there starts with it); extracted graphs are left out."""
    found = []
    for file in result.files:
        subjects = lines(file)
        if subjects is not None:
            found.append((file, subjects.get(result.focus)))
    return found


def _where(file: str, line: int | None) -> str:
    return f"{file}:{line}" if line else file


def _details(result: Result, lines: Lines) -> str:
    focus = f"{result.focus_label} <{result.focus}>" if result.focus_label else f"<{result.focus}>"
    rows = [f"focus: {focus}"]
    places = locations(result, lines)
    if places:
        rows.append("in: " + ", ".join(_where(f, n) for f, n in places))
    if result.path:
        rows.append(f"path: {result.path}")
    if result.value:
        rows.append(f"value: {result.value}")
    return "\n".join(rows)


# --- JUnit XML ---------------------------------------------------------------------------


def as_junit(report: Report, lines: Lines, fail_on: str = "violation") -> str:
    floor = SEVERITY_ORDER[fail_on.capitalize()]
    per_shape: dict[str, list[Result]] = {}
    for r in report.results:
        per_shape.setdefault(r.shape, []).append(r)
    cases = [(s.name, s.files[0] if s.files else "shapes") for s in report.shapes]
    known = {name for name, _ in cases}
    cases += [(name, "shapes") for name in sorted(per_shape) if name not in known]
    suite = ET.Element("testsuite", name="migkg-validate")
    failed = 0
    for name, file in cases:
        case = ET.SubElement(suite, "testcase", classname=file, name=name)
        out = []
        for r in per_shape.get(name, []):
            if SEVERITY_ORDER[r.severity] >= floor:
                failure = ET.SubElement(case, "failure", message=r.message, type=r.severity)
                failure.text = _details(r, lines)
            else:
                out.append(f"{r.severity}: {r.message}\n{_details(r, lines)}")
        if case.find("failure") is not None:
            failed += 1
        if out:
            ET.SubElement(case, "system-out").text = "\n\n".join(out)
    suite.set("tests", str(len(cases)))
    suite.set("failures", str(failed))
    suite.set("errors", "0")
    suite.set("skipped", "0")
    root = ET.Element("testsuites", name="migkg-validate")
    for key in ("tests", "failures", "errors"):
        root.set(key, suite.get(key, "0"))
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# --- SARIF 2.1.0 -------------------------------------------------------------------------


def as_sarif(report: Report, lines: Lines, help_uri: str) -> str:
    """``help_uri``: the absolute URI of docs/validation.md, every rule's help."""
    rules = [
        {
            "id": s.name,
            "shortDescription": {"text": s.title or s.description or s.name},
            "fullDescription": {"text": s.description or s.title or s.name},
            "helpUri": help_uri,
            "properties": {"iri": s.iri, "files": s.files},
        }
        for s in report.shapes
    ]
    index = {s.name: i for i, s in enumerate(report.shapes)}
    results = []
    for r in report.results:
        result: dict[str, object] = {"ruleId": r.shape}
        if r.shape in index:
            result["ruleIndex"] = index[r.shape]
        result["level"] = LEVELS[r.severity]
        result["message"] = {"text": f"{r.message} ({_focus(r)})"}
        places = []
        for file, line in locations(r, lines):
            physical: dict[str, object] = {"artifactLocation": {"uri": file}}
            if line:
                physical["region"] = {"startLine": line}
            places.append({"physicalLocation": physical})
        if places:
            result["locations"] = places
        extra = {"focus": r.focus, "label": r.focus_label, "severity": r.severity}
        extra |= {k: v for k, v in (("path", r.path), ("value", r.value)) if v}
        result["properties"] = extra
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "migkg", "rules": rules}},
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _focus(r: Result) -> str:
    return f"{r.focus_label} <{r.focus}>" if r.focus_label else f"<{r.focus}>"


# --- GitHub Actions workflow commands ----------------------------------------------------


def escape_data(text: str) -> str:
    """A command's message as GitHub's runner reads it back."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A command's property value (file, title): also ``:`` and ``,``, which end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def as_github(report: Report, lines: Lines) -> str:
    out = []
    for r in report.results:
        props = []
        places = locations(r, lines)
        if places:
            file, line = next(((f, n) for f, n in places if n), places[0])
            props.append(f"file={escape_property(file)}")
            if line:
                props.append(f"line={line}")
        props.append(f"title={escape_property(r.shape)}")
        message = escape_data(f"{r.message} ({_focus(r)})")
        out.append(f"::{GITHUB_COMMANDS[r.severity]} {','.join(props)}::{message}\n")
    return "".join(out)


def render(report: Report, fmt: str, root: Path, fail_on: str = "violation") -> str:
    """The report in one of these formats, the lines read from the project at ``root``."""
    from loaders.graph.lines import SubjectLines

    lines = SubjectLines(root)
    if fmt == "junit":
        return as_junit(report, lines, fail_on)
    if fmt == "sarif":
        return as_sarif(report, lines, (root / "docs" / "validation.md").resolve().as_uri())
    return as_github(report, lines)
