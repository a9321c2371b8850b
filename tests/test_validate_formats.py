"""migkg validate --format junit|sarif|github, each checked by what is made for the format:
the JUnit XSD of Jenkins' xUnit plugin and junitparser, the SARIF 2.1.0 JSON schema of
OASIS, and the syntax of GitHub's workflow commands. Once on a small broken project whose
focus nodes, shapes and lines are known, and once on the real graph (its warnings and
notes)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
from junitparser import Failure, JUnitXml

from loaders.check.formats import as_github, as_junit, as_sarif, escape_property
from loaders.check.validate import Report, run
from loaders.cli import main
from loaders.graph.dataset import Dataset, load
from loaders.graph.lines import SubjectLines, lines_in
from loaders.project import Project
from tests.conftest import ROOT, small_project

SCHEMAS = Path(__file__).parent / "schemas"
ID = "https://w3id.org/migkg/id/"
REGULATION = ID + "com/2099/1"
COUNTRY = ID + "country/xx"

BROKEN = '''PREFIX country: <https://w3id.org/migkg/id/country/>
PREFIX mig: <https://w3id.org/migkg/def#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>

<https://w3id.org/migkg/id/com/2099/1>
    a mig:Regulation ;
    rdfs:label
        "kapot"@nl ,
        """broken,
country:yy on two lines"""@en ;
    mig:hasComNumber "COM 2099/1" ;
.

country:xx
    a mig:ThirdCountry ;
.
'''
# the regulation again, as an escaped prefixed name in the other syntax, and a blank node
MORE = """@prefix com: <https://w3id.org/migkg/id/com/> .
@prefix mig: <https://w3id.org/migkg/def#> .

com:2099\\/1 mig:hasComNumber "COM 2099/2" .

[] a mig:Position .
"""


def line_of(text: str, start: str) -> int:
    """The line (from 1) of ``text`` that starts with ``start``."""
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(start))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Project, Report]:
    project = small_project(tmp_path_factory.mktemp("small"))
    (project.root / "instances" / "broken.ttl").write_text(BROKEN, encoding="utf-8")
    (project.root / "instances" / "more.ttl").write_text(MORE, encoding="utf-8")
    return project, run(load(project))


@pytest.fixture(scope="module")
def real(build: Dataset) -> Report:
    return run(build)


def test_subject_lines_of_a_canonical_file_and_of_the_other_syntax() -> None:
    assert lines_in(BROKEN) == {REGULATION: 5, COUNTRY: 14}  # not country:yy in the string
    assert lines_in(MORE) == {REGULATION: 4}
    graphs = "@prefix graph: <urn:g:> .\nBASE <urn:b>\ngraph:a <urn:p> 1 .\n"
    assert lines_in(graphs) == {"urn:g:a": 3}


def test_every_located_result_of_the_real_graph_points_at_its_subject(real: Report) -> None:
    lines = SubjectLines(ROOT)
    located = 0
    for r in real.results:
        for file in r.files:
            subjects = lines(file)
            if subjects is None:
                continue
            line = subjects[r.focus]  # a Turtle file that describes the node: always a line
            text = (ROOT / file).read_text(encoding="utf-8").splitlines()[line - 1]
            head = text.split()[0]
            prefixes = dict(
                re.findall(r"^PREFIX (\S*): <([^>]*)>", (ROOT / file).read_text(), re.M)
            )
            name = head.split(":", 1)
            assert head == f"<{r.focus}>" or prefixes.get(name[0], "") + name[1] == r.focus
            located += 1
    assert located > 40


# --- JUnit --------------------------------------------------------------------------------


def junit_checked(text: str) -> JUnitXml:
    """The JUnit report valid under the XSD, parsed by junitparser."""
    xmlschema.XMLSchema(SCHEMAS / "junit-10.xsd").validate(text)
    return JUnitXml.fromstring(text)


def test_junit_has_a_passing_case_per_shape_and_a_failure_per_violation(
    small: tuple[Project, Report],
) -> None:
    project, report = small
    xml = junit_checked(as_junit(report, SubjectLines(project.root)))
    (suite,) = list(xml)
    assert suite.name == "migkg-validate"
    cases = {case.name: case for case in suite}
    assert len(cases) == suite.tests == len(report.shapes) > 100  # every shape, not the failing
    assert cases["migs:Place"].is_passed and cases["migs:Place"].classname == "shapes/places.ttl"
    failing = {name for name, case in cases.items() if not case.is_passed}
    assert failing == {
        "migs:Instrument-comNumber",
        "migs:Actor-label",
        "migs:Place-label",
        *(f"migs:Position-{p}" for p in ("evidence", "holder", "source", "stance", "target")),
    }
    assert suite.failures == len(failing)
    failures = [f for case in suite for f in case.result if isinstance(f, Failure)]
    assert len(failures) == report.count("Violation") == 9
    (label,) = cases["migs:Actor-label"].result
    assert label.type == "Violation" and label.message.startswith("An actor needs an rdfs:label")
    assert f"<{COUNTRY}>" in label.text and "in: instances/broken.ttl:14" in label.text
    com = [f.text for f in cases["migs:Instrument-comNumber"].result]
    assert all("in: instances/broken.ttl:5, instances/more.ttl:4" in t for t in com)
    assert sorted(re.findall(r'value: "(.*)"', "\n".join(com))) == ["COM 2099/1", "COM 2099/2"]
    # the note does not fail its case: it is the case's output
    status = cases["migs:InstrumentStatus"]
    assert status.is_passed and "Info: No status event yet" in (status.system_out or "")


def test_junit_fails_on_what_fail_on_names(small: tuple[Project, Report]) -> None:
    project, report = small
    xml = junit_checked(as_junit(report, SubjectLines(project.root), fail_on="info"))
    (suite,) = list(xml)
    status = next(case for case in suite if case.name == "migs:InstrumentStatus")
    assert [f.type for f in status.result] == ["Info"] and not status.system_out


def test_junit_of_the_real_graph_has_no_failure_and_its_notes(real: Report) -> None:
    (suite,) = list(junit_checked(as_junit(real, SubjectLines(ROOT))))
    assert suite.tests == len(real.shapes) and suite.failures == 0
    outputs = "".join(case.system_out or "" for case in suite)
    assert outputs.count("Warning: ") == real.count("Warning") > 0
    assert outputs.count("Info: ") == real.count("Info") > 0


# --- SARIF --------------------------------------------------------------------------------


def sarif_checked(text: str) -> dict[str, Any]:
    """The SARIF log, valid under the SARIF 2.1.0 JSON schema."""
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log: dict[str, Any] = json.loads(text)
    jsonschema.Draft4Validator(schema).validate(log)
    return log


def test_sarif_results_point_at_the_lines_of_their_focus_nodes(
    small: tuple[Project, Report],
) -> None:
    project, report = small
    log = sarif_checked(as_sarif(report, SubjectLines(project.root), "file:///docs/validation.md"))
    (sarif_run,) = log["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [s.name for s in report.shapes]
    # each rule in words: the shape's sh:name, and its sh:description
    status = next(r for r in rules if r["id"] == "migs:InstrumentStatus")
    assert status["shortDescription"]["text"] == "instrument without a status event"
    assert status["fullDescription"]["text"].startswith("Notes, as information, an instrument")
    results = sarif_run["results"]
    assert Counter(r["level"] for r in results) == {"error": 9, "note": 1}

    def where(r: dict[str, Any]) -> list[tuple[str, int | None]]:
        return [
            (
                p["physicalLocation"]["artifactLocation"]["uri"],
                p["physicalLocation"].get("region", {}).get("startLine"),
            )
            for p in r.get("locations", [])
        ]

    found = {(r["ruleId"], r["properties"]["focus"], *where(r)) for r in results}
    regulation = (("instances/broken.ttl", 5), ("instances/more.ttl", line_of(MORE, "com:")))
    country = ("instances/broken.ttl", line_of(BROKEN, "country:xx"))
    assert {f for f in found if f[1] in (REGULATION, COUNTRY)} == {
        ("migs:Instrument-comNumber", REGULATION, *regulation),
        ("migs:InstrumentStatus", REGULATION, *regulation),
        ("migs:Actor-label", COUNTRY, country),
        ("migs:Place-label", COUNTRY, country),
    }
    # the blank node: its file, no line
    blank = [r for r in results if r["ruleId"] == "migs:Position-holder"]
    assert [where(r) for r in blank] == [[("instances/more.ttl", None)]]
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]


def test_sarif_of_the_real_graph_has_warnings_and_notes(real: Report) -> None:
    log = sarif_checked(as_sarif(real, SubjectLines(ROOT), "file:///docs/validation.md"))
    levels = Counter(r["level"] for r in log["runs"][0]["results"])
    assert levels == {"warning": real.count("Warning"), "note": real.count("Info")}
    assert all(r["locations"] for r in log["runs"][0]["results"])


# --- GitHub workflow commands -------------------------------------------------------------

PROPERTY = r"[^,:%\r\n]*(?:%(?:25|0D|0A|3A|2C)[^,:%\r\n]*)*"
COMMAND = re.compile(
    rf"::(error|warning|notice)"
    rf"(?: (?:file=(?P<file>{PROPERTY}),)?(?:line=(?P<line>[1-9][0-9]*),)?"
    rf"title=(?P<title>{PROPERTY}))"
    rf"::(?P<message>[^%\r\n]*(?:%(?:25|0D|0A)[^%\r\n]*)*)"
)


def unescape(text: str) -> str:
    return re.sub("%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m.group(1)).decode(), text)


def github_commands(text: str) -> list[re.Match[str]]:
    lines = text.splitlines()
    matched = [COMMAND.fullmatch(line) for line in lines]
    assert all(matched), [line for line, m in zip(lines, matched, strict=True) if not m]
    return [m for m in matched if m]


def test_github_commands_annotate_the_lines(small: tuple[Project, Report]) -> None:
    project, report = small
    commands = github_commands(as_github(report, SubjectLines(project.root)))
    assert len(commands) == len(report.results)
    by = {(unescape(m["title"]), m["line"], m.group(1)) for m in commands if m["line"]}
    assert by == {
        ("migs:Instrument-comNumber", "5", "error"),
        ("migs:InstrumentStatus", "5", "notice"),
        ("migs:Actor-label", "14", "error"),
        ("migs:Place-label", "14", "error"),
    }
    label = next(m for m in commands if m["title"] == "migs%3AActor-label")
    assert unescape(label["file"]) == "instances/broken.ttl"
    assert unescape(label["message"]).startswith("An actor needs an rdfs:label: its name")
    # the English label has a line break and a comma: escaped, and read back as it was
    com = next(m for m in commands if m["title"] == "migs%3AInstrument-comNumber")
    assert "broken,%0Acountry:yy on two lines" in com["message"]
    assert "broken,\ncountry:yy on two lines <" + REGULATION + ">" in unescape(com["message"])


def test_github_escaping_round_trips() -> None:
    text = "50% a:b, c\r\nd%0A"
    assert escape_property(text) == "50%25 a%3Ab%2C c%0D%0Ad%250A"
    assert unescape(escape_property(text)) == text


def test_github_commands_of_the_real_graph(real: Report) -> None:
    commands = github_commands(as_github(real, SubjectLines(ROOT)))
    assert Counter(m.group(1) for m in commands) == {
        "warning": real.count("Warning"),
        "notice": real.count("Info"),
    }
    assert all(m["file"] and m["line"] for m in commands)


def test_the_command_writes_a_format_to_a_file_and_keeps_its_exit_code(
    small: tuple[Project, Report], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project, _ = small
    out = tmp_path / "report.sarif"
    args = ["--root", str(project.root), "validate", "--format", "sarif", "-o", str(out)]
    assert main(args) == 1
    log = sarif_checked(out.read_text(encoding="utf-8"))
    assert log["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].endswith("docs/validation.md")
    assert capsys.readouterr().out == ""


def test_the_validators_reject_a_broken_report(small: tuple[Project, Report]) -> None:
    """The checks above could not pass on anything: a wrong level, a case without a name."""
    project, report = small
    log = json.loads(as_sarif(report, SubjectLines(project.root), "file:///docs/validation.md"))
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        sarif_checked(json.dumps(log))
    junit = as_junit(report, SubjectLines(project.root)).replace('name="migs:Place"', "", 1)
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        junit_checked(junit)
    assert COMMAND.fullmatch("::error file=a:b,line=1,title=x::m") is None  # an unescaped ':'


def test_an_output_that_cannot_be_written_is_refused_before_validating(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["validate", "--format", "sarif", "-o", "/"]) == 2
    assert "/: it is a folder: give a file name" in capsys.readouterr().err
