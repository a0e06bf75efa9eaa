"""Document links: images to their registry pages, COPY/ADD sources to files, ``# syntax=`` to docs.

- ``FROM image`` (not a stage; ``$VAR`` filled in from global ARG defaults): Docker Hub
  (``hub.docker.com/_/name`` for official images, ``/r/owner/name`` otherwise), gcr.io
  and ghcr.io (their own addresses, which open the registry's page), quay.io
  (``/repository/…``) and mcr.microsoft.com (``/artifact/mar/…``). Other registries get
  no link: there is no page address to guess.
- ``COPY``/``ADD`` sources that are files inside the build context (not ``--from``, not
  URLs, no wildcards; no symlink leading out of the context): a ``file://`` link.
- ``# syntax=docker/dockerfile:…``: the Dockerfile reference; another frontend image:
  its registry page.

``--from=stage`` and ``FROM stage`` are navigation (definition), not links.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from ..dockerfile.model import Range

if TYPE_CHECKING:
    from ..analysis import Analysis

DOCKERFILE_REFERENCE = "https://docs.docker.com/reference/dockerfile/"
_MAX_LINKS = 2000  # a generated 50,000-line file still answers quickly


@dataclass(frozen=True)
class Link:
    range: Range
    target: str
    tooltip: str


def _split_image(ref: str) -> tuple[str, str]:
    """(registry host or "", repository path) of an image reference, tag and digest removed."""
    name = ref.split("@", 1)[0]
    first, sep, rest = name.partition("/")
    if sep and ("." in first or ":" in first or first == "localhost"):
        host, path = first.lower(), rest
    else:
        host, path = "", name
    last = path.rsplit("/", 1)
    if ":" in last[-1]:
        path = path[: len(path) - len(last[-1])] + last[-1].split(":", 1)[0]
    return host, path


def registry_page(ref: str) -> Optional[str]:
    """The web page of an image on its registry, or None when the registry has no known page."""
    if not ref or "$" in ref or ref.lower() == "scratch":
        return None
    host, path = _split_image(ref)
    if not path or any(c.isspace() for c in path):
        return None
    if host in ("", "docker.io", "index.docker.io", "registry-1.docker.io"):
        if path.startswith("library/"):
            path = path[len("library/") :]
        return f"https://hub.docker.com/_/{path}" if "/" not in path else f"https://hub.docker.com/r/{path}"
    if host == "gcr.io" or host.endswith(".gcr.io"):
        return f"https://{host}/{path}"
    if host == "ghcr.io":
        return f"https://ghcr.io/{path}"
    if host == "quay.io":
        return f"https://quay.io/repository/{path}"
    if host == "mcr.microsoft.com":
        return f"https://mcr.microsoft.com/artifact/mar/{path}"
    return None


def _context_file(root: Optional[Path], src: str) -> Optional[Path]:
    if root is None or not src or any(c in src for c in "*?[$") or "://" in src or src.startswith("git@"):
        return None
    rel = src.lstrip("/")
    if not rel or rel in (".", "./"):
        return None
    try:
        base = root.resolve()
        path = (base / rel).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if path != base and base not in path.parents:
        return None  # outside the context (``..`` or a symlink out): BuildKit would not send it
    try:
        return path if path.is_file() else None
    except OSError:
        return None


def document_links(analysis: "Analysis") -> list[Link]:
    doc = analysis.doc
    out: list[Link] = []
    for d in doc.directives:
        if d.name != "syntax":
            continue
        host, path = _split_image(d.value.strip())
        if (host in ("", "docker.io") and path in ("docker/dockerfile", "docker/dockerfile-upstream")) or d.value.strip().startswith("docker/dockerfile"):
            out.append(Link(d.range, DOCKERFILE_REFERENCE, "Dockerfile reference (the docker/dockerfile frontend)"))
        else:
            page = registry_page(d.value.strip())
            if page:
                out.append(Link(d.range, page, f"the {d.value.strip()} frontend"))
    root = getattr(analysis.context, "root", None)
    root_path = Path(root) if root else None
    for st in doc.stages:
        w = st.base_word
        if w is not None and st.base_stage is None:
            image, note = w.text, ""
            if "$" in image:  # ``golang:${GO_VERSION}``: with the default build arguments
                from ..analysis.images import stage_image

                image, note = stage_image(analysis, st.index) or "", " (with the default build arguments)"
            page = registry_page(image)
            if page:
                out.append(Link(w.range, page, f"{image} on its registry{note}"))
        for ins in st.instructions[1:]:
            if len(out) >= _MAX_LINKS:
                return out
            if ins.keyword not in ("COPY", "ADD") or ins.flag("from") is not None or ins.is_json and len(ins.args) < 2:
                continue
            names = {h.name for h in ins.heredocs}
            for w in ins.args[:-1]:
                if w.text.startswith("<<") or w.text in names:
                    continue
                path = _context_file(root_path, w.text)
                if path is not None:
                    out.append(Link(w.range, path.as_uri(), f"{os.path.relpath(path, root_path.resolve()) if root_path else path} in the build context"))
    return out
