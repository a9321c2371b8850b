"""dist/queries.html: each stored query with a form of its parameters, run on the Oxigraph
server that ``migkg serve`` starts, its parameters bound as ``migkg query --endpoint``
binds them (a VALUES block of N-Triples terms), its results a table. In Python (the
terms of the defaults, the escaping) and in headless Chromium against the real server
on the built store, opened as a file as a user opens it."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
import pytest

from loaders.cli import main
from loaders.errors import MigkgError
from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine, with_values
from loaders.graph.query import Param, StoredQuery, bindings, find, parse, run, stored, term
from loaders.project import Project
from loaders.publish.endpoint import (
    free_port,
    json_in_html,
    page_queries,
    queries_page,
    start,
)
from loaders.terms import curie

if TYPE_CHECKING:
    from selenium.webdriver.remote.webdriver import WebDriver
    from selenium.webdriver.remote.webelement import WebElement

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
browser_needed = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="Debian's chromium and chromium-driver are not installed: .ci/run installs them",
)

HOSTILE_NAME = "hostile<i>\"'&amp;"
HOSTILE_TITLE = '<img src=x onerror="window.pwned=1"></script><script>window.pwned=2</script>'
HOSTILE_QUERY = f"""# title: {HOSTILE_TITLE}
# question: "quoted" & <b>bold</b> <!-- and a comment
# param thing (iri): a <i>thing</i> "x" </script>. default: actor/frontex
SELECT ?thing ?label WHERE {{
  ?thing <http://www.w3.org/2000/01/rdf-schema#label> ?label .
  FILTER (LANG(?label) = "en")
}}
"""


def hostile_queries(folder: Path) -> list[StoredQuery]:
    """A query whose name, title, question, description and text try to break out of the
    HTML and of the page's data, and one the server refuses."""
    folder.mkdir(parents=True, exist_ok=True)
    hostile = folder / f"{HOSTILE_NAME}.rq"
    hostile.write_text(HOSTILE_QUERY, encoding="utf-8")
    broken = folder / "broken.rq"
    broken.write_text("# title: refused by the server\nSELECT * WHERE { ?s ?p }\n")
    return [parse(hostile), parse(broken)]


# --- Python: the page's data and its escaping -------------------------------------------------


def test_the_defaults_are_the_terms_migkg_query_binds(project: Project) -> None:
    queries = stored(project)
    made = page_queries(queries)
    assert [entry["name"] for entry in made] == [q.name for q in queries]
    with_params = 0
    for query, entry in zip(queries, made, strict=True):
        assert entry["before"] + entry["after"] == query.text  # type: ignore[operator]
        params: list[dict[str, Any]] = entry["params"]  # type: ignore[assignment]
        assert [p["name"] for p in params] == sorted(query.params)
        if not query.params or any(p.required for p in query.params.values()):
            continue
        with_params += 1
        bound = bindings(query, [])  # what migkg query binds with no --param
        assert {p["name"]: p["term"] for p in params} == {n: str(t) for n, t in bound.items()}
        assert all(p["error"] is None for p in params)
        # the page's block, put where the page puts it, is the query migkg query sends
        names = [p["name"] for p in params]
        block = (
            f"VALUES ({' '.join('?' + n for n in names)}) "
            f"{{ ({' '.join(p['term'] for p in params)}) }}"
        )
        assert f"{entry['before']} {block}{entry['after']}" == with_values(query.text, bound)
    assert with_params >= 10


def test_a_default_migkg_query_refuses_is_carried_as_the_refusal(tmp_path: Path) -> None:
    path = tmp_path / "bad.rq"
    path.write_text("# param thing (iri): a thing. default: not an iri\nSELECT ?thing WHERE { }\n")
    query = parse(path)
    with pytest.raises(MigkgError) as refused:
        bindings(query, [])
    (param,) = page_queries([query])[0]["params"]  # type: ignore[misc]
    assert param["term"] is None and str(refused.value) in param["error"]


def test_json_in_html_cannot_end_its_script_element() -> None:
    data = {"a": "</script><script>alert(1)</script>", "b": "<!-- & -->", "c": "\u2028\\<"}
    text = json_in_html(data)
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == data


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def test_the_page_escapes_the_queries_and_embeds_their_data_whole(tmp_path: Path) -> None:
    queries = hostile_queries(tmp_path)
    page = queries_page("127.0.0.1", 7878, queries)
    parser = Tags()
    parser.feed(page)
    # only the page's own elements: nothing from a title, question or description
    assert not {"img", "b", "i", "svg"} & set(parser.tags)
    assert parser.tags.count("script") == 2 and "window.pwned" not in parser.scripts[1]
    assert "<img" not in page and "<b>" not in page
    # the data holds every query's text whole, and the endpoint the page asks
    data = json.loads(parser.scripts[0])
    assert data["endpoint"] == "http://127.0.0.1:7878/query"
    hostile = data["queries"][0]
    assert hostile["name"] == HOSTILE_NAME
    assert hostile["before"] + hostile["after"] == HOSTILE_QUERY
    # and only the page's own script may run, and ask only the server
    found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    csp = html.unescape(found[1]) if found else ""
    assert "script-src 'sha256-" in csp and "connect-src http://127.0.0.1:7878;" in csp


# --- the page in headless Chromium against the server ----------------------------------------


class Page:
    def __init__(self, browser: WebDriver, engine: Engine) -> None:
        self.browser = browser
        self.engine = engine

    def section(self, name: str) -> WebElement:
        found = self.browser.execute_script(
            """return Array.from(document.querySelectorAll("section.query"))
                 .find((s) => s.querySelector("h2").textContent === arguments[0]);""",
            name,
        )
        assert found is not None, f"no section for {name}"
        return found  # type: ignore[no-any-return]

    def field(self, name: str, param: str) -> WebElement:
        from selenium.webdriver.common.by import By

        return self.section(name).find_element(By.CSS_SELECTOR, f'input[data-param="{param}"]')

    def set(self, name: str, param: str, value: str) -> None:
        field = self.field(name, param)
        field.clear()
        field.send_keys(value)
        assert field.get_attribute("value") == value

    def run(self, name: str) -> WebElement:
        """Click the query's Run and wait for its answer (or its refusal)."""
        from selenium.webdriver.common.by import By

        section = self.section(name)
        out = section.find_element(By.CLASS_NAME, "result")
        self.browser.execute_script("arguments[0].dataset.state = 'clicked'", out)
        section.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        deadline = time.time() + 20
        while out.get_attribute("data-state") in ("clicked", "running"):
            assert time.time() < deadline, f"{name}: no answer in 20 s"
            time.sleep(0.02)
        return out

    def rows(self, out: WebElement) -> list[list[tuple[str, str]]]:
        """Each row's cells as (value, language): an IRI by its link's target, a literal
        by its text, an unbound cell as ("", "")."""
        return [
            [(value, lang) for value, lang in row]
            for row in self.browser.execute_script(
                """return Array.from(arguments[0].querySelectorAll("tbody tr"), (tr) =>
                  Array.from(tr.cells, (td) => {
                    const link = td.querySelector("a"), iri = td.querySelector(".iri");
                    const lit = td.querySelector(".lit"), lang = td.querySelector(".lang");
                    const value = link ? link.getAttribute("href")
                      : iri ? iri.title : lit ? lit.textContent : "";
                    return [value, lang ? lang.textContent : ""];
                  }));""",
                out,
            )
        ]

    def sent(self, out: WebElement) -> str | None:
        return self.browser.execute_script(  # type: ignore[no-any-return]
            "const pre = arguments[0].querySelector('.sent pre'); return pre && pre.textContent",
            out,
        )


def cells(rows: list[list[ox.NamedNode | ox.Literal | ox.BlankNode | None]]) -> list[list[str]]:
    return [["" if v is None else v.value for v in row] for row in rows]


@pytest.fixture(scope="module")
def page(build: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    """The stored queries' page (and two hostile ones) opened as a file in headless
    Chromium, asking the Oxigraph server on the built store as migkg serve starts it."""
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    folder = tmp_path_factory.mktemp("queries-page")
    port = free_port()
    server: subprocess.Popen[bytes] = start(build.project.dist / "store", "127.0.0.1", port)
    try:
        queries = [*stored(build.project), *hostile_queries(folder / "queries")]
        path = folder / "queries.html"
        path.write_text(queries_page("127.0.0.1", port, queries), encoding="utf-8")
        options = Options()
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={folder / 'profile'}",
        ):
            options.add_argument(flag)
        options.binary_location = str(CHROMIUM)
        browser = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            browser.get(path.as_uri())
            assert browser.execute_script("return document.body.dataset.ready") == "yes"
            yield Page(browser, build.engine("oxigraph"))
        finally:
            browser.quit()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_read_only_server_answers_a_page_opened_as_a_file(build: Dataset) -> None:
    port = free_port()
    server = start(build.project.dist / "store", "127.0.0.1", port)
    try:
        ask = urllib.request.Request(
            f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", headers={"Origin": "null"}
        )
        with urllib.request.urlopen(ask, timeout=10) as answer:
            assert answer.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        server.terminate()
        server.wait(timeout=10)


@browser_needed
def test_the_defaults_give_the_rows_migkg_query_gives(
    page: Page, project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        main(["--root", str(project.root), "query", "cq-cabinet-supports", "--format", "csv"]) == 0
    )
    header, *expected = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len(expected) > 10
    out = page.run("cq-cabinet-supports")
    assert out.get_attribute("data-state") == "done", out.text
    assert int(out.get_attribute("data-rows") or -1) == len(expected)
    shown = page.rows(out)
    assert [[value for value, _ in row] for row in shown] == expected
    from selenium.webdriver.common.by import By

    assert [th.text for th in out.find_elements(By.TAG_NAME, "th")] == header
    # IRIs shown as CURIEs, linked to the IRI; literals with their language
    link = out.find_element(By.CSS_SELECTOR, "tbody td a")
    assert link.text == curie(expected[0][0]) and link.get_attribute("href") == expected[0][0]
    query = find(project, "cq-cabinet-supports")
    table = run(page.engine, query, bindings(query, []))
    langs = [
        [f"@{v.language}" if isinstance(v, ox.Literal) and v.language else "" for v in row]
        for row in table.rows
    ]
    assert [[lang for _, lang in row] for row in shown] == langs
    # what was sent is the query migkg query --endpoint sends
    assert page.sent(out) == with_values(query.text, bindings(query, []))


@browser_needed
def test_a_changed_parameter_gives_the_rows_of_that_value(page: Page, project: Project) -> None:
    query = find(project, "cq-cabinet-supports")
    default = cells(run(page.engine, query, bindings(query, [])).rows)
    opposes = cells(run(page.engine, query, bindings(query, ["stance=stance:opposes"])).rows)
    assert opposes and opposes != default
    page.set("cq-cabinet-supports", "stance", "stance:opposes")
    try:
        out = page.run("cq-cabinet-supports")
        assert out.get_attribute("data-state") == "done", out.text
        assert [[value for value, _ in row] for row in page.rows(out)] == opposes
        bound = bindings(query, ["stance=stance:opposes"])
        assert page.sent(out) == with_values(query.text, bound)
    finally:
        page.set("cq-cabinet-supports", "stance", "stance:supports")


@browser_needed
def test_a_hostile_value_is_refused_or_bound_as_a_term(page: Page, project: Project) -> None:
    # an IRI that would close the term and the pattern: refused here as by migkg query,
    # and nothing is sent
    breakout = "actor/x> } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o"
    query = find(project, "cq-cabinet-supports")
    with pytest.raises(MigkgError, match="is not an IRI"):
        bindings(query, [f"holder={breakout}"])
    page.set("cq-cabinet-supports", "holder", breakout)
    try:
        out = page.run("cq-cabinet-supports")
        assert out.get_attribute("data-state") == "error"
        assert "is not an IRI" in out.text and "nothing was sent" in out.text
        assert page.sent(out) is None and not page.rows(out)
    finally:
        page.set("cq-cabinet-supports", "holder", "actor/nl-government")
    # a string that would close the literal: one escaped literal, the query unchanged
    text = 'x\\" } ; DROP ALL ; SELECT * WHERE { ?s ?p ?o } # \'"'
    query = find(project, "cq-find-by-label")
    bound = bindings(query, [f"text={text}"])
    expected = cells(run(page.engine, query, bound).rows)
    page.set("cq-find-by-label", "text", text)
    try:
        out = page.run("cq-find-by-label")
        assert out.get_attribute("data-state") == "done", out.text
        assert page.sent(out) == with_values(query.text, bound)
        assert [[value for value, _ in row] for row in page.rows(out)] == expected == []
    finally:
        page.set("cq-find-by-label", "text", "hervestiging")


@browser_needed
def test_the_server_refusal_is_shown_on_the_page(page: Page) -> None:
    out = page.run("broken")
    assert out.get_attribute("data-state") == "error"
    assert "the server refused the query (HTTP 400)" in out.text
    assert len(out.text.split("HTTP 400):", 1)[1].strip()) > 5  # with the server's reason


@browser_needed
def test_the_page_shows_hostile_titles_as_text(page: Page) -> None:
    from selenium.webdriver.common.by import By

    section = page.section(HOSTILE_NAME)
    assert section.find_element(By.CLASS_NAME, "title").text == HOSTILE_TITLE
    assert '"quoted" & <b>bold</b>' in section.find_element(By.CLASS_NAME, "question").text
    injected = page.browser.execute_script(
        "return [document.querySelectorAll('img, b, i, svg').length, window.pwned]"
    )
    assert injected == [0, None]
    out = page.run(HOSTILE_NAME)  # and it runs, its default bound
    assert out.get_attribute("data-state") == "done", out.text
    rows = page.rows(out)
    assert rows and all(row[0] == ("https://w3id.org/migkg/id/actor/frontex", "") for row in rows)
    assert all(row[1][1] == "@en" for row in rows)  # a literal's language is shown


# the script's terms against query.term: the same term, or both refuse; where the script
# is stricter than Python (Python's other number forms and ISO dates), it only refuses
CASES: dict[str, list[str]] = {
    "iri": [
        "actor/frontex", "/actor/frontex", "  actor/frontex\t", "\u00a0actor/frontex",
        "id:actor/x", "stance:supports", "mig:Position", "<http://example.org/a>",
        "<urn:x:y>", "https://w3id.org/migkg/id/x", "http://example.org/a?b=c#d", "é/ü",
        "urn:x", "nope:thing", "<actor/x>", "<>", "", "http://example.org/a b", "a\u2003b",
        "actor/x>", 'a"b', "a{b", "a}b", "a\\b", "a^b", "a`b", "a|b", "a<b", "a\x00b",
        "a\x1fb", "a\x7fb", "a\nb",
    ],
    "string": [
        'he said "hi" \\ back\nline\r\tb\bf\f nul\x00 us\x1f del\x7f é 😀 \u2028 end',
        "", " ", 'x" } ; DROP ALL ; #', "\\u0022",
    ],
    "lang": ["nl", "NL", "en-GB", "zh-Hant-TW", "e n", "toolonglang", "", " nl", "nl-", "n1"],
    "integer": [
        "42", "+007", "-0", "-12", " 12 ", "\u300012", "1.5", "", "1e3", "abc",
        "\u0661\u0662", "\ufeff7",
    ],
    "decimal": [
        "1.50", ".5", "5.", "-0", "+1.50", "1e3", "1E-3", "0e3", "0.000e2", "-.5e1",
        "00012.3400", "-0e-2", "12.5e-5", "100e-1", "abc", "NaN", "Infinity", ".", "",
        "1_000", "1e99999", "\u0661.\u0665",
    ],
    "date": [
        "2020-09-23", "20200923", " 2020-09-23 ", "2020-02-29", "2019-02-29", "2020-02-30",
        "2020-13-01", "0000-01-01", "2020-9-23", "2020-W39-3", "2020-0923", "",
    ],
}  # fmt: skip
STRICTER = {
    ("integer", "\u0661\u0662"),
    ("decimal", "1_000"),
    ("decimal", "1e99999"),
    ("decimal", "\u0661.\u0665"),
    ("date", "2020-W39-3"),
}


@browser_needed
def test_the_script_makes_the_terms_query_term_makes(page: Page) -> None:
    cases = [(kind, value) for kind, values in CASES.items() for value in values]
    made = page.browser.execute_script(
        """return arguments[0].map(([kind, value]) => {
             try { return migkg.term({ name: "p", kind }, value); } catch (e) { return null; }
           });""",
        cases,
    )
    differ = []
    for (kind, value), script in zip(cases, made, strict=True):
        try:
            python: str | None = str(term(Param("p", kind, ""), value))
        except MigkgError:
            python = None
        if (kind, value) in STRICTER:
            assert python is not None and script is None, (kind, value)
        elif script != python:
            differ.append((kind, value, script, python))
    assert differ == []
    # the terms are those N-Triples reads back as the same value
    for (kind, value), script in zip(cases, made, strict=True):
        if script is not None and kind == "string":
            triple = f"<urn:s> <urn:p> {script} .\n"
            (parsed,) = ox.parse(triple.encode(), format=ox.RdfFormat.N_TRIPLES)
            assert parsed.object.value == value  # type: ignore[union-attr]
