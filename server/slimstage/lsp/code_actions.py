"""Code actions: a quick fix per fixable finding, "fix all", and "Convert to multi-stage build".

Every edit is a TextDocumentEdit pinned to the document version it was computed from,
so a client applies it only to that text. Clients that declare ``codeAction.resolveSupport``
for ``edit`` get the fixes and "fix all" without edits, and the edit comes from
``codeAction/resolve`` when one is picked (so listing actions never waits on re-checking
"fix all"); other clients get the edits at once. The conversion is offered as a
``refactor.rewrite`` action anywhere in a Dockerfile ("Optimize multi-stage build" when it
already has several stages), and attached to SLIM301 findings; listing it costs nothing:
it carries only a command (``convert_command.COMMAND``), which does the work when picked.
"""

from __future__ import annotations

import shutil
import time
from typing import TYPE_CHECKING, Optional

from lsprotocol import types

from ..fixes import fix_all, line_end
from . import convert_command
from .convert import end_of, fix_to_workspace_edit, from_range, overlaps, to_diagnostic, to_range

if TYPE_CHECKING:
    from .server import SlimstageServer

FIX_ALL_KIND = "source.fixAll.slimstage"
FIX_ALL_BUDGET_S = 1.0  # seconds of re-checking a code action request may spend on "fix all"
SINGLE_STAGE_CODE = "SLIM301"  # "single-stage build on a toolchain should be multi-stage"


def _wants(kind: str, only: Optional[list[str]]) -> bool:
    return not only or any(kind == k or kind.startswith(k + ".") for k in only)


def lazy_edits(ls: "SlimstageServer") -> bool:
    """The client resolves code actions' edits on demand (``codeAction.resolveSupport`` lists ``edit``)."""
    caps = ls.client_capabilities
    ca = caps.text_document.code_action if caps and caps.text_document else None
    support = ca.resolve_support if ca else None
    return bool(support and "edit" in (support.properties or []))


def _range_data(r) -> list[int]:
    return [r.start.line, r.start.character, r.end.line, r.end.character]


def quick_fixes(ls: "SlimstageServer", params: types.CodeActionParams, lazy: bool = False) -> list[types.CodeAction]:
    uri = params.text_document.uri
    doc = ls.open_document(uri)
    result = ls.result(uri)
    if doc is None or result is None:
        return []
    wanted = from_range(params.range)
    ctx_root = result.analysis.context.root
    actions = []
    for v in result.violations:
        if v.fix is None or not overlaps(v.range, wanted):
            continue
        if lazy:  # the edit is computed in codeAction/resolve, when the user picks the fix
            actions.append(
                types.CodeAction(
                    title=f"{v.fix.title} ({v.code})",
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[to_diagnostic(v, uri)],
                    is_preferred=True,
                    data={"slimstage": "fix", "uri": uri, "version": doc.version, "code": v.code, "range": _range_data(v.range)},
                )
            )
            continue
        edit = fix_to_workspace_edit(v.fix, uri, doc.version, ctx_root, line_end(doc.source))
        if edit is None:
            continue
        actions.append(
            types.CodeAction(
                title=f"{v.fix.title} ({v.code})",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[to_diagnostic(v, uri)],
                edit=edit,
                is_preferred=True,
            )
        )
    return actions


def fix_all_action(ls: "SlimstageServer", uri: str, lazy: bool = False) -> Optional[types.CodeAction]:
    doc = ls.open_document(uri)
    result = ls.result(uri)
    if doc is None or result is None:
        return None
    safe = sorted({v.code for v in result.violations if v.fix is not None and v.fix.safe and v.fix.edits and not v.fix.files})
    if not safe:
        return None
    if lazy:  # re-checking every fix waits for codeAction/resolve
        return types.CodeAction(
            title=f"slimstage: fix all safe findings ({', '.join(safe)})",
            kind=FIX_ALL_KIND,
            data={"slimstage": "fixAll", "uri": uri, "version": doc.version},
        )
    text = doc.source
    if ls.state.check_seconds(uri) > FIX_ALL_BUDGET_S:
        return None  # one re-check alone would hold the server longer than the budget
    # Bounded: a partial "fix all" is still correct (each fix is re-checked) and can be run again.
    new_text, applied = fix_all(
        text, ls.state.settings, result.analysis.context, deadline=time.monotonic() + FIX_ALL_BUDGET_S, first=result
    )
    if not applied or new_text == text:
        return None
    end = end_of(text)
    edit = types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=doc.version),
                edits=[types.TextEdit(types.Range(types.Position(0, 0), end), new_text)],
            )
        ]
    )
    codes = ", ".join(sorted(set(applied)))
    return types.CodeAction(title=f"slimstage: fix all safe findings ({codes})", kind=FIX_ALL_KIND, edit=edit)


def convert_action(ls: "SlimstageServer", params: types.CodeActionParams, findings: list[types.Diagnostic]) -> Optional[types.CodeAction]:
    """The conversion as a command-only action (no network, no planning until it is picked)."""
    uri = params.text_document.uri
    doc = ls.open_document(uri)
    result = ls.result(uri)
    if doc is None or result is None or not result.analysis.doc.stages:
        return None
    multi = len(result.analysis.doc.stages) > 1
    title = convert_command.OPTIMIZE_TITLE if multi else convert_command.TITLE
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.RefactorRewrite,
        diagnostics=findings or None,
        command=types.Command(title=title, command=convert_command.COMMAND, arguments=[{"uri": uri, "version": doc.version}]),
    )


def resolve(ls: "SlimstageServer", action: types.CodeAction) -> types.CodeAction:
    """Fill in the edit of an action listed without one; unchanged when its document moved on."""
    data = action.data if isinstance(action.data, dict) else {}
    uri, kind = data.get("uri"), data.get("slimstage")
    doc = ls.open_document(uri) if isinstance(uri, str) else None
    if doc is None or doc.version != data.get("version"):
        return action  # stale: the client asks again for the new version's actions
    if kind == "fixAll":
        full = fix_all_action(ls, uri)
        action.edit = full.edit if full is not None else types.WorkspaceEdit(document_changes=[])
        return action
    if kind == "fix":
        result = ls.result(uri)
        for v in result.violations if result is not None else ():
            if v.fix is not None and v.code == data.get("code") and _range_data(v.range) == data.get("range"):
                action.edit = fix_to_workspace_edit(v.fix, uri, doc.version, result.analysis.context.root, line_end(doc.source))
                break
    return action
def verify_action(ls: "SlimstageServer", params: types.CodeActionParams, plain: types.CodeAction) -> Optional[types.CodeAction]:
    """"Convert to multi-stage and verify": offered when a container engine is on PATH."""
    uri = params.text_document.uri
    settings = ls.state.settings_for(uri)
    engines = ("docker", "podman", "buildah") if settings.verify.engine == "auto" else (settings.verify.engine,)
    if settings.verify.enabled or not any(shutil.which(e) for e in engines) or plain.command is None:
        return None  # with verify.enabled the plain action verifies already
    multi = plain.title == convert_command.OPTIMIZE_TITLE
    title = convert_command.OPTIMIZE_VERIFY_TITLE if multi else convert_command.VERIFY_TITLE
    arguments = [{**plain.command.arguments[0], "verify": True}] if plain.command.arguments else []
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.RefactorRewrite,
        diagnostics=plain.diagnostics,
        command=types.Command(title=title, command=convert_command.COMMAND, arguments=arguments),
    )


def _single_stage_findings(params: types.CodeActionParams) -> list[types.Diagnostic]:
    diagnostics = params.context.diagnostics if params.context else []
    return [d for d in diagnostics or [] if d.code == SINGLE_STAGE_CODE]


def register(server: "SlimstageServer") -> None:
    convert_command.register(server)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND, types.CodeActionKind.RefactorRewrite],
            resolve_provider=True,
        ),
    )
    def code_action(ls: "SlimstageServer", params: types.CodeActionParams) -> list[types.CodeAction]:
        """Quick fixes for the findings in range, "fix all" when asked for source actions, and the conversion."""
        only = params.context.only if params.context else None
        lazy = lazy_edits(ls)
        actions: list[types.CodeAction] = []
        if _wants(types.CodeActionKind.QuickFix, only):
            actions += quick_fixes(ls, params, lazy)
        if _wants(FIX_ALL_KIND, only) and (only or actions):
            action = fix_all_action(ls, params.text_document.uri, lazy)
            if action is not None:
                actions.append(action)
        findings = _single_stage_findings(params)
        if _wants(types.CodeActionKind.RefactorRewrite, only) or (findings and _wants(types.CodeActionKind.QuickFix, only)):
            action = convert_action(ls, params, findings)
            if action is not None:
                actions.append(action)
                verify = verify_action(ls, params, action) if _wants(types.CodeActionKind.RefactorRewrite, only) else None
                if verify is not None:
                    actions.append(verify)
        return actions

    @server.feature(types.CODE_ACTION_RESOLVE)
    def code_action_resolve(ls: "SlimstageServer", action: types.CodeAction) -> types.CodeAction:
        """The edit of a fix or of "fix all", computed when the user picks it (clients with resolveSupport)."""
        return resolve(ls, action)
