"""Project facts for the Claude request: one safe reader, a bounded listing, masked facts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from slimstage.analysis.context import read_context
from slimstage.dockerfile import parse
from slimstage.rewrite.project import MAX_BYTES, ProjectFiles, list_context, read_project, read_side_file, start_scripts
from slimstage.rewrite.prompt import MAX_FACTS_CHARS, health_routes, project_facts
from slimstage.rewrite.redact import redact, redact_more


def test_the_reader_takes_only_regular_files_inside_the_context(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "package.json").write_text('{"name": "a"}')
    outside = tmp_path / "secret.txt"
    outside.write_text("do not send")
    (ctx / "link-out.json").symlink_to(outside)
    (ctx / "link-in.json").symlink_to(ctx / "package.json")
    (ctx / "big.txt").write_bytes(b"x" * (MAX_BYTES + 1))
    os.mkfifo(ctx / "fifo.sh")
    assert read_side_file(ctx, "package.json") == '{"name": "a"}'
    assert read_side_file(ctx, "link-in.json") == '{"name": "a"}'  # a link that stays inside is fine
    assert read_side_file(ctx, "link-out.json") is None  # a symlink may not lead out
    assert read_side_file(ctx, "../secret.txt") is None
    assert read_side_file(ctx, "big.txt") is None  # size cap
    assert read_side_file(ctx, "fifo.sh") is None  # never opened: it would block
    assert read_side_file(ctx, ".") is None and read_side_file(ctx, "missing") is None


def test_listing_is_two_levels_bounded_and_applies_dockerignore(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM node:22\n")
    (tmp_path / ".dockerignore").write_text("secrets\n*.log\n")
    (tmp_path / "secrets").mkdir()
    (tmp_path / "app.log").write_text("")
    (tmp_path / "src" / "deep" / "deeper").mkdir(parents=True)
    (tmp_path / "node_modules" / "x").mkdir(parents=True)
    for i in range(40):
        (tmp_path / "src" / f"f{i:02}.ts").write_text("")
    listing = list_context(read_context(tmp_path / "Dockerfile"))
    assert "Dockerfile" in listing and "src/" in listing and "src/deep/" in listing
    assert not any(e.startswith("secrets") or e.endswith(".log") for e in listing)  # .dockerignore applied
    assert "src/deep/deeper/" not in listing  # two levels
    assert "node_modules/" in listing and "node_modules/x/" not in listing  # named, not opened
    assert any(e.startswith("src/… (") for e in listing)  # a long folder is cut, and says so
    assert len(listing) <= 201


def test_start_scripts_the_dockerfile_copies_are_read(tmp_path: Path) -> None:
    text = "FROM node:22\nCOPY docker/entrypoint.sh /usr/local/bin/\nCOPY . .\nENTRYPOINT [\"entrypoint.sh\"]\n"
    assert start_scripts(text) == ["docker/entrypoint.sh"]
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "entrypoint.sh").write_text("#!/bin/sh\nexec node server.js\n")
    (tmp_path / "Dockerfile").write_text(text)
    project = read_project(read_context(tmp_path / "Dockerfile"), text)
    assert "docker/entrypoint.sh" in project.texts
    assert "exec node server.js" in project_facts(project)


def test_facts_name_scripts_dependencies_outputs_and_routes() -> None:
    package = {
        "name": "web",
        "main": "server.js",
        "scripts": {"build": "vite build", "start": "node server.js"},
        "dependencies": {"express": "4"},
        "devDependencies": {"vite": "5"},
    }
    project = ProjectFiles(
        frozenset({"package.json", "yarn.lock", "vite.config.ts", "server.js"}),
        True,
        {"package.json": json.dumps(package), "vite.config.ts": "export default { build: { outDir: 'public/app' } }", "server.js": ""},
        ("package.json", "server.js", "vite.config.ts", "yarn.lock"),
    )
    facts = project_facts(project)
    assert "Lockfiles: yarn.lock" in facts
    assert "build: vite build" in facts and "dependencies (1): express" in facts and "devDependencies (1): vite" in facts
    assert "build output: public/app" in facts
    assert "none found (use a TCP connect check)" in facts
    routed = ProjectFiles(frozenset({"pom.xml"}), True, {"pom.xml": "<artifactId>spring-boot-starter-actuator</artifactId>"})
    assert health_routes(routed) == ["/actuator/health (Spring Boot Actuator)"]


def test_a_project_without_dependencies_says_so() -> None:
    facts = project_facts(ProjectFiles(frozenset({"package.json"}), True, {"package.json": '{"name": "x", "scripts": {"start": "node a.js"}}'}))
    assert "no node_modules" in facts


def test_facts_are_bounded() -> None:
    huge = {"dependencies": {f"dep-{i}": "1" for i in range(5000)}, "scripts": {f"s{i}": "x" * 500 for i in range(500)}}
    texts = {"package.json": json.dumps(huge), **{f"requirements-{i}.txt": "\n".join(f"pkg{j}==1" for j in range(2000)) for i in range(4)}}
    listing = tuple(f"f{i}" for i in range(200))
    facts = project_facts(ProjectFiles(frozenset(texts), True, texts, listing))
    assert len(facts) <= MAX_FACTS_CHARS


def test_facts_are_masked_with_the_dockerfiles_placeholders() -> None:
    token = "npm_Zx81QpLmT42nVbC7sKdE9wRtYu3oA56hJg"
    doc = parse(f"FROM node:22\nARG NPM_TOKEN={token}\n")
    facts = (
        f"--- .npmrc-like script\nNPM_TOKEN={token} npm publish\n"
        "pip install git+https://deploy:s3cretPassw0rd@git.example.com/lib.git\n"
        '"api_key": "abcd1234efgh5678ijkl"\n'
    )
    base = redact(doc)
    redaction, masked = redact_more(base, facts)
    assert token not in masked and "s3cretPassw0rd" not in masked and "abcd1234efgh5678ijkl" not in masked
    assert "SLIMSTAGE_SECRET_1" in masked  # the Dockerfile's placeholder, reused
    assert redaction.restore(masked) == facts
    assert redaction.text == base.text


@pytest.mark.parametrize("name", ["package.json", "pyproject.toml", "Cargo.toml", "pom.xml", "go.mod", "app.csproj", "build.gradle"])
def test_broken_manifests_do_not_raise(name: str) -> None:
    facts = project_facts(ProjectFiles(frozenset({name}), True, {name: "{{{ not [valid <xml"}))
    assert f"--- {name}" in facts
