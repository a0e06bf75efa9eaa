"""One size truth: `check`, `explain`, hover and `convert` quote the same size for the same image.

For node:22, python:3.12-slim and eclipse-temurin:21-jre the figure must be the one of the
image's own row in data/base-image-sizes.tsv (node:22 is node:22-trixie, 1,220 MB; not
node:24-trixie, not a compressed figure). Each surface is the real one: the CLI in a
subprocess, hover from the server over stdio.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from slimstage.analysis.images import format_size, lookup_size

from .conftest import client, open_doc  # noqa: F401  (fixture)



# image -> (its row's tag, the figure every surface must print)
EXPECTED = {
    "node:22": ("22-trixie", "~1,220 MB"),
    "python:3.12-slim": ("3.12-slim", "~119 MB"),
    "eclipse-temurin:21-jre": ("21-jre", "~318 MB"),
}

# A single-stage original (converted offline with target_base=slim), and a file on which
# `check` names the image with its size (SLIM301/SLIM401 and their suggested runtime).
ORIGINALS = {
    "node:22": (
        "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n"
        "RUN npm run build\nEXPOSE 3000\nCMD [\"node\", \"dist/server.js\"]\n",
        {"package.json": '{"name": "a", "scripts": {"build": "tsc"}, "dependencies": {"express": "4"}}', "package-lock.json": "{}"},
    ),
    "python:3.12-slim": (
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n"
        "COPY . .\nEXPOSE 8000\nCMD [\"python\", \"app.py\"]\n",
        {"requirements.txt": "flask\n", "app.py": ""},
    ),
    "eclipse-temurin:21-jre": (
        "FROM eclipse-temurin:21\nWORKDIR /app\nCOPY pom.xml mvnw ./\nCOPY .mvn .mvn\nRUN ./mvnw -B dependency:go-offline\n"
        "COPY src src\nRUN ./mvnw -B package -DskipTests\nEXPOSE 8080\nCMD [\"java\", \"-jar\", \"target/app.jar\"]\n",
        {"pom.xml": "<project/>", "mvnw": "", ".mvn/wrapper.properties": "", "src/Main.java": ""},
    ),
}
CHECKED = {
    "node:22": ORIGINALS["node:22"][0],  # SLIM301: runs npm run build on node:22 (size)
    "python:3.12-slim": (  # SLIM401 on a full python final image suggests python:3.12-slim (size)
        "FROM python:3.12 AS deps\nRUN pip install --prefix=/deps flask\n"
        "FROM python:3.12 AS runtime\nCOPY --from=deps /deps /usr/local\nEXPOSE 8000\nCMD [\"python\", \"-m\", \"flask\", \"run\"]\n"
    ),
    "eclipse-temurin:21-jre": ORIGINALS["eclipse-temurin:21-jre"][0],  # SLIM301 suggests eclipse-temurin:21-jre (size)
}


def cli(*args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "slimstage", *args], capture_output=True, text=True, timeout=60)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.stdout + proc.stderr


def project(tmp_path: Path, image: str) -> Path:
    text, files = ORIGINALS[image]
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(body)
    path = tmp_path / "Dockerfile"
    path.write_text(text)
    return path


@pytest.mark.parametrize("image", sorted(EXPECTED))
def test_the_table_row_is_the_images_own(image: str) -> None:
    tag, figure = EXPECTED[image]
    fact = lookup_size(image)
    assert fact is not None and fact.tag == tag
    assert format_size(fact) == figure


@pytest.mark.asyncio
@pytest.mark.parametrize("image", sorted(EXPECTED))
async def test_check_explain_hover_and_convert_quote_the_same_size(image: str, client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    _, figure = EXPECTED[image]
    # check
    checked = tmp_path / "checked" / "Dockerfile"
    checked.parent.mkdir()
    checked.write_text(CHECKED[image])
    out = cli("check", "--full", "--set", "target_base=slim", str(checked))
    assert f"`{image}` ({figure}, estimate)" in out, out
    # convert (offline, so no key is needed): the result, and its size estimate
    (tmp_path / "p").mkdir()
    original = project(tmp_path / "p", image)
    converted = cli("convert", "--engine", "offline", "--set", "target_base=slim", "--write", str(original))
    assert f"`{image}` ({figure}, row {image.split(':')[0]}:{EXPECTED[image][0]})" in converted, converted
    for wrong in ("0.0 MB", "100%", "mixed"):
        assert wrong not in converted
    # explain, on the converted file (the image is one of its stages' base)
    explained = cli("explain", str(original))
    assert f"{figure}, estimate for {image.split(':')[0]}:{EXPECTED[image][0]}" in explained, explained
    # hover on the FROM of the stage built on the image
    text = original.read_text()
    line = next(n for n, ln in enumerate(text.splitlines()) if ln.startswith(f"FROM {image} ") or ln == f"FROM {image}")
    uri = original.as_uri()
    open_doc(client, uri, text)
    hover = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 1)))
    assert hover is not None
    assert f"{figure}, estimate for `{image.split(':')[0]}:{EXPECTED[image][0]}`" in hover.contents.value
