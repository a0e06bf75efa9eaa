"""PHP (Composer, with php-fpm, Apache or the CLI): Composer stays in the builder.

builder: the original stage as written (Composer installed or copied in, ``composer
install``). runtime: the same PHP image (its extensions and configuration are the
runtime), with the steps that set up PHP itself repeated (``docker-php-ext-install``,
``pecl``, the OS packages they need), and the project folder with ``vendor/`` copied from
the builder: no Composer, no Composer cache, no git or unzip.
"""

from __future__ import annotations

import re

from ...settings import Settings
from ..facts import SourceFacts
from ..project import ProjectFiles
from .common import Decline, Plan, run
from .inplace import plan_in_place

_PHP_SETUP = re.compile(r"^(docker-php-ext-(install|enable|configure)|pecl|a2enmod|a2enconf|a2ensite)$")


def plan_php(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    if not any(st.tool == "composer" for st in f.steps("deps")):
        raise Decline("no `composer install`: the PHP image needs its build steps where it runs (extensions compile into the image itself)")
    ref = f.base_ref
    if ref.repository != "php" or ref.registry or "$" in f.base or "%" in f.base:
        raise Decline(f"{f.base} is not an official php image: the planner keeps the PHP runtime only for php:<version>-<variant>")
    target = f.final_workdir if f.final_workdir != "/" else None
    dests = [c.dest.rstrip("/") for c in f.source_copies if "$" not in c.dest]
    folder = target or (dests[0] if len(dests) == 1 and dests[0] not in ("", "/") else None)
    if folder is None:
        raise Decline("cannot tell which folder holds the application (no WORKDIR, and the source is copied to more than one place or to /)")
    setup = []
    for c in f.commands:
        if c.words and _PHP_SETUP.match(c.words[0].rsplit("/", 1)[-1]):
            setup.append(run(c.text, s))
    if setup:
        notes.append("The PHP set-up steps (extensions, Apache modules) run again in the runtime stage: they change the PHP image itself.")
    summary = f"Split into builder and runtime: Composer installs the dependencies in the builder, and only the project with vendor/ ships, on {f.base} without Composer or its cache."
    return plan_in_place(
        f, s, f.base, [folder],
        f"the original build on {f.base}: Composer and `composer install`, with what they need (git, unzip, the Composer cache).",
        f"the same PHP image with the project and vendor/ copied from the builder; Composer, its cache and the build-only packages stay behind.",
        summary, notes, extra_runtime=setup,
    )
