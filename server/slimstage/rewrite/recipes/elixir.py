"""Elixir (mix release): the release built on the elixir image, a Debian or Alpine runtime.

A release (``mix release``) holds the Erlang runtime it needs, so the runtime stage is
the OS image the builder's was built on, with the release folder and the libraries the
BEAM needs (OpenSSL, ncurses, locales). A container started with ``mix run`` or ``mix phx.server`` reads the project at run time:
Mix checks the sources, ``deps`` and ``_build`` against its manifests and loads the
compiled code from ``_build``. It needs Elixir and Mix, but not the compilers, headers,
``make`` and ``git`` of the full image: when the image compiles the project (``mix
compile``), the runtime is the same Elixir version's ``-slim`` image with the project
folder and the Mix home (Hex and rebar archives) copied from the builder. The code being
compiled at start instead (no ``mix compile`` in the image) is declined: that compile
may need the build tools.
"""

from __future__ import annotations

import posixpath
import re

from ...settings import Settings
from ..facts import SourceFacts
from ..project import ProjectFiles
from .common import Decline, Plan, env_path, is_root, original_user
from .inplace import plan_in_place


def plan_elixir(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    argv = f.argv or ()
    if not argv:
        raise Decline("the image sets no CMD or ENTRYPOINT: cannot tell what it runs")
    words = argv[2].split() if len(argv) == 3 and argv[1] == "-c" else list(argv)
    if tuple(words[:2]) in (("mix", "run"), ("mix", "phx.server")):
        return _plan_mix_started(f, s, p, " ".join(words[:3]))
    if words and words[0].rsplit("/", 1)[-1] in ("mix", "iex", "elixir"):
        raise Decline(
            f"the container starts with `{' '.join(words[:3])}`, which needs Mix and the sources at run time; "
            "build a release (`MIX_ENV=prod mix release`) and start its bin/<app> script, and the planner can split it"
        )
    if not any("release" in c.words for c in f.commands if c.words and c.words[0] == "mix"):
        raise Decline("no `mix release`: cannot tell what to ship")
    m = re.search(r"(\S*_build/\w+/rel/[\w-]+)", " ".join(words))
    if not m:
        raise Decline("the container does not start a release under _build/<env>/rel/<app>: cannot tell which folder to ship")
    rel = m.group(1)
    rel = rel if rel.startswith("/") else posixpath.normpath(posixpath.join(f.final_workdir, rel))
    ref = f.base_ref
    image = "alpine:3.20" if "alpine" in ref.tag else "debian:bookworm-slim"
    extra = ["RUN apk add --no-cache libstdc++ openssl ncurses-libs"] if "alpine" in image else [
        "RUN apt-get update && apt-get install -y --no-install-recommends libstdc++6 openssl libncurses6 locales ca-certificates && rm -rf /var/lib/apt/lists/*"
    ]
    notes = ["The release brings its own Erlang runtime; the runtime image only adds the C libraries the BEAM links against."]
    return plan_in_place(
        f, s, image, [rel],
        f"the original build on {f.base}: dependencies, compilation and `mix release`.",
        f"only the release on {image}: no Elixir, Mix, Hex or sources.",
        f"Split into builder and runtime: the release is built on {f.base} and only {rel} ships, on {image}.",
        notes, extra_runtime=extra,
    )


def _slim_tag(tag: str) -> str:
    """The official elixir image's Debian slim variant of ``tag`` ("" for tags that have none)."""
    if tag in ("", "latest"):
        return "slim"
    if "slim" in tag or "alpine" in tag:
        return ""
    return f"{tag}-slim"


def _mix_home(f: SourceFacts) -> str:
    home = env_path((f.text_of(i) for i in f.meta if i.keyword == "ENV"), "MIX_HOME")
    return home or ("/root/.mix" if is_root(original_user(f) or "root") else "")


def _plan_mix_started(f: SourceFacts, s: Settings, p: ProjectFiles, started: str) -> Plan:
    """Builder = the original build; runtime = the slim image of the same Elixir, the project and the Mix home."""
    if not any(c.words and c.words[0] == "mix" and "compile" in c.words[1:] for c in f.commands):
        raise Decline(
            f"the container starts with `{started}` and the image never runs `mix compile`: the code is compiled at start, "
            "with the build tools; compile it in the image (`RUN mix compile`), or build a release (`MIX_ENV=prod mix release`) "
            "and start its bin/<app> script, and the planner can split it"
        )
    ref = f.base_ref
    if ref.repository != "elixir" or ref.registry or ref.digest:
        raise Decline(f"{f.base} is not the official elixir image: the planner knows no slim variant of it")
    slim = _slim_tag(ref.tag)
    if not slim:
        raise Decline(f"{f.base} is already a slim or Alpine image: a runtime stage that starts `{started}` would need the same image")
    if f.final_workdir == "/" or f.workdir == "/":
        raise Decline("the app is built in / (no WORKDIR): the planner needs a project folder to copy")
    home = _mix_home(f)
    if not home:
        raise Decline(f"the container runs as {original_user(f)}, whose Mix home (MIX_HOME) the planner cannot tell; set ENV MIX_HOME")
    image = f"elixir:{slim}"
    notes = [
        f"`{started}` reads the project at run time (Mix checks the sources and deps against _build), so the project folder "
        f"ships whole; {image} has the same Elixir and Erlang without the compilers, make and git of {f.base}.",
    ]
    extra: list[str] = []
    lock = p.text("mix.lock") if p.known else None
    if lock is not None and ":git," in lock:
        extra.append("RUN apt-get update && apt-get install -y --no-install-recommends git && rm -rf /var/lib/apt/lists/*")
        notes.append("mix.lock has git dependencies: Mix checks their checkouts with git at start, so the runtime installs git.")
    elif lock is None:
        notes.append(
            f"Without the project's mix.lock the planner cannot see git dependencies: Mix checks those with git at start, "
            f"which {image} lacks (add git to the runtime stage if mix.lock has `:git` entries)."
        )
    return plan_in_place(
        f, s, image, [home, f.final_workdir],
        f"the original build on {f.base}: dependencies and `mix compile`, with the compilers and git it may need.",
        f"what `{started}` reads: {image} with the compiled project (sources, deps, _build) and the Mix home ({home}: Hex and rebar).",
        f"Split into builder and runtime: the project is compiled on {f.base} and runs with `{started}` on {image}, without the build tools.",
        notes, extra_runtime=extra, extra_builder=[f"RUN mkdir -p {home}"],
    )
