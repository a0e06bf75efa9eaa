"""System package steps, the caches a RUN leaves in its layer, and the scope of a stage."""

from __future__ import annotations

import pytest

from slimstage.analysis.caches import caches_left
from slimstage.analysis.packages import install_using_existing_index, system_steps
from slimstage.analysis.scope import walk
from slimstage.dockerfile import parse


def run(text: str):
    return parse("FROM scratch\n" + text + "\n").stages[0].instructions[1]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("RUN apt-get -qq update", [("apt", "update", ())]),
        ("RUN apt-get install -y --no-install-recommends -o Dpkg::Options::=--force-confold curl git", [("apt", "install", ("curl", "git"))]),
        ("RUN apt-get -y install curl", [("apt", "install", ("curl",))]),
        ("RUN apt install -t bookworm-backports golang", [("apt", "install", ("golang",))]),
        ("RUN apk --no-cache add --virtual .deps gcc", [("apk", "install", ("gcc",))]),
        ("RUN apk del .deps", [("apk", "remove", (".deps",))]),
        ("RUN dnf -y --setopt=install_weak_deps=False install python3 && dnf clean all", [("dnf", "install", ("python3",)), ("dnf", "clean", ("all",))]),
        ("RUN microdnf install -y shadow-utils", [("microdnf", "install", ("shadow-utils",))]),
        ("RUN zypper --non-interactive in curl", [("zypper", "install", ("curl",))]),
    ],
)
def test_system_steps(text: str, expected: list) -> None:
    assert [(s.manager, s.action, s.packages) for s in system_steps(run(text))] == expected


def test_step_facts() -> None:
    (s,) = system_steps(run("RUN apt-get install -y --no-install-recommends curl"))
    assert s.no_recommends and s.label == "apt-get install" and not s.dynamic
    (d,) = system_steps(run("RUN apt-get install -y $buildDeps ./local.deb"))
    assert d.dynamic and d.local_files == ("./local.deb",)


def test_install_using_existing_index() -> None:
    assert install_using_existing_index(run("RUN apt-get install -y curl"), "apt") is not None
    assert install_using_existing_index(run("RUN apt-get update && apt-get install -y curl"), "apt") is None
    assert install_using_existing_index(run("RUN apk add --no-cache curl"), "apk") is None
    assert install_using_existing_index(run("RUN apk add -U curl"), "apk") is None
    assert install_using_existing_index(run("RUN apk add curl"), "apk") is not None


@pytest.mark.parametrize(
    "text,left",
    [
        ("RUN apt-get update && apt-get install -y curl", ["apt"]),
        ("RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*", []),
        ("RUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y curl", ["apt"]),
        ("RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update", []),
        ("RUN apt-get update && apt-get install -y x && apt-get clean", ["apt"]),
        ("RUN apk add curl", ["apk"]),
        ("RUN apk add --no-cache curl", []),
        ("RUN pip install flask", ["pip"]),
        ("RUN pip install --no-cache-dir flask", []),
        ("RUN pip install flask && rm -rf /root/.cache", []),
        ("RUN PIP_NO_CACHE_DIR=1 pip install flask", []),
        ("RUN npm ci", ["npm"]),
        ("RUN npm ci && npm cache clean --force", []),
        ("RUN yarn install --frozen-lockfile && yarn cache clean", []),
        ("RUN yarn install --immutable", []),
        ("RUN dnf install -y git", ["dnf"]),
        ("RUN yum install -y git && yum clean all", []),
        ("RUN poetry install && rm -rf $POETRY_CACHE_DIR", []),
        ("RUN bundle install && rm -rf /usr/local/bundle/cache", []),
        ("RUN composer install --no-dev", ["composer"]),
        ("RUN COMPOSER_CACHE_DIR=/dev/null composer install", []),
    ],
)
def test_caches_left(text: str, left: list) -> None:
    assert [c.kind.key for c in caches_left(run(text))] == left


def test_cache_turned_off_by_env() -> None:
    assert caches_left(run("RUN pip install flask"), {"PIP_NO_CACHE_DIR": "1"}) == []
    assert caches_left(run("RUN uv sync"), {"UV_NO_CACHE": "1"}) == []


def test_scope_follows_workdir_user_env_and_base_stages() -> None:
    doc = parse(
        "FROM node:22 AS base\nWORKDIR /app\nENV HOME_DIR=/srv X=1\nUSER node\n"
        "FROM base\nWORKDIR src\nARG TAG\nUSER root\nRUN true\n"
    )
    scopes = dict((ins.start_line, scope) for ins, scope in walk(doc, doc.stages[1]))
    last = scopes[8]
    assert last.workdir == "/app/src" and last.is_root and last.env["X"] == "1" and "TAG" not in last.env
    assert scopes[5].workdir == "/app" and not scopes[5].is_root
    first = dict((ins.start_line, scope) for ins, scope in walk(doc, doc.stages[0]))
    assert first[1].workdir == "@" and first[1].resolve("x/y") == "@/x/y"
    assert first[2].resolve("$HOME_DIR/a") is None and first[3].resolve("$HOME_DIR/a") == "/srv/a"
