"""The offline planner: what it declines, and how the settings shape what it writes."""

from __future__ import annotations

import pytest

from slimstage.dockerfile import parse
from slimstage.rewrite.planner import propose
from slimstage.rewrite.project import ProjectFiles
from slimstage.rewrite.result import Declined, Proposal
from slimstage.rewrite.validate import validate
from slimstage.settings import Settings

NODE = """FROM node:22
WORKDIR /app
COPY . .
RUN npm ci
RUN npm run build
EXPOSE 3000
CMD ["node", "dist/server.js"]
"""
NODE_PROJECT = ProjectFiles(frozenset({"package.json", "package-lock.json", "src"}), True, {"package.json": '{"name": "x"}'})


def plan(text: str, project: ProjectFiles = NODE_PROJECT, **settings) -> Proposal | Declined:
    return propose(parse(text), Settings(**settings), project=project)


def converted(text: str, project: ProjectFiles = NODE_PROJECT, **settings) -> Proposal:
    p = plan(text, project, **settings)
    assert isinstance(p, Proposal), p
    v = validate(
        parse(text), p.dockerfile, settings=Settings(**settings), explanation=p.explanation_text(), declared=p.contract_changes, warnings=p.warnings + p.notes
    )
    assert v.ok, v.problems
    return p


@pytest.mark.parametrize(
    "text, why",
    [
        ("FROM node:22 AS a\nFROM a AS b\nCMD [\"node\"]\n", "already a multi-stage build"),
        ("FROM ubuntu:24.04\nRUN ./configure && make\n", "application build found"),
        ("ARG BASE=node:22\nFROM $BASE\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"a.js\"]\n", "build argument"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN curl -fsSL https://x.sh | sh\nCMD [\"node\", \"a.js\"]\n", "cannot tell whether"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npm\", \"start\"]\n", "cannot tell which folder"),
        ("FROM golang:1.27\nWORKDIR /src\nCOPY . .\nRUN go build .\nCMD [\"app\"]\n", "no -o"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN mkdir -p /data\nCMD [\"node\", \"a.js\"]\n", "mkdir -p /data"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN echo on > /etc/flag\nCMD [\"node\", \"a.js\"]\n", "echo on > /etc/flag"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm i -g pm2 && npm ci\nCMD [\"pm2-runtime\", \"a.js\"]\n", "pm2-runtime"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"a.js\"]\nFROM", "syntax"),
    ],
)
def test_declines_with_a_reason(text: str, why: str) -> None:
    result = plan(text)
    assert isinstance(result, Declined), result
    assert any(why in r for r in result.reasons), result.reasons


def test_creating_the_project_folder_is_harmless() -> None:
    converted(NODE.replace("WORKDIR /app\n", "RUN mkdir -p /app\nWORKDIR /app\n"))
    converted(NODE.replace("COPY . .\n", "RUN mkdir -p /app\nCOPY . .\n"))


def test_max_stages_one_is_declined() -> None:
    result = plan(NODE, max_stages=1)
    assert isinstance(result, Declined) and "max_stages" in result.reasons[0]


def test_workspaces_are_declined() -> None:
    project = ProjectFiles(NODE_PROJECT.names, True, {"package.json": '{"workspaces": ["packages/*"]}'})
    assert isinstance(plan(NODE, project), Declined)


def test_default_is_three_stages_on_distroless() -> None:
    p = converted(NODE)
    doc = parse(p.dockerfile)
    assert [s.name for s in doc.stages] == ["deps", "builder", "runtime"]
    assert doc.stages[-1].base == "gcr.io/distroless/nodejs22-debian12"
    assert "HEALTHCHECK" in p.dockerfile and "--mount=type=cache" in p.dockerfile


def test_two_stages_when_max_stages_is_two() -> None:
    p = converted(NODE, max_stages=2)
    assert [s.name for s in parse(p.dockerfile).stages] == ["builder", "runtime"]
    assert "npm prune --omit=dev" in p.dockerfile


def test_no_healthcheck_and_no_cache_mounts_when_turned_off() -> None:
    p = converted(NODE, include_healthcheck=False, cache_mounts=False)
    assert "HEALTHCHECK" not in p.dockerfile and "--mount=" not in p.dockerfile
    assert "# syntax=" not in p.dockerfile


def test_security_scan_adds_a_stage_that_is_not_last() -> None:
    p = converted(NODE, security_scan=True)
    names = [s.name for s in parse(p.dockerfile).stages]
    assert "scan" in names and names[-1] == "runtime"
    assert "trivy" in p.dockerfile


def test_security_scan_without_room_is_noted() -> None:
    p = converted(NODE, security_scan=True, max_stages=3)
    assert "scan" not in [s.name for s in parse(p.dockerfile).stages]
    assert any("no room" in n for n in p.notes)


@pytest.mark.parametrize("base, image", [("alpine", "node:22-alpine"), ("slim", "node:22-slim"), ("scratch", "gcr.io/distroless/nodejs22-debian12")])
def test_target_base(base: str, image: str) -> None:
    p = converted(NODE, target_base=base)
    assert parse(p.dockerfile).stages[-1].base == image


def test_distroless_falls_back_to_slim_when_the_command_needs_a_shell() -> None:
    p = converted(NODE.replace('CMD ["node", "dist/server.js"]', "CMD node dist/server.js > /tmp/log 2>&1"))
    assert parse(p.dockerfile).stages[-1].base == "node:22-slim"
    assert any("shell" in n for n in p.notes)


def test_go_static_and_cgo() -> None:
    go = "FROM golang:1.27\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/app .\nCMD [\"/bin/app\"]\n"
    project = ProjectFiles(frozenset({"go.mod", "go.sum", "main.go"}), True, {})
    p = converted(go, project)
    assert "CGO_ENABLED=0 go build" in p.dockerfile and "static-debian12" in p.dockerfile
    p = converted(go.replace("RUN go build", "ENV CGO_ENABLED=1\nRUN go build"), project)
    assert "base-debian12" in p.dockerfile and "golang:1.27-bookworm" in p.dockerfile


def test_existing_user_is_kept() -> None:
    p = converted(NODE.replace("EXPOSE 3000", "USER node\nEXPOSE 3000"), target_base="slim")
    assert p.dockerfile.count("USER node") == 1 and not p.contract_changes


def test_each_stage_has_a_comment_above_its_from() -> None:
    doc = parse(converted(NODE).dockerfile)
    for st in doc.stages:
        comment = doc.comment_above(st.from_instruction.start_line)
        assert comment is not None and comment.text  # the last line of the stage's explanation
