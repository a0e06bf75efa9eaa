"""One typed Settings object shared by the config file, the CLI and the language server.

Sources, later ones winning: defaults, ``[tool.slimstage]`` in ``pyproject.toml`` or
``.slimstage.toml``, LSP initializationOptions / workspace configuration, CLI flags.
Keys may be written in snake_case or camelCase. An invalid value is reported once and
the default stands in; the rest of the settings still apply.
"""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

TARGET_BASES = ("distroless", "alpine", "slim", "scratch")
SEVERITIES = ("error", "warning", "info", "hint")
ENGINES = ("auto", "claude", "offline")
VERIFY_ENGINES = ("auto", "docker", "podman", "buildah")


@dataclass
class RuleSettings:
    """Which rules run and how loudly."""

    select: list[str] = field(default_factory=list)
    """Only these rule codes (or code prefixes such as ``SLIM1``) run; empty means all."""

    ignore: list[str] = field(default_factory=list)
    """Rule codes (or prefixes) that never run."""

    severity: dict[str, str] = field(default_factory=dict)
    """Per-rule severity override: code -> error | warning | info | hint."""


@dataclass
class ClaudeSettings:
    """How the Claude engine of "Convert to multi-stage" is called."""

    model: str = "claude-sonnet-4-6"
    """The Claude model that rewrites Dockerfiles."""

    api_key_env: str = "ANTHROPIC_API_KEY"
    """Environment variable holding the API key (the key itself never goes in settings)."""

    base_url: str = ""
    """Messages API base URL; empty means the SDK default (or ANTHROPIC_BASE_URL)."""

    timeout: float = 60.0
    """Seconds to wait for one Claude reply."""

    max_tokens: int = 8192
    """Upper bound on the tokens of one reply."""

    max_retries: int = 2
    """Bound on retries: a rejected rewrite is sent back with its problems listed at most this many times, and the SDK retries a rate-limited, overloaded or failed request at most this many times."""


@dataclass
class VerifySettings:
    """Build-and-run verification of conversions with a container engine."""

    enabled: bool = False
    """Build and run the original and the rewrite before a conversion is applied (the CLI's --verify)."""

    engine: str = "auto"
    """Container engine for verification: auto (docker, then podman, then buildah, the first on PATH that answers), docker, podman or buildah."""

    build_timeout: float = 600.0
    """Seconds one image build may take before it is stopped."""

    run_timeout: float = 30.0
    """Seconds a started image gets to open its EXPOSEd ports and pass its HEALTHCHECK."""


@dataclass
class Settings:
    """Everything slimstage can be told. Field docs are the settings reference."""

    target_base: str = "distroless"
    """Runtime base family preferred for final stages: distroless, alpine, slim or scratch."""

    max_stages: int = 4
    """Most stages a build should have (and a conversion may write)."""

    include_healthcheck: bool = True
    """Expect a HEALTHCHECK in the final stage, and write one when converting."""

    cache_mounts: bool = True
    """Recommend BuildKit cache mounts for package managers (else in-layer cleanup)."""

    security_scan: bool = False
    """Suggest, and write when converting, a Trivy/Grype scan stage."""

    target: str = ""
    """Build target stage (``docker build --target``); empty means the last stage."""

    context: str = ""
    """Build context folder, relative to the Dockerfile's folder; empty means that folder."""

    debounce_ms: int = 150
    """Milliseconds to wait after a keystroke before checking (0 checks at once)."""

    engine: str = "auto"
    """Conversion engine: auto (Claude when a key is set, else offline), claude, offline."""

    inlay_hints: bool = False
    """Show base image sizes as inlay hints at the end of FROM lines."""

    rules: RuleSettings = field(default_factory=RuleSettings)
    claude: ClaudeSettings = field(default_factory=ClaudeSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)


@dataclass(frozen=True)
class SettingsProblem:
    key: str
    message: str

    def __str__(self) -> str:
        return f"slimstage setting '{self.key}': {self.message}"


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def snake(key: str) -> str:
    return _CAMEL.sub("_", key).lower().replace("-", "_")


def camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(p.capitalize() for p in rest)


def _choices(name: str, path: str = "") -> tuple[str, ...] | None:
    if path == "verify.engine":
        return VERIFY_ENGINES
    return {"target_base": TARGET_BASES, "engine": ENGINES}.get(name)


def _coerce(value: Any, default: Any, name: str, path: str, problems: list[SettingsProblem]) -> Any:
    """Convert ``value`` to the type of ``default``; record a problem and keep the default otherwise."""
    if dataclasses.is_dataclass(default):
        if not isinstance(value, Mapping):
            problems.append(SettingsProblem(path, f"expected a table/object, got {type(value).__name__}"))
            return default
        return _merge(default, value, problems, prefix=path + ".")
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        problems.append(SettingsProblem(path, f"expected true or false, got {value!r}"))
        return default
    if isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        problems.append(SettingsProblem(path, f"expected a whole number >= 0, got {value!r}"))
        return default
    if isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
            return float(value)
        problems.append(SettingsProblem(path, f"expected a number > 0, got {value!r}"))
        return default
    if isinstance(default, str):
        if not isinstance(value, str):
            problems.append(SettingsProblem(path, f"expected a string, got {value!r}"))
            return default
        choices = _choices(name, path)
        if choices and value not in choices:
            problems.append(SettingsProblem(path, f"expected one of {', '.join(choices)}, got {value!r}"))
            return default
        return value
    if isinstance(default, list):
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [v.strip().upper() for v in value]
        problems.append(SettingsProblem(path, f"expected a list of rule codes, got {value!r}"))
        return default
    if isinstance(default, dict):
        if isinstance(value, Mapping) and all(
            isinstance(k, str) and isinstance(v, str) and v.lower() in SEVERITIES for k, v in value.items()
        ):
            return {k.upper(): v.lower() for k, v in value.items()}
        problems.append(
            SettingsProblem(path, f"expected a map of rule code to one of {', '.join(SEVERITIES)}, got {value!r}")
        )
        return default
    return value  # pragma: no cover - every field type is handled above


def _merge(base: Any, overrides: Mapping[str, Any], problems: list[SettingsProblem], prefix: str = "") -> Any:
    names = {f.name: f for f in dataclasses.fields(base)}
    changes: dict[str, Any] = {}
    for raw_key, value in overrides.items():
        if not isinstance(raw_key, str):
            continue
        name = snake(raw_key)
        if name not in names:
            problems.append(SettingsProblem(prefix + raw_key, "unknown setting (ignored)"))
            continue
        if value is None:
            continue
        changes[name] = _coerce(value, getattr(base, name), name, prefix + name, problems)
    return dataclasses.replace(base, **changes) if changes else base


def merge(base: Settings, overrides: Mapping[str, Any] | None) -> tuple[Settings, list[SettingsProblem]]:
    """Return ``base`` updated with ``overrides`` (snake or camel case), and what was wrong."""
    problems: list[SettingsProblem] = []
    if not overrides:
        return base, problems
    if not isinstance(overrides, Mapping):
        return base, [SettingsProblem("slimstage", f"expected an object, got {type(overrides).__name__}")]
    return _merge(base, overrides, problems), problems


def find_config(start: Path) -> Path | None:
    """The nearest ``.slimstage.toml``, or ``pyproject.toml`` with a ``[tool.slimstage]`` table."""
    start = start if start.is_dir() else start.parent
    for folder in (start, *start.parents):
        candidate = folder / ".slimstage.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                if "[tool.slimstage" in pyproject.read_text(encoding="utf-8", errors="replace"):
                    return pyproject
            except OSError:
                return None
    return None


def load_file(path: Path) -> tuple[dict[str, Any], list[SettingsProblem]]:
    """The slimstage table of a config file: the whole file for .slimstage.toml."""
    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [SettingsProblem(str(path), f"cannot be read: {exc}")]
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("slimstage", {})
    return data, []


def load(start: Path | None = None, overrides: Mapping[str, Any] | None = None) -> tuple[Settings, list[SettingsProblem]]:
    """Defaults, then the config file found from ``start``, then ``overrides``."""
    settings, problems = Settings(), []
    if start is not None:
        config = find_config(start)
        if config is not None:
            table, file_problems = load_file(config)
            problems += file_problems
            settings, more = merge(settings, table)
            problems += more
    settings, more = merge(settings, overrides)
    return settings, problems + more


def api_key(settings: Settings) -> str | None:
    """The API key from the configured environment variable, if any. Never log it."""
    value = os.environ.get(settings.claude.api_key_env or "ANTHROPIC_API_KEY", "").strip()
    return value or None


def schema() -> list[dict[str, Any]]:
    """Flat description of every setting (dotted snake_case key, type, default, doc).

    The VS Code extension's package.json mirrors this list; a test keeps them in step.
    """
    import ast
    import inspect

    def docs(cls: type) -> dict[str, str]:
        tree = ast.parse(inspect.getsource(cls))
        out: dict[str, str] = {}
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, nxt in zip(body, body[1:]):
            if isinstance(node, ast.AnnAssign) and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant):
                out[node.target.id] = " ".join(str(nxt.value.value).split())  # type: ignore[union-attr]
        return out

    rows: list[dict[str, Any]] = []

    def walk(obj: Any, prefix: str) -> None:
        doc = docs(type(obj))
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                walk(value, prefix + f.name + ".")
                continue
            rows.append(
                {
                    "key": prefix + f.name,
                    "type": type(value).__name__,
                    "default": value,
                    "choices": list(_choices(f.name, prefix + f.name) or []),
                    "doc": doc.get(f.name, ""),
                }
            )

    walk(Settings(), "")
    return rows
