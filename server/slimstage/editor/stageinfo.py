"""Stage summaries: what a stage is for, what it builds on, takes and gives, whether it ships.

One ``StageSummary`` per stage, built from the analysis (roles, stage graph, image
sizes) and rendered three ways: markdown and plain text for hover and ``slimstage
explain``, and a one-line title for code lenses. Every size is an estimate for an image
family (see ``analysis/images.py``) and is labelled as one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Optional
from weakref import WeakKeyDictionary

from ..analysis.images import SizeFact, format_size, lookup_size, parse_ref, release_line, size_table
from ..analysis.roles import BUILDER, DEPENDENCIES, TEST, role_of
from ..analysis.stages import Edge
from ..dockerfile.model import Dockerfile, Range, Stage

if TYPE_CHECKING:
    from ..analysis import Analysis


@dataclass(frozen=True)
class Link:
    """One thing a stage takes from another stage or image, or gives to another stage."""

    stage: Optional[int]  # the other stage; None for an image
    other: str  # the other stage's name or index, or the image reference
    kind: str  # "base" | "copy" | "mount"
    paths: tuple[str, ...]
    line: int  # 0-based line of the FROM / COPY / RUN


@dataclass(frozen=True)
class StageSummary:
    index: int
    count: int  # stages in the file
    name: Optional[str]  # as written after AS
    role: str
    reasons: tuple[str, ...]
    ecosystem: Optional[str]
    base: str  # what follows FROM
    base_stage: Optional[int]
    root_image: str  # the image it ultimately builds on
    base_size: Optional[SizeFact]
    alternatives: tuple[SizeFact, ...]  # slimmer images of its ecosystem
    takes: tuple[Link, ...]
    gives: tuple[Link, ...]
    ships: bool  # its layers are in the image `docker build` produces
    needed: bool  # the target needs it (built by default)
    is_target: bool
    target: Optional[str]  # how the target is named ("runtime", "stage 3")
    target_configured: bool
    final_size: Optional[SizeFact]  # estimate of the final image: its base image
    final_image: str
    explanation: str  # from the "# stage:" comment above the FROM
    range: Range  # the FROM instruction

    @property
    def status(self) -> str:
        """``ships`` | ``build only`` | ``skipped``."""
        return "ships" if self.ships else "build only" if self.needed else "skipped"


# -- sizes -----------------------------------------------------------------------------------

SCRATCH = SizeFact("scratch", "", "scratch", 0.0, None, "", "the empty image")


@lru_cache(maxsize=512)
def size_of(image: str) -> Optional[SizeFact]:
    if image.strip().lower() == "scratch":
        return SCRATCH
    return lookup_size(image)


def clean_tag(tag: str) -> str:
    """Tags in the size table may carry a note in brackets: ``10.0-alpine [sample]``."""
    return tag.split(" [", 1)[0].strip()


def reference(fact: SizeFact) -> str:
    tag = clean_tag(fact.tag)
    return fact.image if fact is SCRATCH or tag in ("", "latest") else f"{fact.image}:{tag}"


def format_mb(fact: SizeFact) -> str:
    """``~1,220 MB``, ``~8.4 MB``, ``~55 MB compressed`` (``images.format_size``); ``0 MB`` for scratch."""
    if fact is SCRATCH:
        return "0 MB"
    return format_size(fact)


# Runtime-only images worth naming for a runtime stage of each ecosystem.
_RUNTIME_IMAGES = {
    "go": ("gcr.io/distroless/static-debian12", "gcr.io/distroless/static", "alpine"),
    "rust": ("gcr.io/distroless/static-debian12", "gcr.io/distroless/base-debian12", "alpine"),
    "c": ("gcr.io/distroless/base-debian12", "alpine"),
    "node": ("gcr.io/distroless/nodejs20-debian12",),
    "python": ("gcr.io/distroless/python3-debian12",),
    "java": ("gcr.io/distroless/java21-debian12", "eclipse-temurin"),
    "dotnet": ("mcr.microsoft.com/dotnet/runtime-deps", "mcr.microsoft.com/dotnet/aspnet"),
}


def _comparable(a: SizeFact, b: SizeFact) -> Optional[tuple[float, float]]:
    """Sizes of the same kind (both compressed or both uncompressed), or None."""
    if a.uncompressed_mb is not None and b.uncompressed_mb is not None:
        return a.uncompressed_mb, b.uncompressed_mb
    if a.compressed_mb is not None and b.compressed_mb is not None:
        return a.compressed_mb, b.compressed_mb
    return None


@lru_cache(maxsize=512)
def alternatives(image: str, ecosystem: Optional[str], role: str, limit: int = 3) -> tuple[SizeFact, ...]:
    """Known images of the same family (and, for runtime stages, runtime-only images) that are smaller.

    Only sizes of the same kind are compared (download size with download size), so an
    image known only by its compressed size is not called slimmer than an uncompressed one.
    """
    current = size_of(image)
    if current is None or current.mb is None or current is SCRATCH:
        return ()
    ref = parse_ref(image)
    family = {current.image}
    if role not in (BUILDER, DEPENDENCIES, TEST):
        family.update(_RUNTIME_IMAGES.get(ecosystem or "", ()))
    major = release_line(ref.name, ref.tag)
    found: dict[str, tuple[float, SizeFact]] = {}
    for fact in size_table():
        if fact.image not in family or reference(fact) == reference(current):
            continue
        sizes = _comparable(fact, current)
        if sizes is None or sizes[0] >= sizes[1]:
            continue
        if fact.image == current.image and major and release_line(ref.name, clean_tag(fact.tag)) != major:
            continue  # same image, another major version: not a drop-in alternative
        if fact.image == "eclipse-temurin" and "jre" not in fact.tag:
            continue
        found.setdefault(reference(fact), (sizes[0] / sizes[1], fact))
    return tuple(f for _, f in sorted(found.values(), key=lambda x: x[0])[:limit])


# -- explanation comments ----------------------------------------------------------------------

_STAGE_COMMENT = re.compile(r"^stage:\s*", re.I)


def stage_comment(doc: Dockerfile, st: Stage) -> str:
    """The ``# stage: ...`` explanation written directly above the stage's FROM (own-line comments)."""
    by_line = {c.line: c for c in doc.comments}
    line = st.range.start.line - 1
    block = []
    while line in by_line:
        block.append(by_line[line])
        line -= 1
    block.reverse()
    for i, c in enumerate(block):
        if _STAGE_COMMENT.match(c.text):
            parts = [_STAGE_COMMENT.sub("", c.text, count=1)] + [b.text for b in block[i + 1 :] if not b.text.lower().startswith("slimstage ")]
            return " ".join(p for p in parts if p).strip()
    return ""


# -- building summaries ---------------------------------------------------------------------------


def _edge_paths(e: Edge) -> tuple[str, ...]:
    if e.kind == "copy":
        return e.paths
    if e.kind == "mount":
        for flag in e.instruction.flags_named("mount"):
            opts = flag.options()
            if opts.get("from"):
                return (opts.get("source") or opts.get("src") or "/",)
    return ()


def _link(doc: Dockerfile, e: Edge, other: int) -> Link:
    st = doc.stages[other]
    return Link(other, st.label, e.kind, _edge_paths(e), e.instruction.start_line)


_ARG_USE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}?")


def with_defaults(doc: Dockerfile, image: str) -> str:
    """``node:${NODE_VERSION}`` -> ``node:22`` using the global ARG defaults (for size lookups)."""
    if "$" not in image:
        return image
    defaults: dict[str, str] = {}
    for ins in doc.global_args:
        if ins.keyword == "ARG":
            for w in ins.args:
                name, sep, value = w.text.partition("=")
                if sep:
                    defaults[name] = value
    return _ARG_USE.sub(lambda m: defaults.get(m.group(1), m.group(2) or m.group(0)), image)


def _summarize(a: "Analysis", st: Stage) -> StageSummary:
    g = a.graph
    role = role_of(a, st.index)
    root = with_defaults(a.doc, g.root_image(st.index))
    takes = [_link(a.doc, e, e.src) for e in g.uses(st.index)]
    for x in g.external:
        if x.stage == st.index:
            kind = "mount" if x.instruction.keyword == "RUN" else "copy"
            paths = tuple(w.text for w in x.instruction.args[:-1]) if kind == "copy" else ()
            takes.append(Link(None, x.ref, kind, paths, x.instruction.start_line))
    takes.sort(key=lambda link: link.line)
    gives = tuple(_link(a.doc, e, e.dst) for e in g.used_by(st.index))
    target = a.doc.stages[g.target] if g.target is not None else None
    final_image = with_defaults(a.doc, g.root_image(target.index)) if target is not None else ""
    return StageSummary(
        index=st.index,
        count=len(a.doc.stages),
        name=st.name_word.text if st.name_word is not None else None,
        role=role.role,
        reasons=role.reasons,
        ecosystem=role.ecosystem,
        base=st.base,
        base_stage=st.base_stage,
        root_image=root,
        base_size=size_of(root),
        alternatives=alternatives(root, role.ecosystem, role.role),
        takes=tuple(takes),
        gives=gives,
        ships=a.ships(st.index),
        needed=st.index in g.needed,
        is_target=a.is_final(st.index),
        target=(f"`{target.name_word.text}`" if target.name_word is not None else f"stage {target.index}") if target else None,
        target_configured=bool(a.settings.target) and not g.unresolved_target,
        final_size=size_of(final_image) if final_image else None,
        final_image=final_image,
        explanation=stage_comment(a.doc, st),
        range=st.from_instruction.range,
    )


_CACHE: "WeakKeyDictionary[Analysis, tuple[StageSummary, ...]]" = WeakKeyDictionary()


def summaries(a: "Analysis") -> tuple[StageSummary, ...]:
    """A summary of every stage (computed once per Analysis)."""
    found = _CACHE.get(a)
    if found is None:
        found = _CACHE[a] = tuple(_summarize(a, st) for st in a.doc.stages)
    return found


def summary(a: "Analysis", index: int) -> StageSummary:
    return summaries(a)[index]


# -- rendering ------------------------------------------------------------------------------------


class _Fmt:
    def __init__(self, markdown: bool) -> None:
        self.md = markdown

    def code(self, text: str) -> str:
        return f"`{text}`" if self.md else text

    def bold(self, text: str) -> str:
        return f"**{text}**" if self.md else text

    def prose(self, text: str) -> str:
        """Text written with markdown backticks, for either kind of client."""
        return text if self.md else text.replace("`", "")


def _paths(f: _Fmt, paths: tuple[str, ...]) -> str:
    if not paths:
        return ""
    shown = ", ".join(f.code(p) for p in paths[:3])
    return shown + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def _other(f: _Fmt, link: Link) -> str:
    if link.stage is None:
        return f"image {f.code(link.other)}"
    return f.code(link.other) if not link.other.isdigit() else f"stage {link.other}"


def _take(f: _Fmt, link: Link) -> str:
    other = _other(f, link)
    where = f"line {link.line + 1}"
    if link.kind == "base":
        return f"builds on {other}"
    if link.kind == "mount":
        return f"mounts {_paths(f, link.paths) or 'files'} from {other} ({where})"
    return f"{_paths(f, link.paths) or 'files'} from {other} ({where})"


def _give(f: _Fmt, link: Link) -> str:
    other = _other(f, link)
    if link.kind == "base":
        return f"{other} builds on it"
    verb = "mounts" if link.kind == "mount" else "copies"
    return f"{other} {verb} {_paths(f, link.paths) or 'files'} (line {link.line + 1})"


def shipping(s: StageSummary, markdown: bool = True) -> str:
    f = _Fmt(markdown)
    target = f.prose(s.target or "the target")
    which = f"the configured target {target}" if s.target_configured else "the image `docker build` produces"
    if s.is_target:
        return f.prose(f"yes: it is {which}")
    if s.ships:
        return f.prose(f"yes: {target} is built on it, so its layers are in {which}")
    if s.needed:
        return f.prose(f"no: built because {target} needs it, then left out of the final image")
    return f.prose(f"no: `docker build` skips it ({target} does not need it)")


def size_line(fact: Optional[SizeFact], image: str, markdown: bool = True) -> str:
    f = _Fmt(markdown)
    if fact is None:
        return "size unknown (not in slimstage's table)" if "$" not in image else "size unknown (the image is set by a build argument)"
    if fact is SCRATCH:
        return "0 MB (the empty image)"
    return f"{format_mb(fact)}, estimate for {f.code(reference(fact))}"


def measured_line(m, image: str, estimate: str, markdown: bool = True) -> str:
    """``249 MB measured locally (buildah image inspect, 3 layers, created …) · table: ~…``."""
    f = _Fmt(markdown)
    figure = measured_mb(m)
    detail = f"{m.engine} image inspect, {m.layers} layer{'s' if m.layers != 1 else ''}"
    if m.created:
        detail += f", created {m.created.replace('T', ' ')}"
    return f"{f.bold(figure + ' measured locally')} ({detail}) · table: {estimate}"


def render(s: StageSummary, markdown: bool = True, final: bool = True, measured=None) -> str:
    """The hover / explain text for one stage: short enough to read at a glance.

    ``final`` adds the estimate of the final image (``explain`` prints it once, on top).
    ``measured(image)``: the size the local engine measured for an image present on this
    machine (``localimages``), or None; a measured figure is shown before the table estimate.
    """
    f = _Fmt(markdown)
    name = f.code(s.name) if s.name else str(s.index)
    head = f"{f.bold('Stage ' + name)} (line {s.range.start.line + 1}, {s.index + 1} of {s.count}) · {f.bold(s.role)}"
    lines = [head, ""] if markdown else [head]
    if s.explanation:
        lines += [s.explanation, ""] if markdown else [f"  {s.explanation}"]
    why = "; ".join(f.prose(r) for r in s.reasons)
    bullet = "- " if markdown else "  "
    if why:
        lines.append(f"{bullet}{f.bold('Role')}: {s.role}: {why}")
    base = f.code(s.base) if s.base else "(no image)"
    if s.base_stage is not None:
        base += f" (built on {f.code(s.root_image)})"
    elif s.root_image != s.base:
        base += f" ({f.code(s.root_image)} with the default build arguments)"
    base_size = size_line(s.base_size, s.root_image, markdown)
    m = measured(s.root_image) if measured is not None and s.root_image and "$" not in s.root_image else None
    if m is not None:
        base_size = measured_line(m, s.root_image, base_size, markdown)
    lines.append(f"{bullet}{f.bold('Base')}: {base} · {base_size}")
    if s.alternatives:
        alts = ", ".join(f"{f.code(reference(a))} {format_mb(a)}" for a in s.alternatives)
        eco = f" for {s.ecosystem}" if s.ecosystem else ""
        lines.append(f"{bullet}{f.bold('Slimmer' + eco)}: {alts}")
    takes = [_take(f, t) for t in s.takes if t.kind != "base"]
    if takes:
        lines.append(f"{bullet}{f.bold('Takes')}: " + "; ".join(takes))
    if s.gives:
        lines.append(f"{bullet}{f.bold('Gives')}: " + "; ".join(_give(f, g) for g in s.gives))
    lines.append(f"{bullet}{f.bold('Ships')}: {shipping(s, markdown)}")
    if final and s.final_image:
        final_line = size_line(s.final_size, s.final_image, markdown)
        fm = measured(s.final_image) if measured is not None and "$" not in s.final_image else None
        if fm is not None:
            final_line = measured_line(fm, s.final_image, final_line, markdown)
        if s.final_size is not None or fm is not None:
            final_line += " (its base image; copied files not counted)"
        lines.append(f"{bullet}{f.bold('Final image')}: {final_line}")
    return "\n".join(lines)


def measured_mb(m) -> str:
    """``249 MB`` (one decimal under 10 MB) for a locally measured image."""
    mb = m.size / 1_000_000
    return f"{mb:,.1f} MB" if mb < 10 else f"{mb:,.0f} MB"


def _measured_base(s: StageSummary, measured):
    if measured is None or not s.root_image or "$" in s.root_image:
        return None
    return measured(s.root_image)


def lens_title(s: StageSummary, measured=None) -> str:
    """``runtime · ~24 MB · ships``: the stage's role, its base image size and whether it ships.

    ``measured(image)`` (``localimages``): where the base image is present on this machine,
    the size the engine measured replaces the table's estimate (``249 MB measured``).
    """
    m = _measured_base(s, measured)
    if m is not None:
        size = f"{measured_mb(m)} measured"
    else:
        size = format_mb(s.base_size) if s.base_size is not None else "size unknown"
    return f"{s.role} · {size} · {s.status}"


def inlay_label(s: StageSummary, measured=None) -> Optional[str]:
    """`` ~231 MB (estimate)`` (or ``249 MB (measured)`` for a local image) for the end of a FROM line, or None."""
    m = _measured_base(s, measured)
    if m is not None:
        return f"{measured_mb(m)} (measured)"
    if s.base_size is None or s.base_size.mb is None:
        return None
    return f"{format_mb(s.base_size)} (estimate)"


def to_json(s: StageSummary) -> dict:
    def fact(x: Optional[SizeFact]) -> Optional[dict]:
        if x is None:
            return None
        return {"reference": reference(x), "mb": x.mb, "compressed_only": x.uncompressed_mb is None and x is not SCRATCH, "estimate": True}

    def link(x: Link, key: str) -> dict:
        return {"stage": x.stage, key: x.other, "kind": x.kind, "paths": list(x.paths), "line": x.line + 1}

    return {
        "index": s.index,
        "name": s.name,
        "line": s.range.start.line + 1,
        "role": s.role,
        "reasons": [r.replace("`", "") for r in s.reasons],
        "ecosystem": s.ecosystem,
        "base": s.base,
        "base_stage": s.base_stage,
        "root_image": s.root_image,
        "base_size": fact(s.base_size),
        "alternatives": [fact(x) for x in s.alternatives],
        "takes": [link(x, "from") for x in s.takes],
        "gives": [link(x, "to") for x in s.gives],
        "ships": s.ships,
        "built": s.needed,
        "is_target": s.is_target,
        "explanation": s.explanation or None,
    }
