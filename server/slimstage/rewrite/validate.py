"""Checks a candidate rewrite must pass before anything is applied.

Pure: text in, a ``Validation`` out. A candidate is accepted only if it parses with the
same parser as everything else; has at least two stages, all named, no more than
``max_stages``; every ``COPY --from`` / ``--mount=from`` names an earlier stage or an
image; its final stage keeps the original's runtime contract (or the explanation names
each deliberate change; a root image made non-root is accepted and always reported); it
introduces no SLIM1xx/SLIM2xx finding and none of BuildKit's build checks; and it adds no download piped into a shell, no
download saved and run later (``curl -o f URL && sh f``), and no remote ADD, so
instructions hidden in a file cannot smuggle code into the build. Before any of this, the
answer's secret placeholders must stand only where they stood in the masked original
(``misplaced_placeholders``): otherwise nothing is restored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from ..analysis.context import UNKNOWN, BuildContext
from ..analysis.ecosystems import split_commands
from ..analysis.stages import StageGraph, context_sources, copy_sources
from ..dockerfile import parse
from ..dockerfile.model import Dockerfile
from ..lint import LintResult, lint
from ..settings import Settings
from ..analysis.dockerignore import Dockerignore
from ..analysis.ecosystems import package_steps
from ..analysis.images import is_minimal, parse_ref, scanner_of
from .contract import Contract, contract_of, diff, is_declared, is_named
from .project import ProjectFiles
from .result import ContractChange

GUARDED_PREFIXES = ("SLIM1", "SLIM2")
_PIPE_TO_SHELL = re.compile(
    r"\b(curl|wget|fetch)\b[^|;&\n]*\|\s*(sudo\s+)?(env\s+\S+\s+)*(/usr/bin/|/bin/)?(ba|z|da|k|a)?sh\b"
    r"|\b(curl|wget)\b[^|;&\n]*\|\s*(sudo\s+)?(python\d?|perl|ruby|node|php)\b"
    r"|\b(ba|z|da)?sh\s+(-c\s+)?[\"']?\$\(\s*(curl|wget)\b"
    r"|\b(ba|z)?sh\s+<\(\s*(curl|wget)\b",
    re.I,
)
_REMOTE = re.compile(r"^(https?|ftp|git|ssh)://|^git@|\.git(#.*)?$", re.I)


@dataclass(frozen=True)
class Validation:
    problems: tuple[str, ...]
    changes: tuple[ContractChange, ...]  # accepted changes to the runtime contract (named or hardening)
    doc: Optional[Dockerfile] = None
    result: Optional[LintResult] = None

    @property
    def ok(self) -> bool:
        return not self.problems


def _norm(text: str) -> str:
    return " ".join(text.split())


def _finding_keys(result: LintResult) -> dict[tuple[str, str], int]:
    """Findings keyed by code and the text of the instruction they are on (not line numbers)."""
    out: dict[tuple[str, str], int] = {}
    doc = result.analysis.doc
    for v in result.violations:
        if not v.code.startswith(GUARDED_PREFIXES) and v.code.startswith("SLIM"):
            continue  # BuildKit's checks (named as BuildKit names them) are all guarded
        ins = doc.instruction_at(v.range.start.line)
        where = _norm(f"{ins.keyword} {ins.text}") if ins is not None else _norm(v.message)
        key = (v.code, where)
        out[key] = out.get(key, 0) + 1
    return out


_INTERPRETER = re.compile(r"^(?:(?:ba|da|z|k|a|fi|tc|c)?sh|python[\d.]*|pypy[\d.]*|perl[\d.]*|ruby[\d.]*|node|nodejs|bun|deno|php[\d.]*|pwsh|powershell|source|\.|java|lua[\d.]*|Rscript|tclsh)$")
_DOWNLOADERS = frozenset(("curl", "wget", "fetch", "aria2c", "http", "https"))


def _basename(path: str) -> str:
    return path.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0].split("#", 1)[0]


def _downloaded(words: tuple[str, ...]) -> list[str]:
    """File names a curl/wget/fetch/aria2c command writes what it downloads to."""
    name = _basename(words[0]) if words else ""
    if name not in _DOWNLOADERS:
        return []
    out: list[str] = []
    urls = [w for w in words[1:] if "://" in w]
    remote_name = name == "wget"  # wget saves under the URL's name unless told otherwise
    i = 1
    while i < len(words):
        w = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in ("-o", "--output", "-O", "--output-document", "--out") and not (name == "curl" and w == "-O"):
            if name == "wget" and w == "-o":  # wget -o is the log file
                i += 2
                continue
            out.append(nxt)
            remote_name = False
            i += 2
            continue
        if w.startswith(("--output=", "--output-document=", "--out=", "-o=")):
            out.append(w.split("=", 1)[1])
            remote_name = False
        elif name == "curl" and w in ("-O", "--remote-name", "--remote-name-all"):
            remote_name = True
        elif w.startswith("-") and not w.startswith("--") and len(w) > 2:
            letters = w[1:]
            flag = "O" if name == "wget" else "o"
            if letters.endswith(flag) and letters[:-1].isalpha():  # -fsSLo FILE, -qO FILE
                out.append(nxt)
                remote_name = False
                i += 2
                continue
            if name == "curl" and "O" in letters and letters.isalpha():  # -fsSLO
                remote_name = True
            elif letters[0] == flag and not letters.isalpha():  # -ofile
                out.append(letters[1:])
                remote_name = False
        i += 1
    if remote_name:
        out += [_basename(u) for u in urls]
    return [p for p in out if p and p != "-" and p != "/dev/null"]


def _runs(words: tuple[str, ...], downloads: set[str]) -> Optional[str]:
    """The downloaded file ``words`` runs: as the program, or as an interpreter's script."""
    if not words:
        return None
    program = _basename(words[0])
    if program in downloads and ("/" in words[0] or program == words[0]) and words[0] not in ("sh", "bash"):
        return program
    if _INTERPRETER.match(program):
        for w in words[1:]:
            if w.startswith("-"):
                if w in ("-c", "-e", "-m", "--eval"):  # inline code / a module: not a file
                    return None
                continue
            name = _basename(w)
            return name if name in downloads else None
    return None


def downloads_executed(doc: Dockerfile) -> set[str]:
    """Files downloaded by one RUN command and run by a later one (``curl -o f URL && sh f``,
    ``wget -O x URL; chmod +x x; ./x``, ``python get-pip.py`` after fetching it, ``CMD ["./x"]``):
    remote code as much as a download piped into a shell. Matched by file name, across RUNs."""
    downloads: set[str] = set()
    found: set[str] = set()
    for ins in doc.instructions:
        if ins.keyword == "RUN":
            for cmd in split_commands(ins):
                ran = _runs(cmd.words, downloads)
                if ran:
                    found.add(f"RUN downloads {ran}, then runs it")
                downloads.update(_basename(p) for p in _downloaded(cmd.words))
        elif ins.keyword in ("CMD", "ENTRYPOINT") and downloads:
            ran = _runs(tuple(w.text for w in ins.args), downloads)
            if ran:
                found.add(f"{ins.keyword} runs {ran}, downloaded by a RUN")
    return found


def remote_code(doc: Dockerfile) -> set[str]:
    """Downloads piped into an interpreter or saved and run later, and ADDs of remote sources, as normalized text."""
    found: set[str] = downloads_executed(doc)
    for ins in doc.instructions:
        if ins.keyword == "RUN":
            texts = [ins.text] + [h.body for h in ins.heredocs]
            for text in texts:
                for m in _PIPE_TO_SHELL.finditer(text):
                    found.add("RUN " + _norm(m.group(0)))
            for cmd in split_commands(ins):
                if len(cmd.words) >= 3 and cmd.words[1] == "-c":
                    for m in _PIPE_TO_SHELL.finditer(cmd.words[2]):
                        found.add("RUN " + _norm(m.group(0)))
        elif ins.keyword == "ADD":
            for src in copy_sources(ins):
                if _REMOTE.search(src.strip()):
                    found.add("ADD " + src.strip())
    return found


_SECRET_PLACEHOLDER = re.compile(r"SLIMSTAGE_SECRET_\d+")
_NON_SPACE = re.compile(r"\S+")


def placeholder_slots(text: str) -> dict[str, set[tuple[str, ...]]]:
    """Where each ``SLIMSTAGE_SECRET_<n>`` stands in ``text``: the instruction kind and what it
    is the value of. For ARG/ENV/LABEL the variable's name; elsewhere the shell word around it
    (placeholders shown as ``*``: ``https://*@git.example.com/app.git``, ``-p*``, ``TOKEN=*``),
    or, for a bare word, the word before it (``password *`` in a .netrc heredoc). Anything
    outside an instruction (a comment...) is the slot ``("elsewhere",)``. Linear in ``text``."""
    doc = parse(text)
    slots: dict[str, set[tuple[str, ...]]] = {}
    counted: dict[str, int] = {}

    def put(placeholder: str, slot: tuple[str, ...]) -> None:
        slots.setdefault(placeholder, set()).add(slot)
        counted[placeholder] = counted.get(placeholder, 0) + 1

    for ins in doc.instructions:
        kw = ins.keyword
        if kw in ("ARG", "ENV", "LABEL"):
            words = [w.text for w in ins.args]
            legacy = kw == "ENV" and bool(words) and "=" not in words[0]
            for i, w in enumerate(words):
                key = (words[0] if i else "") if legacy else (w.split("=", 1)[0] if "=" in w else "")
                for m in _SECRET_PLACEHOLDER.finditer(w):
                    put(m.group(0), (kw, "value of", key) if key and not _SECRET_PLACEHOLDER.search(key) else (kw, "name"))
            continue
        for source in [ins.text] + [h.body for h in ins.heredocs]:
            previous = ""
            for m in _NON_SPACE.finditer(source):
                word = m.group(0)
                if "SLIMSTAGE_SECRET_" in word:
                    shape = _SECRET_PLACEHOLDER.sub("*", word).strip("'\"")
                    for p in _SECRET_PLACEHOLDER.finditer(word):
                        put(p.group(0), (kw, "after", previous) if shape == "*" else (kw, "in", shape))
                previous = word.strip("'\"")
    for m in _SECRET_PLACEHOLDER.finditer(text):
        counted[m.group(0)] = counted.get(m.group(0), 0) - 1
    for placeholder, left in counted.items():
        if left < 0:  # occurrences no instruction accounts for
            slots.setdefault(placeholder, set()).add(("elsewhere",))
    return slots


def _slot_text(slot: tuple[str, ...]) -> str:
    if slot[0] == "elsewhere":
        return "a comment or other text outside any instruction"
    kw, how = slot[0], slot[1]
    if how == "value of":
        return f"the value of {kw} {slot[2]}"
    if how == "name":
        return f"a name in {kw}"
    if how == "after":
        return f"a {kw} word after `{slot[2][:40]}`"
    return f"`{slot[2][:60]}` in {kw}"


def misplaced_placeholders(masked_original: str, answer: str) -> list[str]:
    """Placeholders the answer puts anywhere but where they were in the (masked) original.

    A secret goes back only into a slot it came from (same instruction kind, same variable
    or same shell word): moved into a URL, a LABEL, another variable or a new command, it
    would be restored there, so the answer is refused and nothing is restored."""
    before = placeholder_slots(masked_original)
    problems: list[str] = []
    for placeholder, slots in sorted(placeholder_slots(answer).items()):
        allowed = before.get(placeholder)
        if allowed is None:
            problems.append(f"it contains {placeholder}, which stands for no value in the request")
            continue
        moved = sorted(slots - allowed)
        if moved:
            problems.append(
                f"it puts {placeholder} in {', '.join(_slot_text(s) for s in moved[:3])}; a withheld value may only stay "
                f"where it was ({', '.join(_slot_text(s) for s in sorted(allowed)[:3])})"
            )
    return problems


def _structure(doc: Dockerfile, settings: Settings) -> list[str]:
    problems: list[str] = []
    errors = [p for p in doc.problems if p.severity == "error"]
    for p in errors[:5]:
        problems.append(f"line {p.range.start.line + 1}: {p.message}")
    if not doc.stages:
        problems.append("it has no FROM instruction: it is not a Dockerfile")
        return problems
    if len(doc.stages) < 2:
        problems.append("it has only one stage; a multi-stage build needs at least two")
    if settings.max_stages and len(doc.stages) > settings.max_stages:
        problems.append(f"it has {len(doc.stages)} stages; the setting max_stages allows {settings.max_stages}")
    seen: set[str] = set()
    for st in doc.stages:
        if not st.name:
            problems.append(f"stage {st.index + 1} (line {st.range.start.line + 1}, FROM {st.base}) has no name: write FROM {st.base} AS <name>")
        elif st.name in seen:
            problems.append(f"two stages are named {st.name!r}")
        else:
            seen.add(st.name)
    graph = StageGraph(doc)
    for ref in graph.external:
        if not ref.looks_like_image:
            problems.append(
                f"line {ref.instruction.start_line + 1}: --from={ref.ref} names neither an earlier stage nor an image"
            )
    for edge in graph.edges:
        if edge.kind in ("copy", "mount"):
            frm = edge.instruction.flag("from")
            value = frm.value if frm is not None and edge.kind == "copy" else _mount_from(edge.instruction)
            if value and value.strip().isdigit():
                problems.append(
                    f"line {edge.instruction.start_line + 1}: --from={value} refers to a stage by number; use its name"
                )
    return problems


def _mount_from(ins) -> str:
    for flag in ins.flags_named("mount"):
        ref = flag.options().get("from")
        if ref:
            return ref
    return ""


def validate(
    original: Dockerfile,
    candidate_text: str,
    *,
    settings: Settings,
    context: BuildContext = UNKNOWN,
    explanation: str = "",
    original_result: Optional[LintResult] = None,
    declared: Optional[tuple[str, ...]] = None,
    warnings: tuple[str, ...] = (),
    project: Optional[ProjectFiles] = None,
    dockerignore_added: str = "",
) -> Validation:
    """Every reason ``candidate_text`` must not replace ``original``; none means it may.

    ``declared`` is the answer's list of deliberate contract changes: when given, a
    detected change is accepted only if an entry declares it (``contract.is_declared``);
    without it (older callers) the explanation must name it. ``warnings`` are the
    deviations from the settings the answer declared; ``project`` and
    ``dockerignore_added`` let the gate check COPY sources against the build context.
    """
    if not candidate_text.strip():
        return Validation(("the answer is empty: it is not a Dockerfile",), ())
    doc = parse(candidate_text)
    problems = _structure(doc, settings)
    if not doc.stages:
        return Validation(tuple(problems), (), doc)

    accepted: list[ContractChange] = []
    before, after = contract_of(original), contract_of(doc)
    if before is not None and after is not None:
        contract_problems, accepted = check_contract(before, after, declared, explanation)
        problems += contract_problems
    problems += check_copy_sources(original, doc, context, project, dockerignore_added)
    problems += check_healthcheck_runs(doc)
    problems += check_settings(original, doc, settings, warnings)

    result = lint(doc, settings, context)
    base_result = original_result or lint(original, settings, context)
    before_keys = _finding_keys(base_result)
    for (code, where), count in sorted(_finding_keys(result).items()):
        # SLIM findings count (a second layer-order problem is a second problem); a
        # BuildKit check on an instruction the original has, carried into two stages, is
        # the original's own finding, not a new one.
        if count > before_keys.get((code, where), 0) and (code.startswith("SLIM") or (code, where) not in before_keys):
            message = next(
                (v.message for v in result.violations if v.code == code and _where(result, v) == where),
                "",
            )
            problems.append(f"it introduces {code} at `{where[:80]}`: {message}")

    for item in sorted(remote_code(doc) - remote_code(original)):
        kind = (
            "a remote ADD" if item.startswith("ADD ")
            else "a download that is run afterwards" if " downloads " in item or "downloaded by" in item
            else "a download piped into an interpreter"
        )
        problems.append(f"it adds {kind} that the original does not have: `{item[:100]}`")
    return Validation(tuple(problems), tuple(accepted), doc, result)


def _where(result: LintResult, v) -> str:
    ins = result.analysis.doc.instruction_at(v.range.start.line)
    return _norm(f"{ins.keyword} {ins.text}") if ins is not None else _norm(v.message)


# -- the context-aware checks (each a function of its own) ----------------------------------


def check_contract(
    before: Contract, after: Contract, declared: Optional[tuple[str, ...]], explanation: str = ""
) -> tuple[list[str], list[ContractChange]]:
    """Every change to how the final image runs: accepted when declared (or hardening), else a problem.

    All detected changes are returned as accepted or reported; the report lists them all.
    """
    problems: list[str] = []
    accepted: list[ContractChange] = []
    for change in diff(before, after):
        ok = change.hardening or (is_declared(change, declared) if declared is not None else is_named(change, explanation))
        if ok:
            accepted.append(change)
        else:
            problems.append(
                f"the final stage changes how the container runs: {change.describe()}. Keep it as in the original, "
                f"or list it in contract_changes as `{_field_word(change)}: <what changed and why>`"
            )
    return problems, accepted


def _field_word(change: ContractChange) -> str:
    if change.field == "CMD/ENTRYPOINT":
        return "CMD"
    if change.field == "ENV":
        return "ENV " + (change.before or change.after).split("=", 1)[0]
    return change.field


def _context_sources(doc: Dockerfile) -> list[tuple[int, str]]:
    """(line, source) of every COPY/ADD from the build context (no --from, no URL, no heredoc)."""
    return [(ins.start_line + 1, src) for ins, src in context_sources(doc) if not _REMOTE.search(src)]


def _norm_path(src: str) -> str:
    import posixpath

    p = posixpath.normpath(src.lstrip("/")) if src not in (".", "./", "/") else "."
    return "." if p in ("", ".") else p


def check_copy_sources(
    original: Dockerfile, doc: Dockerfile, context: BuildContext, project: Optional[ProjectFiles], dockerignore_added: str = ""
) -> list[str]:
    """Every COPY/ADD source of the rewrite exists in the build context and is not excluded by
    .dockerignore (with the proposed lines added). Only checked when the context is known;
    a source the original copies too is left alone (it may be made before the build)."""
    if not context.known or project is None or not project.known:
        return []
    import fnmatch

    listing = set(project.listing) | set(project.names)
    entries = {e.rstrip("/") for e in listing if "… (" not in e}
    truncated = {e.split("… (", 1)[0].rstrip("/") for e in listing if "… (" in e}
    ignore_text = (context.dockerignore or "") + ("\n" + dockerignore_added if dockerignore_added else "")
    ignore = Dockerignore.parse(ignore_text) if ignore_text.strip() else None
    before = {_norm_path(s) for _, s in _context_sources(original)}
    problems: list[str] = []
    for line, src in _context_sources(doc):
        path = _norm_path(src)
        if path == "." or path in before:
            continue
        if ignore is not None and ignore.excludes(path):
            problems.append(f"line {line}: COPY source `{src}` is excluded by .dockerignore, so the build cannot see it")
            continue
        parts = path.split("/")
        known = True
        for depth in range(1, len(parts) + 1):
            prefix = "/".join(parts[:depth])
            parent = "/".join(parts[: depth - 1])
            if depth > 2 or (parent and parent in truncated) or (not parent and "" in truncated):
                break  # deeper than the listing, or the folder was listed only in part
            if any(ch in prefix.rsplit("/", 1)[-1] for ch in "*?["):
                found = any(fnmatch.fnmatchcase(e, prefix) for e in entries if e.count("/") == depth - 1)
            else:
                found = prefix in entries
            if not found:
                known = False
                break
        if not known:
            problems.append(
                f"line {line}: COPY source `{src}` does not exist in the build context (see the listing in the request)"
            )
    return problems


_OS_INSTALLERS = frozenset(("apt-get", "apt", "apk", "microdnf", "dnf", "yum"))


def _image_tools(image: str) -> Optional[set[str]]:
    """The tools a HEALTHCHECK could use on ``image`` (sh, curl, wget), or None when unknown."""
    image = image.strip()
    if image.lower() == "scratch":
        return set()
    ref = parse_ref(image)
    tag = ref.tag.lower()
    if "distroless" in ref.repository:
        return {"sh", "wget"} if "debug" in tag else set()
    if "chiseled" in tag:
        return set()
    if ref.name in ("alpine", "busybox") or "alpine" in tag:
        return {"sh", "wget"}
    if ref.name in ("node", "python", "ruby", "php", "golang", "rust", "buildpack-deps", "gcc") and not ref.registry:
        return {"sh"} if "slim" in tag else {"sh", "curl", "wget"}
    if ref.name == "debian" and not ref.registry:
        return {"sh"}
    return None


def check_healthcheck_runs(doc: Dockerfile) -> list[str]:
    """The final image's HEALTHCHECK can run on its base: no shell form without a shell, no
    curl or wget where the image has none (unless the final stage installs it)."""
    if not doc.stages:
        return []
    graph = StageGraph(doc)
    if graph.target is None:
        return []
    chain = []
    st = doc.stages[graph.target]
    seen: set[int] = set()
    while st is not None and st.index not in seen:
        seen.add(st.index)
        chain.append(st)
        st = doc.stages[st.base_stage] if st.base_stage is not None else None
    health = next((i for s in chain for i in reversed(list(s.find("HEALTHCHECK")))), None)
    if health is None or not health.args or health.args[0].text.upper() != "CMD":
        return []
    tools = _image_tools(chain[-1].base)
    if tools is None:
        return []
    for s in chain:  # a tool the final stage installs (apt-get install curl, apk add wget...)
        for ins in s.find("RUN"):
            for segment in re.split(r"[&;|\n]", ins.text):
                words = set(segment.split())
                if words & _OS_INSTALLERS:
                    tools.update(words & {"curl", "wget"})
    body = health.text.split(None, 1)[1] if len(health.text.split(None, 1)) > 1 else ""
    shell_form = not body.lstrip().startswith("[")
    where = f"line {health.start_line + 1}"
    if shell_form and "sh" not in tools:
        return [f"{where}: the HEALTHCHECK is in shell form but `{chain[-1].base}` has no shell: use exec form with a program the image has"]
    for tool in ("curl", "wget"):
        if re.search(rf"(^|[\s\[\"'/]){tool}\b", body) and tool not in tools:
            return [f"{where}: the HEALTHCHECK runs {tool}, which `{chain[-1].base}` does not have: use a program the image has (a TCP connect with the runtime, or the app's own check)"]
    return []


_CACHE_TOOLS = frozenset(("npm", "yarn", "pnpm", "bun", "pip", "poetry", "uv", "pipenv", "pdm", "go", "maven", "gradle", "cargo", "dotnet", "composer", "bundler"))


def _declares(warnings: tuple[str, ...], *words: str) -> bool:
    low = " ".join(warnings).lower()
    return any(w.lower() in low for w in words)


def check_settings(original: Dockerfile, doc: Dockerfile, settings: Settings, warnings: tuple[str, ...] = ()) -> list[str]:
    """The settings are obeyed, or the deviation is declared in the answer's warnings (and shown).

    include_healthcheck, cache mounts for package-manager steps, and the target_base family
    of the final image (max_stages is a structural check above).
    """
    problems: list[str] = []
    before, after = contract_of(original), contract_of(doc)
    if before is not None and after is not None:
        if settings.include_healthcheck and after.ports and not after.healthcheck and not before.healthcheck:
            if not _declares(warnings, "healthcheck", "health check"):
                problems.append(
                    "include_healthcheck is on and the final stage exposes port "
                    f"{sorted(after.ports)[0]}, but it has no HEALTHCHECK: add one the runtime image can run (exec form), "
                    "or say in warnings why none can"
                )
        if not settings.include_healthcheck and after.healthcheck not in ("", "NONE") and not before.healthcheck:
            problems.append("include_healthcheck is off, but the rewrite adds a HEALTHCHECK the original does not have: remove it")
    mounts_wanted = settings.cache_mounts
    original_cached = {
        _norm(i.text)
        for i in original.instructions
        if i.keyword == "RUN" and any("type=cache" in (f.value or "") for f in i.flags_named("mount"))
    }
    for ins in doc.instructions:
        if ins.keyword != "RUN":
            continue
        steps = [s for s in package_steps(ins) if s.tool in _CACHE_TOOLS and s.kind in ("deps", "prefetch", "build")]
        if not steps:
            continue
        has_cache = any("type=cache" in (f.value or "") for f in ins.flags_named("mount"))
        if mounts_wanted and not has_cache and not _declares(warnings, "cache mount", "cache_mounts"):
            problems.append(
                f"line {ins.start_line + 1}: cache_mounts is on, but `{steps[0].label}` has no "
                "RUN --mount=type=cache for its package cache (or say in warnings why not)"
            )
            break
        if not mounts_wanted and has_cache and _norm(ins.text) not in original_cached:  # a mount the original has may stay
            problems.append(f"line {ins.start_line + 1}: cache_mounts is off, but this RUN adds a cache mount the original does not have: remove it")
            break
    problems += check_base_family(doc, settings, warnings)
    problems += check_scan_runs(doc, settings, warnings)
    return problems


_SCANNER_COMMAND = re.compile(r"(^|[\s;&|(])(trivy|grype)\s")


def check_scan_runs(doc: Dockerfile, settings: Settings, warnings: tuple[str, ...] = ()) -> list[str]:
    """With security_scan on, a scan stage exists and the target needs it (so a plain build
    runs it: BuildKit skips stages the target does not use); with it off, none is added."""
    if not doc.stages:
        return []
    graph = StageGraph(doc)
    if graph.target is None:
        return []
    scans = [
        st.index
        for st in doc.stages
        if scanner_of(graph.root_image(st.index) or "") or any(_SCANNER_COMMAND.search(i.text) for i in st.find("RUN"))
    ]
    if not settings.security_scan:
        return [f"security_scan is off, but the rewrite adds a scan stage ({doc.stages[scans[0]].name}): remove it"] if scans else []
    if any(i in graph.needed for i in scans) or _declares(warnings, "security_scan", "scan stage"):
        return []
    final = doc.stages[graph.target].name or "the final stage"
    if scans:
        return [
            f"the scan stage {doc.stages[scans[0]].name} is never built: {final} does not use it. End the scan with "
            f"`touch /scan.ok` and add `COPY --from={doc.stages[scans[0]].name} /scan.ok /.scan.ok` to {final}"
        ]
    return ["security_scan is on, but no stage scans what ships (Trivy or Grype) before the final stage"]


def _family_ok(image: str, target_base: str) -> bool:
    ref = parse_ref(image)
    tag = ref.tag.lower()
    low = image.strip().lower()
    if target_base == "distroless":
        return "distroless" in ref.repository or "chiseled" in tag or low == "scratch" or ref.registry == "cgr.dev"
    if target_base == "alpine":
        return "alpine" in tag or ref.name == "alpine" or low == "scratch"
    if target_base == "slim":
        return "slim" in tag or "jre" in tag or low == "scratch" or is_minimal(image) or ref.registry == "mcr.microsoft.com"
    if target_base == "scratch":
        return low == "scratch" or "distroless" in ref.repository or "chiseled" in tag
    return True


def check_base_family(doc: Dockerfile, settings: Settings, warnings: tuple[str, ...] = ()) -> list[str]:
    """The final image is in the ``target_base`` family, or the answer's warnings say why not."""
    if not doc.stages:
        return []
    graph = StageGraph(doc)
    if graph.target is None:
        return []
    image = graph.root_image(graph.target)
    if not image or "$" in image or scanner_of(image):
        return []
    if _family_ok(image, settings.target_base):
        return []
    ref = parse_ref(image)
    if _declares(warnings, "target_base", settings.target_base, ref.name, image):
        return []
    return [
        f"the final image `{image}` is not a {settings.target_base} image (the target_base setting): use one, "
        "or say in warnings why the app cannot run on it"
    ]
