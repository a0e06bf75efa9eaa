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
        "## slimstage's rules",
        "",
        "| code | name | severity | fix | what it flags |",
        "| --- | --- | --- | --- | --- |",
    ]
    for r in all_rules():
        if r.family == "slimstage":
            lines.append(f"| [{r.code}]({r.code}.md) | `{r.name}` | {r.severity} | {'yes' if r.fixable else ''} | {r.summary} |")
    lines += [
        "",
        "Families: `SLIM0xx` syntax, `SLIM1xx` layer order and caching, `SLIM2xx` copying too much and the",
        "build context, `SLIM3xx` stage structure, `SLIM4xx` what the final image contains and how it runs.",
        "",
        "## BuildKit's build checks",
        "",
        "The checks `docker build --check` runs, under BuildKit's names and with its semantics, run here",
        "without Docker. Each links to BuildKit's documentation. Select or ignore them all with `BUILDKIT`",
        "(`rules.ignore = [\"BUILDKIT\"]`). The file's `# check=skip=A,B`, `# check=skip=all`,",
        "`# check=error=true` (their findings become errors) and `# check=experimental=NAME` directives are",
        "honoured, and so is a `# check=skip=...` or `# check=experimental=...` comment right above an instruction",
        "(for that instruction). Experimental checks are off unless enabled that way or selected by their exact code. Where a slimstage rule reports the same",
        "thing (SLIM303 and DuplicateStageName, SLIM205 and CopyIgnoredFile), only the BuildKit check's",
        "finding is shown; the SLIM rule reports when the check is skipped or stays quiet.",
        "",
        "| code | severity | fix | what it flags |",
        "| --- | --- | --- | --- |",
    ]
    for r in all_rules():
        if r.family == "buildkit":
            extra = " (experimental, off by default)" if r.experimental else ""
            lines.append(f"| [{r.code}]({r.code}.md) | {r.severity} | {'yes' if r.fixable else ''} | {r.summary}{extra} |")
    lines += [
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


_EXAMPLE_DOCKERFILE = """FROM node:22
WORKDIR /app
ARG NPM_TOKEN=npm_Zx81QpLmT42nVbC7sKdE9wRtYu3oA56hJg
COPY . .
RUN npm ci
RUN npm run build
ENV NODE_ENV=production
EXPOSE 3000
CMD ["node", "dist/server.js"]
"""
_EXAMPLE_FILES = {
    "package.json": json.dumps(
        {
            "name": "orders-api",
            "main": "dist/server.js",
            "engines": {"node": ">=22"},
            "scripts": {"build": "tsc -p tsconfig.json", "start": "node dist/server.js"},
            "dependencies": {"express": "^4.21.2", "pg": "^8.13.1"},
            "devDependencies": {"@types/express": "^5.0.0", "typescript": "^5.7.2"},
        },
        indent=2,
    ),
    "tsconfig.json": '{"compilerOptions": {"outDir": "dist", "rootDir": "src", "module": "commonjs"}}',
}
_EXAMPLE_LISTING = (".gitignore", "Dockerfile", "package-lock.json", "package.json", "src/", "src/db.ts", "src/server.ts", "tsconfig.json")


def convert_request_page() -> str:
    """docs/convert-request.md: one complete request to Claude, built by the code that sends it."""
    from .analysis.context import BuildContext
    from .dockerfile import parse
    from .lint import lint
    from .rewrite.claude import ClaudeConfig, ClaudeSession
    from .rewrite.conversion import Job, build_request
    from .rewrite.project import ProjectFiles
    from .settings import Settings

    settings = Settings()
    names = frozenset(e.rstrip("/") for e in _EXAMPLE_LISTING if "/" not in e.rstrip("/"))
    context = BuildContext(None, names, None)
    project = ProjectFiles(names, True, dict(_EXAMPLE_FILES), _EXAMPLE_LISTING)
    job = Job(_EXAMPLE_DOCKERFILE, settings, "claude", context, project, api_key="unused")
    original = parse(_EXAMPLE_DOCKERFILE)
    message, _ = build_request(job, original, lint(original, settings, context))
    session = ClaudeSession(settings, ClaudeConfig.from_settings(settings, "unused"), message)
    body = session.request_body()
    lines = [
        "# What is sent to Claude: an example request",
        "",
        "<!-- Generated by `python -m slimstage.docgen docs` from the code that sends the request; do not edit. -->",
        "",
        "One complete Messages API request, as `slimstage convert` (or the editor action) sends it",
        "with the default settings, for this Dockerfile in a small TypeScript project",
        "(`package.json`, `package-lock.json`, `tsconfig.json`, `src/`). The `NPM_TOKEN` value is",
        "masked before anything leaves the machine; the placeholder is put back in the answer.",
        "How the parts are chosen is described in [convert.md](convert.md#what-is-sent-to-claude).",
        "",
        "```dockerfile",
        _EXAMPLE_DOCKERFILE.rstrip("\n"),
        "```",
        "",
        f"Prompt caching: the first request is about {session.cached_prefix_tokens:,} tokens before the answer "
        f"(estimated at 4 characters a token); {settings.claude.model} caches a prefix of at least "
        f"{__import__('slimstage.rewrite.claude', fromlist=['cache_minimum']).cache_minimum(settings.claude.model):,} tokens, so "
        + ("the request is marked for caching." if session.caching else "nothing is marked for caching."),
        "",
        "## The system prompt",
        "",
        "```text",
        body["system"][0]["text"],
        "```",
        "",
        "## The user message",
        "",
        "```text",
        body["messages"][0]["content"][0]["text"],
        "```",
        "",
        "## The whole request body",
        "",
        "(system prompt and user message as above)",
        "",
        "```json",
        json.dumps(
            {**body, "system": [{**body["system"][0], "text": "(the system prompt above)"}],
             "messages": [{"role": "user", "content": [{**body["messages"][0]["content"][0], "text": "(the user message above)"}]}]},
            indent=2,
        ),
        "```",
        "",
    ]
    return "\n".join(lines)


def all_pages() -> dict[str, str]:
    pages = rule_pages()
    pages["configuration.md"] = configuration_page()
    pages["convert-request.md"] = convert_request_page()
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
