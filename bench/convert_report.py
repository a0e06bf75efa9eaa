"""How often the offline planner converts real single-stage Dockerfiles, and what it gains.

Runs the offline planner (through the same path as ``slimstage convert``: plan, then
validate) over every single-stage Dockerfile in ``examples/``, ``tests/golden/cases/``,
``tests/fixtures/apps/`` (real applications), ``bench/convert-corpus/`` and ``../shared/corpus/``,
and writes ``docs/convert-report.md``: converted or declined (with the reason), stages,
and the estimated base image size reduction. Corpus files are converted without a build
context (only the Dockerfile is stored), examples and applications with their own folder.

    python bench/convert_report.py            # writes docs/convert-report.md
    python bench/convert_report.py --stdout   # prints it instead
    python bench/convert_report.py --verify   # also builds and runs each conversion (root + buildah)

``--verify`` builds and runs the original and the rewrite of every converted file that has
its build context, with a real engine (``slimstage verify``'s code), and stores what happened
in ``bench/convert-verify.json``; later runs without ``--verify`` keep showing that
stored result in the "built and ran" column, with the date of the run.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from slimstage.analysis.context import UNKNOWN, read_context  # noqa: E402
from slimstage.dockerfile import parse  # noqa: E402
from slimstage.rewrite.conversion import Job, convert  # noqa: E402
from slimstage.rewrite.project import ProjectFiles, read_project  # noqa: E402
from slimstage.rewrite.result import Converted, Declined, Failed  # noqa: E402
from slimstage.settings import Settings  # noqa: E402

EXAMPLES = ROOT / "examples"
CASES = ROOT / "tests" / "golden" / "cases"  # one small synthetic project per ecosystem
APPS = ROOT / "tests" / "fixtures" / "apps"  # real public applications with their build contexts (tests/verify/test_real_apps.py)
CORPUS = ROOT.parent / "shared" / "corpus"
CONVERT_CORPUS = ROOT / "bench" / "convert-corpus"  # real single-stage files that should be multi-stage (ORIGINS.md)
OUT = ROOT / "docs" / "convert-report.md"
VERIFIED = ROOT / "bench" / "convert-verify.json"  # committed: the "built and ran" column survives a re-run without --verify
# Only these registries are reachable from a build on the machines here (see docs/convert.md).
BUILDABLE = ("node", "python", "golang", "debian")


@dataclass
class Row:
    source: str  # examples | corpus folder
    name: str
    base: str
    status: str  # converted | declined | failed | multi-stage | unreadable
    detail: str  # stages, or the reason
    before: str = ""
    after: str = ""
    reduction: Optional[float] = None
    basis: str = ""
    seconds: float = 0.0
    path: Optional[Path] = None
    rewrite: str = ""


def files() -> list[tuple[str, Path, bool]]:
    out: list[tuple[str, Path, bool]] = []
    for source, folder in (("examples", EXAMPLES), ("golden-cases", CASES), ("real-apps", APPS)):
        for d in sorted(folder.iterdir()):
            if (d / "Dockerfile").is_file():
                out.append((source, d / "Dockerfile", True))
    if CORPUS.is_dir():
        for p in sorted(CORPUS.rglob("*")):
            if p.is_file() and p.name != "README.md":
                out.append((p.parent.name, p, False))
    out += convert_corpus()
    return out


def convert_corpus() -> list[tuple[str, Path, bool]]:
    """The files of bench/convert-corpus, and the shared-corpus files its ORIGINS.md names."""
    out: list[tuple[str, Path, bool]] = []
    if not CONVERT_CORPUS.is_dir():
        return out
    for p in sorted(CONVERT_CORPUS.glob("*.Dockerfile")):
        out.append(("convert-corpus", p, False))
    origins = CONVERT_CORPUS / "ORIGINS.md"
    for line in origins.read_text(encoding="utf-8").splitlines() if origins.is_file() else []:
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 3 and cells[1].startswith("../shared/corpus/"):
            shared = CORPUS / cells[1][len("../shared/corpus/"):] / cells[2]
            if shared.is_file():
                out.append(("convert-corpus", shared, False))
    return out


def convert_one(source: str, path: Path, with_context: bool) -> Row:
    name = path.parent.name + "/Dockerfile" if source in ("examples", "golden-cases", "real-apps") else path.name
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return Row(source, name, "", "unreadable", str(exc))
    doc = parse(text)
    base = doc.stages[0].base if doc.stages else ""
    if len(doc.stages) != 1:
        return Row(source, name, base, "multi-stage" if doc.stages else "declined", f"{len(doc.stages)} stages")
    context = read_context(path.resolve()) if with_context else UNKNOWN
    project = read_project(context) if with_context else ProjectFiles()
    started = time.perf_counter()
    outcome = asyncio.run(convert(Job(text, Settings(), "offline", context, project)))
    seconds = time.perf_counter() - started
    if isinstance(outcome, Converted):
        e = outcome.estimate
        return Row(
            source,
            name,
            base,
            "converted",
            ", ".join(s.name for s in outcome.stages),
            e.before_image if e else "",
            e.after_image if e else parse(outcome.text).stages[-1].base,
            e.reduction_pct if e and e.comparable else None,
            (e.basis or "not comparable") if e else "",
            seconds,
            path if with_context else None,
            outcome.text,
        )
    if isinstance(outcome, Declined):
        return Row(source, name, base, "declined", outcome.reasons[0] if outcome.reasons else "", seconds=seconds)
    assert isinstance(outcome, Failed)
    return Row(source, name, base, "failed", outcome.message, seconds=seconds)


def _images(text: str) -> list[str]:
    doc = parse(text)
    names = {s.name for s in doc.stages if s.name}
    return [s.base for s in doc.stages if s.base and s.base not in names and s.base != "scratch"]


def verify_rows(rows: list[Row], engine_name: str) -> dict:
    """Build and run each converted file that has its context; the results by file."""
    from slimstage.rewrite.verify.engine import discover
    from slimstage.rewrite.verify.flow import verify_text

    found = discover(engine_name)
    if found.engine is None:
        raise SystemExit(f"--verify: {found.message}")
    engine = found.engine
    settings = Settings()
    out: dict = {"_run": {"date": datetime.date.today().isoformat(), "engine": engine.name}}
    for r in rows:
        if r.status != "converted":
            continue
        key = f"{r.source}/{r.name}"
        if r.path is None:
            out[key] = {"status": "not run", "text": "no build context stored"}
            continue
        images = _images(r.path.read_text(encoding="utf-8")) + _images(r.rewrite)
        family = r.base.split("/")[-1].split(":")[0]
        if not family.startswith(BUILDABLE):
            out[key] = {"status": "not run", "text": f"`{r.base}` builds need a registry builds here cannot reach (only PyPI, npm and Debian)"}
            continue
        missing = sorted({i for i in images if not engine.exists(i)})
        if missing:
            out[key] = {"status": "not run", "text": "no image or stand-in here for " + ", ".join(f"`{m}`" for m in missing)}
            continue
        started = time.perf_counter()
        report = asyncio.run(verify_text(r.path.read_text(encoding="utf-8"), r.rewrite, str(r.path.parent), settings, lambda _: None, engine=engine))
        seconds = time.perf_counter() - started
        entry = {"status": report.status, "text": report.headline(), "measured": report.measured(), "seconds": round(seconds), "standin": report.standin}
        for img in (report.original, report.rewrite):
            if img is not None:
                entry[img.which] = img.did()
        out[key] = entry
        print(f"verify {key}: {report.status} ({seconds:.0f} s) {report.measured()}", file=sys.stderr)
    VERIFIED.parent.mkdir(parents=True, exist_ok=True)
    VERIFIED.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return out


def stored_verification() -> dict:
    try:
        return json.loads(VERIFIED.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def built_and_ran(entry: Optional[dict]) -> str:
    if not entry:
        return "not run"
    status = entry.get("status")
    if status == "passed":
        measured = entry.get("measured", "").removeprefix("Measured ").split(" (measured on")[0].rstrip(".")
        return f"yes: {measured}" + (" (stand-ins)" if entry.get("standin") else "")
    if status == "not run":
        return f"not run: {entry.get('text', '')}"
    if status in ("error", "unavailable"):  # the original itself did not build or start here
        return "not verified: " + re.sub(r"^Could not verify: |; nothing to compare the rewrite with\.?$", "", entry.get("text", ""))
    return f"**no**: {entry.get('text', '')}"


def reason_kind(reason: str) -> str:
    """A decline reason without its specifics, so like reasons group together."""
    r = re.sub(r"^line \d+: ", "", reason)
    r = re.sub(r"`[^`]*`", "`…`", r)
    r = re.sub(r"\([^)]*\)", "(…)", r)
    return r[:110]


def render(rows: list[Row], verified: Optional[dict] = None) -> str:
    verified = verified or {}
    single = [r for r in rows if r.status not in ("multi-stage", "unreadable")]
    converted = [r for r in single if r.status == "converted"]
    declined = [r for r in single if r.status == "declined"]
    failed = [r for r in single if r.status == "failed"]
    reductions = [r.reduction for r in converted if r.reduction is not None]
    lines = [
        "# Offline conversion report",
        "",
        "Generated by `python bench/convert_report.py` (do not edit by hand). The offline planner",
        "(`slimstage convert --engine offline`, default settings) was run on every single-stage",
        "Dockerfile in `examples/`, in `tests/golden/cases/` (one small synthetic project per",
        "ecosystem), in `tests/fixtures/apps/` (real public applications with their build contexts,",
        "origins in the README there) and in the shared corpus; a rewrite counts as converted only",
        "after it passed the same validation the editor and the CLI apply. Sizes are estimates",
        "from published base image sizes (`server/slimstage/data/base-image-sizes.tsv`), base",
        "image against base image; the application's own files come on top of both.",
        "",
        "## Summary",
        "",
        "| | files |",
        "| --- | ---: |",
        f"| Dockerfiles read | {len(rows)} |",
        f"| already multi-stage (skipped) | {sum(1 for r in rows if r.status == 'multi-stage')} |",
        f"| single-stage | {len(single)} |",
        f"| converted (validated) | {len(converted)} |",
        f"| declined, with a reason | {len(declined)} |",
        f"| failed | {len(failed)} |",
    ]
    if reductions:
        lines.append(f"| median estimated base image reduction (converted) | {sorted(reductions)[len(reductions) // 2]:.0f}% |")
    for source in sorted({r.source for r in rows}):
        part = [r for r in single if r.source == source]
        if part:
            done = sum(1 for r in part if r.status == "converted")
            lines.append(f"| {source}: converted / single-stage | {done} / {len(part)} |")
    run = verified.get("_run")
    if run:
        passed = sum(1 for k, v in verified.items() if k != "_run" and v.get("status") == "passed")
        lines.append(f"| built and ran (original and rewrite, {run['engine']}, {run['date']}) | {passed} |")
    cc = [r for r in single if r.source == "convert-corpus"]
    if cc:
        done = [r for r in cc if r.status == "converted"]
        bad = [r for r in cc if r.status == "failed" or r.detail.startswith("the planned rewrite failed validation")]
        lines += [
            "",
            "## The convert corpus",
            "",
            f"`bench/convert-corpus/` holds {len(cc)} real single-stage Dockerfiles written by others that should be",
            "multi-stage (they build, or keep compilers, in the image they ship); `ORIGINS.md` there names",
            "each one's repository. They are converted without a build context (only the Dockerfile is",
            "known), the hardest case for the planner.",
            "",
            "| | files |",
            "| --- | ---: |",
            f"| converted and passed the gate | {len(done)} ({100 * len(done) / len(cc):.0f}%) |",
            f"| declined, with the reason below | {sum(1 for r in cc if r.status == 'declined') - sum(1 for r in bad if r.status == 'declined')} |",
            f"| invalid (a candidate the gate rejected) | {len(bad)} |",
        ]
    lines += [
        "",
        "The shared corpus (`official-images`, most of the single-stage files above) is mostly the",
        "Docker Official Images' own definitions (base images that compile or download a runtime,",
        "not application builds), which the planner is right to decline: it converts application",
        "builds of the ecosystems it knows and says why otherwise. Claude (`--engine claude`) is the",
        "engine for the rest, under the same validation.",
        "",
        "## Converted",
        "",
    ]
    if run:
        lines += [
            f"\"Built and ran\" comes from `python bench/convert_report.py --verify` on {run['date']} with {run['engine']}:",
            "the original and the rewrite were both built from the file's own folder and started; the",
            "rewrite had to do what the original did (stay up, answer on each EXPOSEd port, pass its",
            "HEALTHCHECK). Sizes there are measured final images (`image inspect`), on the stand-in base",
            "images of `scripts/standin-images.sh` (Debian bookworm packages under the official names),",
            "so they compare the two Dockerfiles, not the published images; see docs/convert.md.",
            "",
        ]
    lines += [
        "| file | base | stages | runtime | estimated reduction | built and ran |",
        "| --- | --- | --- | --- | ---: | --- |",
    ]
    for r in converted:
        red = f"{r.reduction:.0f}% ({r.basis})" if r.reduction is not None else "no size known"
        ran = built_and_ran(verified.get(f"{r.source}/{r.name}")).replace("|", "/")
        lines.append(f"| {r.source}/{r.name} | `{r.base}` | {r.detail} | `{r.after}` | {red} | {ran} |")
    lines += ["", "## Why files were declined", "", "| reason | files |", "| --- | ---: |"]
    for reason, count in Counter(reason_kind(r.detail) for r in declined + failed).most_common():
        lines.append(f"| {reason.replace('|', '/')} | {count} |")
    lines += ["", "## Every single-stage file", "", "| file | base | result |", "| --- | --- | --- |"]
    for r in single:
        what = f"converted: {r.detail}" if r.status == "converted" else f"{r.status}: {r.detail}"
        lines.append(f"| {r.source}/{r.name} | `{r.base or '(none)'}` | {what.replace('|', '/')} |")
    return "\n".join(lines) + "\n"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stdout", action="store_true", help="print the report instead of writing docs/convert-report.md")
    parser.add_argument("--only", help="convert only the files of this source (examples, golden-cases, convert-corpus, ...)")
    parser.add_argument("--verify", action="store_true", help="build and run each conversion with a container engine (stores bench/convert-verify.json)")
    parser.add_argument("--verify-engine", default="auto", help="auto, docker, podman or buildah")
    args = parser.parse_args(argv)
    rows = [convert_one(*f) for f in files() if not args.only or f[0] == args.only]
    verified = verify_rows(rows, args.verify_engine) if args.verify else stored_verification()
    report = render(rows, verified)
    if args.stdout:
        sys.stdout.write(report)
    else:
        OUT.write_text(report, encoding="utf-8")
        converted = sum(1 for r in rows if r.status == "converted")
        single = sum(1 for r in rows if r.status not in ("multi-stage", "unreadable"))
        print(f"wrote {OUT.relative_to(ROOT)}: {converted} of {single} single-stage files converted", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
