"""Node.js (npm, yarn classic, pnpm): production dependencies, a builder, a small runtime.

deps: production dependencies only, from the manifests, so the layer is reused until
package.json or the lockfile changes. builder: every dependency and the build output.
runtime: node_modules from deps, the build output (or the sources when nothing is
built), on distroless Node.js, node:<v>-slim or node:<v>-alpine.
"""

from __future__ import annotations

import posixpath
import re
from typing import Optional

from ...settings import Settings
from ..facts import Cmd, SourceFacts
from ..project import ProjectFiles, required_packages
from .common import (
    Decline,
    Plan,
    StageSpec,
    command_lines,
    copy_from,
    envs_before,
    healthcheck,
    image_copy_split,
    is_root,
    kept_root,
    major_of,
    meta_lines,
    needs_shell,
    original_user,
    os_install,
    privileged_port,
    rel_to,
    run,
    source_copy_lines,
    split_os_packages,
    stage_prelude,
    workdir_line,
)
from .scan import scan_stage

LOCKFILES = {"npm": ("package-lock.json", "npm-shrinkwrap.json"), "yarn": ("yarn.lock",), "pnpm": ("pnpm-lock.yaml",), "bun": ("bun.lock", "bun.lockb")}
LOCK_GLOB = {"npm": "package*.json", "yarn": "yarn.lock*", "pnpm": "pnpm-lock.yaml*", "bun": "bun.lock*"}
PROD_FLAGS = {
    "npm": ({"--production", "--only=production", "--only=prod", "--omit=dev"}, "--omit=dev"),
    "yarn": ({"--production", "--prod"}, "--production"),
    "pnpm": ({"--prod", "-P", "--production"}, "--prod"),
    "bun": ({"--production", "-p"}, "--production"),
}
PRUNE = {
    "npm": "npm prune --omit=dev",
    "yarn": "yarn install --production --frozen-lockfile --prefer-offline",
    "pnpm": "pnpm prune --prod",
    "bun": "rm -rf node_modules && bun install --production",  # Bun has no prune: reinstall the production set
}
DISTROLESS_NODE = ("20", "22", "24")
NET_PROBE = "require('net').connect({port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"


def _install(cmd: Cmd, production: bool) -> str:
    tool = cmd.step.tool if cmd.step else cmd.words[0]
    prod, flag = PROD_FLAGS[tool]
    words = [w for w in cmd.words if w not in prod]
    if production:
        words.append(flag)
    return " ".join(words)


def _manifest_copy(tool: str, f: SourceFacts, p: ProjectFiles) -> str:
    if p.known:
        files = ["package.json"] + [lock for lock in LOCKFILES[tool] if p.has(lock)]
        files += [extra for extra in (".npmrc", ".yarnrc") if p.has(extra)]
    elif tool == "npm":
        files = ["package*.json"]
    else:
        files = ["package.json", LOCK_GLOB[tool]]
    return f"COPY {' '.join(files)} ./"


def _entry_file(argv: Optional[tuple[str, ...]], p: ProjectFiles) -> tuple[Optional[str], str]:
    """(the script the container runs with node, how the command starts it)."""
    if not argv:
        return None, ""
    prog = argv[0].rsplit("/", 1)[-1]
    if prog in ("sh", "bash") and len(argv) == 3 and argv[1] == "-c":
        # A shell command line: its first simple command is what starts the app.
        first = re.split(r"[|&;<>()]", argv[2], maxsplit=1)[0].split()
        return _entry_file(tuple(w for w in first if w != "exec"), p) if first else (None, prog)
    if prog in ("node", "nodejs"):
        args = [a for a in argv[1:] if not a.startswith("-")]
        return (args[0] if args else None), "node"
    if prog in ("npm", "yarn", "pnpm") and argv[-1] == "start":
        start = str(p.package_json().get("scripts", {}).get("start", ""))
        words = start.split()
        if words and words[0] == "node":
            args = [a for a in words[1:] if not a.startswith("-")]
            return (args[0] if args else None), prog
        return None, prog
    return None, prog


def _outputs(f: SourceFacts, p: ProjectFiles, entry: Optional[str]) -> list[str]:
    """Folders (relative to the workdir) the build writes and the runtime needs."""
    pkg = p.package_json()
    deps = {**pkg.get("dependencies", {}), **pkg.get("devDependencies", {})} if isinstance(pkg.get("dependencies", {}), dict) else {}
    if "next" in deps:
        outs = [".next"]
        outs += [n for n in ("public", "next.config.js", "next.config.mjs", "next.config.ts") if p.has(n)]
        return outs
    for candidate in (entry, str(pkg.get("main") or "")):
        if not candidate:
            continue
        rel = posixpath.normpath(rel_to(f.workdir, candidate) if candidate.startswith("/") else candidate)
        top = rel.split("/", 1)[0]
        if "/" in rel and top not in ("src", "node_modules", ".", ".."):
            return [top]
    raise Decline(
        "cannot tell which folder the build writes its output to"
        + (f" (the container runs {entry}, which is not inside a build output folder)" if entry else "")
    )


def _bun_image(f: SourceFacts, notes: list[str]) -> tuple[str, str, str]:
    """Bun's own images: ``oven/bun:1`` builds, ``oven/bun:1-slim`` runs (same Bun, no extras)."""
    ref = f.base_ref
    if ref.repository != "oven/bun" or ref.registry:
        raise Decline(f"Bun on {f.base}: the planner knows the runtime images of oven/bun only")
    tag = ref.tag or "latest"
    if any(v in tag for v in ("slim", "alpine", "distroless")):
        return f.base, f.base, "alpine" if "alpine" in tag else "slim"
    runtime = "oven/bun:slim" if tag == "latest" else f"oven/bun:{tag}-slim"
    notes.append(f"The runtime is {runtime}: the same Bun without the extras of {f.base}.")
    return runtime, f.base, "slim"


def _runtime_image(f: SourceFacts, s: Settings, uses_npm_to_start: bool, notes: list[str]) -> tuple[str, str, str]:
    """(runtime image, deps image, family) for the settings, falling back when distroless cannot run it."""
    tag = f.base_ref.tag
    major = major_of(tag)
    repo = f.base_ref.full if f.base_ref.registry else f.base_ref.repository
    family = s.target_base
    if "alpine" in tag and not major:
        # node:alpine, node:lts-alpine3.19: no version to pick another variant by, and
        # native modules built on musl need musl at run time: the same image runs.
        notes.append(f"The runtime stays on {f.base}: its tag names no Node.js version to choose another variant by, and modules built on Alpine need its musl libc.")
        return f.base, f.base, "alpine"
    if family == "scratch":
        notes.append("target_base is scratch, but Node.js needs its runtime: using distroless instead.")
        family = "distroless"
    if family == "distroless":
        why = []
        if major not in DISTROLESS_NODE:
            why.append(f"there is no distroless Node.js image for {f.base} (distroless has Node.js {', '.join(DISTROLESS_NODE)})")
        if uses_npm_to_start:
            why.append("the container starts the app through a package manager, which distroless does not have")
        why += [f"the runtime needs a shell ({w})" for w in needs_shell(f)]
        user = original_user(f)
        if user and not is_root(user) and not user.split(":")[0].isdigit() and user != "nonroot":
            why.append(f"USER {user} does not exist in distroless images")
        if any(c.kind == "user" for c in f.commands):
            why.append("the Dockerfile creates a user, which needs a shell at run time")
        if why:
            notes.append("Using a slim image rather than distroless: " + "; ".join(why) + ".")
            family = "slim"
        else:
            return f"gcr.io/distroless/nodejs{major}-debian12", f"node:{major}-bookworm", "distroless"
    base_tag = re.sub(r"-(alpine[\d.]*|slim)$", "", tag) if tag else ""
    if family == "alpine":
        alpine = f"{repo}:{major}-alpine" if major else f"{repo}:alpine"
        notes.append("The deps stage installs on Alpine too, so native modules match the runtime's musl libc.")
        return alpine, alpine, "alpine"
    slim = f"{repo}:{base_tag}-slim" if base_tag else f"{repo}:slim"
    deps = f"{repo}:{base_tag}" if base_tag else f"{repo}:latest"
    return slim, deps, "slim"


def plan_node(f: SourceFacts, s: Settings, p: ProjectFiles) -> Plan:
    installs = [c for c in f.commands if c.kind == "deps" and c.step is not None and c.step.ecosystem == "node"]
    if not installs:
        raise Decline("no npm, yarn or pnpm install: nothing to split into dependency and runtime stages")
    tool = installs[0].step.tool  # type: ignore[union-attr]
    if tool not in LOCKFILES:
        raise Decline(f"the offline planner does not convert {tool} projects yet")
    if any(c.step is not None and c.step.tool != tool for c in installs):
        raise Decline("more than one package manager installs dependencies")
    berry = p.has(".yarnrc.yml") or any("--immutable" in c.words for c in installs)
    pkg = p.package_json()
    workspace = bool(pkg.get("workspaces") or p.has("pnpm-workspace.yaml")) or berry
    if len(installs) > 1:
        raise Decline("dependencies are installed more than once")
    install = installs[0]
    scripts = f.of_kind("script") + [c for c in f.of_kind("build") if c.step and c.step.ecosystem == "node"]
    tools = f.of_kind("tool")
    notes: list[str] = []
    changes: list[str] = []
    if berry:
        notes.append(
            "Yarn 2+ (Berry): its install reads .yarnrc.yml, .yarn/ (releases, plugins, cache) and, with Plug'n'Play, "
            "writes .pnp.cjs instead of node_modules, so the builder installs after the source copy as the original did, "
            "and the runtime takes the whole built project after `yarn workspaces focus --all --production` (Yarn 4) drops the dev dependencies."
        )
    elif workspace:
        notes.append(
            "This is a workspace (monorepo): installing needs every package's package.json, so the builder copies the "
            "source before the install (as the original did), builds, prunes to production dependencies, and the runtime "
            "takes the built workspace."
        )
    argv = f.argv
    entry, starter = _entry_file(argv, p)
    uses_pm = starter in ("npm", "yarn", "pnpm")
    if starter and starter not in ("node", "nodejs", "npm", "yarn", "pnpm", "sh", "bash") and not (tool == "bun" and starter == "bun"):
        raise Decline(f"the container runs `{starter}`, which the planner cannot place in the runtime image")
    runtime_image, deps_image, family = _bun_image(f, notes) if tool == "bun" else _runtime_image(f, s, uses_pm, notes)
    wd = f.workdir if f.workdir != "/" else "/app"
    moved = f.workdir == "/"
    if moved:
        # Installed in / (no WORKDIR): node_modules next to /proc and /etc cannot be copied
        # out alone, so the project moves to /app, in both stages, and the change is named.
        if f.final_workdir != "/" or any(c.dest not in ("/", "/.") and not c.dest.startswith("/app") for c in f.source_copies):
            raise Decline("dependencies are installed in / (no WORKDIR): the planner needs a project folder to copy from")
        if any("/" in a and not a.startswith(("/app", "./", "-")) for a in (f.argv or ())[1:]):
            raise Decline("dependencies are installed in / and the command names absolute paths: the planner needs a project folder")
        changes.append("WORKDIR /app: the project was installed in / (no WORKDIR); it now lives in /app, in both stages, so node_modules can be copied on its own.")
    build_pkgs, runtime_pkgs = split_os_packages(f.os_packages, " ".join(m for m in meta_lines(f, ("CMD", "ENTRYPOINT", "HEALTHCHECK"))))
    if runtime_pkgs and family == "distroless":
        notes.append("Using a slim image rather than distroless: the runtime needs OS packages (" + ", ".join(runtime_pkgs) + ").")
        runtime_image, deps_image, family = _runtime_image(f, Settings(target_base="slim"), uses_pm, [])

    manifests = _manifest_copy(tool, f, p)
    # The --omit=dev trap: production-only installs crash at start (MODULE_NOT_FOUND) when the
    # code that ships requires a package listed only in devDependencies.
    dev_deps = pkg.get("devDependencies") if isinstance(pkg.get("devDependencies"), dict) else {}
    prod_deps = pkg.get("dependencies") if isinstance(pkg.get("dependencies"), dict) else {}
    needed_dev = sorted(n for n in required_packages(p) if n in dev_deps and n not in prod_deps)
    keep_dev = False
    extra_install = ""
    if needed_dev and not scripts:
        if tool != "npm":
            raise Decline(
                "the shipped code requires " + ", ".join(needed_dev[:5]) + ", listed only in devDependencies: a production install "
                "would crash at start (MODULE_NOT_FOUND). Move them to dependencies"
            )
        specs = [f"{n}@{dev_deps[n]}" if isinstance(dev_deps[n], str) and re.match(r"^[\w.^~<>=*| -]+$", dev_deps[n]) else n for n in needed_dev]
        extra_install = " && npm install --no-save --omit=dev " + " ".join(specs)
    no_deps = p.known and "package.json" in p.texts and not prod_deps
    if no_deps:
        notes.append("package.json lists no dependencies, so the install creates no node_modules; the deps stage creates an empty one for the runtime to copy.")
    if extra_install:
        notes.append(
            "The shipped code requires " + ", ".join(needed_dev[:5]) + ", which package.json lists only in devDependencies: "
            "a production-only install would fail at start with MODULE_NOT_FOUND, so the deps stage adds "
            + ("it" if len(needed_dev) == 1 else "them") + " to the production set. Moving them to dependencies is the lasting fix."
        )
    setup = [c.text for c in tools]
    tool_copies, runtime_copies = image_copy_split(f)
    os_line = os_install(f.os_manager, list(f.os_packages), s)
    merged = bool(scripts) and s.max_stages < 3

    def install_stage(name: str, image: str, production: bool, explanation: str, then: list[str]) -> StageSpec:
        lines = stage_prelude(f)
        lines += envs_before(f, "os")
        if os_line and (not production or build_pkgs):
            lines.append(os_line)
        lines += envs_before(f, "tool") + tool_copies
        lines += [run(t, s) for t in setup]
        lines.append(workdir_line(wd) or "")
        lines += envs_before(f, "deps", "copy")
        lines += source_copy_lines(f) if workspace else [manifests]
        # mkdir: a project without dependencies gets no node_modules, and the runtime copies it.
        lines.append(run(_install(install, production) + (extra_install if production else "") + (" && mkdir -p node_modules" if no_deps else ""), s, tool))
        lines += then
        return StageSpec(name, image, [x for x in lines if x], explanation)

    stages: list[StageSpec] = []
    if scripts or workspace:
        try:
            if workspace:
                raise Decline("a workspace ships whole")
            outputs: Optional[list[str]] = _outputs(f, p, entry)
        except Decline:
            # Where the build writes is unknown (no package.json to read, an entry outside a
            # build folder): keep the whole built project, with production node_modules only.
            outputs = None
            merged = True
            if not workspace:
                notes.append(
                    "The build's output folder could not be told from the Dockerfile alone, so the runtime takes the whole "
                    "built project from the builder (sources included) with production node_modules only; "
                    "narrow the copy to the build output for a smaller image."
                )
        build_lines = ([] if workspace else source_copy_lines(f)) + envs_before(f, "build") + [run(c.text, s) for c in scripts]
        if merged:
            if berry:
                manager = str(pkg.get("packageManager") or "")
                m = re.match(r"yarn@(\d+)", manager)
                if not m or int(m.group(1)) < 4:
                    raise Decline(
                        "Yarn 2+ (Berry) below version 4 (or with no packageManager in package.json) cannot drop the dev "
                        "dependencies without the workspace-tools plugin; set packageManager to yarn@4 or add the plugin"
                    )
                build_lines.append(run("yarn workspaces focus --all --production", s, tool))
            else:
                build_lines.append(run(PRUNE[tool], s, tool))
            stages.append(
                install_stage(
                    "builder",
                    f.base,
                    False,
                    "installs every dependency, builds the app, then keeps only the production dependencies (`yarn workspaces focus --production`)." if berry else
                    "installs every dependency, builds the app, then drops the dev dependencies so only production node_modules remain to copy.",
                    build_lines,
                )
            )
            modules_from = "builder"
        else:
            stages.append(
                install_stage(
                    "deps",
                    deps_image,
                    True,
                    f"production dependencies only, installed from the manifests, so this layer is rebuilt only when package.json or the lockfile change ({deps_image} matches the runtime's libc).",
                    [],
                )
            )
            stages.append(
                install_stage(
                    "builder",
                    f.base,
                    False,
                    "every dependency, dev ones included, and the build; nothing here ships except the build output.",
                    build_lines,
                )
            )
            modules_from = "deps"
        if outputs is None:
            artifacts = [copy_from("builder", wd, ".")]
        else:
            artifacts = [copy_from(modules_from, f"{wd}/node_modules", "./node_modules")]
            artifacts += [copy_from("builder", f"{wd}/package.json", "./package.json")]
            artifacts += [copy_from("builder", f"{wd}/{o}", f"./{o}") for o in outputs]
    else:
        stages.append(
            install_stage(
                "deps",
                deps_image,
                True,
                f"production dependencies only, installed from the manifests, so this layer is rebuilt only when package.json or the lockfile change ({deps_image} matches the runtime's libc).",
                [],
            )
        )
        artifacts = [copy_from("deps", f"{wd}/node_modules", "./node_modules")] + source_copy_lines(f)
        if not f.source_copies:
            raise Decline("the application files are never copied into the image")

    setup_rt: list[str] = []
    if starter == "pnpm":
        # The node images carry npm and Yarn 1, not pnpm: the runtime that starts through pnpm needs it too.
        found = [t for t in tools if "pnpm" in t.text and t.words and t.words[0] == "npm"]
        setup_rt = [f"RUN {found[0].text if found else 'npm install -g pnpm'} && npm cache clean --force"]
        notes.append("pnpm is installed in the runtime stage too: the container starts through it.")
    runtime = _runtime_stage(f, s, runtime_image, family, wd, setup_rt + artifacts + runtime_copies, runtime_pkgs, notes, changes, wd if moved else None)
    scan = scan_stage(f, s, stages, runtime_image, [(modules_from if scripts else "deps", f"{wd}/node_modules")], notes, len(stages) + 2)
    if scan is not None:
        stages.append(scan)
    stages.append(runtime)
    summary = (
        f"Split into {', '.join(st.name for st in stages)}: dependencies install from the manifests before the "
        f"source is copied, so code changes no longer reinstall them, and only node_modules"
        + (" and the build output" if scripts else " and the application files")
        + f" ship, on {runtime_image} instead of {f.base}."
    )
    return Plan(stages, summary, changes, notes)


def _runtime_stage(
    f: SourceFacts,
    s: Settings,
    image: str,
    family: str,
    wd: str,
    artifacts: list[str],
    runtime_pkgs: list[str],
    notes: list[str],
    changes: list[str],
    workdir: Optional[str] = None,
) -> StageSpec:
    lines = stage_prelude(f)
    os_line = os_install("apk" if family == "alpine" else "apt", runtime_pkgs, Settings(cache_mounts=False))
    if os_line:
        lines.append(os_line)
    lines += [f"RUN {c.text}" for c in f.of_kind("user")]
    lines.append(workdir_line(workdir or f.final_workdir) or "")
    lines += meta_lines(f, ("ENV", "LABEL", "MAINTAINER"))
    lines += artifacts
    lines += meta_lines(f, ("EXPOSE", "VOLUME", "STOPSIGNAL"))
    user = original_user(f)
    low_port = privileged_port(f)
    if user:
        lines.append(f"USER {user}")
    elif low_port is not None:
        notes.append(kept_root(low_port))
    else:
        new_user = "nonroot" if family == "distroless" else ("bun" if "oven/bun" in image else "node")
        lines.append(f"USER {new_user}")
        changes.append(f"USER {new_user}: the app no longer runs as root ({new_user} is the unprivileged user the image provides).")
    node = "/nodejs/bin/node" if family == "distroless" else ("bun" if "oven/bun" in image else "node")
    lines += healthcheck(f, s, [node, "-e", NET_PROBE.replace("{port}", "{port}")], notes)
    if family == "distroless":
        has_entry = any(i.keyword == "ENTRYPOINT" for i in f.meta)
        lines += command_lines(f, {"node": ["/nodejs/bin/node"] if has_entry else []})
        if not has_entry:
            notes.append("CMD drops `node`: the distroless image's ENTRYPOINT is already the Node.js binary.")
    else:
        lines += command_lines(f)
    explanation = f"only what runs: {image} with node_modules and the app; no compilers, package-manager caches or dev dependencies."
    return StageSpec("runtime", image, [x for x in lines if x], explanation)
