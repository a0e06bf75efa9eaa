"""Hover of a FROM shows the size the local engine measured, in the real server over stdio.

The engine is real ``buildah`` (the stand-in base images this machine has), reached through a
wrapper on PATH that records every command line the server runs, so the tests can check that a
hostile FROM never became an option. The engine comes from the user's config file
(``XDG_CONFIG_HOME``); a project file naming another engine is not obeyed.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from slimstage.localimages import from_images, valid_reference
from tests.lsp.conftest import capabilities, open_doc

from .conftest import engine_missing

SERVER = [sys.executable, "-m", "slimstage", "serve"]
HOME = Path(tempfile.mkdtemp(prefix="slimstage-hover-measured-"))
LOG = HOME / "argv.log"
NO_ENGINE = HOME / "no-engine-bin"


def _setup() -> None:
    (HOME / "config" / "slimstage").mkdir(parents=True, exist_ok=True)
    (HOME / "config" / "slimstage" / "config.toml").write_text('[verify]\nengine = "buildah"\n')
    bin_dir = HOME / "bin"
    bin_dir.mkdir(exist_ok=True)
    real = shutil.which("buildah") or "/usr/bin/buildah"
    wrapper = bin_dir / "buildah"
    wrapper.write_text(f'#!/bin/sh\nprintf "%s\\0" "$@" >> "{LOG}"\nprintf "\\n" >> "{LOG}"\nexec "{real}" "$@"\n')
    wrapper.chmod(0o755)
    NO_ENGINE.mkdir(exist_ok=True)


_setup()


def _env(path: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env["XDG_CONFIG_HOME"] = str(HOME / "config")
    env["PATH"] = path
    return env


def _calls() -> list[list[str]]:
    if not LOG.exists():
        return []
    return [line.split("\0")[:-1] for line in LOG.read_text().split("\n") if line]


def _buildah_size(ref: str) -> int:
    from slimstage.rewrite.verify.engine import parse_size

    rows = json.loads(subprocess.run(["buildah", "images", "--json", "--", ref], capture_output=True, text=True, timeout=60).stdout)
    return parse_size(rows[0]["size"])


async def _hover(client: LanguageClient, uri: str, line: int = 0) -> str:
    got = await client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(line, 1)))
    assert got is not None
    return got.contents.value


async def _hover_until_measured(client: LanguageClient, uri: str, line: int = 0) -> str:
    """The lookup runs in the background: ask again until it is in (readiness, not speed)."""
    text = await _hover(client, uri, line)
    for _ in range(100):
        if "measured locally" in text:
            break
        await asyncio.sleep(0.2)
        text = await _hover(client, uri, line)
    return text


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=_env(f"{HOME / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")))
async def client(lsp_client: LanguageClient):
    why = engine_missing()
    if why:
        pytest.skip(why)
    settings = {"debounceMs": 0}
    lsp_client.set_configuration(settings, section="slimstage")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, server_env=_env(str(NO_ENGINE))))
async def bare(lsp_client: LanguageClient):
    settings = {"debounceMs": 0}
    lsp_client.set_configuration(settings, section="slimstage")
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options=settings))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.engine
@pytest.mark.asyncio
async def test_present_image_hover_shows_the_measured_size_buildah_reports(client: LanguageClient, tmp_path: Path) -> None:
    # a project file naming docker is not obeyed: the engine comes from the user's config only
    (tmp_path / ".slimstage.toml").write_text('[verify]\nengine = "docker"\n')
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, "FROM python:3.12-slim AS app\nRUN echo hi\n\nFROM app\nRUN true\n")
    text = await _hover_until_measured(client, uri)
    stage_hover = await _hover(client, uri, line=3)  # a stage built on it: its base is measured too
    assert "measured locally" in stage_hover and "built on `python:3.12-slim`" in stage_hover
    expected = _buildah_size("python:3.12-slim")
    assert f"**{expected / 1_000_000:,.0f} MB measured locally** (buildah image inspect" in text, text
    assert "table:" in text  # the estimate stays beside it, labelled
    assert all(c[0] not in ("image",) for c in _calls())  # only buildah's own command lines
    assert any(c[-2:] == ["--", "python:3.12-slim"] for c in _calls())


@pytest.mark.engine
@pytest.mark.asyncio
async def test_lens_and_inlay_hint_show_the_measured_size_once_known(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / ".slimstage.toml").write_text("inlay_hints = true\n")
    uri = (tmp_path / "Dockerfile").as_uri()
    text = "FROM python:3.12-slim AS app\nRUN echo hi\n"
    open_doc(client, uri, text)
    await _hover_until_measured(client, uri)  # the lookup is in
    figure = f"{_buildah_size('python:3.12-slim') / 1_000_000:,.0f} MB"
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(types.TextDocumentIdentifier(uri)))
    titles = [lens.command.title for lens in lenses or [] if lens.command]
    assert f"runtime · {figure} measured · ships" in titles, titles
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(types.TextDocumentIdentifier(uri), types.Range(types.Position(0, 0), types.Position(2, 0)))
    )
    assert hints and hints[0].label == f"{figure} (measured)", hints
    assert "measured" in str(hints[0].tooltip)


@pytest.mark.engine
@pytest.mark.asyncio
async def test_missing_image_keeps_the_estimate(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, "FROM python:3.99-nonexistent\n")
    for _ in range(30):  # give the lookup time to finish; the hover must still be the estimate
        text = await _hover(client, uri)
        if any(c[-1:] == ["python:3.99-nonexistent"] for c in _calls()):
            break
        await asyncio.sleep(0.2)
    await asyncio.sleep(0.5)
    text = await _hover(client, uri)
    assert "measured locally" not in text
    assert "Base" in text


@pytest.mark.engine
@pytest.mark.asyncio
async def test_hostile_from_never_reaches_the_engine_as_an_option(client: LanguageClient, tmp_path: Path) -> None:
    hostile = ["--rm", "-x", "--help", "a" * 5000, "pythön:3", "-", "--format={{.}}"]
    for i, image in enumerate(hostile):
        uri = (tmp_path / f"Dockerfile.{i}").as_uri()
        open_doc(client, uri, f"FROM {image}\nRUN true\n")
        text = await _hover(client, uri)
        assert "measured locally" not in text
    # a normal image afterwards still measures: the worker survived
    uri = (tmp_path / "Dockerfile.ok").as_uri()
    open_doc(client, uri, "FROM python:3.12-slim\n")
    assert "measured locally" in await _hover_until_measured(client, uri)
    for argv in _calls():
        for image in hostile:
            assert image not in argv, argv
        refs = argv[argv.index("--") + 1 :] if "--" in argv else []
        assert all(valid_reference(r) for r in refs)


@pytest.mark.asyncio
async def test_no_engine_on_path_hover_is_the_estimate_without_error(bare: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(bare, uri, "FROM python:3.12-slim\n")
    text = await _hover(bare, uri)
    await asyncio.sleep(0.3)
    text = await _hover(bare, uri)
    assert "measured locally" not in text and "estimate" in text
    assert not [m for m in bare.log_messages if m.type == types.MessageType.Error]


def test_reference_grammar() -> None:
    assert valid_reference("python:3.12-slim") and valid_reference("gcr.io/distroless/base-debian12:latest")
    assert valid_reference("localhost:5000/a/b@sha256:" + "a" * 64)
    for bad in ("--rm", "-x", "", "a" * 600, "pythön", "a b", "${X}", "Upper/Case"):
        assert not valid_reference(bad), bad
    assert from_images("FROM --platform=$P python:3.12-slim AS b\nFROM b\nFROM --rm\nFROM ${X}\n") == ["python:3.12-slim"]


@pytest.mark.engine
@pytest.mark.asyncio
async def test_setting_off_runs_nothing(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / ".slimstage.toml").write_text("local_image_sizes = false\n")
    uri = (tmp_path / "Dockerfile").as_uri()
    open_doc(client, uri, "FROM python:3.11-slim\n")
    for _ in range(5):
        assert "measured locally" not in await _hover(client, uri)
        await asyncio.sleep(0.2)
    assert not any("python:3.11-slim" in argv for argv in _calls())


def test_cache_one_lookup_at_a_time_and_ttl() -> None:
    import threading
    import time

    from slimstage.localimages import LocalImages, Measured

    running, most, asked = [0], [0], []
    lock = threading.Lock()

    def inspect(ref: str):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
            asked.append(ref)
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return Measured(size=1_000_000, layers=1, engine="fake") if ref != "missing:1" else None

    images = LocalImages(inspect, ttl=0.5)
    refs = ["a:1", "b:1", "missing:1", "--rm"]
    assert all(images.measured(r) is None for r in refs)  # never waits: unknown at first
    for _ in range(200):
        if images.measured("a:1") and images.measured("b:1") and len(asked) >= 3:
            break
        time.sleep(0.02)
    assert images.measured("a:1").size == 1_000_000 and images.measured("missing:1") is None
    assert most[0] == 1 and "--rm" not in asked and asked.count("a:1") == 1  # cached
    time.sleep(0.6)  # past the TTL: the stale figure is still shown while it is looked up again
    assert images.measured("a:1") is not None
    for _ in range(200):
        if asked.count("a:1") == 2:
            break
        time.sleep(0.02)
    assert asked.count("a:1") == 2
    images.stop()


def test_a_new_figure_calls_on_new_once_and_a_repeat_does_not() -> None:
    """The server asks the client to re-request lenses and inlay hints only when a figure is new."""
    import threading

    from slimstage.localimages import LocalImages, Measured

    calls, done = [], threading.Event()

    def on_new() -> None:
        calls.append(1)
        done.set()

    images = LocalImages(lambda ref: Measured(1_000_000, 1, "fake") if ref == "a:1" else None, ttl=0.0, on_new=on_new)
    try:
        images.measured("a:1")
        assert done.wait(10)
        images.measured("b:1")  # not present: no figure, no refresh
        images.measured("a:1")  # looked up again (ttl 0), the same figure
        for _ in range(100):
            with images._lock:
                if not images._queue:
                    break
            threading.Event().wait(0.05)
        threading.Event().wait(0.2)  # a callback would come right after the queue empties
        assert calls == [1]
    finally:
        images.stop()


def test_the_cache_stays_bounded_when_no_image_is_found() -> None:
    """Lookups that find nothing are cached too, and the oldest entries make room (MAX_ENTRIES)."""
    import threading

    from slimstage import localimages
    from slimstage.localimages import LocalImages

    images = LocalImages(lambda ref: None, ttl=60.0)
    try:
        for batch in range(0, localimages.MAX_ENTRIES + 40, 20):
            for i in range(batch, batch + 20):
                images.measured(f"img{i}:1")
            for _ in range(200):
                with images._lock:
                    if not images._queue:
                        break
                threading.Event().wait(0.01)
        with images._lock:
            assert 0 < len(images._cache) <= localimages.MAX_ENTRIES
    finally:
        images.stop()
