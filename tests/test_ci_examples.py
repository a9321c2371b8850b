"""The CI examples others copy: the pre-commit hooks (.pre-commit-hooks.yaml, with the
example config docs/ci/pre-commit-config.example.yaml) and the GitHub Actions workflow
(docs/ci/github-workflow.yml). Each is checked by the validator made for its format
(pre-commit's own manifest and config loaders; the GitHub workflow JSON schema that
check-jsonschema ships) and run: each hook's command on a good and a broken project, and
each step's command on a small project that is a git repository with a change to show."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from pre_commit.clientlib import load_config, load_manifest

from loaders.cli import main
from tests.conftest import ROOT, small_project

HOOKS = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW = ROOT / "docs" / "ci" / "github-workflow.yml"
BIN = Path(sys.executable).parent  # the migkg and check-jsonschema of this environment


def test_the_hooks_are_a_manifest_pre_commit_loads() -> None:
    hooks = load_manifest(str(HOOKS))
    ids = [h["id"] for h in hooks]
    assert ids == ["migkg-fmt", "migkg-locate", "migkg-validate"]
    assert all(h["entry"].startswith("migkg ") and h["language"] == "python" for h in hooks)
    config = load_config(str(ROOT / "docs" / "ci" / "pre-commit-config.example.yaml"))
    assert [h["id"] for h in config["repos"][0]["hooks"]] == ids


def run_hook(hook: dict[str, object], root: Path, monkeypatch: pytest.MonkeyPatch) -> int:
    """The hook as pre-commit runs it: its entry in the repository's folder, with the
    staged files that match it when it takes file names."""
    monkeypatch.chdir(root)
    words = shlex.split(str(hook["entry"]))
    assert words[0] == "migkg"
    files = []
    if hook["pass_filenames"]:
        files = sorted(
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() and re.search(str(hook["files"]), p.relative_to(root).as_posix())
        )
    return main([*words[1:], *files])


def test_each_hook_passes_a_good_project_and_fails_a_broken_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = small_project(tmp_path)
    assert main(["--root", str(project.root), "fmt"]) == 0  # the small project, canonical
    hooks = {h["id"]: h for h in load_manifest(str(HOOKS))}
    for hook in hooks.values():
        assert run_hook(hook, project.root, monkeypatch) == 0, hook["id"]
    capsys.readouterr()
    # a file not in canonical form; a claim with nothing but a quote, from a source
    # the manifest does not name
    (project.root / "instances" / "broken.ttl").write_text(
        "@prefix mig: <https://w3id.org/migkg/def#> .\n"
        "@prefix oa: <http://www.w3.org/ns/oa#> .\n"
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
        "<https://w3id.org/migkg/id/claim/x> a mig:Claim ; mig:hasEvidence [ a mig:Evidence ;\n"
        "  oa:hasTarget [ a oa:SpecificResource ;\n"
        "  oa:hasSource <https://w3id.org/migkg/id/source/9> ;\n"
        "  oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact 'niet gevonden' ] ] ] .\n",
        encoding="utf-8",
    )
    for name in ("migkg-fmt", "migkg-locate", "migkg-validate"):
        assert run_hook(hooks[name], project.root, monkeypatch) == 1, name
    out = capsys.readouterr().out
    assert "instances/broken.ttl: not in canonical form" in out
    assert "source/9" in out  # the quote's source has no text
    assert "::error file=instances/" in out  # validate's findings on their lines


def test_the_workflow_is_valid_for_github() -> None:
    schema = ["--builtin-schema", "vendor.github-workflows"]
    found = subprocess.run(
        [str(BIN / "check-jsonschema"), *schema, str(WORKFLOW)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert found.returncode == 0, found.stdout + found.stderr


def git(root: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root, capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    return done.stdout.strip()


def test_the_workflows_commands_run(tmp_path: Path) -> None:
    """Every step that runs a command, in order, on a small project with a pull request's
    change (a third state): the install and the comment are the runner's (pip, gh)."""
    project = small_project(tmp_path / "repo")
    assert main(["--root", str(project.root), "fmt"]) == 0
    root = project.root
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    base = git(root, "rev-parse", "HEAD")
    with (root / "instances" / "states.ttl").open("a", encoding="utf-8") as f:
        f.write(
            "<https://w3id.org/migkg/id/country/de> a <https://w3id.org/migkg/def#MemberState> ;"
            ' <http://www.w3.org/2000/01/rdf-schema#label> "Duitsland"@nl .\n'
        )
    assert main(["--root", str(root), "fmt"]) == 0
    git(root, "commit", "-qam", "a third state")
    steps = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))["jobs"]["validate"]["steps"]
    commands = [step["run"] for step in steps if "run" in step]
    assert commands[0] == "python -m pip install -e ."  # (this environment has it)
    assert commands[-1].startswith("gh pr comment") and "knowledge-diff.md" in commands[-1]
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "BASE": base}
    env.pop("MIGKG_ROOT", None)
    for command in commands[1:-1]:
        done = subprocess.run(
            ["bash", "-e", "-c", command], cwd=root, env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, (command, done.stderr)
    sarif = json.loads((root / "validation.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert "Duitsland" in (root / "knowledge-diff.md").read_text(encoding="utf-8")
