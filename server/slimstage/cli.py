"""The ``slimstage`` command line: check, convert, explain, rules, serve.

Exit codes: 0 nothing at or above ``--fail-level``; 1 findings; 2 usage or I/O errors
(one clear line each, never a traceback); 3 a conversion that was declined; 4 verification
failed (the rewrite did not build, or did less than the original when run); 5 not verified
(no container engine, the engine did not answer, or the original itself did not build or
start); 130 cancelled.
"""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Sequence

from . import __version__
from .formats import FORMATS
from .settings import SEVERITIES, Settings

from .cli_common import EXIT_DECLINED, EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, EXIT_UNVERIFIED, EXIT_VERIFY_FAILED, MAX_BYTES, UsageError, discover, unknown_target, is_dockerfile_name, read_file, settings_from_args  # noqa: F401  (shared by every front end; re-exported)


# -- checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileReport:
    path: str
    violations: tuple  # tuple[Violation, ...]
    problem: Optional[str] = None


_CONTEXTS: dict = {}


def context_of(path: Path, settings: Settings):
    """The build context of ``path``, read once per folder (a folder can hold 400 Dockerfiles)."""
    from .analysis.context import read_context

    resolved = path.resolve()
    key = (resolved.parent, settings.context)
    per_file_ignore = resolved.parent / (resolved.name + ".dockerignore")
    if per_file_ignore.exists():
        return _said(read_context(resolved, settings.context))
    ctx = _CONTEXTS.get(key)
    if ctx is None:
        ctx = _CONTEXTS[key] = _said(read_context(resolved, settings.context))
    return ctx


def _said(ctx):
    """Say which side files of a context were refused (a link out, a FIFO, too big), once per read."""
    for note in ctx.unread:
        print(f"slimstage: {note}", file=sys.stderr)
    return ctx


def check_file(path: Path, settings: Settings) -> FileReport:
    from .dockerfile import parse
    from .lint import lint

    text, problem = read_file(path)
    if text is None:
        return FileReport(str(path), (), problem)
    doc = parse(text)
    result = lint(doc, settings, context_of(path, settings))
    unknown = unknown_target(doc, settings.target)
    if unknown:
        problem = f"{problem}; {path}: {unknown}" if problem else f"{path}: {unknown}"
    return FileReport(str(path), result.violations, problem)


def _check_batch(args: tuple[list[str], Settings]) -> list[FileReport]:
    paths, settings = args
    return [check_file(Path(p), settings) for p in paths]


def check_all(files: list[Path], settings: Settings, jobs: int) -> Iterator[FileReport]:
    if jobs <= 0:  # auto: processes pay off only once there is enough work to share
        jobs = min(os.cpu_count() or 1, 4) if len(files) >= 64 else 1
    if jobs <= 1 or len(files) < 8:
        for f in files:
            yield check_file(f, settings)
        return
    from concurrent.futures import ProcessPoolExecutor

    size = max(1, len(files) // (jobs * 4))
    batches = [([str(f) for f in files[i : i + size]], settings) for i in range(0, len(files), size)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for reports in pool.map(_check_batch, batches):
            yield from reports


# -- output -------------------------------------------------------------------------------

def violation_json(path: str, v) -> dict:
    return {
        "path": path,
        "code": v.code,
        "name": v.name,
        "severity": v.severity,
        "message": v.message,
        "line": v.range.start.line + 1,
        "column": v.range.start.character + 1,
        "end_line": v.range.end.line + 1,
        "end_column": v.range.end.character + 1,
        "fix": v.fix.title if v.fix is not None else None,
    }


def sarif_uri(path: str) -> str:
    """A path as a SARIF ``uri`` (a URI reference): percent-encoded, from the path's own bytes
    (a space is ``%20``, ``#`` is ``%23``, a name that is not UTF-8 keeps its bytes)."""
    from urllib.parse import quote

    return quote(os.fsencode(Path(path).as_posix()), safe="/")


def format_sarif(reports: list[FileReport]) -> dict:
    from .formats import relative_path
    from .rules.base import all_rules, docs_url

    level = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}
    rules = all_rules()
    index = {r.code: i for i, r in enumerate(rules)}
    results = []
    for rep in reports:
        for v in rep.violations:
            results.append(
                {
                    "ruleId": v.code,
                    "ruleIndex": index.get(v.code, -1),
                    "level": level[v.severity],
                    "message": {"text": v.message},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": sarif_uri(relative_path(rep.path))},
                                "region": {
                                    "startLine": v.range.start.line + 1,
                                    "startColumn": v.range.start.character + 1,
                                    "endLine": v.range.end.line + 1,
                                    "endColumn": v.range.end.character + 1,
                                },
                            }
                        }
                    ],
                }
            )
    return {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "slimstage",
                        "version": __version__,
                        "informationUri": "https://github.com/slimstage/slimstage",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "helpUri": docs_url(r.code),
                                "defaultConfiguration": {"level": level[r.severity]},
                            }
                            for r in rules
                        ],
                    }
                },
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }


# -- commands -----------------------------------------------------------------------------


def cmd_check(args: argparse.Namespace) -> int:
    from .formats import render, summary_line, use_colour

    errors: list[str] = []
    files = discover(args.paths, errors)
    settings = settings_from_args(args, Path(args.paths[0]) if args.paths else Path.cwd())
    out = sys.stdout
    fixing = args.fix or args.diff
    if fixing:
        reports = _fix_files(files, settings, args, errors)
    else:
        reports = list(check_all(files, settings, args.jobs))
    for rep in reports:
        if rep.problem:
            errors.append(rep.problem)
    for e in errors:
        print(f"slimstage: {e}", file=sys.stderr)
    if args.diff:  # the diff is the output; what would remain goes to stderr
        print(f"Would remain: {summary_line(reports, args.unsafe_fixes)}", file=sys.stderr)
    else:
        colour = use_colour(args.color, out)
        out.write(render(args.format, reports, colour=colour, full=args.full, unsafe=args.unsafe_fixes,
                         statistics=args.statistics, fail_level=args.fail_level))
    if errors:
        return EXIT_ERROR
    threshold = SEVERITIES.index(args.fail_level)
    if any(SEVERITIES.index(v.severity) <= threshold for r in reports for v in r.violations):
        return EXIT_FINDINGS
    return EXIT_OK


def _fix_files(files: list[Path], settings: Settings, args: argparse.Namespace, errors: list[str]) -> list[FileReport]:
    """``check --fix`` (and ``--diff``): fix each file, say what was fixed, return what remains."""
    from .fixfiles import fix_file

    reports: list[FileReport] = []
    fixed_files = fixed_total = 0
    # With --diff or a machine format, stdout belongs to the diff or the report.
    note = sys.stderr if (args.diff or args.format != "text") else sys.stdout
    for path in files:
        outcome = fix_file(path, settings, unsafe=args.unsafe_fixes, write=not args.diff)
        reports.append(FileReport(outcome.path, outcome.violations, outcome.problem))
        if not outcome.changed:
            continue
        fixed_files += 1
        fixed_total += len(outcome.fixed)
        if args.diff:
            sys.stdout.write(outcome.diff())
        counts: dict[str, int] = {}
        for code in outcome.fixed:
            counts[code] = counts.get(code, 0) + 1
        what = ", ".join(code + (f" x{n}" if n > 1 else "") for code, n in counts.items())
        verb = "would fix" if args.diff else "fixed"
        print(f"{outcome.path}: {verb} {what}", file=note)
    verb = "Would fix" if args.diff else "Fixed"
    s = "" if fixed_total == 1 else "s"
    print(f"{verb} {fixed_total} finding{s} in {fixed_files} file{'' if fixed_files == 1 else 's'}", file=note)
    return reports


def cmd_rules(args: argparse.Namespace) -> int:
    from .rules.base import all_rules, rule_by_code

    if args.code:
        rule = rule_by_code(args.code)
        if rule is None:
            raise UsageError(f"no rule {args.code!r}; `slimstage rules` lists them")
        docs = rule.docs()
        print(docs.markdown() if args.format != "text" else docs.text(), end="")
        return EXIT_OK
    if args.format == "json":
        json.dump(
            [
                {"code": r.code, "name": r.name, "severity": r.severity, "fixable": r.fixable, "summary": r.summary}
                | ({"family": r.family, "url": r.url, "experimental": r.experimental} if r.family != "slimstage" else {"family": r.family})
                for r in all_rules()
            ],
            sys.stdout,
            indent=2,
        )
        print()
        return EXIT_OK
    titles = {"slimstage": "slimstage rules", "buildkit": "BuildKit build checks (docker build --check, run without Docker)"}
    family = None
    for r in all_rules():
        if r.family != family:
            print(("\n" if family else "") + titles.get(r.family, r.family) + ":")
            family = r.family
        if r.family == "slimstage":
            print(f"{r.code}  {r.name:<40} {r.severity:<8} {'fix' if r.fixable else '   '}  {r.summary}")
        else:
            note = " (experimental, off by default)" if r.experimental else ""
            print(f"{r.code:<32} {r.severity:<8} {'fix' if r.fixable else '   '}  {r.summary}{note}")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    from .lsp.server import serve

    if args.tcp:
        host, sep, port = args.tcp.rpartition(":")
        if not sep or not port.isdigit():
            raise UsageError(f"--tcp takes HOST:PORT, got {args.tcp!r}")
        serve(tcp=(host or "127.0.0.1", int(port)))
    else:
        serve()
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="slimstage", description="Lean, fast-to-rebuild Docker images: multi-stage-build checks and conversion.")
    parser.add_argument("--version", action="version", version=f"slimstage {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def verify_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--verify-engine", choices=("auto", "docker", "podman", "buildah"), help="container engine for verification (setting verify.engine)")
        p.add_argument("--build-timeout", type=float, metavar="SECONDS", help="stop a build after this long (setting verify.build_timeout)")
        p.add_argument("--run-timeout", type=float, metavar="SECONDS", help="seconds a started image gets to open its ports (setting verify.run_timeout)")
        p.add_argument("--verify-env", action="append", metavar="NAME=VALUE", help="an environment variable both images get when they run, as docker run -e gives it (repeatable; setting verify.env)")

    def settings_flags(p: argparse.ArgumentParser) -> None:
        p.add_argument("--select", help="only these rule codes or prefixes, comma-separated (e.g. SLIM1,SLIM201)")
        p.add_argument("--ignore", help="skip these rule codes or prefixes, comma-separated")
        p.add_argument("--target", help="the build target stage (as docker build --target)")
        p.add_argument("--set", action="append", metavar="KEY=VALUE", help="any setting, e.g. --set target_base=alpine (repeatable)")

    check = sub.add_parser("check", help="report multi-stage-build pitfalls in Dockerfiles")
    check.add_argument("paths", nargs="+", metavar="PATH", help="Dockerfiles, or folders to search for them")
    check.add_argument("--format", choices=FORMATS, default="text",
                       help="text (default); json; sarif; github (workflow-command annotations); gitlab (Code Quality report); checkstyle; junit")
    check.add_argument("--fail-level", choices=SEVERITIES, default="warning", help="lowest severity that makes the exit code 1 (default: warning)")
    check.add_argument("--jobs", "-j", type=int, default=0, help="check files in N processes (default 0: one per core, up to 4, when there are 64 files or more)")
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.add_argument("--statistics", action="store_true", help="text format: count the findings per rule before the summary")
    check.add_argument("--full", action="store_true", help="text format: print long messages whole instead of their first sentence")
    check.add_argument("--fix", action="store_true", help="apply the safe fixes (the editor's \"fix all\") to the files, then report what remains")
    check.add_argument("--diff", action="store_true", help="with --fix: print the fixes as a unified diff instead of writing them")
    check.add_argument("--unsafe-fixes", action="store_true", help="with --fix: also apply fixes that may change what the image does (e.g. USER, --no-install-recommends)")
    settings_flags(check)
    check.set_defaults(func=cmd_check)

    rules = sub.add_parser("rules", help="list the rules, or print one rule's documentation")
    rules.add_argument("code", nargs="?", help="a rule code such as SLIM101")
    rules.add_argument("--format", choices=("table", "json", "markdown", "text"), default="table")
    rules.set_defaults(func=cmd_rules)

    serve = sub.add_parser("serve", help="run the language server (stdio by default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    serve.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted for editor clients)")
    serve.set_defaults(func=cmd_serve)

    convert = sub.add_parser("convert", help="rewrite a Dockerfile into a named multi-stage build")
    convert.add_argument("path", metavar="PATH", help="the Dockerfile to convert")
    convert.add_argument("--engine", choices=("auto", "claude", "offline"), default=None, help="auto: Claude when ANTHROPIC_API_KEY is set, else the offline planner")
    mode = convert.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="replace the file (after validation)")
    mode.add_argument("--diff", action="store_true", help="print a unified diff instead of the new file")
    verify_flags(convert)
    convert.add_argument("--verify", action="store_true", default=None, help="build and run the original and the rewrite with a container engine before printing or writing (setting verify.enabled)")
    convert.add_argument("--no-verify", dest="verify", action="store_false", help="do not verify, whatever verify.enabled says")
    convert.add_argument("--accept-unverified", action="store_true", help="print or write the rewrite even when verification failed or could not run (exit code 4 or 5 still says so)")
    settings_flags(convert)
    convert.set_defaults(func=cmd_convert)

    verify = sub.add_parser("verify", help="build and run a Dockerfile (or compare it with a rewrite) with a container engine, and measure the image")
    verify.add_argument("path", metavar="PATH", help="the Dockerfile (its folder is the build context unless the context setting says otherwise)")
    verify.add_argument("--rewrite", metavar="FILE", help="a rewrite of PATH to verify against it, built from the same context")
    verify_flags(verify)
    settings_flags(verify)
    verify.set_defaults(func=cmd_verify)

    explain = sub.add_parser("explain", help="explain each stage: role, base image size, what it takes and gives, whether it ships")
    explain.add_argument("path", metavar="PATH")
    explain.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    settings_flags(explain)
    explain.set_defaults(func=cmd_explain)

    fmt = sub.add_parser("format", help="lay out Dockerfiles (keywords, continuation indents, trailing whitespace); rewrites them in place")
    fmt.add_argument("paths", nargs="+", metavar="PATH", help="Dockerfiles, or folders to search for them")
    fmt.add_argument("--check", action="store_true", help="write nothing; exit 1 when a file would change")
    fmt.add_argument("--diff", action="store_true", help="print a unified diff instead of writing (exit 1 when there is one)")
    fmt.add_argument("--set", action="append", metavar="KEY=VALUE", help="any setting, e.g. --set format.indent=2 (repeatable)")
    fmt.set_defaults(func=cmd_format)
    return parser


def cmd_format(args: argparse.Namespace) -> int:
    from .format_command import run_format

    return run_format(args)


def cmd_convert(args: argparse.Namespace) -> int:
    from .rewrite.command import run_convert

    return run_convert(args)


def cmd_verify(args: argparse.Namespace) -> int:
    from .rewrite.command import run_verify

    return run_verify(args)


def cmd_explain(args: argparse.Namespace) -> int:
    from .explain import run_explain

    return run_explain(args)


def main(argv: Optional[Sequence[str]] = None) -> int:
    # File names that are not valid UTF-8 reach us as surrogate escapes (PEP 383): write
    # them back as the bytes they were instead of failing on a strict UTF-8 stdout.
    if hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(errors="surrogateescape")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_ERROR
    try:
        return args.func(args)
    except UsageError as exc:
        from .echo import scrub

        print(scrub(f"slimstage: {exc}"), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
