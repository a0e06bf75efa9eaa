"""Document links and signature help without the protocol."""

from __future__ import annotations

import os
from pathlib import Path

from slimstage.analysis import Analysis
from slimstage.analysis.context import read_context
from slimstage.dockerfile import parse
from slimstage.dockerfile.model import Pos
from slimstage.editor.links import document_links, registry_page
from slimstage.editor.signature_help import MOUNT_KEYS, signature_help


def test_registry_pages() -> None:
    assert registry_page("python:3.12-slim") == "https://hub.docker.com/_/python"
    assert registry_page("docker.io/library/node:22") == "https://hub.docker.com/_/node"
    assert registry_page("bitnami/redis:7@sha256:abc") == "https://hub.docker.com/r/bitnami/redis"
    assert registry_page("us-docker.pkg.dev/x/y/z") is None  # no known page address
    assert registry_page("localhost:5000/app") is None
    assert registry_page("scratch") is None and registry_page("$BASE") is None
    assert registry_page("eu.gcr.io/proj/img:1") == "https://eu.gcr.io/proj/img"


def test_copy_sources_link_only_to_files_inside_the_context(tmp_path: Path) -> None:
    ctx = tmp_path / "ctx"
    ctx.mkdir()
    (ctx / "go.mod").write_text("module x\n")
    (ctx / "src").mkdir()
    (tmp_path / "secret.txt").write_text("x")
    os.symlink(tmp_path / "secret.txt", ctx / "link.txt")  # leads out of the context
    text = (
        "FROM golang:1.22 AS build\n"
        "COPY go.mod go.sum* src link.txt ../secret.txt ./\n"
        "COPY <<EOF go.mod\nhello\nEOF\n"
        "COPY --from=build go.mod /x\n"
        "ADD https://example.com/go.mod /y\n"
    )
    dockerfile = ctx / "Dockerfile"
    dockerfile.write_text(text)
    a = Analysis(parse(text), context=read_context(dockerfile, ""))
    files = [l for l in document_links(a) if l.target.startswith("file:")]
    assert [(l.range.start.line, l.target) for l in files] == [(1, (ctx / "go.mod").resolve().as_uri())]


def test_signature_help_keys_per_mount_type() -> None:
    doc = parse("FROM a\nRUN --mount=type=secret,id=npmrc,\nRUN --mount=type=tmpfs,size=1m,target=/t \\\n  make\n")
    h = signature_help(doc, Pos(1, len("RUN --mount=type=secret,id=npmrc,")))
    sig = h.signatures[0]
    keys = [sig.label[p.start : p.end].split("=")[0] for p in sig.parameters]
    assert keys == ["type", *MOUNT_KEYS["secret"]]
    assert sig.label[sig.parameters[sig.active_parameter].start :].startswith("target=<path>")  # id is written: target is next
    # on the continuation line of a RUN: the instruction's syntax, the command active
    h = signature_help(doc, Pos(3, 4))
    sig = h.signatures[h.active_signature]
    assert sig.label.startswith("RUN [--mount=...]") and sig.label[sig.parameters[sig.active_parameter].start :] == "<command>"


def test_no_signature_inside_heredocs_and_on_keywords() -> None:
    doc = parse("FROM a\nRUN <<EOF\nFROM b\nEOF\n")
    assert signature_help(doc, Pos(2, 5)) is None
    assert signature_help(doc, Pos(1, 2)) is None
