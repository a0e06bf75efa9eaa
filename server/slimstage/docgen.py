"""Generate the documentation pages that come from the code: rules and settings.

``python -m slimstage.docgen [DOCS_DIR]`` writes ``rules/<CODE>.md``, ``rules/README.md``
and ``configuration.md``; a test fails when the committed pages differ from what this
generates, so the docs can never drift from the rules' docstrings or the Settings.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .rules.base import all_rules
from .settings import USER_ONLY, camel, schema


def rule_pages() -> dict[str, str]:
    pages = {f"rules/{r.code}.md": r.docs().markdown() for r in all_rules()}
    lines = [
        "# Rules",
        "",
        "Generated from the rules' docstrings by `python -m slimstage.docgen docs`; do not edit by hand.",
        "",
        "| code | name | severity | fix | what it flags |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in all_rules():
        lines.append(f"| [{r.code}]({r.code}.md) | `{r.name}` | {r.severity} | {'yes' if r.fixable else ''} | {r.summary} |")
    lines += [
        "",
        "Families: `SLIM0xx` syntax, `SLIM1xx` layer order and caching, `SLIM2xx` copying too much and the",
        "build context, `SLIM3xx` stage structure, `SLIM4xx` what the final image contains and how it runs.",
        "",
        "Suppress a finding with an own-line comment above the instruction, `# slimstage ignore=SLIM101`",
        "(several codes comma-separated), or for the whole file with `# slimstage ignore-file=SLIM101`.",
        "",
    ]
    pages["rules/README.md"] = "\n".join(lines)
    return pages


def configuration_page() -> str:
    lines = [
        "# Configuration",
        "",
        "Generated from `server/slimstage/settings.py` by `python -m slimstage.docgen docs`; do not edit by hand.",
        "",
        "Settings are read, later sources winning, from: the defaults; your own config file",
        "`$XDG_CONFIG_HOME/slimstage/config.toml` (by default `~/.config/slimstage/config.toml`; on Windows",
        "`%APPDATA%\\slimstage\\config.toml`); the project's `[tool.slimstage]` in the nearest `pyproject.toml` or",
        "the whole of a `.slimstage.toml` (searched from the Dockerfile's folder upwards); the editor (LSP",
        "`initializationOptions` and the `slimstage` section of `workspace/configuration`); command-line flags",
        "(`--select`, `--ignore`, `--target`, `--set KEY=VALUE`).",
        "Keys may be written in snake_case (files, CLI) or camelCase (editors). An invalid value is reported",
        "once and its default stands in.",
        "",
        "## Settings only you can set",
        "",
        "Where the Claude API key is sent and which environment variable holds it ("
        + ", ".join(f"`{k}`" for k in sorted(USER_ONLY))
        + ") are taken only from you: your config file above, your editor's user settings (the VS Code",
        "extension sends only the user value of these, never a workspace's `.vscode/settings.json`, which is a",
        "file in the project), `--set` on the command line, and the environment (`ANTHROPIC_API_KEY`,",
        "`ANTHROPIC_BASE_URL`). A project's `.slimstage.toml` or `[tool.slimstage]` that sets one is ignored,",
        "with a message saying so: a cloned repository must not be able to send your key, or the value of any",
        "other variable, to a host it names. `claude.api_key_env` must be a variable name; a value that is not",
        "(a key pasted in by mistake) is refused without being printed, and no message ever shows the key or",
        "the user:password part of `claude.base_url`.",
        "",
        "A project file's `context` must stay inside the project (the folder holding the config file, links",
        "resolved); one that points elsewhere is ignored with a message, so a repository cannot make slimstage",
        "list or read another of your folders. Set such a context in your own settings or with `--set`.",
        "",
        "Example `~/.config/slimstage/config.toml`:",
        "",
        "```toml",
        "[claude]",
        'base_url = "https://llm-gateway.example.com"',
        'api_key_env = "GATEWAY_KEY"',
        "```",
        "",
        "## Every setting",
        "",
        "| key (file / CLI) | editor key | type | default | what it does |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in schema():
        key = row["key"]
        editor = "slimstage." + ".".join(camel(p) for p in key.split("."))
        default = json.dumps(row["default"])
        doc = row["doc"] + (f" One of: {', '.join(row['choices'])}." if row["choices"] else "")
        lines.append(f"| `{key}` | `{editor}` | {row['type']} | `{default}` | {doc} |")
    lines += [
        "",
        "Example project `.slimstage.toml`:",
        "",
        "```toml",
        'target_base = "alpine"',
        "max_stages = 3",
        "",
        "[rules]",
        'ignore = ["SLIM402"]',
        'severity = { SLIM101 = "error" }',
        "",
        "[claude]",
        'model = "claude-sonnet-4-6"',
        "```",
        "",
        "The Claude API key is never a setting: it is read from the environment variable named by",
        "`claude.api_key_env` (default `ANTHROPIC_API_KEY`), or handed to the server by the VS Code extension",
        "from its secret storage.",
        "",
    ]
    return "\n".join(lines)


def all_pages() -> dict[str, str]:
    pages = rule_pages()
    pages["configuration.md"] = configuration_page()
    return pages


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    root = Path(argv[0] if argv else "docs")
    for rel, text in all_pages().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
