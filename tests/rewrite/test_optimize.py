"""The offline planner's optimize mode on real multi-stage files (tests/fixtures/optimize, origins in its README)."""

from __future__ import annotations

import pytest

from slimstage.dockerfile import parse
from slimstage.rewrite.planner import propose
from slimstage.rewrite.result import Declined, Proposal
from slimstage.rewrite.validate import validate
from slimstage.settings import Settings

from ..conftest import FIXTURES

CASES = sorted((FIXTURES / "optimize").glob("*.Dockerfile"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_final_jdk_becomes_a_jre_and_nothing_else_changes(path) -> None:
    text = path.read_text()
    p = propose(parse(text), Settings())
    assert isinstance(p, Proposal), p
    before, after = text.splitlines(), p.dockerfile.splitlines()
    changed = [(a, b) for a, b in zip(before, after) if a != b]
    assert len(before) == len(after)
    assert all(b.startswith(a.split()[0]) for a, b in changed)  # only FROM lines change
    assert any("eclipse-temurin:17-jre" in b for _, b in changed)
    # The build stages stay as written and the JRE is not distroless: the default settings
    # (cache_mounts on, target_base distroless) are not carried out, and the proposal says so
    # in its warnings, which is how the gate accepts a deviation (and the user sees it).
    assert any(w.startswith("cache_mounts is on") and "mvn" in w for w in p.warnings), p.warnings
    assert any(w.startswith("target_base is distroless") for w in p.warnings), p.warnings
    assert not validate(parse(text), p.dockerfile, settings=Settings(), explanation=p.explanation_text()).ok
    v = validate(parse(text), p.dockerfile, settings=Settings(), explanation=p.explanation_text(), warnings=p.warnings)
    assert v.ok, v.problems
    # With settings the mode does carry out, there is nothing to declare.
    quiet = Settings(cache_mounts=False, target_base="slim")
    q = propose(parse(text), quiet)
    assert isinstance(q, Proposal) and q.warnings == (), q
    assert validate(parse(text), q.dockerfile, settings=quiet, explanation=q.explanation_text()).ok


@pytest.mark.parametrize(
    "text, why",
    [
        ("FROM golang:1.22 AS b\nRUN go build -o /app .\nFROM golang:1.22\nCOPY --from=b /app /app\nCMD [\"/app\"]\n", "no runtime swap"),
        ("FROM maven:3-eclipse-temurin-21 AS b\nRUN mvn package\nFROM openjdk:21\nRUN javac X.java\nCMD [\"java\", \"X\"]\n", "may need the toolchain"),
        ("FROM node:22 AS a\nFROM a AS b\nCMD [\"node\"]\n", "already a multi-stage build"),
    ],
)
def test_optimize_declines_with_a_reason(text: str, why: str) -> None:
    result = propose(parse(text), Settings())
    assert isinstance(result, Declined), result
    assert any(why in r for r in result.reasons), result.reasons


def test_full_node_final_becomes_slim() -> None:
    text = "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM node:20\nWORKDIR /app\nCOPY --from=build /app/dist ./dist\nCOPY --from=build /app/node_modules ./node_modules\nCMD [\"node\", \"dist/index.js\"]\n"
    p = propose(parse(text), Settings())
    assert isinstance(p, Proposal), p
    assert "FROM node:20-slim AS runtime" in p.dockerfile


def test_whole_workspace_copy_is_narrowed_to_the_program() -> None:
    # rafalopesb/desafio1-docker (tests/fixtures/optimize-narrow): `COPY --from=builder /app .` on scratch.
    path = FIXTURES / "optimize-narrow" / "rafalopesb--desafio1-docker.Dockerfile"
    text = path.read_text()
    p = propose(parse(text), Settings())
    assert isinstance(p, Proposal), p
    changed = [(a, b) for a, b in zip(text.splitlines(), p.dockerfile.splitlines()) if a != b]
    assert changed == [
        ("FROM scratch", "FROM scratch AS runtime"),
        ("COPY --from=builder /app .", "COPY --from=builder /app/main /app/main"),
    ]
    assert any("SLIM202" in n and "copy them too" in n for n in p.notes)
    v = validate(parse(text), p.dockerfile, settings=Settings(), explanation=p.explanation_text(), warnings=p.warnings)
    assert v.ok and not any("SLIM202" in x for x in v.problems)


def test_install_dist_launcher_keeps_its_install_folder_and_the_jdk_swap() -> None:
    text = (
        "FROM eclipse-temurin:21-jdk AS builder\nWORKDIR /app\nCOPY . .\nRUN ./gradlew installDist\n"
        'FROM eclipse-temurin:21-jdk\nWORKDIR /app\nCOPY --from=builder /app .\nENTRYPOINT ["/app/build/install/myapp/bin/myapp"]\n'
    )
    p = propose(parse(text), Settings())
    assert isinstance(p, Proposal), p
    assert "COPY --from=builder /app/build/install/myapp /app/build/install/myapp" in p.dockerfile
    assert "FROM eclipse-temurin:21-jre AS runtime" in p.dockerfile


@pytest.mark.parametrize(
    "tail, why",
    [
        ('RUN chmod +x /app/main\nCMD ["/app/main"]\n', "comes after it"),
        ('CMD ["/app/main", "--config", "config.yaml"]\n', "names other files"),
        ('CMD ["main"]\n', "found on PATH"),
    ],
)
def test_workspace_copy_not_narrowed_when_other_files_may_be_needed(tail: str, why: str) -> None:
    text = "FROM golang:1.22 AS builder\nWORKDIR /app\nCOPY . .\nRUN go build -o main .\nFROM alpine:3.20\nWORKDIR /app\nCOPY --from=builder /app .\n" + tail
    result = propose(parse(text), Settings())
    assert isinstance(result, Declined) and any(why in r for r in result.reasons), result
