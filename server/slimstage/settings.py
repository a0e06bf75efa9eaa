"""One typed Settings object shared by the config file, the CLI and the language server.

Sources, later ones winning: defaults, the user's own config file
(``$XDG_CONFIG_HOME/slimstage/config.toml``), the project's ``[tool.slimstage]`` in
``pyproject.toml`` or ``.slimstage.toml``, LSP initializationOptions / workspace
configuration, CLI flags. Keys may be written in snake_case or camelCase. An invalid value
is reported once and the default stands in; the rest of the settings still apply.

Settings marked ``user_only`` (where the Claude API key is sent, which variable holds it)
are never taken from a project file: a cloned repository must not be able to send the
user's key, or any other variable's value, to a host it names. A project file that sets
one is reported and the user's value (or the default) stands.
"""

from __future__ import annotations

import dataclasses
import math
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

    api_key_env: str = field(default="ANTHROPIC_API_KEY", metadata={"user_only": True})
    """Environment variable holding the API key (the key itself never goes in settings). User settings only: ignored in project files."""

    base_url: str = field(default="", metadata={"user_only": True})
    """Messages API base URL; empty means the SDK default (or ANTHROPIC_BASE_URL). User settings only: ignored in project files."""

    timeout: float = 240.0
    """Seconds to wait for one Claude reply (one HTTP request). The default fits a reply of the default max_tokens (8192 tokens at about 40 tokens a second, plus the request); raise it with max_tokens."""

    max_tokens: int = 8192
    """Upper bound on the tokens of one reply."""

    max_retries: int = 2
    """HTTP retries: the SDK retries a rate-limited, overloaded or failed request at most this many times (each wait at most 60 s, as retry-after says)."""

    validation_retries: int = 2
    """Validation retries: a rewrite the gate rejects is sent back with its problems listed at most this many times (counted apart from max_retries)."""


@dataclass
class FormatSettings:
    """How ``slimstage format`` and the editor's format commands lay out a Dockerfile."""

    indent: int = 4
    """Spaces before each continuation line of an instruction."""

    split_and_chains: bool = False
    """Put each ``&&``-joined command of a shell-form RUN on its own continuation line."""


@dataclass
class VerifySettings:
    """Build-and-run verification of conversions with a container engine."""

    enabled: bool = field(default=False, metadata={"user_only": True})
    """Build and run the original and the rewrite before a conversion is applied (the CLI's --verify). User settings only: ignored in project files (building runs the project's own commands)."""

    engine: str = field(default="auto", metadata={"user_only": True})
    """Container engine for verification: auto (docker, then podman, then buildah, the first on PATH that answers), docker, podman or buildah. User settings only: ignored in project files."""

    build_timeout: float = 600.0
    """Seconds one image build may take before it is stopped."""

    run_timeout: float = 30.0
    """Seconds a started image gets to open its EXPOSEd ports and pass its HEALTHCHECK."""

    env: dict[str, str] = field(default_factory=dict)
    """Environment variables both images get when verification runs them, as ``docker run -e`` gives them (NAME = "value"; the CLI's --verify-env NAME=VALUE adds to them). A project file may set them: they only reach the containers of a verification you enabled yourself, which run the project's own code anyway; values are taken literally (never read from your environment), and values that look secret are masked in what verification prints."""


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

    local_image_sizes: bool = True
    """Hover of a FROM shows the size the local container engine measured (image inspect, in the background, 5 s at most) when the image is present on this machine; the engine is verify.engine from your own settings only, never a project's."""

    check_timeout_ms: int = 10000
    """Milliseconds the language server lets one check run; a longer check is abandoned and the file gets one diagnostic saying so (0: no limit)."""

    rules: RuleSettings = field(default_factory=RuleSettings)
    claude: ClaudeSettings = field(default_factory=ClaudeSettings)
    format: FormatSettings = field(default_factory=FormatSettings)
    verify: VerifySettings = field(default_factory=VerifySettings)


@dataclass(frozen=True)
class SettingsProblem:
    key: str
    message: str
    fallback: str = "; using the default"  # what the editor message adds (the value that stands instead)

    def __str__(self) -> str:
        from .echo import scrub  # a value quoted back never shows URL credentials

        if not self.key:  # not about one setting (a side file that was not read)
            return scrub(f"slimstage: {self.message}")
        return scrub(f"slimstage setting '{self.key}': {self.message}")


def _user_only_keys() -> frozenset[str]:
    out: set[str] = set()

    def walk(cls: type, prefix: str) -> None:
        for f in dataclasses.fields(cls):
            if f.metadata.get("user_only"):
                out.add(prefix + f.name)
            if isinstance(f.type, str) and f.type in ("RuleSettings", "ClaudeSettings", "VerifySettings"):
                walk(globals()[f.type], prefix + f.name + ".")

    walk(Settings, "")
    return frozenset(out)


ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,127}\Z")  # an environment variable name (api_key_env, verify.env)


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
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 and math.isfinite(value):
            return float(value)
        problems.append(SettingsProblem(path, f"expected a finite number > 0, got {value!r}"))
        return default
    if isinstance(default, str):
        if not isinstance(value, str):
            problems.append(SettingsProblem(path, f"expected a string, got {value!r}"))
            return default
        if name == "api_key_env" and value and not ENV_NAME.match(value):
            # Most likely the key itself pasted in: say so without printing it.
            problems.append(SettingsProblem(path, "expected the NAME of an environment variable (letters, digits, _), not its value; the value given is not shown"))
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
    if isinstance(default, dict) and path == "verify.env":
        if isinstance(value, Mapping) and all(isinstance(k, str) and ENV_NAME.match(k) and isinstance(v, str) for k, v in value.items()):
            return dict(value)
        problems.append(SettingsProblem(path, "expected a table of environment variable names (letters, digits, _) to string values; the values given are not shown"))
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


def _merge(base: Any, overrides: Mapping[str, Any], problems: list[SettingsProblem], prefix: str = "", project: str = "") -> Any:
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
        if project and prefix + name in USER_ONLY:
            problems.append(SettingsProblem(prefix + name, ignored_in_project(project, prefix + name), "; your own setting (or the default) is used"))
            continue
        if project and dataclasses.is_dataclass(getattr(base, name)) and isinstance(value, Mapping):
            changes[name] = _merge(getattr(base, name), value, problems, prefix + name + ".", project)
            continue
        if prefix + name in USER_ONLY:  # a wrong value here may be a key pasted in: never quote it back
            found: list[SettingsProblem] = []
            changes[name] = _coerce(value, getattr(base, name), name, prefix + name, found)
            problems += [dataclasses.replace(p, message=p.message.replace(repr(value), "a value that is not shown")) for p in found]
            continue
        changes[name] = _coerce(value, getattr(base, name), name, prefix + name, problems)
        if prefix + name == "verify.env":  # each source adds variables, as each -e does
            changes[name] = {**getattr(base, name), **changes[name]}
    return dataclasses.replace(base, **changes) if changes else base


def ignored_in_project(source: str, key: str = "") -> str:
    what = (
        "whether a conversion builds and runs the project's own commands, and with which engine, are"
        if key.startswith("verify.")
        else "where the Claude API key is sent and which variable holds it are"
    )
    return (
        f"set in the project file {source} and ignored: {what} taken only from your own settings "
        f"({user_config_hint()}, editor user settings, --set, the environment), never from files in a project"
    )


def merge(base: Settings, overrides: Mapping[str, Any] | None, *, project: str = "") -> tuple[Settings, list[SettingsProblem]]:
    """Return ``base`` updated with ``overrides`` (snake or camel case), and what was wrong.

    ``project``: the path of the project file ``overrides`` came from. Its user-only
    settings (``USER_ONLY``) are then ignored, each with a problem saying so.
    """
    problems: list[SettingsProblem] = []
    if not overrides:
        return base, problems
    if not isinstance(overrides, Mapping):
        return base, [SettingsProblem("slimstage", f"expected an object, got {type(overrides).__name__}")]
    return _merge(base, overrides, problems, project=project), problems


def user_config_path() -> Path | None:
    """The user's own config file: ``$XDG_CONFIG_HOME/slimstage/config.toml`` (default
    ``~/.config``; ``%APPDATA%`` on Windows). None when there is no home to look in."""
    xdg = os.environ.get("XDG_CONFIG_HOME", "")
    if xdg and os.path.isabs(xdg):
        return Path(xdg) / "slimstage" / "config.toml"
    if os.name == "nt" and os.environ.get("APPDATA"):
        return Path(os.environ["APPDATA"]) / "slimstage" / "config.toml"
    try:
        return Path.home() / ".config" / "slimstage" / "config.toml"
    except (RuntimeError, KeyError):
        return None


def user_config_hint() -> str:
    return "~/.config/slimstage/config.toml" if os.name != "nt" else "%APPDATA%\\slimstage\\config.toml"


def load_user() -> tuple[Settings, list[SettingsProblem]]:
    """Defaults, then the user's own config file (every setting may be set there)."""
    path = user_config_path()
    if path is None:
        return Settings(), []
    table, problems = load_file(path, within=None)
    settings, more = merge(Settings(), table)
    return settings, problems + more


def user_config_stamp() -> tuple:
    """Changes when the user's config file does (for caches)."""
    path = user_config_path()
    try:
        st = os.stat(path) if path is not None else None
    except OSError:
        st = None
    return (str(path), st.st_mtime_ns, st.st_size) if st is not None else (str(path), None, None)


def find_config(start: Path) -> Path | None:
    """The nearest ``.slimstage.toml``, or ``pyproject.toml`` with a ``[tool.slimstage]`` table."""
    from .sidefile import exists, read_text

    start = start if start.is_dir() else start.parent
    for folder in (start, *start.parents):
        candidate = folder / ".slimstage.toml"
        if exists(candidate):
            return candidate  # load_file says so if it is not a regular file inside its folder
        pyproject = folder / "pyproject.toml"
        if exists(pyproject):
            text, _problem = read_text(pyproject, within=(folder,))
            if text is not None and "[tool.slimstage" in text:
                return pyproject
    return None


def load_file(path: Path, within: Any = ()) -> tuple[dict[str, Any], list[SettingsProblem]]:
    """The slimstage table of a config file: the whole file for .slimstage.toml.

    Read through ``sidefile``: a regular file of at most 1 MB, inside ``within`` (by
    default its own folder, so a project's config cannot be a link to a file elsewhere;
    None for the user's own config file).
    """
    from .sidefile import read_bytes

    try:
        import tomllib
    except ModuleNotFoundError:  # pragma: no cover - Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    data_bytes, problem = read_bytes(path, within=(path.parent,) if within == () else within)
    if data_bytes is None:
        return {}, ([SettingsProblem(str(path), problem.replace("; not read", "") + ": not used")] if problem else [])
    try:
        data = tomllib.loads(data_bytes.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [SettingsProblem(str(path), f"cannot be read: {exc}")]
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        data = tool.get("slimstage", {}) if isinstance(tool, dict) else {}
    return (data if isinstance(data, dict) else {}), []


def load(start: Path | None = None, overrides: Mapping[str, Any] | None = None) -> tuple[Settings, list[SettingsProblem]]:
    """Defaults, the user's config file, the project config file found from ``start`` (without
    its user-only settings), then ``overrides`` (the user's: editor settings, CLI flags)."""
    settings, problems = load_user()
    if start is not None:
        config = find_config(start)
        if config is not None:
            table, file_problems = load_file(config)
            problems += file_problems
            before = settings
            settings, more = merge(settings, table, project=str(config))
            settings = confine_context(settings, before, start, config, more)
            problems += more
    settings, more = merge(settings, overrides)
    return settings, problems + more


def confine_context(settings: Settings, before: Settings, start: Path, config: Path, problems: list[SettingsProblem]) -> Settings:
    """A project file's ``context`` must stay inside the project (the config file's folder):
    otherwise a repository could make slimstage list and read another folder of the user's
    (``context = "/home/me/.ssh"``). Reported and dropped; the user's own value stands."""
    if settings.context == before.context or not settings.context:
        return settings
    folder = start if start.is_dir() else start.parent
    root = os.path.realpath(config.parent)
    target = os.path.realpath(folder / settings.context)
    if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
        return settings
    problems.append(SettingsProblem("context", f"set in the project file {config} to a folder outside the project; ignored (set it in your own settings or with --set)", "; the Dockerfile's folder is used"))
    return dataclasses.replace(settings, context=before.context)


USER_ONLY: frozenset[str] = _user_only_keys()
"""Dotted keys that only the user may set (never a project file): where the key goes, and which variable holds it."""


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
                    "user_only": bool(f.metadata.get("user_only")),
                }
            )

    walk(Settings(), "")
    return rows
