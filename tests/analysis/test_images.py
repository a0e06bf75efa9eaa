"""Image facts: ARG expansion in FROM, toolchains, runtime suggestions, default users, sizes."""

from __future__ import annotations

import pytest

from slimstage.analysis import Analysis
from slimstage.analysis.images import (
    default_user,
    display_image,
    expand,
    full_variant_ecosystem,
    global_arg_defaults,
    lookup_size,
    nonroot_user,
    runtime_suggestion,
    scanner_of,
    size_note,
    stage_image,
    toolchain_of,
    version_of,
)
from slimstage.dockerfile import parse


@pytest.mark.parametrize(
    "text,values,out",
    [
        ("golang:${GO}", {"GO": "1.27"}, "golang:1.27"),
        ("golang:$GO-alpine", {"GO": "1.27"}, "golang:1.27-alpine"),
        ("${BASE:-debian}:12", {}, "debian:12"),
        ("${BASE:-debian}:12", {"BASE": ""}, "debian:12"),
        ("${BASE-debian}:12", {"BASE": ""}, ":12"),
        ("node${SUFFIX:+-}${SUFFIX}", {"SUFFIX": "slim"}, "node-slim"),
        ("node${SUFFIX:+-}${SUFFIX}", {}, None),  # a build-arg could still set it
        ("${BASE}", {}, None),  # no value, no default: unknown
        ("${BASE}", {"BASE": None}, None),  # declared without a default
        ("plain:1", {}, "plain:1"),
    ],
)
def test_expand(text: str, values: dict, out: str | None) -> None:
    assert expand(text, values) == out


def test_global_args_resolve_stage_images_through_the_base_chain() -> None:
    doc = parse(
        "ARG GO=1.27\nARG BUILDER=golang:${GO}\nARG RUNTIME\n"
        "FROM ${BUILDER} AS build\nFROM build AS test\nFROM ${RUNTIME:-gcr.io/distroless/static-debian12}\nFROM ${RUNTIME}\n"
    )
    assert global_arg_defaults(doc) == {"GO": "1.27", "BUILDER": "golang:1.27", "RUNTIME": None}
    a = Analysis(doc)
    assert [stage_image(a, i) for i in range(4)] == ["golang:1.27", "golang:1.27", "gcr.io/distroless/static-debian12", None]


@pytest.mark.parametrize(
    "image,eco",
    [
        ("golang:1.27-alpine", "go"),
        ("rust:1.98-slim", "rust"),
        ("maven:3-eclipse-temurin-21", "java"),
        ("gradle:jdk21", "java"),
        ("eclipse-temurin:21-jdk", "java"),
        ("eclipse-temurin:21", "java"),
        ("eclipse-temurin:21-jre-alpine", None),
        ("openjdk:17-jre-slim", None),
        ("openjdk:17", "java"),
        ("mcr.microsoft.com/dotnet/sdk:8.0", "dotnet"),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", None),
        ("registry.example.com/tools/sdk:1", None),  # not the .NET SDK
        ("buildpack-deps:bookworm", "c"),
        ("node:22", None),
        ("gcr.io/distroless/static-debian12", None),
    ],
)
def test_toolchain_of(image: str, eco: str | None) -> None:
    assert toolchain_of(image) == eco


@pytest.mark.parametrize(
    "image,eco",
    [("node:22", "node"), ("node", "node"), ("python:3.12-bookworm", "python"), ("node:22-slim", None), ("python:3.12-alpine", None), ("ruby:3-slim", None), ("myorg/node:22", None)],
)
def test_full_variants_carry_compilers(image: str, eco: str | None) -> None:
    assert full_variant_ecosystem(image) == eco


@pytest.mark.parametrize(
    "eco,base,image,out",
    [
        ("go", "distroless", "golang:1.27", "gcr.io/distroless/static-debian12"),
        ("go", "scratch", "golang:1.27", "scratch"),
        ("rust", "distroless", "rust:1.98", "gcr.io/distroless/cc-debian12"),
        ("java", "distroless", "maven:3-eclipse-temurin-21", "gcr.io/distroless/java21-debian12"),
        ("java", "alpine", "eclipse-temurin:17-jdk", "eclipse-temurin:17-jre-alpine"),
        ("java", "slim", "gradle:jdk11", "eclipse-temurin:11-jre"),
        ("dotnet", "distroless", "mcr.microsoft.com/dotnet/sdk:8.0", "mcr.microsoft.com/dotnet/aspnet:8.0-noble-chiseled"),
        ("dotnet", "scratch", "mcr.microsoft.com/dotnet/sdk:9.0", "mcr.microsoft.com/dotnet/runtime-deps:9.0-noble-chiseled"),
        ("dotnet", "distroless", "mcr.microsoft.com/dotnet/sdk:6.0", "mcr.microsoft.com/dotnet/aspnet:6.0"),
        ("node", "alpine", "node:22", "node:22-alpine"),
        ("node", "distroless", "node:22", "gcr.io/distroless/nodejs22-debian12"),
        ("python", "distroless", "python:3.12", "python:3.12-slim"),
    ],
)
def test_runtime_suggestion(eco: str, base: str, image: str, out: str) -> None:
    assert runtime_suggestion(eco, base, image) == out


def test_versions() -> None:
    assert version_of("maven:3.9-eclipse-temurin-21") == "21"
    assert version_of("mcr.microsoft.com/dotnet/sdk:8.0-alpine") == "8.0"
    assert version_of("node:lts") == ""


@pytest.mark.parametrize(
    "image,user,fix",
    [
        ("gcr.io/distroless/static-debian12", "root", "nonroot"),
        ("gcr.io/distroless/static-debian12:nonroot", "nonroot", "nonroot"),
        ("scratch", "root", "65532"),
        ("node:22-slim", "root", "node"),
        ("python:3.12-slim", "root", None),
        ("alpine:3.24", "root", None),
        ("mcr.microsoft.com/dotnet/aspnet:8.0", "root", "$APP_UID"),
        ("mcr.microsoft.com/dotnet/aspnet:6.0", "root", None),
        ("mcr.microsoft.com/dotnet/runtime-deps:8.0-noble-chiseled", "nonroot", "$APP_UID"),
        ("cgr.dev/chainguard/static", "nonroot", None),
        ("registry.example.com/base:1", None, None),  # unknown: it may set a user
        ("haproxy:2.9", None, None),  # runs as the haproxy user
    ],
)
def test_users(image: str, user: str | None, fix: str | None) -> None:
    assert default_user(image) == user
    assert nonroot_user(image) == fix


def test_sizes_are_estimates_for_the_family() -> None:
    assert size_note("golang:1.27") == " (~885 MB, estimate)"
    assert size_note("gcr.io/distroless/static-debian12") == " (~2.1 MB, estimate)"
    assert size_note("scratch") == " (empty)"
    assert size_note("registry.example.com/x:1") == ""
    # The .NET rows are sample applications on a base, not the base: no bare image is sized by them.
    assert lookup_size("mcr.microsoft.com/dotnet/aspnet:8.0-noble-chiseled") is None


@pytest.mark.parametrize(
    "image, tag",
    [
        ("node:22", "22-trixie"),  # node:22 is the trixie image, not node:24 and not a slim row
        ("docker.io/library/node:22", "22-trixie"),
        ("node:22-slim", "22-trixie-slim"),
        ("node:22.11-alpine", "22-alpine"),
        ("python:3.12-slim", "3.12-slim"),
        ("python:3.12-alpine", "3.12.14-alpine"),
        ("eclipse-temurin:21-jre", "21-jre"),
        ("eclipse-temurin:21", "21-jdk"),
        ("eclipse-temurin:21-jre-alpine", "21-jre-alpine-3.24"),
        ("golang:1.27", "1.27-trixie"),
        ("gcr.io/distroless/static-debian12:nonroot", "latest"),
        ("node:22-bookworm", None),  # another distribution: not the trixie row
        ("node", None),  # latest: the table does not say which release
        ("python:3", None),  # not one release line
        ("python:3.10-slim", None),
        ("gcr.io/distroless/nodejs22-debian12", None),  # not sized as nodejs20
        ("eclipse-temurin:21-jre-jammy", None),
        ("debian:bookworm", "12"),  # the notes: row "debian 12" is titled debian:bookworm
        ("debian:stable-slim", "stable-20260918-slim"),
    ],
)
def test_each_image_maps_to_its_own_row_or_none(image: str, tag: str | None) -> None:
    fact = lookup_size(image)
    assert (fact.tag if fact else None) == tag


def test_duplicate_rows_are_merged() -> None:
    fact = lookup_size("gcr.io/distroless/static-debian12")
    assert fact is not None and (fact.uncompressed_mb, fact.compressed_mb) == (2.1, 2.0)


def test_small_helpers() -> None:
    assert scanner_of("aquasec/trivy:0.58.1") == "trivy"
    assert scanner_of("anchore/grype") == "grype"
    assert scanner_of("alpine") is None
    assert display_image("alpine:3.24@sha256:abc") == "alpine:3.24"
