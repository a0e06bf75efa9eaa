"""The .dockerignore matcher (BuildKit's semantics) and the SLIM204 file fixes applied to a real folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from slimstage.analysis.context import read_context
from slimstage.analysis.dockerignore import Dockerignore
from slimstage.dockerfile import parse
from slimstage.lint import lint
from slimstage.settings import Settings, merge


def ignore(text: str) -> Dockerignore:
    return Dockerignore.parse(text)


@pytest.mark.parametrize(
    "patterns,path,excluded",
    [
        ("node_modules", "node_modules", True),
        ("node_modules", "node_modules/left-pad/index.js", True),  # a folder pattern covers what is inside
        ("node_modules/", "node_modules/x", True),
        ("/node_modules", "node_modules", True),  # a leading slash means the context root
        ("node_modules", "web/node_modules", False),  # patterns are anchored at the root
        ("**/node_modules", "web/node_modules/x", True),
        ("**/node_modules", "node_modules", True),
        ("*.log", "debug.log", True),
        ("*.log", "logs/debug.log", False),  # `*` does not cross a slash
        ("**/*.py[cod]", "pkg/mod/x.pyc", True),
        ("**/*.py[cod]", "x.py", False),
        ("build?", "build1", True),
        ("build?", "build/x", False),
        ("docs/**", "docs/a/b.md", True),
        ("# a comment\n\n  target  ", "target/app.jar", True),
        ("*\n!src", "src/main.go", False),  # the last matching pattern decides
        ("*\n!src", "README.md", True),
        ("!src\n*", "src/main.go", True),
        ("*.json\n!package.json", "package.json", False),
        ("./config", "config/a.yaml", True),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axb", False),
    ],
)
def test_matches_like_buildkit(patterns: str, path: str, excluded: bool) -> None:
    assert ignore(patterns).excludes(path) is excluded


def test_decisive_pattern_has_its_line() -> None:
    found = ignore("# keep it small\nnode_modules\n*.json\n").decisive("package.json")
    assert found is not None and found.line == 3 and found.text == "*.json"


def test_put_back_inside_a_folder() -> None:
    di = ignore("*\n!src/main.go\n")
    assert di.excludes("src")
    assert di.may_put_back_inside("src")
    assert not di.may_put_back_inside("config")


# -- SLIM204's file changes, applied the way an editor applies the WorkspaceEdit ------------------

DOCKERFILE = """\
FROM rust:1.98 AS builder
WORKDIR /src
COPY . .
RUN cargo build --release

FROM gcr.io/distroless/cc-debian12
COPY --from=builder /src/target/release/app /app
ENTRYPOINT ["/app"]
"""


def _slim204(folder: Path):
    settings, problems = merge(Settings(), {"rules": {"select": ["SLIM204"]}})
    assert not problems
    path = folder / "Dockerfile"
    return [v for v in lint(parse(path.read_text()), settings, read_context(path)).violations if v.code == "SLIM204"]


def _apply_files(folder: Path, fix) -> None:
    for change in fix.files:
        target = folder / change.path
        if change.mode == "create":
            assert not target.exists()
            target.write_text(change.text)
        else:
            existing = target.read_text()
            target.write_text(existing + ("" if existing.endswith("\n") or not existing else "\n") + change.text)


@pytest.mark.parametrize("existing", [None, ".git", ".git\n# no trailing newline"])
def test_file_fix_removes_the_finding(tmp_path: Path, existing: str | None) -> None:
    (tmp_path / "Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "Cargo.toml").write_text('[package]\nname = "app"\n')
    (tmp_path / "target").mkdir()
    (tmp_path / ".env").write_text("TOKEN=x\n")
    if existing is not None:
        (tmp_path / ".dockerignore").write_text(existing)
    found = _slim204(tmp_path)
    assert len(found) == 1 and found[0].fix is not None
    change = found[0].fix.files[0]
    assert change.path == ".dockerignore" and change.mode == ("create" if existing is None else "append")
    assert "target" in change.text.split("\n")
    _apply_files(tmp_path, found[0].fix)
    assert _slim204(tmp_path) == []
    assert Dockerignore.parse((tmp_path / ".dockerignore").read_text()).excludes("target/release/app")


def test_fix_never_ignores_what_the_dockerfile_copies_by_name(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM node:22-slim\nCOPY .env ./\nCOPY coverage/report.html /srv/\nRUN npm ci\nCOPY . .\n")
    (tmp_path / "package.json").write_text("{}")
    found = _slim204(tmp_path)
    assert len(found) == 1
    lines = found[0].fix.files[0].text.split("\n")
    assert ".env" not in lines and "coverage" not in lines
    assert "node_modules" in lines


def test_per_dockerfile_ignore_file_is_the_one_appended_to(tmp_path: Path) -> None:
    (tmp_path / "app.Dockerfile").write_text(DOCKERFILE)
    (tmp_path / "Cargo.toml").write_text("")
    (tmp_path / "target").mkdir()
    (tmp_path / "app.Dockerfile.dockerignore").write_text(".git\n")
    ctx = read_context(tmp_path / "app.Dockerfile")
    assert ctx.dockerignore_path == "app.Dockerfile.dockerignore"
    settings, _ = merge(Settings(), {"rules": {"select": ["SLIM204"]}})
    found = lint(parse(DOCKERFILE), settings, ctx).violations
    assert [v.fix.files[0].path for v in found] == ["app.Dockerfile.dockerignore"]
