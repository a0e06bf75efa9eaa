"""Elixir (mix release): the release built on the elixir image, a Debian or Alpine runtime.

A release (``mix release``) holds the Erlang runtime it needs, so the runtime stage is
the OS image the builder's was built on, with the release folder and the libraries the
BEAM needs (OpenSSL, ncurses, locales). A container started with ``mix run`` or ``mix
phx.server`` needs Mix and the sources at run time: that is declined, naming the change
that makes a split possible (build a release).
"""

from __future__ import annotations

import posixpath
import re

from ...settings import Settings
from ..facts import SourceFacts
from ..project import ProjectFiles
from .common import Decline, Plan
from .inplace import plan_in_place


def plan_elixir(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    argv = f.argv or ()
    if not argv:
        raise Decline("the image sets no CMD or ENTRYPOINT: cannot tell what it runs")
    words = argv[2].split() if len(argv) == 3 and argv[1] == "-c" else list(argv)
    if tuple(words[:2]) == ("mix", "run"):
        started = " ".join(words[:3])
        if not any(tuple(c.words[:2]) == ("mix", "compile") for c in f.commands if c.words):
            raise Decline(
                f"the container starts with `{started}` and the image never runs `mix compile`: the code is compiled at start, "
                "with the build tools; build a release (`MIX_ENV=prod mix release`) and start its bin/<app> script, and the planner can split it"
            )
        raise Decline(
            f"the container starts with `{started}`, which reads the sources, deps and _build at run time (Mix recompiles what is "
            "missing or changed): a smaller runtime stage would still ship the whole workspace; build a release "
            "(`MIX_ENV=prod mix release`) and start its bin/<app> script, and the planner can split it"
        )
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
