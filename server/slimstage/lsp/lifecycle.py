"""Document and configuration lifecycle: what triggers a (re)check.

Settings come from initializationOptions, then ``workspace/configuration`` (section
``slimstage``) once initialized and on every ``workspace/didChangeConfiguration``.
Invalid settings are shown once; the defaults stand in for them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lsprotocol import types

from .. import settings as settings_mod
from ..echo import scrub
from . import features

if TYPE_CHECKING:
    from .server import SlimstageServer


def _section(value: Any) -> Any:
    """Accept both ``{"slimstage": {...}}`` and the bare settings object."""
    if isinstance(value, dict) and isinstance(value.get("slimstage"), dict):
        return value["slimstage"]
    return value


def apply_settings(ls: "SlimstageServer", raw: Any) -> bool:
    base = ls.state.user_base()  # defaults under the user's own config file
    section = _section(raw) if raw else None
    new, problems = settings_mod.merge(base, section)
    changed = new != ls.state.settings
    for p in ls.state.set_settings(new, problems, dict(section) if isinstance(section, dict) else {}):
        ls.window_show_message(types.ShowMessageParams(types.MessageType.Warning, f"{p}{p.fallback}"))
    return changed


async def pull_configuration(ls: "SlimstageServer") -> None:
    caps = ls.client_capabilities
    if not (caps and caps.workspace and caps.workspace.configuration):
        return
    try:
        values = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="slimstage")])
        )
    except Exception as exc:  # a client that fails the request keeps the settings it gave
        ls.window_log_message(types.LogMessageParams(types.MessageType.Warning, scrub(f"slimstage: workspace/configuration failed: {exc}")))
        return
    if values and values[0]:
        if apply_settings(ls, values[0]):
            ls.diagnostics.recheck_all()
            features.refresh_views(ls)


def register(server: "SlimstageServer") -> None:
    @server.feature(types.INITIALIZE)
    def initialize(ls: "SlimstageServer", params: types.InitializeParams) -> None:
        """Take the settings the client passes as initializationOptions."""
        apply_settings(ls, params.initialization_options)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: "SlimstageServer", params: types.InitializedParams) -> None:
        """Ask for the workspace settings, and watch .dockerignore files where the client can."""
        caps = ls.client_capabilities
        ws = caps.workspace if caps else None
        if ws and ws.did_change_watched_files and ws.did_change_watched_files.dynamic_registration:
            try:
                await ls.client_register_capability_async(
                    types.RegistrationParams(
                        registrations=[
                            types.Registration(
                                id="slimstage-dockerignore",
                                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                                register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                    watchers=[types.FileSystemWatcher(glob_pattern="**/{.dockerignore,*.dockerignore}")]
                                ),
                            )
                        ]
                    )
                )
            except Exception:
                pass
        await pull_configuration(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: "SlimstageServer", params: types.DidChangeConfigurationParams) -> None:
        """Re-read the settings and re-check every open document."""
        raw = _section(params.settings) if params.settings else None
        caps = ls.client_capabilities
        if caps and caps.workspace and caps.workspace.configuration:
            await pull_configuration(ls)
            return
        if isinstance(raw, dict) and apply_settings(ls, raw):
            ls.diagnostics.recheck_all()
            features.refresh_views(ls)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: "SlimstageServer", params: types.DidChangeWatchedFilesParams) -> None:
        """A .dockerignore changed: the build context facts are re-read on the next check."""
        ls.state.generation += 1
        ls.diagnostics.recheck_all()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: "SlimstageServer", params: types.DidOpenTextDocumentParams) -> None:
        """Check a document as soon as it opens."""
        ls.diagnostics.schedule(params.text_document.uri, immediate=True)
        ls.prefetch_images(params.text_document.uri, params.text_document.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: "SlimstageServer", params: types.DidChangeTextDocumentParams) -> None:
        """Re-check after the debounce delay, from the text current at that time."""
        ls.diagnostics.schedule(params.text_document.uri)
        doc = ls.open_document(params.text_document.uri)
        if doc is not None:
            ls.prefetch_images(params.text_document.uri, doc.source)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: "SlimstageServer", params: types.DidSaveTextDocumentParams) -> None:
        """Saving re-checks at once (a .dockerignore saved beside it may have changed too)."""
        ls.state.generation += 1
        ls.diagnostics.schedule(params.text_document.uri, immediate=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: "SlimstageServer", params: types.DidCloseTextDocumentParams) -> None:
        """Closing clears the document's diagnostics and forgets its analysis."""
        ls.state.forget(params.text_document.uri)
        ls.diagnostics.clear(params.text_document.uri)
