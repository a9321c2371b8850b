"""Every SPARQL block of docs/analyst-guide.md runs on the built graph as `migkg query -e`
runs it (the project's prefixes added, the defaults of any `# param` lines bound) and
answers with at least one row; a block preceded by ``<!-- expect: column=value; ... -->``
must also give a row with those values (an IRI may be written in full, as a prefixed
name or as its path under https://w3id.org/migkg/id/; a literal as its lexical form).

The worked examples' shell commands and the rows they show are checked in
tests/test_queries.py; this file checks the query texts themselves."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from loaders.graph.dataset import Dataset
from loaders.graph.engines import Engine
from loaders.graph.query import bindings, parse_text, run
from loaders.iris import ID
from loaders.terms import curie

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "analyst-guide.md"
BLOCK = re.compile(
    r"(?:<!-- expect: (?P<expect>[^\n]*?) -->\n+)?(?P<indent>[ \t]*)```sparql\n(?P<query>.*?)```",
    re.S,
)


@dataclass(frozen=True)
class Block:
    line: int
    query: str
    expect: dict[str, str]


def blocks(text: str) -> list[Block]:
    """The ```sparql blocks of a Markdown text, each with what it is expected to give."""
    found = []
    for m in BLOCK.finditer(text):
        indent = m["indent"]
        lines = m["query"].splitlines()
        query = "\n".join(line.removeprefix(indent) for line in lines).rstrip()
        pairs = [p.split("=", 1) for p in (m["expect"] or "").split("; ") if p]
        line = text.count("\n", 0, m.start("query"))
        found.append(Block(line, query, {k.strip(): v.strip() for k, v in pairs}))
    return found


BLOCKS = blocks(GUIDE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def engine(build: Dataset) -> Engine:
    return build.engine()


def shown(value: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> set[str]:
    """The ways the guide may write a value."""
    if isinstance(value, ox.NamedNode):
        return {value.value, curie(value.value), value.value.removeprefix(ID)}
    return {value.value} if value is not None else set()


def test_the_guide_has_a_query_for_each_part() -> None:
    assert len(BLOCKS) >= 30
    assert sum(1 for b in BLOCKS if b.expect) >= 10


@pytest.mark.parametrize("block", BLOCKS, ids=[f"line-{b.line}" for b in BLOCKS])
def test_every_sparql_block_of_the_guide_runs_and_answers(block: Block, engine: Engine) -> None:
    query = parse_text(block.query, f"guide line {block.line}", GUIDE)
    table = run(engine, query, bindings(query, []))
    assert table.rows, f"analyst-guide.md line {block.line}: no rows"
    if block.expect:
        missing = [c for c in block.expect if c not in table.columns]
        assert missing == [], f"line {block.line}: no column {missing}"
        at = {c: table.columns.index(c) for c in block.expect}
        assert any(
            all(want in shown(row[at[c]]) for c, want in block.expect.items()) for row in table.rows
        ), f"analyst-guide.md line {block.line}: no row with {block.expect}"


def test_blocks_reads_expectations_and_indented_blocks() -> None:
    text = (
        "<!-- expect: n=3; x=mig:Position -->\n\n```sparql\nSELECT 1\n```\n"
        "1. step\n\n   ```sparql\n   SELECT 2\n   ```\n"
    )
    first, second = blocks(text)
    assert first.expect == {"n": "3", "x": "mig:Position"} and first.query == "SELECT 1"
    assert second.expect == {} and second.query == "SELECT 2"
