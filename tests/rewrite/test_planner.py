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
        # asimonov05/mus_tgbot (bench/convert-corpus): Python from apt on ubuntu.
        ("FROM ubuntu:latest\nRUN apt-get install -y build-essential python3.8 python3-pip python3-dev\nRUN pip3 install flask\nCOPY . .\nCMD [\"python3\", \"app.py\"]\n", "`python3.8` has no package on ubuntu:latest"),
        # drpaso/myapp (bench/convert-corpus): Python 2's pip on today's ubuntu, a build that no longer works.
        ("FROM ubuntu\n\nRUN apt-get update -y\n\nRUN apt-get install -y python-pip python-dev build-essential\n\nWORKDIR /app\n\nCOPY . /app\n\nRUN pip install flask\n\nENTRYPOINT [ \"python\" ]\n\nCMD [ \"app.py\" ]\n", "`python-pip` (Python 2) has no package on ubuntu:latest"),
        # Python from apt (recipes/distro_python.py): what it cannot name for the runtime
        ("FROM ubuntu:18.04\nRUN apt-get update && apt-get install -y python3-pip libpq-dev\nWORKDIR /app\nCOPY . .\nRUN pip3 install -r requirements.txt\nCMD [\"python3\", \"app.py\"]\n", "the build installs libpq-dev"),
        ("FROM ubuntu:18.04\nRUN apt-get update && apt-get install -y python3-pip\nWORKDIR /app\nCOPY . .\nRUN pip3 install --user -r requirements.txt\nCMD [\"python3\", \"app.py\"]\n", "installs outside /usr/local (--user)"),
        ("FROM debian:bookworm\nRUN apt-get update && apt-get install -y python3-pip\nWORKDIR /app\nCOPY . .\nRUN pip3 install flask\nCMD [\"python3\", \"app.py\"]\n", "externally managed (PEP 668)"),
        ("FROM debian:bullseye\nRUN apt-get update && apt-get install -y python3-pip python3-venv\nWORKDIR /app\nCOPY . .\nRUN python3 -m venv /venv\nRUN /venv/bin/pip install -r requirements.txt\nCMD [\"/venv/bin/python\", \"app.py\"]\n", "builds a virtual environment"),
        ("ARG BASE=node:22\nFROM $BASE\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"a.js\"]\n", "build argument"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN curl -fsSL https://x.sh | sh\nCMD [\"node\", \"a.js\"]\n", "cannot tell whether"),
        ("FROM golang:1.27\nWORKDIR /src\nCOPY . .\nRUN go build .\nCMD [\"app\"]\n", "no -o"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN mkdir -p /data\nCMD [\"node\", \"a.js\"]\n", "mkdir -p /data"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN echo on > /etc/flag\nCMD [\"node\", \"a.js\"]\n", "echo on > /etc/flag"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm i -g pm2 && npm ci\nCMD [\"pm2-runtime\", \"a.js\"]\n", "pm2-runtime"),
        ("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"a.js\"]\nFROM", "syntax"),
        # S3Puzzle/Name-service (bench/convert-corpus): the build runs before any source is in the image.
        ("FROM maven:3.8.2-jdk-8\nRUN mvn clean package\nARG JAR_FILE=target/*.jar\nCOPY ${JAR_FILE} app.jar\nENTRYPOINT [\"java\",\"-jar\",\"/app.jar\"]\n", "runs before anything is copied into the image (no pom.xml there)"),
        # blackestwhite/autocker (bench/convert-corpus): every RUN quotes its whole command.
        ("FROM golang\nRUN \"mkdir app\"\nADD . /app\nWORKDIR /app\nRUN \"go build main.go\"\nCMD [\"./main\"]\n", "looks for one program named `mkdir app`"),
        # ragesh-pakkath/goservice (bench/convert-corpus): a CMD that is not valid JSON.
        ("FROM golang\nRUN mkdir /app\nADD . /app\nWORKDIR /app\nRUN go build -o first .\nCMD [\"\"/app/first\"\"]\n", "is not valid JSON, so it runs through /bin/sh"),
        # `mix run` on an Alpine or slim elixir image: there is nothing smaller to run it on.
        ("FROM elixir:1.15-alpine\nWORKDIR /app\nCOPY . .\nRUN mix deps.get\nRUN mix compile\nCMD mix run --no-halt\n", "already a slim or Alpine image"),
        ("FROM elixir:1.15-slim\nWORKDIR /app\nCOPY . .\nRUN mix deps.get\nRUN mix compile\nCMD mix run --no-halt\n", "already a slim or Alpine image"),
        # a non-root user whose Mix home is not named
        ("FROM elixir:1.15\nWORKDIR /app\nCOPY . .\nRUN mix deps.get && mix compile\nUSER app\nCMD mix run --no-halt\n", "Mix home"),
        # irvin-s/docker_repair (bench/convert-corpus): `mix run` with no `mix compile` in the image.
        ("FROM elixir\n\nCOPY . .\n\nRUN mix local.hex --force\nRUN mix deps.get\n\nCMD mix run --no-halt\n", "never runs `mix compile`"),
    ],
)
def test_declines_with_a_reason(text: str, why: str) -> None:
    result = plan(text)
    assert isinstance(result, Declined), result
    assert any(why in r for r in result.reasons), result.reasons


def test_unknown_output_folder_ships_the_built_project() -> None:
    p = converted("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nCMD [\"npm\", \"start\"]\n")
    assert "COPY --from=builder /app ." in p.dockerfile
    assert any("could not be told" in n for n in p.notes)


def test_unknown_step_is_kept_where_it_ran() -> None:
    p = converted("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npx tsc\nRUN chmod +x bin/start\nCMD [\"node\", \"dist/a.js\"]\n")
    assert "RUN chmod +x bin/start" in p.dockerfile.split("AS runtime")[0]
    assert any("chmod +x bin/start" in n and "kept" in n for n in p.notes)


def test_build_behind_make_reads_the_makefile(tmp_path) -> None:
    from slimstage.analysis.context import read_context

    (tmp_path / "Makefile").write_text("build-app:\n\tgo build -o app cmd/main.go\n")
    (tmp_path / "go.mod").write_text("module x\n")
    text = "FROM golang:1.22-alpine\nCOPY . /app\nWORKDIR /app\nRUN apk add make && make build-app\nCMD [\"/app/app\"]\n"
    (tmp_path / "Dockerfile").write_text(text)
    ctx = read_context(tmp_path / "Dockerfile")
    from slimstage.rewrite.project import read_project

    p = propose(parse(text), Settings(), ctx, read_project(ctx))
    assert isinstance(p, Proposal), p
    assert "COPY --from=builder /app/app /app/app" in p.dockerfile
    assert validate(parse(text), p.dockerfile, settings=Settings(), explanation=p.explanation_text()).ok


def test_creating_the_project_folder_is_harmless() -> None:
    converted(NODE.replace("WORKDIR /app\n", "RUN mkdir -p /app\nWORKDIR /app\n"))
    converted(NODE.replace("COPY . .\n", "RUN mkdir -p /app\nCOPY . .\n"))


def test_max_stages_one_is_declined() -> None:
    result = plan(NODE, max_stages=1)
    assert isinstance(result, Declined) and "max_stages" in result.reasons[0]


def test_workspaces_are_converted_whole() -> None:
    project = ProjectFiles(NODE_PROJECT.names, True, {"package.json": '{"workspaces": ["packages/*"]}'})
    p = converted(NODE, project)
    assert "COPY --from=builder /app ." in p.dockerfile


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


def test_go_without_go_mod_says_it_downloads_nothing() -> None:
    # vadim16795/go_simple_app (tests/fixtures/apps/go-simple-app): `go build main.go`, no go.mod.
    go = "FROM golang:1.16\nWORKDIR /app\nCOPY . .\nRUN go build -o main main.go\nEXPOSE 8080\nCMD [ \"/app/main\" ]\n"
    p = converted(go, ProjectFiles(frozenset({"main.go", "Dockerfile"}), True, {}))
    assert "COPY go.mod" not in p.dockerfile and "go mod download" not in p.dockerfile
    assert "no go.mod in the context" in p.explanation_text() and "downloads the modules" not in p.explanation_text()


PYTHON_PORT_80 = """FROM python:3.11-slim
WORKDIR /usr/local/app
COPY requirements.txt ./requirements.txt
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 80
CMD ["gunicorn", "app:app", "-b", "0.0.0.0:80"]
"""
PYTHON_PROJECT = ProjectFiles(frozenset({"requirements.txt", "app.py"}), True, {"requirements.txt": "Flask\ngunicorn\n"})


@pytest.mark.parametrize(
    "text, project",
    [
        # dockersamples/example-voting-app's vote (tests/fixtures/apps/voting-app-vote): gunicorn on port 80
        (PYTHON_PORT_80, PYTHON_PROJECT),
        (NODE.replace("EXPOSE 3000", "EXPOSE 80 443"), NODE_PROJECT),
        ("FROM golang:1.27\nWORKDIR /src\nCOPY . .\nRUN go build -o /bin/app .\nEXPOSE 443/tcp\nCMD [\"/bin/app\"]\n", ProjectFiles(frozenset({"go.mod", "main.go"}), True, {})),
    ],
)
def test_a_root_image_on_a_port_below_1024_keeps_root(text: str, project: ProjectFiles) -> None:
    # An unprivileged user cannot bind it outside Docker (buildah, Kubernetes, hosts): keep root, say why.
    p = converted(text, project)
    runtime = p.dockerfile.split(" AS runtime", 1)[1]
    assert "\nUSER " not in runtime and not p.contract_changes
    assert any("still runs as root" in n and "1024" in n for n in p.notes)


def test_a_port_of_1024_or_above_still_drops_root() -> None:
    p = converted(PYTHON_PORT_80.replace("80", "8000"), PYTHON_PROJECT)
    assert "USER app" in p.dockerfile and not any("still runs as root" in n for n in p.notes)


def test_existing_user_is_kept() -> None:
    p = converted(NODE.replace("EXPOSE 3000", "USER node\nEXPOSE 3000"), target_base="slim")
    assert p.dockerfile.count("USER node") == 1 and not p.contract_changes


def test_each_stage_has_a_comment_above_its_from() -> None:
    doc = parse(converted(NODE).dockerfile)
    for st in doc.stages:
        comment = doc.comment_above(st.from_instruction.start_line)
        assert comment is not None and comment.text  # the last line of the stage's explanation


NODE_APP = "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"index.js\"]\n"


def test_dev_dependency_required_at_run_time_keeps_dev_dependencies() -> None:
    pkg = '{"name": "x", "main": "index.js", "dependencies": {"express": "4"}, "devDependencies": {"dotenv": "16"}}'
    project = ProjectFiles(
        frozenset({"package.json", "package-lock.json", "index.js"}), True,
        {"package.json": pkg, "index.js": "require('dotenv').config();\nconst express = require('express');\n"},
    )
    p = converted(NODE_APP, project)
    assert "npm ci --omit=dev && npm install --no-save --omit=dev dotenv@16" in p.dockerfile
    assert any("dotenv" in n and "devDependencies" in n for n in p.notes)


def test_production_install_when_the_code_needs_no_dev_dependency() -> None:
    pkg = '{"name": "x", "main": "index.js", "dependencies": {"express": "4"}, "devDependencies": {"jest": "29"}}'
    project = ProjectFiles(frozenset({"package.json", "package-lock.json", "index.js"}), True, {"package.json": pkg, "index.js": "import express from 'express'\n"})
    assert "--omit=dev" in converted(NODE_APP, project).dockerfile


def test_project_without_dependencies_still_has_node_modules_to_copy() -> None:
    project = ProjectFiles(frozenset({"package.json", "package-lock.json", "index.js"}), True, {"package.json": '{"name": "x"}', "index.js": "console.log(1)\n"})
    p = converted(NODE_APP, project)
    assert "mkdir -p node_modules" in p.dockerfile


def test_read_project_reads_the_shipped_sources_through_the_context(tmp_path) -> None:
    from slimstage.analysis.context import read_context
    from slimstage.rewrite.project import read_project, required_packages

    (tmp_path / "package.json").write_text('{"main": "server.js", "devDependencies": {"chalk": "5"}}')
    (tmp_path / "server.js").write_text("import chalk from 'chalk'\nconst fs = require('node:fs')\nconst x = require('./local')\n")
    (tmp_path / "Dockerfile").write_text("FROM node:22\n")
    project = read_project(read_context(tmp_path / "Dockerfile"))
    assert required_packages(project) == {"chalk"}


PY_PROJECT = ProjectFiles(frozenset({"Pipfile", "Pipfile.lock", "pyproject.toml", "pdm.lock", "app.py"}), True, {})


@pytest.mark.parametrize(
    "text, expect",
    [
        ("FROM python:3.12\nRUN pip install pipenv\nWORKDIR /app\nCOPY Pipfile Pipfile.lock ./\nRUN pipenv install --deploy --system\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
         "RUN --mount=type=cache,target=/root/.cache/pip pipenv install --deploy"),
        ("FROM python:3.12\nRUN pip install pdm\nWORKDIR /app\nCOPY . .\nRUN pdm install\nCMD [\"python\", \"app.py\"]\n", "RUN --mount=type=cache,target=/root/.cache/pdm pdm install --prod --no-self"),
    ],
)
def test_pipenv_and_pdm_fill_the_virtual_environment(text: str, expect: str) -> None:
    p = converted(text, PY_PROJECT)
    assert expect in p.dockerfile
    assert "COPY --from=builder /opt/venv /opt/venv" in p.dockerfile


def test_bun_project_runs_on_bun_slim() -> None:
    text = "FROM oven/bun:1\nWORKDIR /app\nCOPY . .\nRUN bun install\nEXPOSE 3000\nCMD [\"bun\", \"run\", \"index.ts\"]\n"
    project = ProjectFiles(frozenset({"package.json", "bun.lock", "index.ts"}), True, {"package.json": '{"dependencies": {"hono": "4"}}'})
    p = converted(text, project)
    assert "FROM oven/bun:1-slim AS runtime" in p.dockerfile
    assert "bun install --production" in p.dockerfile
    assert "USER bun" in p.dockerfile


@pytest.mark.parametrize(
    "names, pkg, install",
    [
        ({"package.json", "package-lock.json", "packages"}, '{"workspaces": ["packages/*"]}', "npm ci"),
        ({"package.json", "pnpm-lock.yaml", "pnpm-workspace.yaml", "apps"}, '{"name": "mono"}', "pnpm install --frozen-lockfile"),
    ],
)
def test_workspaces_build_whole_and_ship_the_pruned_workspace(names, pkg, install) -> None:
    setup = "RUN corepack enable\n" if install.startswith("pnpm") else ""
    text = f"FROM node:22\n{setup}WORKDIR /app\nCOPY . .\nRUN {install}\nRUN {install.split()[0]} run build\nCMD [\"node\", \"apps/api/dist/main.js\"]\n"
    p = converted(text, ProjectFiles(frozenset(names), True, {"package.json": pkg}))
    builder = p.dockerfile.split("AS runtime")[0]
    assert builder.index("COPY . .") < builder.index(install.split()[0] + " ")
    assert "COPY --from=builder /app ." in p.dockerfile
    assert any("workspace" in n for n in p.notes)


def test_yarn_berry_installs_after_the_source_and_ships_the_project() -> None:
    text = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN corepack enable && yarn install --immutable\nRUN yarn build\nCMD [\"yarn\", \"start\"]\n"
    project = ProjectFiles(frozenset({"package.json", "yarn.lock", ".yarnrc.yml", ".yarn", "src"}), True, {"package.json": '{"packageManager": "yarn@4.5.0", "dependencies": {"x": "1"}}', ".yarnrc.yml": "nodeLinker: pnp\n"})
    p = converted(text, project)
    builder = p.dockerfile.split("AS runtime")[0]
    assert builder.index("COPY . .") < builder.index("yarn install --immutable")
    assert "yarn workspaces focus --all --production" in p.dockerfile
    assert "COPY --from=builder /app ." in p.dockerfile
    old = ProjectFiles(project.names, True, {"package.json": '{"packageManager": "yarn@3.6.0"}', ".yarnrc.yml": ""})
    assert isinstance(plan(text, old), Declined)


def test_in_place_builder_declares_the_settings_it_does_not_carry_out() -> None:
    """PHP, Ruby and Elixir keep the original stage as the builder (no cache mount on its install)
    and their language image as the runtime (not distroless): both are declared in warnings, the
    way the gate accepts a deviation (conversion passes the notes too: the health check note)."""
    text = "FROM php:8.2-apache\nWORKDIR /var/www/html\nCOPY . .\nRUN composer install --no-dev\nEXPOSE 80\n"
    project = ProjectFiles(frozenset({"composer.json", "composer.lock", "index.php"}), True, {})
    p = plan(text, project)
    assert isinstance(p, Proposal), p
    assert any(w.startswith("cache_mounts is on") and "composer install" in w for w in p.warnings), p.warnings
    assert any(w.startswith("target_base is distroless") and "php:8.2-apache" in w for w in p.warnings), p.warnings
    v = validate(parse(text), p.dockerfile, settings=Settings(), explanation=p.explanation_text(), declared=p.contract_changes, warnings=p.warnings + p.notes)
    assert v.ok, v.problems
    q = plan(text, project, cache_mounts=False, include_healthcheck=False)
    assert isinstance(q, Proposal) and not any(w.startswith(("cache_mounts", "include_healthcheck")) for w in q.warnings), q.warnings
# quentinadam/bitcoin-indexer's Dockerfile (bench/convert-corpus): built, then started through cargo run.
CARGO_RUN = 'FROM rust\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\nCOPY src src\nRUN cargo build --release\nCMD ["cargo", "run", "--release"]\n'


def test_cargo_run_starts_the_built_binary_named_in_cargo_toml() -> None:
    project = ProjectFiles(frozenset({"Cargo.toml", "Cargo.lock", "src"}), True, {"Cargo.toml": '[package]\nname = "bitcoin-indexer"\nversion = "0.1.0"\n'})
    p = converted(CARGO_RUN, project)
    assert "COPY --from=builder /app/target/release/bitcoin-indexer /usr/local/bin/bitcoin-indexer" in p.dockerfile
    assert p.dockerfile.rstrip().endswith('CMD ["/usr/local/bin/bitcoin-indexer"]')
    assert any("cargo run" in c and c.startswith("CMD") for c in p.contract_changes)


def test_cargo_run_without_the_manifest_ships_the_one_executable_built() -> None:
    p = converted(CARGO_RUN.replace('"--release"]', '"--release", "--", "--port", "8080"]'), ProjectFiles(frozenset(), False, {}))
    builder, runtime = p.dockerfile.split("AS runtime")
    assert "find /app/target/release -maxdepth 1 -type f" in builder and '[ "$#" -eq 1 ]' in builder
    assert 'CMD ["/usr/local/bin/app", "--port", "8080"]' in runtime and "COPY src" not in runtime


def test_cargo_run_of_another_profile_is_declined() -> None:
    result = plan(CARGO_RUN.replace('"--release"]', '"--example", "x"]'), ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined) and "--example" in result.reasons[0]


def test_pip_install_of_named_packages_may_run_outside_the_project_folder() -> None:
    # maxthauer/ips.rocks (bench/convert-corpus): Flask installed in /, the source copied to /app.
    text = (
        "FROM python:3.7-stretch\nRUN apt-get update -y\nRUN apt-get install -y python-pip python-dev build-essential\n"
        'RUN pip install Flask\nCOPY . /app\nWORKDIR /app\nENTRYPOINT ["python"]\nCMD ["main.py"]\n'
    )
    p = converted(text, ProjectFiles(frozenset(), False, {}))
    builder, runtime = p.dockerfile.split("AS runtime")
    assert "pip install Flask" in builder and "FROM python:3.7-slim-stretch" in p.dockerfile
    assert "python-pip" not in runtime  # the apt installer stays in the builder
    # A requirements file is read from the folder: that still has to be the project's.
    assert isinstance(plan(text.replace("pip install Flask", "pip install -r requirements.txt"), ProjectFiles(frozenset(), False, {})), Declined)


def test_poetry_install_before_and_after_the_source_copy() -> None:
    # TP-Taller-II/TP-Taller-II-API-Gateway (bench/convert-corpus).
    text = (
        "FROM python:3.7.7-stretch\nRUN apt-get update\nRUN pip install poetry\nWORKDIR /app\nENV POETRY_VIRTUALENVS_IN_PROJECT true\n"
        "COPY poetry.lock pyproject.toml ./\nRUN poetry install\nCOPY . .\nRUN poetry install\nRUN poetry run pip install gunicorn\n"
    )
    p = converted(text, ProjectFiles(frozenset(), False, {}))
    builder = p.dockerfile.split("AS runtime")[0]
    assert "COPY pyproject.toml poetry.lock ./" in builder and "poetry install --only main --no-interaction --no-root" in builder
    assert builder.index("COPY . .") < builder.index("poetry run pip install gunicorn")
    assert isinstance(plan(text.replace("RUN poetry install\nRUN poetry run", "RUN poetry install --with dev\nRUN poetry run"), ProjectFiles(frozenset(), False, {})), Declined)


def test_php_extensions_split_keeps_what_they_link_against() -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "fixtures" / "planner" / "owncloud-php7.0-apache.Dockerfile").read_text(encoding="utf-8")
    p = converted(text, ProjectFiles(frozenset({"docker-entrypoint.sh"}), True, {}))
    builder, runtime = p.dockerfile.split("AS runtime")
    assert "docker-php-ext-install" in builder and "pecl install" in builder and "dpkg-query --search" in builder
    assert "-dev" not in runtime and "pecl" not in runtime and "curl" not in runtime
    for line in (
        "COPY --from=builder /usr/local/lib/php/extensions /usr/local/lib/php/extensions",
        "COPY --from=builder /usr/local/etc/php/conf.d /usr/local/etc/php/conf.d",
        "COPY --from=builder /usr/src/ /usr/src/",
        "RUN a2enmod rewrite",
        "COPY docker-entrypoint.sh /usr/local/bin/",
        'CMD ["apache2-foreground"]',
    ):
        assert line in runtime
    assert "FROM php:7.0-apache AS runtime" in p.dockerfile


@pytest.mark.parametrize(
    "tail, why",
    [
        ("RUN make -C /opt/x install\n", "leaves for the runtime"),
        ("RUN echo x > /etc/app.conf\n", "writes /etc/app.conf"),
        ("RUN curl -fsSLo x.tgz https://e.org/x.tgz && tar -xzf x.tgz\n", "absolute -C folder"),
    ],
)
def test_php_extensions_split_declines_what_it_cannot_place(tail: str, why: str) -> None:
    text = "FROM php:8.3-apache\nRUN apt-get update && apt-get install -y libpng-dev\nRUN docker-php-ext-install gd\n" + tail
    result = plan(text, ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined) and why in result.reasons[0], result


def test_untagged_maven_is_pinned_and_a_cmd_only_jar_runs_on_the_temurin_jre() -> None:
    # RRoggia/spring-docker-k8-hello-world (bench/convert-corpus).
    text = (
        "FROM maven\nCOPY ./ /usr/src/docker-hello-world\nWORKDIR /usr/src/docker-hello-world\n"
        'RUN ["mvn", "clean", "install"]\nCMD ["java", "-jar", "./target/docker-hello-world-0.0.1-SNAPSHOT.jar"]\n'
    )
    p = converted(text, ProjectFiles(frozenset(), False, {}))
    assert "FROM maven:3-eclipse-temurin-21 AS builder" in p.dockerfile
    # distroless Java's ENTRYPOINT is `java -jar`: a CMD starting java itself needs an image without one
    assert "FROM eclipse-temurin:21-jre AS runtime" in p.dockerfile
    assert any("names no Java version" in n for n in p.notes)
    # iikkamalmi/LectureDemo (bench/convert-corpus) starts `java -jar ""`: no jar to ship, declined before the gate
    broken = "FROM maven:latest\nWORKDIR /App\nCOPY pom.xml /App\nCOPY . /App/\nRUN mvn package\nCMD [\"java\", \"-jar\", \"\"]\n"
    result = plan(broken, ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined) and "empty argument" in result.reasons[0], result


# The shape of the Hatch build in a public multi-stage file (a django app built with
# `pip install wheel hatch` + `hatch build`, then installed from dist/), as one stage.
HATCH = 'FROM python:3.11\nWORKDIR /usr/src/app\nCOPY . .\nRUN pip install wheel hatch\nRUN hatch build -t wheel\nRUN pip install dist/*.whl\nCMD ["mubo", "rungunicorn"]\n'


def test_hatch_builds_the_wheel_after_the_source_and_pip_installs_it_into_the_venv() -> None:
    p = converted(HATCH, ProjectFiles(frozenset(), False, {}))
    builder = p.dockerfile.split("AS runtime")[0]
    assert builder.index("RUN pip install wheel hatch") < builder.index("RUN python -m venv")  # a tool, not a dependency
    assert builder.index("COPY . .") < builder.index("RUN hatch build -t wheel") < builder.index("pip install dist/*.whl")


def test_hatch_environments_are_declined_with_the_fix() -> None:
    result = plan(HATCH.replace("RUN hatch build -t wheel\nRUN pip install dist/*.whl\n", "RUN hatch env create\n"), ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined) and "hatch build -t wheel" in result.reasons[0], result
    result = plan(HATCH.replace('CMD ["mubo", "rungunicorn"]', 'CMD ["hatch", "run", "serve"]'), ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined) and "hatch run" in result.reasons[0], result


def test_python_build_steps_run_after_the_source_copy() -> None:
    text = 'FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nRUN python manage.py collectstatic --noinput\nCMD ["gunicorn", "app.wsgi"]\n'
    builder = converted(text, ProjectFiles(frozenset({"requirements.txt", "manage.py"}), True, {})).dockerfile.split("AS runtime")[0]
    assert builder.index("COPY . .") < builder.index("collectstatic")


def test_rust_binary_copied_onto_path_and_the_folders_it_reads() -> None:
    # Lunarequest/foxpost's Containerfile (bench/convert-corpus).
    text = (
        "FROM docker.io/rust:1-buster\nWORKDIR /app\nCOPY . /app\n"
        "RUN --mount=type=cache,target=/usr/local/cargo/registry \\\n    --mount=type=cache,target=/app/target \\\n    cargo build --release\n"
        "RUN --mount=type=cache,target=/app/target cp /app/target/release/blog /usr/bin/\n"
        'RUN chmod -R +r static templates\nWORKDIR /\nCMD ["blog"]\n'
    )
    p = converted(text, ProjectFiles(frozenset(), False, {}))
    builder, runtime = p.dockerfile.split("AS runtime")
    assert "FROM docker.io/rust:1-bookworm AS builder" in builder  # not 1-buster-bookworm
    assert "COPY --from=builder /app/target/release/blog /usr/bin/blog" in runtime
    assert "COPY --from=builder /app/static /app/static" in runtime and "COPY --from=builder /app/templates /app/templates" in runtime
    # On another ecosystem the same cp is not something the planner places.
    other = plan("FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN cp /app/target/release/x /usr/bin/\nCMD [\"node\", \"a.js\"]\n")
    assert isinstance(other, Declined)


def test_jar_shipped_from_the_build_context_is_declined_by_name() -> None:
    # YAPP-Github/21st-ALL-Rounder-Team-1-BE (bench/convert-corpus): built in the image, the host's jar shipped.
    text = (
        "FROM openjdk:11\nCOPY gradlew .\nCOPY gradle gradle\nCOPY build.gradle .\nCOPY settings.gradle .\nCOPY src src\n"
        "RUN chmod +x ./gradlew\nRUN ./gradlew clean build\nARG JAR_FILE=build/libs/*.jar\nCOPY ${JAR_FILE} app.jar\n"
        'ENTRYPOINT ["java","-jar","/app.jar"]\n'
    )
    result = plan(text, ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined) and "copied from the build context (build/libs/*.jar)" in result.reasons[0], result


# polnio/proxy-tcp-udp (bench/convert-corpus): compiled in the image, then started with `mix run`.
MIX_RUN = "FROM elixir:1.15.0\nWORKDIR /app\nENV MIX_ENV=prod\nCOPY . .\nRUN mix deps.get --only prod\nRUN mix compile\nCMD mix run --no-halt\n"


def test_mix_run_ships_the_compiled_project_and_the_mix_home_on_the_slim_image() -> None:
    p = converted(MIX_RUN, ProjectFiles(frozenset({"mix.exs", "mix.lock", "lib"}), True, {"mix.lock": '%{"jason": {:hex, :jason, "1.4.1"}}'}))
    runtime = p.dockerfile.split("AS runtime", 1)[1]
    assert "FROM elixir:1.15.0-slim AS runtime" in p.dockerfile
    assert "COPY --from=builder /root/.mix /root/.mix" in runtime and "COPY --from=builder /app /app" in runtime
    assert "ENV MIX_ENV=prod" in runtime and runtime.rstrip().endswith("CMD mix run --no-halt")
    # the COPY of the Mix home must not fail when neither Hex nor rebar was installed
    assert "RUN mkdir -p /root/.mix" in p.dockerfile.split("AS runtime", 1)[0]
    assert "apt-get" not in runtime  # no git dependencies in mix.lock


def test_mix_run_with_git_dependencies_installs_git_in_the_runtime() -> None:
    lock = '%{"plug": {:git, "https://github.com/elixir-plug/plug.git", "abc", []}}'
    p = converted(MIX_RUN, ProjectFiles(frozenset({"mix.exs", "mix.lock", "lib"}), True, {"mix.lock": lock}))
    assert "install -y --no-install-recommends git" in p.dockerfile.split("AS runtime", 1)[1]


def test_mix_run_without_the_project_says_what_it_cannot_see() -> None:
    p = converted(MIX_RUN.replace("elixir:1.15.0", "elixir:latest"), ProjectFiles())
    assert "FROM elixir:slim AS runtime" in p.dockerfile
    assert any("git dependencies" in n for n in p.notes)

def test_java_14_runs_on_the_last_openjdk_14_slim_image_with_its_deprecation_noted() -> None:
    # chaowenGUO/tomcat (bench/convert-corpus): Eclipse Temurin has no Java 14 JRE.
    text = 'FROM gradle:jdk14\nCOPY . /app\nWORKDIR /app\nRUN ["gradle", "build"]\nCMD ["java", "-jar", "build/libs/app-1.0.jar"]\n'
    for target in ("distroless", "alpine", "slim"):
        p = converted(text, ProjectFiles(frozenset(), False, {}), target_base=target)
        assert "FROM gradle:jdk14 AS builder" in p.dockerfile
        assert "FROM openjdk:14.0.2-jdk-slim-buster AS runtime" in p.dockerfile  # the explicit tag: 14-slim was deleted
        assert "COPY --from=builder /app/build/libs/app-1.0.jar ./build/libs/app-1.0.jar" in p.dockerfile
        assert p.dockerfile.rstrip().endswith('CMD ["java", "-jar", "build/libs/app-1.0.jar"]')
        assert any("deprecated" in n and "no updates" in n for n in p.notes), p.notes
    # A version with neither a Temurin JRE nor a known openjdk image still declines, saying both.
    result = plan(text.replace("jdk14", "jdk15"), ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined) and "knows no other published Java 15 runtime" in result.reasons[0], result


def test_python_from_apt_keeps_the_distributions_interpreter_and_ships_what_pip_installed() -> None:
    # irvin-s/docker_repair 318015414 (bench/convert-corpus): Ubuntu 16.04's Python 2 and pip 8.
    text = (
        "FROM ubuntu:16.04\nRUN apt-get update -y\nRUN apt-get install -y python-pip python-dev build-essential python-setuptools\n"
        "WORKDIR /app\nADD . /app\nRUN pip install -r requirements.txt\nCMD [\"gunicorn\", \"-c\", \"config.py\", \"app:app\"]\n"
    )
    p = converted(text, ProjectFiles(frozenset(), False, {}))
    builder, runtime = p.dockerfile.split("AS runtime")
    assert "FROM ubuntu:16.04 AS builder" in builder and "RUN pip install -r requirements.txt" in builder
    assert "FROM ubuntu:16.04 AS runtime" in p.dockerfile
    # the interpreter python-pip/python-dev belong to, and setuptools (pkg_resources for pip 8's scripts); no compilers or pip
    assert "apt-get install -y --no-install-recommends python python-setuptools \\" in runtime
    assert "build-essential" not in runtime and "python-pip" not in runtime and "python-dev" not in runtime
    assert "COPY --from=builder /usr/local /usr/local" in runtime and "COPY --from=builder /app /app" in runtime
    assert runtime.rstrip().endswith('CMD ["gunicorn", "-c", "config.py", "app:app"]')
    assert any("stays on ubuntu:16.04" in n for n in p.notes)
    # Python 3 on Debian: pip3's interpreter is python3; the headers and compilers stay behind.
    text3 = (
        "FROM debian:bullseye\nRUN apt-get update && apt-get install -y python3-pip python3-dev gcc\n"
        "WORKDIR /srv\nCOPY . .\nRUN pip3 install flask\nEXPOSE 5000\nCMD [\"python3\", \"app.py\"]\n"
    )
    p3 = converted(text3, ProjectFiles(frozenset(), False, {}))
    assert "FROM debian:bullseye AS runtime" in p3.dockerfile
    runtime3 = p3.dockerfile.split("AS runtime")[1]
    assert "--no-install-recommends python3 \\" in runtime3 and "gcc" not in runtime3 and "python3-dev" not in runtime3
    assert "COPY --from=builder /srv /srv" in runtime3 and "EXPOSE 5000" in runtime3


# Docker's hello-world (official-images f2353b5b, bench/convert-corpus), shortened: two of its seven builds.
HELLO = (
    "FROM debian:stretch-slim\nRUN dpkg --add-architecture i386\n"
    "RUN apt-get update && apt-get install -y --no-install-recommends \\\n\t\tgcc \\\n\t\tlibc6-dev \\\n\t\tmake \\\n"
    "\t\tlibc6-dev:i386 \\\n\t\tlibgcc-6-dev:i386 \\\n\t\tlibc6-dev-arm64-cross \\\n\t\tgcc-aarch64-linux-gnu \\\n\t\tfile \\\n"
    "\t&& rm -rf /var/lib/apt/lists/*\n"
    "WORKDIR /usr/src/hello\nCOPY . .\n"
    "RUN set -ex; \\\n\tmake clean all test \\\n\t\tTARGET_ARCH='amd64' \\\n\t\tCC='x86_64-linux-gnu-gcc' \\\n\t\tSTRIP='x86_64-linux-gnu-strip'\n"
    "RUN set -ex; \\\n\tmake clean all \\\n\t\tTARGET_ARCH='arm64v8' \\\n\t\tCC='aarch64-linux-gnu-gcc' \\\n\t\tSTRIP='aarch64-linux-gnu-strip'\n"
    "RUN find \\( -name 'hello' -or -name 'hello.txt' \\) -exec file '{}' + -exec ls -lh '{}' +\n"
    'CMD ["./amd64/hello-world/hello"]\n'
)


def test_c_build_ships_only_the_program_on_the_same_base() -> None:
    p = converted(HELLO, ProjectFiles(frozenset(), False, {}))
    builder, runtime = p.dockerfile.split("AS runtime")
    assert "FROM debian:stretch-slim AS builder" in builder and "make clean all test" in builder and "gcc-aarch64-linux-gnu" in builder
    assert "FROM debian:stretch-slim AS runtime" in p.dockerfile
    assert runtime.strip().splitlines() == [
        "WORKDIR /usr/src/hello",
        "COPY --from=builder /usr/src/hello/amd64/hello-world/hello /usr/src/hello/amd64/hello-world/hello",
        'CMD ["./amd64/hello-world/hello"]',
    ]
    assert any("Only /usr/src/hello/amd64/hello-world/hello ships" in n for n in p.notes)
    # Alpine's base has no libgcc or libstdc++: the runtime installs the toolchain's own runtime.
    alpine = 'FROM alpine:3.20\nRUN apk add --no-cache build-base cmake\nWORKDIR /src\nCOPY . .\nRUN cmake -B build && cmake --build build\nUSER nobody\nEXPOSE 8080\nCMD ["/src/build/server", "--port", "8080"]\n'
    runtime = converted(alpine, ProjectFiles(frozenset(), False, {})).dockerfile.split("AS runtime")[1]
    assert "RUN apk add --no-cache libgcc libstdc++" in runtime and "build-base" not in runtime
    assert "COPY --from=builder /src/build/server /src/build/server" in runtime and "USER nobody" in runtime


@pytest.mark.parametrize(
    "change, why",
    [
        (("\t\tfile \\\n", "\t\tlibssl-dev \\\n"), "installs libssl-dev, which is not a compiler"),
        (("\t\tfile \\\n", "\t\tpython3 \\\n"), "installs python3"),
        (('CMD ["./amd64/hello-world/hello"]', 'CMD ["hello"]'), "from PATH"),
        (('CMD ["./amd64/hello-world/hello"]', 'CMD ["/usr/bin/file", "x"]'), "not inside the project folder"),
        (('CMD ["./amd64/hello-world/hello"]', 'CMD ["./run.sh"]'), "an interpreter or a script"),
        (('CMD ["./amd64/hello-world/hello"]', 'CMD ["./amd64/hello-world/hello", "config/hello.conf"]'), "cannot tell which files it reads"),
        (('CMD ["./amd64/hello-world/hello"]', "CMD ./amd64/hello-world/hello > /tmp/out"), "a shell command"),
        (("FROM debian:stretch-slim", "FROM registry.example.com/debian:stretch-slim"), "not the official debian, ubuntu or alpine image"),
    ],
)
def test_c_build_declines_what_it_cannot_see(change: tuple[str, str], why: str) -> None:
    result = plan(HELLO.replace(*change), ProjectFiles(frozenset(), False, {}))
    assert isinstance(result, Declined), result
    assert why in result.reasons[0], result.reasons


def test_mix_run_as_another_user_ships_the_mix_home_env_names() -> None:
    text = MIX_RUN.replace("ENV MIX_ENV=prod", "ENV MIX_ENV=prod MIX_HOME=/opt/mix").replace("CMD mix", "USER app\nCMD mix")
    p = converted(text, ProjectFiles(frozenset({"mix.exs", "mix.lock"}), True, {"mix.lock": "%{}"}))
    assert "COPY --from=builder /opt/mix /opt/mix" in p.dockerfile and "RUN mkdir -p /opt/mix" in p.dockerfile
