"""The VS Code extension's package.json and the server's Settings agree, one to one.

No editor needed: this reads ``clients/vscode/package.json`` and compares it with
``slimstage.settings.schema()``. When it fails after a change to ``settings.py``, run
``python clients/vscode/scripts/sync_settings.py`` and commit the new package.json.
"""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

import pytest

from slimstage.settings import SEVERITIES, camel, schema

REPO = Path(__file__).resolve().parents[2]
CLIENT = REPO / "clients" / "vscode"
PACKAGE = json.loads((CLIENT / "package.json").read_text(encoding="utf-8"))
PROPERTIES: dict[str, Any] = PACKAGE["contributes"]["configuration"]["properties"]
CLIENT_ONLY = {"slimstage.interpreter", "slimstage.importStrategy"}
FIX = "run: python clients/vscode/scripts/sync_settings.py"

JSON_TYPES = {"bool": "boolean", "int": "integer", "float": "number", "str": "string", "list": "array", "dict": "object"}


def setting_id(key: str) -> str:
    return "slimstage." + ".".join(camel(part) for part in key.split("."))


ROWS = {setting_id(row["key"]): row for row in schema()}


def test_every_server_setting_is_contributed_and_nothing_else() -> None:
    contributed = set(PROPERTIES) - CLIENT_ONLY
    assert sorted(set(ROWS) - contributed) == [], f"settings missing from package.json; {FIX}"
    assert sorted(contributed - set(ROWS)) == [], f"package.json has settings the server does not know; {FIX}"


@pytest.mark.parametrize("setting", sorted(ROWS))
def test_contributed_setting_matches_the_server(setting: str) -> None:
    row, prop = ROWS[setting], PROPERTIES.get(setting)
    assert prop is not None, f"{setting} is not in package.json; {FIX}"
    assert prop["type"] == JSON_TYPES[row["type"]], f"{setting}: type; {FIX}"
    assert prop["default"] == row["default"], f"{setting}: default; {FIX}"
    assert prop.get("enum", []) == row["choices"], f"{setting}: choices; {FIX}"
    description = prop.get("markdownDescription") or prop.get("description") or ""
    assert description == row["doc"].replace("``", "`"), f"{setting}: description; {FIX}"
    assert row["doc"], f"{row['key']} has no docstring in settings.py: it is the settings reference"


def test_severity_overrides_offer_the_server_severities() -> None:
    prop = PROPERTIES["slimstage.rules.severity"]
    assert prop["additionalProperties"]["enum"] == list(SEVERITIES)


def test_client_only_settings_are_the_interpreter_and_import_strategy() -> None:
    interpreter = PROPERTIES["slimstage.interpreter"]
    assert interpreter["type"] == "array" and interpreter["items"] == {"type": "string"}
    assert interpreter["default"] == []
    strategy = PROPERTIES["slimstage.importStrategy"]
    assert strategy["enum"] == ["useBundled", "fromEnvironment"] and strategy["default"] == "useBundled"
    source = (CLIENT / "src" / "settings.ts").read_text(encoding="utf-8")
    keys = re.search(r"CLIENT_ONLY_KEYS = \[(.*?)\]", source, re.S)
    assert keys is not None
    assert {"slimstage." + k for k in re.findall(r"'([^']+)'", keys.group(1))} == CLIENT_ONLY


def test_no_setting_holds_the_api_key_itself() -> None:
    for name in PROPERTIES:
        assert not re.search(r"api_?key$", name, re.I), f"{name}: the key lives in SecretStorage or the environment"


def test_untrusted_workspaces_cannot_pick_the_interpreter_or_the_endpoint() -> None:
    restricted = set(PACKAGE["capabilities"]["untrustedWorkspaces"]["restrictedConfigurations"])
    assert {"slimstage.interpreter", "slimstage.importStrategy", "slimstage.claude.baseUrl", "slimstage.claude.apiKeyEnv"} <= restricted
    assert restricted <= set(PROPERTIES)


def test_generator_agrees_with_package_json() -> None:
    spec = importlib.util.spec_from_file_location("sync_settings", CLIENT / "scripts" / "sync_settings.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.properties() == PROPERTIES, FIX


def test_commands_are_contributed() -> None:
    titles = {c["command"]: c["title"] for c in PACKAGE["contributes"]["commands"]}
    assert titles["slimstage.convert"] == "Convert to Multi-Stage Build"
    assert titles["slimstage.restart"] == "Restart Server"
    assert titles["slimstage.showOutput"] == "Show Output"
    assert titles["slimstage.setApiKey"] == "Set Anthropic API Key"
    source = (CLIENT / "src" / "extension.ts").read_text(encoding="utf-8")
    for command in titles:
        assert f"'{command}'" in source, f"{command} is contributed but never registered"


def test_dockerfile_names_reach_the_server() -> None:
    (language,) = [lang for lang in PACKAGE["contributes"]["languages"] if lang["id"] == "dockerfile"]
    assert {"Dockerfile", "Containerfile"} <= set(language["filenames"])
    assert {"*.Dockerfile", "Dockerfile.*"} <= set(language["filenamePatterns"])
    selector = (CLIENT / "src" / "selector.ts").read_text(encoding="utf-8")
    for pattern in ("language: 'dockerfile'", "'**/Dockerfile'", "'**/*.Dockerfile'", "'**/Dockerfile.*'", "'**/Containerfile'"):
        assert pattern in selector, f"document selector lacks {pattern}"


def test_settings_that_route_the_key_are_user_only() -> None:
    """claude.baseUrl and claude.apiKeyEnv: application scope (VS Code ignores workspace values,
    and reads the user's even in a remote window, where a machine-scoped one is not), and
    the client sends only the user's value of them, trusted workspace or not (issue 15)."""
    from slimstage.settings import USER_ONLY

    for key in USER_ONLY:
        assert PROPERTIES[setting_id(key)]["scope"] == "application", f"{key} must be application-scoped; {FIX}"
    for setting, prop in PROPERTIES.items():
        if prop.get("scope") in ("machine", "application") and setting not in CLIENT_ONLY:
            assert setting in {setting_id(k) for k in USER_ONLY}, setting
    source = (CLIENT / "src" / "settings.ts").read_text(encoding="utf-8")
    assert "!this.userOnly.has(key)" in source and "inspect<string>('claude.apiKeyEnv')?.globalValue" in source
