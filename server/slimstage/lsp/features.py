"""Editor features beyond diagnostics and code actions, registered by ``server.py``.

Each import below is one feature module with a ``register(server)`` function.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .server import SlimstageServer


def register(server: "SlimstageServer") -> None:
    pass
