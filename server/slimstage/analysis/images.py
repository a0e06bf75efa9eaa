"""Facts about base images: what a reference names, whether it is a toolchain, how big it is.

Sizes come from ``slimstage/data/base-image-sizes.tsv`` (docker-library/repo-info and
vendor documentation; see ``data/SOURCES.md``). They change with every rebuild of an
image: everything here is an estimate for an image family, and says so.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Optional


@dataclass(frozen=True)
class ImageRef:
    registry: str  # "" for Docker Hub
    repository: str  # e.g. "node", "library/node" normalised to "node", "gcr.io/distroless/nodejs22-debian12" -> path
    tag: str  # "" when absent (Docker uses "latest")
    digest: str
    raw: str

    @property
    def name(self) -> str:
        """The last path component: ``node``, ``nodejs22-debian12``, ``sdk``."""
        return self.repository.rsplit("/", 1)[-1]

    @property
    def full(self) -> str:
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def has_variables(self) -> bool:
        return "$" in self.raw


def parse_ref(raw: str) -> ImageRef:
    ref = raw.strip()
    digest = ""
    if "@" in ref:
        ref, digest = ref.split("@", 1)
    registry = ""
    parts = ref.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry = parts[0]
        parts = parts[1:]
    path = "/".join(parts)
    tag = ""
    last = parts[-1] if parts else ""
    if ":" in last:
        last, tag = last.split(":", 1)
        path = "/".join(parts[:-1] + [last])
    if path.startswith("library/") and not registry:
        path = path[len("library/"):]
    return ImageRef(registry.lower(), path.lower(), tag, digest, raw)


@dataclass(frozen=True)
class SizeFact:
    image: str
    tag: str
    family: str
    uncompressed_mb: Optional[float]
    compressed_mb: Optional[float]
    date: str
    source: str

    @property
    def mb(self) -> Optional[float]:
        return self.uncompressed_mb if self.uncompressed_mb is not None else self.compressed_mb

    @property
    def reference(self) -> str:
        return f"{self.image}:{self.tag}"


def _num(text: str) -> Optional[float]:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


@lru_cache(maxsize=1)
def size_table() -> tuple[SizeFact, ...]:
    data = resources.files("slimstage").joinpath("data/base-image-sizes.tsv").read_text(encoding="utf-8")
    rows = csv.DictReader(data.splitlines(), delimiter="\t")
    return tuple(
        SizeFact(
            r["image"], r["tag"], r["family"], _num(r["uncompressed_mb"]), _num(r["compressed_mb"]), r["date_in_source"], r["source"]
        )
        for r in rows
    )


_VERSION = re.compile(r"^(\d+)(?:\.(\d+))?")


def _variant(tag: str) -> str:
    t = tag.lower()
    for v in ("alpine", "slim", "jre", "jdk", "fpm", "cli", "distroless"):
        if v in t:
            return v
    return ""


def lookup_size(image: str) -> Optional[SizeFact]:
    """The closest known size for an image reference (same image, same variant, nearest version)."""
    ref = parse_ref(image)
    if ref.has_variables:
        return None
    name = ref.full if ref.registry else ref.repository
    candidates = [f for f in size_table() if f.image == name or f.image == ref.repository or f.image.endswith("/" + ref.repository)]
    if not candidates:
        return None
    tag = ref.tag or "latest"
    for f in candidates:
        if f.tag == tag:
            return f
    variant = _variant(tag)
    same = [f for f in candidates if _variant(f.tag) == variant] or candidates
    m = _VERSION.match(tag)
    if m:
        prefix = [f for f in same if f.tag.startswith(m.group(0))] or [f for f in same if f.tag.startswith(m.group(1))]
        if prefix:
            return prefix[0]
    return same[0]


# Images whose purpose is building: compilers, SDKs, package managers.
_TOOLCHAIN_IMAGES = {
    "golang": "go",
    "rust": "rust",
    "maven": "java",
    "gradle": "java",
    "openjdk": "java",
    "sdk": "dotnet",  # mcr.microsoft.com/dotnet/sdk
    "gcc": "c",
    "buildpack-deps": "c",
    "composer": "php",
    "elixir": "elixir",
    "swift": "swift",
    "haskell": "haskell",
    "clojure": "java",
    "sbt": "java",
}


def toolchain_of(image: str) -> Optional[str]:
    """The ecosystem whose toolchain ``image`` carries, or None for a runtime/OS image."""
    ref = parse_ref(image)
    name = ref.name
    tag = ref.tag.lower()
    if name in _TOOLCHAIN_IMAGES:
        return _TOOLCHAIN_IMAGES[name]
    if name in ("eclipse-temurin", "amazoncorretto", "ibm-semeru-runtimes", "sapmachine", "azul/zulu-openjdk") and "jre" not in tag:
        return "java"
    return None


def is_minimal(image: str) -> bool:
    ref = parse_ref(image)
    return (
        image.strip() == "scratch"
        or "distroless" in ref.repository
        or "chiseled" in ref.tag
        or ref.name in ("alpine", "busybox", "runtime-deps")
        or "alpine" in ref.tag
    )
