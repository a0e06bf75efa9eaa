"""Write the server's settings into package.json's `contributes.configuration`.

The server's `Settings` dataclasses are the one source of every setting; the extension
contributes each of them as `slimstage.<camelCase dotted key>` so VS Code can show,
validate and document it. Run this after changing `server/slimstage/settings.py`;
`tests/e2e/test_vscode_settings_parity.py` fails until the two agree.

    python clients/vscode/scripts/sync_settings.py           # rewrite package.json
    python clients/vscode/scripts/sync_settings.py --check   # exit 1 if it would change
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PACKAGE_JSON = HERE.parent / "package.json"
REPO = HERE.parents[2]

# Settings only the client reads; the server never sees them.
CLIENT_ONLY: dict[str, dict[str, Any]] = {
    "slimstage.interpreter": {
        "type": "array",
        "items": {"type": "string"},
        "default": [],
        "scope": "resource",
        "order": 0,
        "markdownDescription": (
            "The Python command that runs the server as `<command> -m slimstage serve`, "
            'e.g. `["/home/me/.venvs/tools/bin/python"]`. Empty: the Python extension\'s '
            "active environment when it is installed, else `python3` on PATH. "
            "`${workspaceFolder}` is replaced by the workspace folder."
        ),
    },
    "slimstage.importStrategy": {
        "type": "string",
        "enum": ["useBundled", "fromEnvironment"],
        "enumDescriptions": [
            "Run the slimstage bundled with the extension (nothing to install).",
            "Run the interpreter's own slimstage when it has one, else the bundled one.",
        ],
        "default": "useBundled",
        "scope": "window",
        "order": 1,
        "markdownDescription": (
            "Which slimstage runs. `useBundled`: the copy inside the extension, with any Python 3.10 "
            "or newer (the Claude SDK is installed on first use of a Claude conversion, after asking). "
            "`fromEnvironment`: the slimstage installed in the interpreter, when there is one."
        ),
    },
}

def setting_id(key: str) -> str:
    """`claude.base_url` -> `slimstage.claude.baseUrl`."""
    from slimstage.settings import camel

    return "slimstage." + ".".join(camel(part) for part in key.split("."))


def _markdown(doc: str) -> str:
    return doc.replace("``", "`")


def contribution(row: dict[str, Any]) -> dict[str, Any]:
    """The package.json property for one row of `slimstage.settings.schema()`."""
    from slimstage.settings import SEVERITIES

    kind = row["type"]
    prop: dict[str, Any]
    if kind == "bool":
        prop = {"type": "boolean"}
    elif kind == "int":
        prop = {"type": "integer", "minimum": 0}
    elif kind == "float":
        prop = {"type": "number", "exclusiveMinimum": 0}
    elif kind == "str":
        prop = {"type": "string"}
        if row["choices"]:
            prop["enum"] = list(row["choices"])
    elif kind == "list":
        prop = {"type": "array", "items": {"type": "string"}, "uniqueItems": True}
    elif kind == "dict" and row["key"] == "verify.env":  # variable name -> value
        prop = {"type": "object", "additionalProperties": {"type": "string"}}
    elif kind == "dict":
        prop = {
            "type": "object",
            "additionalProperties": {"type": "string", "enum": list(SEVERITIES)},
        }
    else:  # pragma: no cover - a new field type needs a mapping here
        raise SystemExit(f"sync_settings: no package.json type for {row['key']} ({kind})")
    prop["default"] = row["default"]
    # Where the API key goes and which variable holds it: user settings only ("application"
    # scope: VS Code ignores a workspace's .vscode/settings.json for them, and, unlike
    # "machine", it still reads them from the user's settings in a remote window such as
    # code-server), and the client sends only the user's value (settings.ts).
    prop["scope"] = "application" if row.get("user_only") else "resource"
    prop["markdownDescription"] = _markdown(row["doc"])
    return prop


def properties() -> dict[str, Any]:
    from slimstage.settings import schema

    out: dict[str, Any] = dict(CLIENT_ONLY)
    for order, row in enumerate(schema(), start=1):
        prop = contribution(row)
        prop["order"] = order
        out[setting_id(row["key"])] = prop
    return out


def main(argv: list[str]) -> int:
    sys.path.insert(0, str(REPO / "server"))
    package = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    wanted = properties()
    current = package["contributes"]["configuration"]["properties"]
    if "--check" in argv:
        if current != wanted:
            print("clients/vscode/package.json settings differ from the server's; run "
                  "python clients/vscode/scripts/sync_settings.py", file=sys.stderr)
            return 1
        return 0
    package["contributes"]["configuration"]["properties"] = wanted
    PACKAGE_JSON.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {len(wanted)} settings to {PACKAGE_JSON.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
