"""``slimstage explain PATH``: each stage's role, base image size, inputs, outputs, and whether it ships.

The same summaries the editor shows on hover (``stageinfo``), as text, markdown or JSON.
Exit 0; 2 when the file cannot be read (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .editor.stageinfo import StageSummary, format_mb, reference, render, summaries, to_json


def _header(items: tuple[StageSummary, ...], path: str, markdown: bool) -> str:
    code = (lambda t: f"`{t}`") if markdown else (lambda t: t)
    if not items:
        return f"{path}: no stages (no FROM instruction)"
    first = items[0]
    target = (first.target or "the last stage") if markdown else (first.target or "the last stage").replace("`", "")
    fact = first.final_size
    size = f"{format_mb(fact)}, estimate for {code(reference(fact))} (its base image only)" if fact else "size unknown"
    count = f"{len(items)} stage{'s' if len(items) != 1 else ''}"
    line = f"{count}; {code('docker build')} produces {target}; final image {size}"
    return f"# {path}\n\n{line}" if markdown else f"{path}: {line}"


def run_explain(args: argparse.Namespace) -> int:
    from .analysis import Analysis
    from .analysis.context import read_context
    from .cli_common import EXIT_ERROR, EXIT_OK, read_file, settings_from_args
    from .dockerfile import parse

    path = Path(args.path)
    text, problem = read_file(path)
    if text is None:
        print(f"slimstage: {problem}", file=sys.stderr)
        return EXIT_ERROR
    if problem:
        print(f"slimstage: {problem}", file=sys.stderr)
    settings = settings_from_args(args, path)
    context = read_context(path.resolve(), settings.context)
    for note in context.unread:  # side files refused (a link out of the context, a FIFO, too big)
        print(f"slimstage: {note}", file=sys.stderr)
    a = Analysis(parse(text), settings, context)
    items = summaries(a)
    fmt = getattr(args, "format", "text")
    out = sys.stdout
    if fmt == "json":
        final = items[0] if items else None
        data = {
            "path": str(path),
            "target": a.graph.target,
            "final_image": final.final_image if final else None,
            "final_size": {"reference": reference(final.final_size), "mb": final.final_size.mb, "estimate": True, "base_only": True}
            if final and final.final_size
            else None,
            "stages": [to_json(s) for s in items],
        }
        json.dump(data, out, indent=2)
        out.write("\n")
        return EXIT_ERROR if problem else EXIT_OK
    markdown = fmt == "markdown"
    parts = [_header(items, str(path), markdown)]
    for s in items:
        parts.append(render(s, markdown, final=False))
    out.write("\n\n".join(parts) + "\n")
    return EXIT_ERROR if problem else EXIT_OK  # explained, but the file was not clean text
