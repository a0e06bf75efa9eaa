"""Ruby (Bundler, with or without an asset precompile): gems built on the full image, a slim runtime.

builder: the original stage as written (compilers and headers for native gems, ``bundle
install``, ``rails assets:precompile``). runtime: ``ruby:<version>-slim`` (or the same
Alpine tag) with the runtime libraries the ``-dev`` packages were for, the installed gems
(``BUNDLE_PATH``, by default ``/usr/local/bundle``) and the project folder with its
compiled assets.
"""

from __future__ import annotations

from ...settings import Settings
from ..facts import SourceFacts
from ..project import ProjectFiles
from .common import Decline, Plan, env_path, version_of
from .inplace import plan_in_place


def _bundle_path(f: SourceFacts) -> str:
    texts = [p.text for p in f.phases] + [f.text_of(i) for i in f.meta if i.keyword == "ENV"]
    return env_path(texts, "BUNDLE_PATH", "GEM_HOME") or "/usr/local/bundle"


def plan_ruby(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    installs = f.steps("deps")
    if not any(st.tool == "bundler" for st in installs):
        raise Decline("no `bundle install`: nothing to split into a builder and a runtime")
    ref = f.base_ref
    if ref.repository != "ruby" or ref.registry:
        raise Decline(f"{f.base} is not the official ruby image (the `rails` image is deprecated and names no Ruby version); start FROM ruby:<version>")
    version = version_of(ref.tag)
    if not version:
        raise Decline(f"cannot tell the Ruby version of {f.base}; pin a tag such as ruby:3.3")
    if f.workdir == "/" or f.final_workdir == "/":
        raise Decline("the app is built in / (no WORKDIR): the planner needs a project folder to copy")
    if not f.argv:
        raise Decline("the image sets no CMD or ENTRYPOINT: cannot tell what it runs")
    if "alpine" in ref.tag:
        image = f"ruby:{ref.tag}"
    else:
        distro = next((d for d in ("bookworm", "bullseye", "buster", "stretch", "trixie") if d in ref.tag), "")
        image = f"ruby:{version}-slim" + (f"-{distro}" if distro else "")
    bundle = _bundle_path(f)
    if not f.os_packages:
        notes.append(
            f"{f.base} carries the libraries native gems link against (libpq, libxml2, libyaml...); {image} does not. "
            "If a gem with a native extension fails to load, install its runtime library in the runtime stage."
        )
    assets = any("assets:precompile" in c.text for c in f.commands)
    summary = (
        f"Split into builder and runtime: gems{' and assets' if assets else ''} are built on {f.base} with its compilers "
        f"and headers, and only the installed gems and the project ship, on {image}."
    )
    return plan_in_place(
        f, s, image, [bundle, f.final_workdir],
        f"the original build on {f.base}: compilers and headers for native gems, `bundle install`" + (", the asset precompile" if assets else "") + ".",
        f"only what runs: {image} with the gems in {bundle} and the project folder; no compilers, headers or build caches.",
        summary, notes,
    )
