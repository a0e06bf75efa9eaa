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
from .common import Decline, Plan, StageSpec, command_lines, copy_from, meta_lines, original_user, run
from .inplace import plan_in_place

_PHP_SETUP = re.compile(r"^(docker-php-ext-(install|enable|configure)|pecl|a2enmod|a2enconf|a2ensite)$")


def plan_php(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    notes: list[str] = []
    ref = f.base_ref
    if ref.repository != "php" or ref.registry or "$" in f.base or "%" in f.base:
        raise Decline(f"{f.base} is not an official php image: the planner keeps the PHP runtime only for php:<version>-<variant>")
    if not any(st.tool == "composer" for st in f.steps("deps")):
        return plan_php_extensions(f, s)
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


EXT_DIR = "/usr/local/lib/php/extensions"
CONF_DIR = "/usr/local/etc/php/conf.d"
PACKAGE_LIST = "/tmp/php-runtime-packages"
_REPEATED = frozenset(("a2enmod", "a2enconf", "a2ensite", "a2dismod", "a2disconf", "a2dissite", "ln"))
_BUILD_ONLY = frozenset(
    (
        "apt-get", "apt", "rm", "set", "echo", "printf", "sha256sum", "sha1sum", "sha512sum", "md5sum", "gpg", "gpgconf",
        ":", "true", "command", "export", "curl", "wget", "mktemp", "dpkg-architecture", "nproc", "docker-php-source",
        "docker-php-ext-install", "docker-php-ext-configure", "docker-php-ext-enable", "pecl",
    )
)
_WRITE = re.compile(r"(?<![<>=&0-9-])>{1,2}\s*(\S+)")


def plan_php_extensions(f: SourceFacts, s: Settings) -> Plan:
    """PHP extensions compiled on the official image (``docker-php-ext-install``, ``pecl``):
    the builder keeps the build as written; the runtime is the same PHP image with the
    compiled extensions, their ini files, what the build unpacked, and the shared libraries
    the extensions link against, which the builder lists with ldd and dpkg (the -dev
    packages, compilers and headers stay behind).
    """
    from ...analysis.ecosystems import split_commands
    from .inplace import builder_lines

    if f.os_manager != "apt" or "alpine" in f.base_ref.tag:
        raise Decline("no `composer install`, and the extensions are not built with apt on a Debian php image: the PHP image needs its build steps where it runs")
    if not any(c.words and c.words[0] in ("docker-php-ext-install", "pecl") for c in f.commands):
        raise Decline("no `composer install` and no compiled extension (docker-php-ext-install, pecl): nothing to split into a builder and a runtime")
    outputs: list[str] = [EXT_DIR, CONF_DIR]
    runtime_steps: list[str] = []
    for ins in f.doc.stages[0].instructions[1:]:
        if ins.keyword in ("COPY", "ADD"):
            if (ins.flag("from") or None) is not None:
                raise Decline(f"line {ins.start_line + 1}: a COPY --from in the PHP build; the planner cannot tell what the runtime needs of it")
            runtime_steps.append(f.text_of(ins))
            continue
        if ins.keyword != "RUN":
            continue
        for target in _WRITE.findall(ins.text):
            target = target.strip("'\"")
            if target.startswith("/dev/"):
                continue
            if not target.startswith(CONF_DIR + "/"):
                raise Decline(f"line {ins.start_line + 1}: the build writes {target}; the planner cannot tell whether the runtime needs it")
        repeat: list[str] = []
        for cmd in split_commands(ins):
            words = [w for w in cmd.words if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", w)]
            if not words:
                continue
            tool = words[0].rsplit("/", 1)[-1].lstrip("{(")
            if tool in _REPEATED:
                repeat.append(cmd.text.strip())
            elif tool == "tar":
                where = next((words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-C", "--directory")), None)
                if where is None or not where.startswith("/") or "$" in where:
                    raise Decline(f"line {ins.start_line + 1}: `{' '.join(words[:4])}` unpacks into the working folder; the planner needs an absolute -C folder to copy")
                outputs.append(where.rstrip("/") + "/")
            elif tool in ("curl", "wget"):
                if any(w.startswith("/") for w in words[1:] if not w.startswith("-")):
                    raise Decline(f"line {ins.start_line + 1}: `{' '.join(words[:4])}` downloads to an absolute path the runtime may need")
            elif tool not in _BUILD_ONLY and not tool.startswith("docker-php-"):
                raise Decline(f"line {ins.start_line + 1}: cannot tell what `{' '.join(words[:4])}` leaves for the runtime of the PHP image")
        if repeat:
            runtime_steps.append("RUN " + " \\\n    && ".join(repeat))
    builder = builder_lines(f)
    builder.append(
        "RUN ldd " + EXT_DIR + "/*/*.so \\\n"
        "    | awk '/=>/ && $(NF-1) ~ /^\\// { so = $(NF-1); if (index(so, \"/usr/local/\") == 1) next; sub(\"^/(usr/)?\", \"\", so); print \"*\" so }' \\\n"
        "    | sort -u | xargs -r dpkg-query --search | cut -d: -f1 | sort -u > " + PACKAGE_LIST + " \\\n"
        "    && test -s " + PACKAGE_LIST
    )
    runtime: list[str] = stage_prelude_lines(f)
    runtime.append(f"COPY --from=builder {PACKAGE_LIST} {PACKAGE_LIST}")
    runtime.append(
        "RUN apt-get update \\\n"
        f"    && xargs -r apt-get install -y --no-install-recommends < {PACKAGE_LIST} \\\n"
        f"    && rm -rf /var/lib/apt/lists/* {PACKAGE_LIST}"
    )
    runtime += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    for out in dict.fromkeys(outputs):
        runtime.append(copy_from("builder", out, out))
    runtime += runtime_steps
    if f.final_workdir != "/":
        runtime.append(f"WORKDIR {f.final_workdir}")
    runtime += meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    user = original_user(f)
    if user:
        runtime.append(f"USER {user}")
    runtime += meta_lines(f, ("HEALTHCHECK",))
    runtime += command_lines(f)
    notes = [
        "The extensions compile in the builder; the runtime gets them with their ini files and the shared libraries they link "
        f"against (listed in the builder with ldd and dpkg-query into {PACKAGE_LIST}), not the -dev packages, compilers or headers.",
        "Packages the build installed that no extension links against (" + ", ".join(p for p in f.os_packages if not p.endswith("-dev")) + ") "
        "stay in the builder: if an entrypoint script uses one of them, install it in the runtime stage.",
    ]
    extras = [o for o in outputs if o not in (EXT_DIR, CONF_DIR)]
    stages = [
        StageSpec("builder", f.base, [x for x in builder if x], f"the original build on {f.base}: -dev packages, compiled extensions"
                  + (", downloads" if extras else "") + "; it also lists the libraries the extensions need.", f.platform),
        StageSpec("runtime", f.base, [x for x in runtime if x], f"the same PHP image with the compiled extensions, their ini files"
                  + (f", {', '.join(extras)}" if extras else "") + " and their runtime libraries: no compilers, headers or -dev packages.", f.platform),
    ]
    summary = f"Split into builder and runtime: PHP extensions compile on {f.base} and only their build output and runtime libraries ship, on {f.base}."
    return Plan(stages, summary, [], notes)


def stage_prelude_lines(f: SourceFacts) -> list[str]:
    return list(f.stage_args)
