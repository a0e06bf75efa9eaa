"""The SLIM1xx fixes, text for text: what each one writes, and that the result is quiet."""

from __future__ import annotations

import pytest

from slimstage.dockerfile import parse
from slimstage.fixes import apply_fix
from slimstage.lint import lint
from slimstage.settings import Settings, merge

CASES = [
    (
        "SLIM101",
        {},
        "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n",
        "FROM node:22\nWORKDIR /app\nCOPY package*.json npm-shrinkwrap.json* .npmrc* ./\nRUN npm ci\nCOPY . .\nRUN npm run build\n",
    ),
    (
        "SLIM101",
        {},
        "FROM python:3.12\nWORKDIR /app\nCOPY . .\n\nRUN pip install -r requirements.txt\n\nCMD [\"python\", \"app.py\"]\n",
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\n\nCMD [\"python\", \"app.py\"]\n",
    ),
    (
        "SLIM101",
        {},
        "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry install --only main\n",
        "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml poetry.lock* poetry.toml* ./\nRUN poetry install --no-root --only main\n"
        "COPY . .\nRUN poetry install --only main\n",
    ),
    (
        "SLIM102",
        {},
        "FROM node:22\nWORKDIR /app\nCOPY --chown=node package.json ./\nRUN npm ci\n",
        "FROM node:22\nWORKDIR /app\nCOPY --chown=node package.json package-lock.json ./\nRUN npm ci\n",
    ),
    (
        "SLIM103",
        {},
        "FROM debian:12\nCOPY . /src\nRUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\n",
        "FROM debian:12\nRUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*\nCOPY . /src\n",
    ),
    (
        "SLIM104",
        {},
        "FROM alpine\nARG BUILD_DATE\nRUN apk add --no-cache curl\nLABEL created=$BUILD_DATE\n",
        "FROM alpine\nRUN apk add --no-cache curl\nARG BUILD_DATE\nLABEL created=$BUILD_DATE\n",
    ),
    (
        "SLIM105",
        {},
        "FROM debian:12\nRUN apt-get update\nRUN DEBIAN_FRONTEND=noninteractive apt-get install -y curl\n",
        "FROM debian:12\nRUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y curl\n",
    ),
    (
        "SLIM106",
        {},
        "FROM python:3.12\nRUN pip install flask\n",
        "FROM python:3.12\nRUN --mount=type=cache,target=/root/.cache/pip pip install flask\n",
    ),
    (
        "SLIM106",
        {"cache_mounts": False},
        "FROM python:3.12\nRUN python -m pip install flask\n",
        "FROM python:3.12\nRUN python -m pip install --no-cache-dir flask\n",
    ),
    (
        "SLIM106",
        {"cache_mounts": False},
        "FROM debian:12\nRUN set -eux; \\\n    apt-get update; \\\n    apt-get install -y --no-install-recommends curl\n",
        "FROM debian:12\nRUN set -eux; \\\n    apt-get update; \\\n    apt-get install -y --no-install-recommends curl; \\\n    rm -rf /var/lib/apt/lists/*\n",
    ),
    (
        "SLIM107",
        {},
        "FROM debian:12\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n",
        "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\n",
    ),
]


@pytest.mark.parametrize("code,extra,before,after", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_fix_text(code: str, extra: dict, before: str, after: str) -> None:
    settings, problems = merge(Settings(), {**extra, "rules": {"select": [code]}})
    assert not problems
    found = [v for v in lint(parse(before), settings).violations if v.code == code]
    assert found and found[0].fix is not None, found
    fixed = apply_fix(before, found[0].fix)
    assert fixed == after
    assert not [v for v in lint(parse(fixed), settings).violations if v.code == code]


def test_recommends_fix_is_not_applied_by_fix_all() -> None:
    found = [x for x in lint(parse("FROM debian:12\nRUN apt-get install -y curl\n")).violations if x.code == "SLIM107"]
    assert found and found[0].fix is not None and not found[0].fix.safe
