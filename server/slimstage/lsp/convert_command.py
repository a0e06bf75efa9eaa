"""``workspace/executeCommand`` ``slimstage.server.convert``: convert a Dockerfile in the editor.

Arguments: ``[{"uri": ..., "version": N}]`` (what the "Convert to multi-stage build"
code action carries). The server reports work-done progress (on the client's
``workDoneToken``, else one it creates), cancellable from the progress UI or with
``$/cancelRequest``; runs the conversion (``rewrite.conversion``) off the critical path
of the event loop, so diagnostics keep flowing; then sends one ``workspace/applyEdit``
with a single TextDocumentEdit pinned to version N (plus the proposed .dockerignore, created
or appended, in the same edit), and tells the user what happened
(``window/showMessage``, the full explanation in ``window/logMessage``). If the document
changed meanwhile nothing is overwritten, and the user is offered to run it again.

With ``"verify": true`` in the argument (the "Convert to multi-stage and verify" action) or
the ``verify.enabled`` setting, the original and the rewrite are built and run with a
container engine before the edit (``rewrite/verify``), with one progress message per phase
(build original, build rewrite, run, measure). A rewrite that failed verification, or could
not be verified, is applied only if the user picks "Apply anyway" in a
``window/showMessageRequest``; cancelling kills the build or container and removes what it made.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Optional

from lsprotocol import types

from .. import settings as settings_mod
from .checks import Abandoned, in_daemon_thread
from ..echo import scrub
from .convert import end_of

if TYPE_CHECKING:
    from ..rewrite.conversion import Job
    from ..rewrite.result import Outcome
    from .server import SlimstageServer

COMMAND = "slimstage.server.convert"
TITLE = "Convert to multi-stage build"
OPTIMIZE_TITLE = "Optimize multi-stage build"
AGAIN = "Convert again"
VERIFY_TITLE = "Convert to multi-stage and verify"
OPTIMIZE_VERIFY_TITLE = "Optimize multi-stage build and verify"
APPLY_ANYWAY = "Apply anyway"
KEEP = "Keep the file"

# The executeCommand params of the request being handled (pygls passes a command only its
# arguments; the client's workDoneToken is in the params).
_params: contextvars.ContextVar[Optional[types.ExecuteCommandParams]] = contextvars.ContextVar("slimstage_execute_params", default=None)


@dataclass(frozen=True)
class Target:
    uri: str
    version: Optional[int]
    verify: bool = False


def parse_arguments(args: tuple[Any, ...]) -> Target:
    """``[{"uri": ..., "version": N}]`` (a bare URI string is accepted too)."""
    if not args:
        raise ValueError(f"{COMMAND} needs an argument {{\"uri\": ..., \"version\": N}}")
    first = args[0]
    if isinstance(first, str):
        return Target(first, None)
    if isinstance(first, dict) and isinstance(first.get("uri"), str):
        version = first.get("version")
        return Target(first["uri"], version if isinstance(version, int) and not isinstance(version, bool) else None, first.get("verify") is True)
    raise ValueError(f"{COMMAND} argument must be {{\"uri\": ..., \"version\": N}}, got {first!r}")


class Progress:
    """Work-done progress on one token (a no-op when the client cannot show it)."""

    def __init__(self, ls: "SlimstageServer", token: Optional[types.ProgressToken]) -> None:
        self.ls = ls
        self.token = token

    @classmethod
    async def start(cls, ls: "SlimstageServer", title: str) -> "Progress":
        params = _params.get()
        token = params.work_done_token if params is not None else None
        if token is None:
            caps = ls.client_capabilities
            if caps and caps.window and caps.window.work_done_progress:
                token = f"slimstage-convert-{uuid.uuid4()}"
                try:
                    await ls.work_done_progress.create_async(token)
                except Exception:
                    token = None
        progress = cls(ls, token)
        if token is not None:
            ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=title, cancellable=True, message="Starting…"))
        return progress

    def report(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(self.token, types.WorkDoneProgressReport(message=message, cancellable=True))

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.ls.work_done_progress.tokens.pop(self.token, None)

    def on_cancel(self, callback) -> None:
        """Call ``callback`` when the user cancels from the progress UI."""
        if self.token is None:
            return
        future = self.ls.work_done_progress.tokens.get(self.token)
        if future is not None:
            future.add_done_callback(lambda f: callback() if f.cancelled() else None)


def _on_request_cancelled(ls: "SlimstageServer", callback) -> None:
    """Call ``callback`` on ``$/cancelRequest`` for the executeCommand request being handled.

    pygls runs a command inside the executeCommand request and cancels that request's
    future on ``$/cancelRequest``; the command's own task is not cancelled, so watch it.
    """
    protocol = ls.protocol
    msg_id = getattr(protocol, "msg_id", None)
    future = getattr(protocol, "_request_futures", {}).get(msg_id) if msg_id is not None else None
    if future is not None:
        future.add_done_callback(lambda f: callback() if f.cancelled() else None)


def _whole_range(text: str) -> types.Range:
    return types.Range(types.Position(0, 0), end_of(text))


def _edit(
    ls: "SlimstageServer", uri: str, version: Optional[int], old: str, new: str, ignore: Optional[tuple[str, Any]] = None
) -> tuple[types.WorkspaceEdit, bool]:
    """One WorkspaceEdit: the Dockerfile (pinned to ``version``) and, when ``ignore`` is
    ``(uri, DockerignoreEdit)``, the proposed .dockerignore beside it (created, or the new
    lines appended). Returns the edit and whether the .dockerignore is in it (a client
    without resource operations cannot create a file: it is then shown, not applied)."""
    text_edit = types.TextEdit(_whole_range(old), new)
    caps = ls.client_capabilities
    ws = caps.workspace if caps else None
    we = ws.workspace_edit if ws is not None else None
    if we is not None and we.document_changes is False:
        changes = {uri: [text_edit]}
        if ignore is not None and not ignore[1].create:
            changes[ignore[0]] = [_append(ignore[1])]
            return types.WorkspaceEdit(changes=changes), True
        return types.WorkspaceEdit(changes=changes), False
    document_changes: list[Any] = [
        types.TextDocumentEdit(text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version), edits=[text_edit])
    ]
    included = False
    if ignore is not None:
        ignore_uri, d = ignore
        can_create = we is not None and we.resource_operations is not None and types.ResourceOperationKind.Create in we.resource_operations
        if d.create and can_create:
            document_changes.append(types.CreateFile(uri=ignore_uri, options=types.CreateFileOptions(overwrite=False, ignore_if_exists=True)))
            document_changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=ignore_uri, version=None),
                    edits=[types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), d.text)],
                )
            )
            included = True
        elif not d.create:
            document_changes.append(
                types.TextDocumentEdit(text_document=types.OptionalVersionedTextDocumentIdentifier(uri=ignore_uri, version=None), edits=[_append(d)])
            )
            included = True
    return types.WorkspaceEdit(document_changes=document_changes), included


def _append(d: Any) -> types.TextEdit:
    """Insert the lines a DockerignoreEdit adds at the end of the existing file."""
    existing = d.text[: len(d.text) - len(d.added)]
    at = end_of(existing)
    return types.TextEdit(types.Range(at, at), d.text[len(existing):])


def _secrets(ls: "SlimstageServer") -> tuple:
    """Values no message may hold: the API key of every settings in use."""
    try:
        return (settings_mod.api_key(ls.state.settings),)
    except Exception:
        return ()


def _say(ls: "SlimstageServer", kind: types.MessageType, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=kind, message=scrub(f"slimstage: {message}", _secrets(ls))))


def _log(ls: "SlimstageServer", text: str) -> None:
    ls.window_log_message(types.LogMessageParams(type=types.MessageType.Info, message=scrub(text, _secrets(ls))))


class Conversions:
    """The conversions running in one server, at most one per document."""

    def __init__(self) -> None:
        self.running: dict[str, asyncio.Future] = {}


async def run_conversion(ls: "SlimstageServer", target: Target) -> dict[str, Any]:
    # The rewrite package is imported on first use: the server starts without it.
    from ..rewrite.conversion import Job, choose_engine, convert
    from ..rewrite.project import read_project
    from ..rewrite.report import headline, markdown
    from ..rewrite.result import Converted, Declined

    uri = target.uri
    doc = ls.open_document(uri)
    if doc is None:
        _say(ls, types.MessageType.Error, "open the Dockerfile in the editor to convert it.")
        return {"status": "failed", "message": "the document is not open"}
    version = doc.version if target.version is None else target.version
    if doc.version != version:
        return _stale(ls, uri, "The Dockerfile changed after the action was offered, so it was not converted.")
    conversions: Conversions = _conversions(ls)
    if uri in conversions.running:
        _say(ls, types.MessageType.Warning, "a conversion of this file is already running.")
        return {"status": "busy"}
    text = doc.source
    result = ls.result(uri)
    settings = ls.state.settings_for(uri)  # the folder's config file, under the editor's settings
    api_key = settings_mod.api_key(settings)
    engine, notes = choose_engine(settings, api_key)
    multi = bool(result and len(result.analysis.doc.stages) > 1)
    verifying = target.verify or settings.verify.enabled
    title = (OPTIMIZE_VERIFY_TITLE if multi else VERIFY_TITLE) if verifying else (OPTIMIZE_TITLE if multi else TITLE)
    progress = await Progress.start(ls, "slimstage: " + title)
    context = result.analysis.context if result is not None else ls.state.context_for(uri, settings)
    loop = asyncio.get_running_loop()
    work: Optional[asyncio.Future] = None
    cancelled = False
    stop_thread: Optional[Callable[[], None]] = None

    def cancel() -> None:
        nonlocal cancelled
        cancelled = True
        if stop_thread is not None:
            stop_thread()  # the offline planner's thread ends now, not when it is done
        if work is not None and not work.done():
            loop.call_soon_threadsafe(work.cancel)

    progress.on_cancel(cancel)
    _on_request_cancelled(ls, cancel)
    try:
        reading, _stop = in_daemon_thread(read_project, context, text)
        project = await asyncio.wrap_future(reading)
        job = Job(text, settings, engine, context, project, api_key if engine == "claude" else None, notes)
        container_engine = None
        if verifying:
            from ..rewrite.verify.flow import claude_verifier, context_dir, find_engine

            progress.report("Looking for a container engine…")
            container_engine, no_engine = await find_engine(settings)
            folder = context_dir(context, None)
            if container_engine is not None and engine == "claude":
                job = dataclasses.replace(job, verifier=claude_verifier(text, folder, settings, progress.report, container_engine))
        if engine == "claude":
            work = asyncio.ensure_future(convert(job, progress.report))
        else:
            def threadsafe(message: str) -> None:
                if not loop.is_closed():
                    loop.call_soon_threadsafe(progress.report, message)

            future, stop_thread = in_daemon_thread(_run_sync, job, threadsafe)
            work = asyncio.wrap_future(future)
        conversions.running[uri] = work
        if cancelled:
            cancel()
        outcome = await work
        if isinstance(outcome, Abandoned):  # stopped from the progress UI or $/cancelRequest
            raise asyncio.CancelledError
        if verifying and isinstance(outcome, Converted) and outcome.verification is None:
            from ..rewrite.verify.flow import verify_outcome
            from ..rewrite.verify.result import Report

            if container_engine is None:
                outcome = dataclasses.replace(outcome, verification=Report("unavailable", "", message=f"not verified: {no_engine}"))
            else:
                work = asyncio.ensure_future(verify_outcome(outcome, text, folder, settings, progress.report, engine=container_engine))
                conversions.running[uri] = work
                if cancelled:
                    work.cancel()
                outcome = await work
    except asyncio.CancelledError:
        if ls.protocol._shutdown or getattr(ls.protocol, "exiting", False):
            return {"status": "cancelled"}  # shutdown or exit: nobody to tell, stdout may be closed
        progress.end("Cancelled")
        extra = " The verification's containers and images were removed." if verifying else ""
        _say(ls, types.MessageType.Info, "conversion cancelled; the file is unchanged." + extra)
        return {"status": "cancelled"}
    except Exception as exc:  # a bug must not leave the progress spinning
        progress.end("Failed")
        _say(ls, types.MessageType.Error, f"conversion failed: {type(exc).__name__}: {exc}")
        return {"status": "failed", "message": str(exc)}
    finally:
        conversions.running.pop(uri, None)

    full = markdown(outcome, OPTIMIZE_TITLE if multi else TITLE)
    _log(ls, full)
    report = outcome.verification if isinstance(outcome, Converted) else None
    if report is not None and not report.passed:
        message = report.headline()
        if not await _apply_anyway(ls, message):
            progress.end("Not applied: " + ("verification failed" if report.status == "failed" else "not verified"))
            _say(ls, types.MessageType.Warning if report.status != "failed" else types.MessageType.Error, message + " The file is unchanged; details are in the slimstage output.")
            return {"status": "verification_failed" if report.status == "failed" else "unverified", "engine": outcome.engine, "message": message, "explanation": full, "verification": report.text()}
    if not isinstance(outcome, Converted):
        progress.end("Not converted" if isinstance(outcome, Declined) else "Failed")
        kind = types.MessageType.Warning if isinstance(outcome, Declined) else types.MessageType.Error
        message = headline(outcome)
        if isinstance(outcome, Declined) and len(outcome.reasons) > 1:
            message += " " + " ".join(f"({i}) {r}" for i, r in enumerate(outcome.reasons[1:4], 2))
        for note in outcome.notes:
            message += f" {note}"
        _say(ls, kind, message)
        return {"status": outcome.status, "engine": outcome.engine, "message": message, "explanation": full}

    progress.report("Applying the edit…")
    current = ls.open_document(uri)
    if current is None or current.version != version:
        progress.end("Not applied: the file changed")
        return _stale(ls, uri, "You edited the Dockerfile while it was being converted, so nothing was overwritten.")
    ignore = None
    if outcome.dockerignore is not None and context.root is not None:
        ignore = ((context.root / outcome.dockerignore.path).resolve().as_uri(), outcome.dockerignore)
    edit, ignore_included = _edit(ls, uri, version, text, outcome.text, ignore)
    try:
        applied = await ls.workspace_apply_edit_async(types.ApplyWorkspaceEditParams(edit=edit, label=TITLE))
    except Exception as exc:
        progress.end("Not applied")
        _say(ls, types.MessageType.Error, f"the editor did not apply the conversion: {exc}")
        return {"status": "failed", "message": str(exc)}
    if not applied.applied:
        progress.end("Not applied")
        reason = applied.failure_reason or "the editor refused the edit (was the file changed?)"
        return _stale(ls, uri, f"The conversion was not applied: {reason}.")
    progress.end("Converted")
    message = headline(outcome)
    if report is not None and not report.passed:
        message += f" Applied although it was not verified: {report.headline()}"
    notes_line = " ".join(n for n in outcome.notes if "offline planner was used" in n)
    if outcome.dockerignore is not None:
        d = outcome.dockerignore
        if ignore_included:
            notes_line += f" {'Created' if d.create else 'Added lines to'} {d.path} in the same edit."
        else:
            notes_line += f" A {d.path} is proposed (see the slimstage output); this editor cannot create files, so it was not written."
    # One notification; the engine's warnings are in it (and make it a warning), not only in the log.
    warned = " Warnings: " + " ".join(f"({i}) {w}" for i, w in enumerate(outcome.warnings, 1)) if outcome.warnings else ""
    kind = types.MessageType.Warning if outcome.warnings else types.MessageType.Info
    _say(ls, kind, message + (f" {notes_line}" if notes_line else "") + warned + " Details are in the slimstage output.")
    return {
        "status": "converted",
        "engine": outcome.engine,
        "message": message,
        "explanation": full,
        # a measured figure replaces the estimate (as in the message and the explanation)
        "estimate": outcome.estimate.sentence() if outcome.estimate and not (report is not None and report.measured()) else None,
        "warnings": list(outcome.warnings),
        "dockerignore": (
            {"path": outcome.dockerignore.path, "added": outcome.dockerignore.added, "created": outcome.dockerignore.create, "applied": ignore_included}
            if outcome.dockerignore is not None
            else None
        ),
        "verification": report.text() if report is not None else None,
        "measured": report.measured() if report is not None else None,
    }


async def _apply_anyway(ls: "SlimstageServer", message: str) -> bool:
    """Ask whether to apply a rewrite that failed (or missed) verification; no means no."""
    caps = ls.client_capabilities
    if not (caps and caps.window and caps.window.show_message is not None):
        return False
    try:
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Warning,
                message=f"slimstage: {message} Apply the rewrite anyway?",
                actions=[types.MessageActionItem(APPLY_ANYWAY), types.MessageActionItem(KEEP)],
            )
        )
    except Exception:
        return False
    return choice is not None and choice.title == APPLY_ANYWAY


def _run_sync(job: "Job", progress) -> "Outcome":
    from ..rewrite.conversion import convert

    return asyncio.run(convert(job, progress))


def _stale(ls: "SlimstageServer", uri: str, message: str) -> dict[str, Any]:
    text = f"{message} Run \"{TITLE}\" again to convert the current text."
    caps = ls.client_capabilities
    if caps and caps.window and caps.window.show_message is not None:
        asyncio.ensure_future(_offer_again(ls, uri, text))
    else:
        _say(ls, types.MessageType.Warning, text)
    return {"status": "stale", "message": text}


async def _offer_again(ls: "SlimstageServer", uri: str, text: str) -> None:
    _params.set(None)  # a new run reports progress on a token of its own
    try:
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(type=types.MessageType.Warning, message=f"slimstage: {text}", actions=[types.MessageActionItem(AGAIN)])
        )
    except Exception:
        return
    if choice is not None and choice.title == AGAIN:
        doc = ls.open_document(uri)
        if doc is not None:
            await run_conversion(ls, Target(uri, doc.version))


def _conversions(ls: "SlimstageServer") -> Conversions:
    found = getattr(ls, "_slimstage_conversions", None)
    if found is None:
        found = Conversions()
        setattr(ls, "_slimstage_conversions", found)
    return found


def register(server: "SlimstageServer") -> None:
    builtin = server.protocol.fm.builtin_features.get(types.WORKSPACE_EXECUTE_COMMAND)
    if builtin is not None:

        def execute_command(params: types.ExecuteCommandParams):
            # Remember the params (for the workDoneToken) in the context the command's task copies.
            _params.set(params)
            return (yield from builtin(params))

        server.protocol.fm.add_builtin_feature(types.WORKSPACE_EXECUTE_COMMAND, execute_command)

    # No annotation on ``ls``: pygls resolves a command's type hints at run time.
    @server.command(COMMAND)
    async def convert_command(ls, *args: Any) -> dict[str, Any]:
        """Convert (or optimize) the Dockerfile named in the arguments; see the module docstring."""
        try:
            target = parse_arguments(args)
        except ValueError as exc:
            _say(ls, types.MessageType.Error, str(exc))
            return {"status": "failed", "message": str(exc)}
        result = await run_conversion(ls, target)
        # The answer goes to the client too: no key, no URL credentials in it.
        return {k: scrub(v, _secrets(ls)) if isinstance(v, str) else v for k, v in result.items()}
