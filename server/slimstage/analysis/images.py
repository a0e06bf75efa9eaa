"""Facts about base images: what a reference names, whether it is a toolchain, how big it is,
which runtime image fits an ecosystem, and who an image runs as.

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
from typing import TYPE_CHECKING, Mapping, Optional
from weakref import WeakKeyDictionary

from ..dockerfile.model import Dockerfile

if TYPE_CHECKING:
    from . import Analysis


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


# -- which row an image reference is ----------------------------------------------------------
#
# One size truth: every surface (rules, hover, code lenses, ``explain``, the conversion
# estimate) asks ``lookup_size`` and formats with ``size_text``. A reference maps to the row
# of its own version and variant, or to nothing: ``node:22`` is ``node:22-trixie`` (the
# default Debian of the official images in the table's snapshot), never ``node:24-trixie``;
# ``gcr.io/distroless/nodejs22-debian12`` is unknown, never ``nodejs20``. Rows that describe a
# sample application on a base (a ``[...]`` note after the tag) are not bare images and are
# never used for one.

_VERSION_TOKEN = re.compile(r"^v?\d+(?:\.\d+)*$")
_DISTROS = frozenset(("trixie", "bookworm", "bullseye", "buster", "noble", "jammy", "focal", "resolute", "alpine", "jessie", "stretch"))
# The distribution an official image's tag means when it names none (at the table's dates).
_DEFAULT_DISTRO = {
    name: "trixie"
    for name in ("node", "python", "ruby", "golang", "rust", "php", "nginx", "httpd", "gcc", "buildpack-deps", "perl", "erlang", "elixir", "haskell", "debian")
}
_DEFAULT_DISTRO.update({"eclipse-temurin": "resolute", "maven": "noble", "gradle": "resolute", "haskell": "bookworm"})
# How many version components name a release line (node 22, temurin 21; python 3.12, go 1.27).
_LINE_LENGTH = {"maven": 1, "node": 1, "eclipse-temurin": 1, "amazoncorretto": 1, "openjdk": 1, "gcc": 1, "erlang": 1, "debian": 1, "ubuntu": 2, "ruby": 2}
_SAME_IMAGE_TAGS = {"nonroot": "latest"}  # distroless: the same files, another default user
# Tags that name the same image as a row's tag (from base-image-sizes.notes.tsv: "title debian:bookworm"...).
_TAG_ALIASES = {
    ("debian", "bookworm"): "12",
    ("debian", "stable"): "stable-20260918",
    ("debian", "stable-slim"): "stable-20260918-slim",
}


@dataclass(frozen=True)
class _TagKey:
    version: tuple[str, ...]
    variants: frozenset[str]
    distro: str  # "" when the tag names none
    distro_version: str  # alpine3.24 -> "3.24"


def _tag_key(tag: str) -> _TagKey:
    tokens = [t for t in tag.lower().split("-") if t]
    version: tuple[str, ...] = ()
    if tokens and _VERSION_TOKEN.match(tokens[0]):
        version = tuple(tokens.pop(0).lstrip("v").split("."))
    variants: set[str] = set()
    distro = distro_version = ""
    i = 0
    while i < len(tokens):
        t = tokens[i]
        m = re.match(r"^(alpine)(\d+(?:\.\d+)*)$", t)
        if m:
            distro, distro_version = "alpine", m.group(2)
        elif t in _DISTROS:
            distro = t
            if t == "alpine" and i + 1 < len(tokens) and _VERSION_TOKEN.match(tokens[i + 1]):
                distro_version = tokens[i + 1]
                i += 1
        else:
            variants.add(t)
        i += 1
    return _TagKey(version, frozenset(variants), distro, distro_version)


@lru_cache(maxsize=1)
def _rows_by_image() -> dict[str, list[SizeFact]]:
    """Bare-image rows by image, duplicates (one row per figure) merged into one fact."""
    out: dict[str, dict[str, SizeFact]] = {}
    for f in size_table():
        if " [" in f.tag:  # a sample application on the base, not the base
            continue
        rows = out.setdefault(f.image, {})
        prior = rows.get(f.tag)
        if prior is None:
            rows[f.tag] = f
        else:
            rows[f.tag] = SizeFact(
                f.image, f.tag, prior.family,
                prior.uncompressed_mb if prior.uncompressed_mb is not None else f.uncompressed_mb,
                prior.compressed_mb if prior.compressed_mb is not None else f.compressed_mb,
                prior.date or f.date, prior.source if prior.uncompressed_mb is not None else f.source,
            )
    return {k: list(v.values()) for k, v in out.items()}


def _distro_matches(name: str, asked: _TagKey, row: _TagKey) -> bool:
    default = _DEFAULT_DISTRO.get(name, "")
    a = asked.distro or default
    r = row.distro or default
    if a != r:
        return False
    if a == "alpine" and asked.distro_version and row.distro_version:
        return asked.distro_version.split(".")[:2] == row.distro_version.split(".")[:2]
    return True


def lookup_size(image: str) -> Optional[SizeFact]:
    """The table row of ``image`` itself (same version line and variant), or None when the
    table has no such row: an unknown size is said to be unknown, not borrowed from a relative."""
    ref = parse_ref(image)
    if ref.has_variables or not ref.repository:
        return None
    registry = "" if ref.registry in ("docker.io", "index.docker.io", "registry-1.docker.io") else ref.registry
    repository = ref.repository[len("library/"):] if not registry and ref.repository.startswith("library/") else ref.repository
    full = f"{registry}/{repository}" if registry else repository
    rows = _rows_by_image().get(full)
    if not rows:
        return None
    tag = _SAME_IMAGE_TAGS.get(ref.tag.lower(), ref.tag or "latest")
    tag = _TAG_ALIASES.get((full, tag), tag)
    exact = [f for f in rows if f.tag == tag]
    if exact:
        return exact[0]
    asked = _tag_key(tag)
    if ref.name in _JDK_IMAGES and not asked.variants & {"jre", "jdk"}:
        asked = _TagKey(asked.version, asked.variants | {"jdk"}, asked.distro, asked.distro_version)  # eclipse-temurin:21 is the JDK
    if not asked.version:
        return None  # latest, or a codename: only an exact row says which release it is
    line = _LINE_LENGTH.get(ref.name, 2)
    found: list[SizeFact] = []
    for f in rows:
        row = _tag_key(f.tag)
        if not row.version or row.variants != asked.variants or not _distro_matches(ref.name, asked, row):
            continue
        n = min(len(asked.version), len(row.version))
        if asked.version[:n] != row.version[:n]:
            continue
        if len(asked.version) < line or len(row.version) < line:
            continue  # python:3 or ruby:3 is not one release line
        found.append(f)
    lines = {_tag_key(f.tag).version[:line] for f in found}
    return found[0] if len(found) >= 1 and len(lines) == 1 else None


def release_line(name: str, tag: str) -> str:
    """The release line a tag belongs to: ``22`` for node:22.4-alpine, ``3.12`` for
    python:3.12.3-slim, ``1.27`` for golang:1.27.3 ("" when the tag names no version)."""
    version = _tag_key(tag).version
    n = _LINE_LENGTH.get(name, 2)
    return ".".join(version[:n]) if len(version) >= min(n, 1) and version else ""


def format_size(fact: SizeFact) -> str:
    """``~1,220 MB``, ``~8.4 MB``, ``~55 MB compressed``: the one way every surface quotes a size.

    The uncompressed size (what ``docker images`` shows) when known, else the compressed
    (download) size, labelled as such.
    """
    mb = fact.mb
    if mb is None:
        return "size unknown"
    text = f"~{mb:,.0f} MB" if mb >= 10 else f"~{mb:.1f} MB"
    return text + (" compressed" if fact.uncompressed_mb is None else "")


# Images whose purpose is building: compilers, SDKs, package managers.
_TOOLCHAIN_IMAGES = {
    "golang": "go",
    "rust": "rust",
    "maven": "java",
    "gradle": "java",
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
# JDK images: a toolchain unless the tag says JRE.
_JDK_IMAGES = frozenset(
    ("openjdk", "eclipse-temurin", "amazoncorretto", "ibm-semeru-runtimes", "sapmachine", "zulu-openjdk", "adoptopenjdk", "ibmjava")
)


def toolchain_of(image: str) -> Optional[str]:
    """The ecosystem whose toolchain ``image`` carries, or None for a runtime/OS image."""
    ref = parse_ref(image)
    name = ref.name
    tag = ref.tag.lower()
    if name == "sdk" and "dotnet" not in ref.repository:
        return None
    if name in _TOOLCHAIN_IMAGES:
        if name == "swift" and "slim" in tag:
            return None
        return _TOOLCHAIN_IMAGES[name]
    if name in _JDK_IMAGES or name.startswith("openjdk"):
        return None if "jre" in tag or "jre" in ref.repository else "java"
    if name == "dotnet" and "sdk" in tag:  # microsoft/dotnet:2.1-sdk
        return "dotnet"
    if name in ("tomcat", "jetty", "tomee") and ref.registry in ("", "docker.io", "index.docker.io") and "jdk" in tag and "jre" not in tag:
        return "java"  # tomcat:9-jdk11: the server on a full JDK (its -jre tags carry only the runtime)
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


def is_windows_image(image: str) -> bool:
    """A Windows container image (Nano Server, Server Core, or a tag built on them): its users
    are ContainerUser and ContainerAdministrator, it has no shell, apt or /etc, and Linux
    runtime advice (``USER 65532``, distroless, alpine) does not apply to it."""
    low = image.lower()
    ref = parse_ref(low)
    if ref.registry == "mcr.microsoft.com" and ref.repository.startswith("windows"):
        return True
    return any(marker in ref.tag for marker in ("nanoserver", "windowsservercore", "servercore", "ltsc20", "windows"))


# -- ARG defaults in FROM lines ---------------------------------------------------------------

_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))")


# Longest value an expansion may produce. ``ARG A2=${A1}${A1}`` doubles at every step, so
# without a cap twenty-odd lines need gigabytes; a longer value is "not known" (None), like
# one that depends on a build argument. Image references and paths are far shorter.
MAX_EXPANDED = 8192


def expand(text: str, values: Mapping[str, Optional[str]]) -> Optional[str]:
    """``text`` with ``$VAR``, ``${VAR}``, ``${VAR:-default}`` and ``${VAR:+alt}`` filled in.

    None when a variable has no value and no default (the text cannot be known), or when the
    result would be longer than ``MAX_EXPANDED`` characters.
    """
    if "$" not in text:
        return text
    unknown = False
    size = 0

    def sub(m: re.Match[str]) -> str:
        nonlocal unknown, size
        if unknown:
            return ""
        name = m.group(1) or m.group(4)
        op, word = m.group(2), m.group(3) or ""
        value = values.get(name)
        is_set = name in values and value is not None
        if op in (":-", "-"):
            out = value or "" if is_set and (value or op == "-") else expand(word, values) or ""
        elif op in (":+", "+"):
            out = word if is_set and (value or op == "+") else ""
        elif not is_set:
            unknown = True
            return ""
        else:
            out = value or ""
        size += len(out) + 8  # what a match may replace is at most a few characters per name
        if size > MAX_EXPANDED + len(text):
            unknown = True
            return ""
        return out

    out = _VAR.sub(sub, text)
    return None if unknown or "$" in out or len(out) > MAX_EXPANDED else out


def global_arg_defaults(doc: Dockerfile) -> dict[str, Optional[str]]:
    """ARGs declared before the first FROM and their defaults (None: declared without one)."""
    values: dict[str, Optional[str]] = {}
    for ins in doc.global_args:
        for word in ins.args:
            name, sep, default = word.text.partition("=")
            values[name] = expand(default, values) if sep else None
    return values


_RESOLVED: "WeakKeyDictionary[Analysis, list[Optional[str]]]" = WeakKeyDictionary()


def stage_image(a: "Analysis", index: int) -> Optional[str]:
    """The external image stage ``index`` ultimately builds on, global ARG defaults filled in.

    None when the reference depends on an ARG without a default (``FROM ${BASE}``).
    """
    found = _RESOLVED.get(a)
    if found is None:
        values = global_arg_defaults(a.doc)
        found = _RESOLVED[a] = [expand(a.graph.root_image(st.index), values) for st in a.doc.stages]
    image = found[index] if 0 <= index < len(found) else None
    return image.strip() if image and image.strip() else None


# -- what a base image holds -------------------------------------------------------------------

_FULL_VARIANT_OF = {"node": "node", "python": "python", "ruby": "ruby", "pypy": "python", "perl": "perl"}
_SLIM_MARKERS = ("slim", "alpine", "windowsservercore", "nanoserver", "distroless", "chiseled")


def full_variant_ecosystem(image: str) -> Optional[str]:
    """The ecosystem of a language image's full variant (``node:22``, ``python:3.12-bookworm``).

    The full variants of the official node, python, ruby and perl images are built on
    buildpack-deps: they carry gcc, make, git and hundreds of headers. Their -slim and
    -alpine variants do not.
    """
    ref = parse_ref(image)
    if ref.registry or ref.repository not in _FULL_VARIANT_OF:
        return None
    tag = ref.tag.lower()
    if any(m in tag for m in _SLIM_MARKERS):
        return None
    return _FULL_VARIANT_OF[ref.repository]


def version_of(image: str) -> str:
    """The leading version number in an image's tag (``21`` for ``21-jdk``, ``8.0`` for ``8.0-alpine``)."""
    ref = parse_ref(image)
    tag = ref.tag.lower()
    if ref.name == "gradle" or ref.name == "maven":
        m = re.search(r"(?:jdk|temurin-|openjdk-|corretto-)(\d+)", tag)
        return m.group(1) if m else ""
    m = re.match(r"v?(\d+(?:\.\d+)?)", tag)
    return m.group(1) if m else ""


def runtime_suggestion(ecosystem: str, target_base: str, image: str = "") -> Optional[str]:
    """A runtime image for ``ecosystem`` in the ``target_base`` family (distroless, alpine, slim, scratch)."""
    version = version_of(image)
    major = version.split(".")[0]
    if image and is_windows_image(image):
        # Windows builds need Windows runtimes: Linux images (distroless, alpine, chiseled) cannot run them
        if ecosystem != "dotnet":
            return None
        dv = version if version and "." in version else (f"{major}.0" if major else "8.0")
        host = re.search(r"ltsc\d{4}|\b(?:1809|20h2|2004)\b", parse_ref(image).tag.lower())
        return f"mcr.microsoft.com/dotnet/aspnet:{dv}-nanoserver-{host.group(0) if host else 'ltsc2022'}"
    if ecosystem in ("go", "rust", "c", "haskell", "swift"):
        static = "gcr.io/distroless/static-debian12" if ecosystem == "go" else "gcr.io/distroless/cc-debian12"
        return {"distroless": static, "alpine": "alpine:3.24", "slim": "debian:bookworm-slim", "scratch": "scratch"}.get(target_base, static)
    if ecosystem == "java":
        jv = major if major in ("8", "11", "17", "21", "25") else "21"
        distroless = f"gcr.io/distroless/java{jv}-debian12" if jv in ("17", "21") else f"eclipse-temurin:{jv}-jre"
        return {"alpine": f"eclipse-temurin:{jv}-jre-alpine", "slim": f"eclipse-temurin:{jv}-jre"}.get(target_base, distroless)
    if ecosystem == "dotnet":
        dv = version if version and "." in version else (f"{major}.0" if major else "8.0")
        modern = dv.split(".")[0].isdigit() and int(dv.split(".")[0]) >= 8
        chiseled = f"mcr.microsoft.com/dotnet/aspnet:{dv}-noble-chiseled" if modern else f"mcr.microsoft.com/dotnet/aspnet:{dv}"
        return {
            "alpine": f"mcr.microsoft.com/dotnet/aspnet:{dv}-alpine",
            "slim": f"mcr.microsoft.com/dotnet/aspnet:{dv}",
            "scratch": f"mcr.microsoft.com/dotnet/runtime-deps:{dv}-noble-chiseled" if modern else None,
        }.get(target_base, chiseled) or chiseled
    if ecosystem == "node":
        nv = major or "22"
        distroless = f"gcr.io/distroless/nodejs{nv}-debian12" if nv in ("18", "20", "22", "24") else f"node:{nv}-slim"
        return {"alpine": f"node:{nv}-alpine", "slim": f"node:{nv}-slim"}.get(target_base, distroless)
    if ecosystem in ("python", "ruby", "perl"):
        name = ecosystem
        v = version or ""
        tag = f"{v}-" if v else ""
        return f"{name}:{tag}alpine" if target_base == "alpine" else f"{name}:{tag}slim"
    if ecosystem == "php":
        return "php:8.4-fpm-alpine" if target_base == "alpine" else "php:8.4-fpm"
    if ecosystem == "elixir":
        return "alpine:3.24" if target_base == "alpine" else "debian:bookworm-slim"
    return None


def size_note(image: str) -> str:
    """`` (~885 MB, estimate)`` for an image whose size is in the table, else ``""``."""
    if image.strip().lower() == "scratch":
        return " (empty)"
    fact = lookup_size(image)
    if fact is None or not fact.mb:
        return ""
    return f" ({format_size(fact)}, estimate)"


# -- who the image runs as ----------------------------------------------------------------------

# Images whose default user is root (their Dockerfiles set no USER): OS images, the official
# language images, common web servers, and the .NET images before their chiseled variants.
_ROOT_BY_DEFAULT = frozenset(
    (
        "alpine debian ubuntu busybox centos fedora rockylinux almalinux amazonlinux oraclelinux archlinux "
        "node python pypy golang rust ruby php perl openjdk eclipse-temurin amazoncorretto ibm-semeru-runtimes "
        "sapmachine maven gradle erlang elixir haskell swift julia gcc buildpack-deps nginx httpd tomcat"
    ).split()
)


def default_user(image: str) -> Optional[str]:
    """``"root"`` or ``"nonroot"`` when the image's default user is known, else None."""
    if image.strip().lower() == "scratch":
        return "root"
    ref = parse_ref(image)
    tag = ref.tag.lower()
    if "nonroot" in tag or "chiseled" in tag or ref.registry == "cgr.dev":
        return "nonroot"
    if "distroless" in ref.repository:
        return "root"
    if ref.registry == "mcr.microsoft.com" and ref.repository.startswith("dotnet/"):
        return "root"
    if not ref.registry and ref.repository in _ROOT_BY_DEFAULT:
        return "root"
    return None


def nonroot_user(image: str) -> Optional[str]:
    """A ``USER`` value certain to work on ``image``: a user it defines, or a bare uid on scratch."""
    if image.strip().lower() == "scratch":
        return "65532"
    ref = parse_ref(image)
    if "distroless" in ref.repository:
        return "nonroot"
    if not ref.registry and ref.repository == "node":
        return "node"
    if ref.registry == "mcr.microsoft.com" and ref.repository.startswith("dotnet/"):
        major = version_of(image).split(".")[0]
        if major.isdigit() and int(major) >= 8:
            return "$APP_UID"  # the `app` user every .NET 8+ image defines
    return None


_SCANNERS = {"aquasec/trivy": "trivy", "anchore/grype": "grype"}


def scanner_of(image: str) -> Optional[str]:
    """``trivy`` or ``grype`` when ``image`` is that vulnerability scanner's image."""
    ref = parse_ref(image)
    return _SCANNERS.get(ref.repository)


def display_image(image: str) -> str:
    """An image reference as messages show it: without its digest."""
    return image.split("@", 1)[0] if "@" in image else image
