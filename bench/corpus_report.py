"""How often each rule fires on the shared corpus of real Dockerfiles.

    python bench/corpus_report.py                 # the table, per corpus folder
    python bench/corpus_report.py --show SLIM403  # every finding of one rule (or prefix), with its message
    python bench/corpus_report.py --write         # also rewrite docs/corpus-report.md (notes after the marker survive)

The corpus holds Dockerfiles without their build contexts, so every file is checked with
an unknown context (the `.dockerignore` rules stay quiet) and the default settings.
Not a test: a tool for reading what the rules say about Dockerfiles written by others.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "server"))

from slimstage.analysis.context import UNKNOWN  # noqa: E402
from slimstage.dockerfile import parse  # noqa: E402
from slimstage.lint import lint  # noqa: E402
from slimstage.rules.base import Violation, all_rules  # noqa: E402
from slimstage.settings import Settings  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
DOC = ROOT / "docs" / "corpus-report.md"
MARKER = "<!-- notes: written by hand, kept when the table is regenerated -->"
COMMAND = "python bench/corpus_report.py --write"


def corpus_files(corpus: Path) -> dict[str, list[Path]]:
    folders: dict[str, list[Path]] = {}
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir()):
        folders[folder.name] = sorted(p for p in folder.rglob("*") if p.is_file())
    return folders


def check(path: Path, settings: Settings) -> list[Violation]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return list(lint(parse(text), settings, UNKNOWN).violations)


def run(corpus: Path) -> tuple[dict[str, list[Path]], dict[Path, list[Violation]]]:
    folders = corpus_files(corpus)
    settings = Settings()
    found = {path: check(path, settings) for files in folders.values() for path in files}
    return folders, found


def table(folders: dict[str, list[Path]], found: dict[Path, list[Violation]]) -> list[str]:
    """Per rule: files it fires on (and findings) in each corpus folder."""
    names = list(folders)
    files_hit: dict[str, Counter[str]] = defaultdict(Counter)
    findings: dict[str, Counter[str]] = defaultdict(Counter)
    for folder, paths in folders.items():
        for path in paths:
            codes = Counter(v.code for v in found[path])
            for code, n in codes.items():
                files_hit[code][folder] += 1
                findings[code][folder] += n
    head = "| rule | severity | " + " | ".join(f"{n} ({len(folders[n])} files)" for n in names) + " |"
    lines = [head, "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for rule in all_rules():
        cells = []
        for n in names:
            f, k = files_hit[rule.code][n], findings[rule.code][n]
            cells.append(f"{f}" + (f" ({k} findings)" if k != f else "") if f else "0")
        lines.append(f"| {rule.code} `{rule.name}` | {rule.severity} | " + " | ".join(cells) + " |")
    return lines


def overlaps(found: dict[Path, list[Violation]]) -> list[str]:
    """Instructions a SLIM rule and a BuildKit check both report: the pairs and how often."""
    from slimstage.dockerfile import parse as parse_doc

    pairs: Counter[tuple[str, str]] = Counter()
    for path, vs in found.items():
        if not any(not v.code.startswith("SLIM") for v in vs):
            continue
        doc = parse_doc(path.read_text(encoding="utf-8", errors="replace"))
        by: dict[int, set[str]] = defaultdict(set)
        for v in vs:
            ins = doc.instruction_at(v.range.start.line)
            by[ins.start_line if ins is not None else v.range.start.line].add(v.code)
        for codes in by.values():
            for slim in sorted(c for c in codes if c.startswith("SLIM")):
                for check in sorted(c for c in codes if not c.startswith("SLIM")):
                    pairs[(slim, check)] += 1
    lines = ["| SLIM rule | BuildKit check | instructions reported by both |", "| --- | --- | --- |"]
    lines += [f"| {a} | {b} | {n} |" for (a, b), n in sorted(pairs.items())]
    if not pairs:
        lines.append("| (none) | | 0 |")
    return lines


def show(prefix: str, corpus: Path, found: dict[Path, list[Violation]]) -> list[str]:
    out = []
    wanted = prefix.upper()
    for path, vs in found.items():
        for v in vs:
            if v.code.upper().startswith(wanted) or (wanted == "BUILDKIT" and not v.code.startswith("SLIM")):
                out.append(f"{path.relative_to(corpus)}:{v.range.start.line + 1}: {v.code} [{v.severity}] {v.message}")
    return out


def write_doc(lines: list[str], extra: list[str]) -> None:
    notes = ""
    if DOC.exists():
        text = DOC.read_text(encoding="utf-8")
        if MARKER in text:
            notes = text.split(MARKER, 1)[1]
    body = [
        "# Corpus report",
        "",
        "How many files of `../shared/corpus/` each rule fires on, with the default settings and",
        "no build context (the corpus keeps Dockerfiles only, so the `.dockerignore` rules cannot",
        "fire). Regenerate the table with:",
        "",
        "```sh",
        COMMAND,
        "```",
        "",
        "and read every finding of a rule with `python bench/corpus_report.py --show SLIM403`",
        "(`--show BUILDKIT` for every finding of BuildKit's checks).",
        "",
        *lines,
        "",
        "Instructions that a SLIM rule and a BuildKit check both report (each pair is read in the",
        "notes below: a pair is fine only when the two say different things):",
        "",
        *extra,
        "",
        MARKER,
    ]
    DOC.write_text("\n".join(body) + (notes if notes else "\n"), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--show", metavar="CODE", help="print every finding of this rule (or code prefix)")
    parser.add_argument("--write", action="store_true", help=f"rewrite {DOC.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2
    folders, found = run(args.corpus)
    if args.show:
        print("\n".join(show(args.show, args.corpus, found)))
        return 0
    lines = table(folders, found)
    print("\n".join(lines))
    if args.write:
        write_doc(lines, overlaps(found))
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
