"""SLIM404's suggested HEALTHCHECK never invents an HTTP route: a TCP connect with a tool the image has."""

from __future__ import annotations

import pytest

from slimstage.dockerfile import parse
from slimstage.lint import lint
from slimstage.settings import Settings


@pytest.mark.parametrize(
    "image, tool",
    [
        ("node:22-slim", "require('net').connect(3000"),
        ("python:3.12-slim", "socket.create_connection(('127.0.0.1', 3000)"),
        ("alpine:3.24", "nc -z 127.0.0.1 3000"),
        ("debian:bookworm-slim", "/dev/tcp/127.0.0.1/3000"),
        ("gcr.io/distroless/static-debian12", "no shell, curl or wget"),
    ],
)
def test_the_suggestion_is_a_connect_check(image: str, tool: str) -> None:
    text = f"FROM golang:1.27 AS build\nRUN go build -o /app .\nFROM {image} AS runtime\nCOPY --from=build /app /app\nEXPOSE 3000\nCMD [\"/app\"]\n"
    found = [v for v in lint(parse(text), Settings()).violations if v.code == "SLIM404"]
    assert len(found) == 1
    assert tool in found[0].message
    assert "/health" not in found[0].message and "http://" not in found[0].message
