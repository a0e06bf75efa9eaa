"""The offline planner's "optimize" mode: a multi-stage file whose final image ships a toolchain.

A file that is already multi-stage is left as it is except for one change: the base image
of its final stage, when that base is a build image (a JDK, the .NET SDK, the full
variant of the node, python or ruby images) and the final stage only copies artifacts in
and starts them. The swap keeps the vendor and the version (``openjdk:17`` ->
``eclipse-temurin:17-jre``, ``tomcat:9-jdk11`` -> ``tomcat:9-jre11``, ``node:20`` ->
``node:20-slim``, ``mcr.microsoft.com/dotnet/sdk:8.0`` -> ``mcr.microsoft.com/dotnet/aspnet:8.0``);
every other line stays as written. It declines, saying why, when the final stage runs
commands that could need the toolchain, starts a build tool, or names its base with a
variable.

It also narrows a ``COPY --from=<stage> <workspace>`` of the final stage (SLIM202: the
builder's whole folder, source and intermediates, copied in) to what the start command
runs: the binary, the jar's folder, the .NET assembly's folder, or the install folder of
a ``bin/`` launcher. It does so only when nothing else in the final stage after that copy
runs or names other workspace files; a note says to add any file the program reads.
"""

from __future__ import annotations

import dataclasses

import re
from typing import Optional, Union

from ..analysis import Analysis
from ..analysis.context import UNKNOWN, BuildContext
import posixpath

from ..analysis.artifacts import iter_copy_sources, stage_facts, workspace_builds
from ..analysis.images import full_variant_ecosystem, parse_ref, stage_image, toolchain_of
from ..analysis.runtime import start_command
from ..analysis.shell import commands
from ..analysis.stages import copy_dest
from ..dockerfile import parse
from ..dockerfile.model import Dockerfile, Instruction
from .contract import contract_of
from ..settings import Settings
from .result import Declined, Proposal, StageNote

ENGINE = "offline"
# Commands a final stage may run on the smaller base: file and user set-up.
_SAFE = frozenset(
    "mkdir chown chmod ln rm cp mv touch echo true useradd adduser groupadd addgroup usermod id ls cat test [ set update-ca-certificates".split()
)
_PACKAGE_MANAGERS = frozenset(("apt-get", "apt", "apk"))
_BUILD_TOOLS = frozenset("mvn mvnw gradle gradlew javac dotnet-sdk go cargo rustc gcc g++ make npm-install".split())


def _swap(image: str) -> Optional[tuple[str, str, bool]]:
    """(new image, why, the new image has a package manager) for a final base that ships a toolchain."""
    ref = parse_ref(image)
    if ref.digest or "$" in image:
        return None
    tag = ref.tag.lower()
    eco = toolchain_of(image)
    if eco == "java":
        if ref.name in ("tomcat", "jetty", "tomee"):
            return f"{ref.full}:{ref.tag.replace('jdk', 'jre', 1)}", "the same server on a JRE", True
        if ref.name in ("maven", "gradle"):
            m = re.search(r"(?:jdk|temurin-|openjdk-|corretto-)-?(\d+)", tag)
            major = m.group(1) if m else ""
        else:
            m = re.match(r"^(\d+)", tag)
            major = m.group(1) if m else ""
        if major not in ("8", "11", "17", "21", "25"):
            return None
        alpine = "-alpine" if "alpine" in tag else ""
        return f"eclipse-temurin:{major}-jre{alpine}", f"a Java {major} JRE (Eclipse Temurin) instead of a full JDK", True
    if eco == "dotnet":
        m = re.match(r"^(\d+\.\d+)", tag)
        if not m or "mcr.microsoft.com" != ref.registry:
            return None
        return f"mcr.microsoft.com/dotnet/aspnet:{m.group(1)}", f"the ASP.NET Core {m.group(1)} runtime instead of the SDK", True
    full = full_variant_ecosystem(image)
    if full in ("node", "python", "ruby") and re.fullmatch(r"\d+(\.\d+)*", tag or ""):
        return f"{ref.repository}:{tag}-slim", f"the slim variant of {ref.repository}:{tag} (no gcc, make, git or headers)", True
    return None


def optimize(doc: Dockerfile, settings: Settings, context: BuildContext = UNKNOWN) -> Union[Proposal, Declined]:
    """A multi-stage ``doc`` with its final base swapped for a runtime image, or why not."""
    result = _optimize(doc, settings, context)
    if isinstance(result, Declined) and not result.reasons[0].startswith("this is already"):
        return Declined(("this is already a multi-stage build, and " + result.reasons[0],) + tuple(result.reasons[1:]), ENGINE)
    if isinstance(result, Proposal):
        # The settings optimize mode leaves unmet, declared the way the gate accepts a deviation.
        new = parse(result.dockerfile)
        target = new.stages[-1] if new.stages else None
        new_image = target.base if target is not None and target.base else ""
        result = dataclasses.replace(result, warnings=_deviations(doc, new, settings, new_image))
    return result


def _optimize(doc: Dockerfile, settings: Settings, context: BuildContext) -> Union[Proposal, Declined]:
    a = Analysis(doc, settings, context)
    g = a.graph
    if g.target is None:
        return Declined(("cannot tell which stage is the final image",), ENGINE)
    final = doc.stages[g.target]
    if final.base_stage is not None:
        return Declined((f"the final stage builds FROM another stage ({final.base}); the offline planner only swaps an external base image",), ENGINE)
    image = stage_image(a, g.target)
    if image is None or final.base_word is None or "$" in final.base_word.text:
        return Declined(("the final stage's base image comes from a build argument; the planner needs to know it",), ENGINE)
    swap = _swap(image)
    narrowed = _narrow(a, g.target)
    not_narrowed = ""
    if isinstance(narrowed, str):
        if swap is None:
            return Declined((narrowed,), ENGINE)
        not_narrowed, narrowed = narrowed, None
    if swap is None and narrowed is not None:
        return _render(doc, final, image, None, narrowed)
    if swap is None:
        what = "a toolchain the planner has no runtime swap for" if (toolchain_of(image) or full_variant_ecosystem(image)) else "not a build image"
        return Declined(
            (f"this is already a multi-stage build and its final stage is based on {image} ({what}); "
             "the offline planner only swaps a JDK, the .NET SDK or a full node/python/ruby image for its runtime variant "
             "(with an Anthropic API key, Claude can optimize the rest)",),
            ENGINE,
        )
    new_image, why, has_pm = swap
    for ins in final.instructions[1:]:
        if ins.keyword != "RUN":
            continue
        for cmd in commands(ins):
            if not cmd.words:
                continue
            prog = cmd.words[0].rsplit("/", 1)[-1]
            if prog in _SAFE or (prog in _PACKAGE_MANAGERS and has_pm and not any(w.endswith(("-dev", "-devel")) for w in cmd.words)):
                continue
            return Declined(
                (f"line {ins.start_line + 1}: the final stage runs `{' '.join(cmd.words[:4])}`, which may need the toolchain of {image}; "
                 f"the planner swaps the base for {new_image} only when the final stage just copies artifacts and starts them",),
                ENGINE,
            )
    start = start_command(a)
    if start is not None:
        words = [w.text for w in start.args] if start.is_json else start.text.split()
        if words and words[0].rsplit("/", 1)[-1] in _BUILD_TOOLS:
            return Declined((f"the image starts `{words[0]}`, a build tool that {new_image} does not have",), ENGINE)
    return _render(doc, final, image, swap, narrowed, not_narrowed)


def _render(doc: Dockerfile, final, image: str, swap, narrowed, not_narrowed: str = "") -> Union[Proposal, Declined]:
    lines = list(doc.lines)
    notes: list[str] = [f"Not narrowed: {not_narrowed}."] if not_narrowed else []
    summaries: list[str] = []
    if narrowed is not None:
        index, new_copy, what = narrowed
        lines[index] = new_copy
        summaries.append(f"narrowed `{doc.lines[index].strip()}` to {what}")
        notes.append(
            f"Optimize mode: line {index + 1} copied the builder's whole workspace (SLIM202); it now copies {what} only. "
            "If the program reads other files of the workspace at run time (configuration, templates, static assets), copy them too."
        )
    if swap is None:
        return _finish(doc, final, lines, image, image, "", summaries, notes)
    new_image, why, _ = swap
    word = final.base_word
    line = doc.lines[word.range.start.line]
    new_line = line[: word.range.start.character] + new_image + line[word.range.end.character :]
    if word.range.start.line != word.range.end.line or line[word.range.start.character : word.range.end.character] != word.text:
        return Declined(("the final FROM is written in a way the planner does not edit (a continuation or escapes)",), ENGINE)
    lines[word.range.start.line] = new_line
    return _finish(doc, final, lines, image, new_image, why, summaries, notes)


def _finish(doc: Dockerfile, final, lines: list[str], image: str, new_image: str, why: str, summaries: list[str], notes: list[str]) -> Union[Proposal, Declined]:
    # Every stage is named (the gate asks for it); unnamed ones get a name, nothing else moves.
    taken = {st.name for st in doc.stages if st.name}
    for st in doc.stages:
        if st.name:
            continue
        frm = st.from_instruction
        if frm.start_line != frm.end_line:
            return Declined((f"line {frm.start_line + 1}: an unnamed FROM over several lines; name the stage (FROM ... AS <name>) first",), ENGINE)
        name = "runtime" if st is final else ("builder" if st.index == 0 else f"stage{st.index}")
        while name in taken:
            name += "-" + str(st.index)
        taken.add(name)
        lines[frm.start_line] = lines[frm.start_line].rstrip() + f" AS {name}"
    text = "\n".join(lines)
    if not text.endswith("\n"):
        text += "\n"
    label = final.name or "runtime"
    if why:
        summaries.insert(0, f"swapped the final stage's base, {image}, for {new_image}: {why}")
        notes.insert(0, f"Optimize mode: the FROM of the final stage changed ({image} -> {new_image}).")
    summary = "Kept the build as it is; " + "; ".join(summaries) + ". Every other line is as it was."
    stage_note = f"the final image{', now on ' + new_image + ': ' + why if why else ''}; " + ("it copies only what runs from the builder." if len(notes) > (1 if why else 0) else "its instructions are unchanged.")
    return Proposal(dockerfile=text, stages=(StageNote(label, stage_note),), summary=summary, notes=tuple(notes))


def _narrow(a: Analysis, target: int) -> Union[None, str, tuple[int, str, str]]:
    """(line index, the narrowed COPY, what it copies) for a whole-workspace COPY --from in
    the final stage that the start command lets the planner narrow; a reason when the copy is
    there but cannot be narrowed safely; None when there is no such copy."""
    doc = a.doc
    final = doc.stages[target]
    found: Optional[tuple[Instruction, str]] = None
    for e in a.graph.edges:
        if e.kind != "copy" or e.dst != target or e.instruction is None:
            continue
        facts = stage_facts(a, e.src)
        for path in iter_copy_sources(e.instruction):
            if any(b.compiled for _, b in workspace_builds(facts, path)):
                found = (e.instruction, path)
                break
        if found:
            break
    if found is None:
        return None
    ins, src = found
    sources = list(iter_copy_sources(ins))
    if len(sources) != 1 or ins.start_line != ins.end_line or ins.heredocs:
        return "the final stage copies the builder's whole workspace in a COPY the planner does not edit (several sources or lines)"
    workdir = "/"
    after = False
    for other in final.instructions[1:]:
        if other is ins:
            after = True
            continue
        if other.keyword == "WORKDIR" and not after:
            workdir = posixpath.normpath(posixpath.join(workdir, other.text.strip() or "."))
        elif after and other.keyword in ("RUN", "WORKDIR"):
            return (f"line {ins.start_line + 1} copies the builder's whole workspace, and line {other.start_line + 1} ({other.keyword}) comes after it: "
                    "the planner cannot tell which of those files it needs, so it does not narrow the copy")
    dest = copy_dest(ins)
    if not dest or "$" in dest or "$" in src:
        return None
    dest_abs = posixpath.normpath(posixpath.join(workdir, dest))
    contract = contract_of(doc, target)
    argv = list(contract.argv or ()) if contract is not None else []
    if not argv or (len(argv) >= 2 and argv[1] == "-c"):
        return f"line {ins.start_line + 1} copies the builder's whole workspace, and the start command does not name the program it runs: the planner cannot narrow the copy"
    run_dir = contract.workdir if contract is not None else workdir
    prog = argv[0].rsplit("/", 1)[-1]
    if prog == "java" and "-jar" in argv and argv.index("-jar") + 1 < len(argv):
        main = argv[argv.index("-jar") + 1]
        rest = argv[argv.index("-jar") + 2 :]
        pick = "folder"
    elif prog == "dotnet" and len(argv) > 1 and argv[1].endswith(".dll"):
        main, rest, pick = argv[1], argv[2:], "folder"
    elif "/" in argv[0]:
        main, rest, pick = argv[0], argv[1:], "file"
    else:
        return f"line {ins.start_line + 1} copies the builder's whole workspace, and `{argv[0]}` is found on PATH: the planner cannot tell which copied file runs"
    if any(("/" in w or re.search(r"\.(ya?ml|json|toml|conf|ini|properties|env|xml)$", w)) and not w.startswith("-") for w in rest):
        return f"line {ins.start_line + 1} copies the builder's whole workspace, and the start command names other files ({' '.join(rest)}): the planner does not narrow the copy"
    run_path = posixpath.normpath(posixpath.join(run_dir, main))
    if not (run_path == dest_abs or run_path.startswith(dest_abs.rstrip("/") + "/")):
        return None
    keep = posixpath.dirname(run_path) if pick == "folder" else run_path
    parts = keep.split("/")
    if pick == "file" and len(parts) >= 3 and parts[-2] == "bin":
        keep = "/".join(parts[:-2])  # a launcher in an install folder (build/install/app/bin/app): the whole install folder
        pick = "folder"
    if keep == dest_abs:
        return None  # already just that
    rel = keep[len(dest_abs) :].lstrip("/")
    src_keep = posixpath.join(src, rel)
    flags = [f"--{f.name}={f.value}" if f.value is not None else f"--{f.name}" for f in ins.flags]
    line = doc.lines[ins.start_line]
    indent = line[: len(line) - len(line.lstrip())]
    new = f"{indent}{ins.keyword} {' '.join(flags)} {src_keep} {keep}"
    what = f"the {'folder' if pick == 'folder' else 'program'} the container runs ({src_keep})"
    return ins.start_line, new, what


def _deviations(original: Dockerfile, new: Dockerfile, settings: Settings, new_image: str) -> tuple[str, ...]:
    """The settings this rewrite does not carry out, because optimize mode changes one FROM only.

    Found with the gate's own checks (``rewrite/validate.py``) and said as warnings, which is
    how a rewrite declares a deviation from the settings: the user sees each one.
    """
    from .contract import contract_of
    from .validate import check_base_family, check_scan_runs

    out: list[str] = []
    bare = steps_without_cache_mount(new, settings)
    if bare:
        out.append(
            f"cache_mounts is on, but optimize mode leaves the build stages as written: {', '.join(bare[:3])} "
            "gets no BuildKit cache mount (add RUN --mount=type=cache yourself, or optimize with Claude)."
        )
    before, after = contract_of(original), contract_of(new)
    if settings.include_healthcheck and after is not None and after.ports and not after.healthcheck and not (before and before.healthcheck):
        out.append(
            f"include_healthcheck is on, but optimize mode adds no HEALTHCHECK: the final stage exposes port "
            f"{sorted(after.ports)[0]} and has none (add one {new_image} can run, in exec form)."
        )
    if check_base_family(new, settings):
        out.append(
            f"target_base is {settings.target_base}, but optimize mode keeps the final image's vendor: it runs on "
            f"{new_image}, which is not a {settings.target_base} image (moving to one is left to Claude or to you)."
        )
    if settings.security_scan and check_scan_runs(new, settings):
        out.append("security_scan is on, but optimize mode adds no scan stage: the image is not scanned during the build.")
    return tuple(out)


def steps_without_cache_mount(doc: Dockerfile, settings: Settings) -> list[str]:
    """With ``cache_mounts`` on, the package-manager steps of ``doc`` the gate wants a cache mount on
    and that have none (as "`label` (line n)"); empty when the setting is off."""
    from ..analysis.ecosystems import package_steps
    from .validate import _CACHE_TOOLS

    if not settings.cache_mounts:
        return []
    return [
        f"`{steps[0].label}` (line {ins.start_line + 1})"
        for ins in doc.instructions
        if ins.keyword == "RUN" and not any("type=cache" in (f.value or "") for f in ins.flags_named("mount"))
        for steps in [[s for s in package_steps(ins) if s.tool in _CACHE_TOOLS and s.kind in ("deps", "prefetch", "build")]]
        if steps
    ]
