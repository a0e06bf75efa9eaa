"""Editor features beyond diagnostics and code actions, registered by ``server.py``.

Each import below is one feature module with a ``register(server)`` function. They only
convert to and from the protocol: what to show comes from the pure modules
in ``editor/`` (``stageinfo``, ``navigation``, ``structure``, ``completions``, ``hover_text``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import code_lens, completion, definition, folding, highlight, hover, inlay_hints, references, rename, selection, symbols

if TYPE_CHECKING:
    from .server import SlimstageServer


def refresh_views(ls: "SlimstageServer") -> None:
    """Ask the client to re-request code lenses and inlay hints: their text depends on the settings
    (``target`` changes what ships, ``inlayHints`` turns the hints on), not only on the document."""
    caps = ls.client_capabilities
    ws = caps.workspace if caps else None
    if ws and ws.code_lens and ws.code_lens.refresh_support:
        ls.workspace_code_lens_refresh(None)
    if ws and ws.inlay_hint and ws.inlay_hint.refresh_support:
        ls.workspace_inlay_hint_refresh(None)


def register(server: "SlimstageServer") -> None:
    hover.register(server)  # stage summaries, variables, reference text, rule docs
    symbols.register(server)  # outline: stages with their instructions
    definition.register(server)  # stage names and ARG/ENV variables
    references.register(server)
    highlight.register(server)
    rename.register(server)  # prepareRename + rename, refusing invalid or taken names
    folding.register(server)  # stages, multi-line instructions, comment blocks
    selection.register(server)  # name -> word -> instruction -> stage -> file
    code_lens.register(server)  # "runtime · ~24 MB · ships"; convert single-stage files
    completion.register(server)  # stage names, flags, mount options, keywords, variables
    inlay_hints.register(server)  # base image sizes after FROM (setting inlayHints)
