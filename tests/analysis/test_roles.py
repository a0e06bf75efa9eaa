"""Role inference: what each stage is for, from what it does and how other stages use it."""

from __future__ import annotations

from pathlib import Path

import pytest

from slimstage.analysis import Analysis
from slimstage.analysis.roles import role_from_name, short_command, stage_roles
from slimstage.dockerfile import parse
from slimstage.settings import Settings

from ..conftest import CORPUS, FIXTURES

DEMO = CORPUS / "microservices-demo"


def roles(text: str, target: str = "") -> list[tuple[str, str]]:
    a = Analysis(parse(text), Settings(target=target))
    return [(a.doc.stages[r.index].label, r.role) for r in stage_roles(a)]


# Online Boutique: Go, Java and .NET builders compile; the Node.js and Python "builder"
# stages only install dependencies that the runtime copies, and say so by their role.
MICROSERVICES = {
    "adservice-Dockerfile": [("builder", "builder"), ("1", "runtime")],
    "cartservice-Dockerfile": [("builder", "builder"), ("1", "runtime")],
    "cartservice-Dockerfile.debug": [("build", "builder"), ("publish", "builder"), ("final", "runtime")],
    "checkoutservice-Dockerfile": [("builder", "builder"), ("1", "runtime")],
    "currencyservice-Dockerfile": [("builder", "dependencies"), ("1", "runtime")],
    "emailservice-Dockerfile": [("base", "base"), ("builder", "dependencies"), ("2", "runtime")],
    "frontend-Dockerfile": [("builder", "builder"), ("1", "runtime")],
    "loadgenerator-Dockerfile": [("base", "base"), ("builder", "dependencies"), ("2", "runtime")],
    "paymentservice-Dockerfile": [("builder", "dependencies"), ("1", "runtime")],
    "productcatalogservice-Dockerfile": [("builder", "builder"), ("1", "runtime")],
    "recommendationservice-Dockerfile": [("base", "base"), ("builder", "dependencies"), ("2", "runtime")],
    "shippingservice-Dockerfile": [("builder", "builder"), ("1", "runtime")],
    "shoppingassistantservice-Dockerfile": [("base", "base"), ("builder", "dependencies"), ("2", "runtime")],
}


@pytest.mark.skipif(not DEMO.is_dir(), reason="shared corpus not present")
@pytest.mark.parametrize("name", sorted(MICROSERVICES))
def test_microservices_demo_roles(name: str) -> None:
    assert roles((DEMO / name).read_text()) == MICROSERVICES[name]


@pytest.mark.skipif(not DEMO.is_dir(), reason="shared corpus not present")
def test_microservices_demo_reasons_and_ecosystems() -> None:
    a = Analysis(parse((DEMO / "checkoutservice-Dockerfile").read_text()))
    builder, runtime = stage_roles(a)
    assert builder.reasons == ("runs `go build`", "stage 1 copies from it")
    assert (builder.ecosystem, runtime.ecosystem) == ("go", "go")  # distroless runtime: the ecosystem of what it copies
    a = Analysis(parse((DEMO / "emailservice-Dockerfile").read_text()))
    assert [r.reasons for r in stage_roles(a)] == [
        ("`builder`, stage 2 build on it", "is named `base`"),
        ("installs dependencies (`pip install`)", "stage 2 copies from it"),
        ("is the last stage, which `docker build` produces",),
    ]


FIXTURE_ROLES = {
    "node.Dockerfile": [("deps", "dependencies"), ("build", "builder"), ("test", "test"), ("runtime", "runtime")],
    "go.Dockerfile": [("builder", "builder"), ("runtime", "runtime")],
    "java.Dockerfile": [("build", "builder"), ("1", "runtime")],
    "monorepo.Dockerfile": [
        ("base", "base"),
        ("deps", "dependencies"),
        ("build-web", "builder"),
        ("build-api", "builder"),
        ("test", "test"),
        ("runtime", "runtime"),
    ],
    "image-and-index.Dockerfile": [("build", "builder"), ("1", "runtime")],
    "single.Dockerfile": [("0", "runtime")],
}


@pytest.mark.parametrize("name", sorted(FIXTURE_ROLES))
def test_fixture_roles(name: str) -> None:
    assert roles((FIXTURES / "stages" / name).read_text()) == FIXTURE_ROLES[name]


def test_every_corpus_file_gets_a_role_for_every_stage() -> None:
    for path in sorted(CORPUS.rglob("*Dockerfile*")) if CORPUS.is_dir() else []:
        a = Analysis(parse(path.read_text(errors="replace")))
        assert len(stage_roles(a)) == len(a.doc.stages), path


def test_dev_stage_by_its_command_even_when_it_is_the_target() -> None:
    text = "FROM node:22 AS base\nRUN npm ci\nFROM base AS dev\nCMD [\"npx\", \"nodemon\", \"src/index.js\"]\n"
    assert roles(text) == [("base", "dependencies"), ("dev", "dev")]


def test_dev_stage_by_name() -> None:
    text = "FROM python:3.13 AS development\nRUN pip install -r requirements-dev.txt\nFROM python:3.13-slim AS prod\nCMD [\"python\", \"app.py\"]\n"
    assert roles(text) == [("development", "dev"), ("prod", "runtime")]


def test_test_stage_as_the_configured_target() -> None:
    text = "FROM golang:1.27 AS build\nRUN go build ./...\nFROM build AS test\nRUN go test ./...\nFROM alpine AS app\nCOPY --from=build /app /app\n"
    assert roles(text) == [("build", "builder"), ("test", "test"), ("app", "runtime")]
    assert roles(text, target="test") == [("build", "builder"), ("test", "test"), ("app", "runtime")]


def test_single_stage_that_runs_tests_is_still_the_runtime() -> None:
    assert roles("FROM golang:1.27\nRUN go test ./... && go build -o /app .\nCMD [\"/app\"]\n") == [("0", "runtime")]


def test_stage_only_copied_from_is_a_builder() -> None:
    text = "FROM alpine AS certs\nRUN apk add ca-certificates\nFROM scratch\nCOPY --from=certs /etc/ssl/certs /etc/ssl/certs\n"
    assert roles(text) == [("certs", "builder"), ("1", "runtime")]


def test_unused_stage_with_a_command_is_an_alternative_runtime() -> None:
    text = "FROM node:22-alpine AS web\nCMD [\"node\", \"web.js\"]\nFROM node:22-alpine AS worker\nCMD [\"node\", \"worker.js\"]\n"
    assert roles(text) == [("web", "runtime"), ("worker", "runtime")]


def test_name_decides_when_commands_say_nothing() -> None:
    assert roles("FROM alpine AS deps\nWORKDIR /x\nFROM alpine AS other\nRUN true\nFROM alpine\n") == [
        ("deps", "dependencies"),
        ("other", "other"),
        ("2", "runtime"),
    ]


def test_role_from_name_tokens() -> None:
    assert role_from_name("build-frontend") == "builder"
    assert role_from_name("prod_deps") == "dependencies"
    assert role_from_name("test2") == "test"
    assert role_from_name("frontend") is None


def test_short_command_labels() -> None:
    assert short_command(("pip", "install", "-r", "requirements.txt")) == "pip install"
    assert short_command(("pnpm", "--filter", "web", "run", "build")) == "pnpm run build"
    assert short_command(("python", "-m", "pytest", "-q")) == "python -m pytest"
    assert short_command(("go", "mod", "download")) == "go mod download"
    assert short_command(("mvn", "-B", "package", "-DskipTests")) == "mvn package"


def test_roles_are_cached_per_analysis() -> None:
    a = Analysis(parse(Path(FIXTURES / "stages" / "go.Dockerfile").read_text()))
    assert stage_roles(a) is stage_roles(a)
