"""SLIM403: the final image runs its application as root."""

from __future__ import annotations

from typing import Iterator, Optional

from ..analysis import Analysis
from ..analysis.images import default_user, display_image, is_windows_image, nonroot_user, stage_image
from ..analysis.runtime import drops_privileges, final_chain, is_root_user, last_user, packages_application
from ..dockerfile.model import Instruction, Range, Stage, utf16_len
from .base import Edit, Fix, Rule, Violation

_SETUP = (
    "RUN addgroup -S app && adduser -S -G app app",  # alpine, busybox
    "RUN groupadd --system app && useradd --system --gid app app",  # debian, ubuntu, rhel
)
_WHY = {"65532": "a bare uid needs no user database", "$APP_UID": "the `app` user of .NET 8+ images"}
_STATE = frozenset(("RUN", "COPY", "ADD", "WORKDIR", "ONBUILD"))


class FinalImageRunsAsRoot(Rule):
    """The final image runs its application as root.

    ## What it does
    Flags the final stage of an image that packages an application (a multi-stage build,
    or one whose final image copies the whole build context) when no `USER` in the
    stages that ship switches away from root and its base image is known to run as root
    (the OS images, the official language images and common servers, distroless images
    other than `:nonroot`, .NET images other than the chiseled ones, `scratch`). Also
    flags a last `USER root` (or `USER 0`) in any build.

    Left alone: images whose entrypoint switches users itself (`gosu`, `su-exec`,
    `setpriv`, `runuser`...), base images of unknown origin (they may set a user), and
    single-stage files that install a runtime or a server without copying an application
    in (the official images: they stay root so images built from them can install
    packages, and their entrypoints drop privileges), and Windows images (Nano Server,
    Server Core: their users are `ContainerUser` and `ContainerAdministrator`, and the
    Linux advice below does not apply to them).

    `microservices-demo` is reported for every service except `cartservice` (`USER
    1000`): the demo sets `runAsNonRoot` and `runAsUser: 1000` in its Kubernetes
    manifests instead, which a Dockerfile cannot see. Where the orchestrator always sets
    the user, suppress with `# slimstage ignore=SLIM403`. Among the official images, only
    two tool images that copy their whole repository in (the docs push tool and the
    hello-world build image) are reported: both do run as root.

    ## Why it matters
    A process running as root in a container is root on the files it can reach: a
    vulnerability in the application, or a mistake in a volume mount, then has the
    container's full power, and a container escape starts from uid 0.

    ## Example
    ```dockerfile
    FROM golang:1.27 AS builder
    RUN CGO_ENABLED=0 go build -o /out/app .

    FROM gcr.io/distroless/static-debian12
    COPY --from=builder /out/app /app
    ENTRYPOINT ["/app"]
    ```
    Use instead:
    ```dockerfile
    FROM gcr.io/distroless/static-debian12
    COPY --from=builder /out/app /app
    USER nonroot
    ENTRYPOINT ["/app"]
    ```

    ## Fix
    Where the base image certainly has an unprivileged user, the fix adds it after the
    last instruction that writes files: `USER node` on the `node` images, `USER nonroot`
    on distroless, `USER $APP_UID` on .NET 8+ images, `USER 65532` on `scratch` (a bare
    uid needs no user database). It is not applied by "fix all": check that the
    application can still read its files and bind its ports (below 1024 needs root).
    Elsewhere the message shows how to create a user.
    """

    code = "SLIM403"
    name = "final-image-runs-as-root"
    severity = "warning"
    summary = "The final image runs its application as root."
    fixable = True
    settings = ("target",)

    def check(self, a: Analysis) -> Iterator[Violation]:
        if a.graph.target is None or drops_privileges(a):
            return
        chain = final_chain(a)
        image = stage_image(a, chain[0].index)
        if image is not None and is_windows_image(image):
            return  # Windows users (ContainerUser, ContainerAdministrator) are not root; the advice is Linux's
        user = last_user(a)
        if user is not None:
            if is_root_user(user):
                yield self._explicit_root(a, user, image)
            return
        if not packages_application(a) or image is None or default_user(image) != "root":
            return
        final = a.doc.stages[a.graph.target]
        who = nonroot_user(image)
        if who is not None:
            todo = f"Add `USER {who}` ({_WHY.get(who, 'the image defines it')}) before the start command."
        else:
            family = "alpine" if "alpine" in image or "busybox" in image else "other"
            todo = f"Create a user (`{_SETUP[0] if family == 'alpine' else _SETUP[1]}`) and switch to it with `USER app`."
        message = f"The final image runs as root: no USER switches away from it, and `{display_image(image)}` starts as root. {todo}"
        fix = self._fix(a, final, who)
        rng = final.base_word.range if final.base_word is not None else final.from_instruction.range
        yield self.violation(rng, message, (), fix, user=who)

    def _explicit_root(self, a: Analysis, user: Instruction, image: Optional[str]) -> Violation:
        who = nonroot_user(image) if image else None
        todo = f"Switch to `USER {who}` before the start command." if who else "Switch to an unprivileged user before the start command."
        message = f"`USER {user.args[0].text}` is the last USER of the final image, so it runs as root. {todo}"
        fix = None
        if who and user.args and user.args[0].range.start.line == user.args[0].range.end.line:
            fix = Fix(f"Run as `{who}`", (Edit(user.args[0].range, who),), safe=False)
        return self.violation(user.range, message, (), fix, user=who)

    def _fix(self, a: Analysis, final: Stage, who: Optional[str]) -> Optional[Fix]:
        if who is None:
            return None
        after = final.from_instruction
        for ins in final.instructions[1:]:
            if ins.keyword in _STATE:
                after = ins
        line = after.end_line + 1
        own = [ln for ln in a.doc.lines[after.start_line : after.end_line + 1] if ln.strip() and not ln.lstrip().startswith("#")]
        if own and own[-1].rstrip(" \t").endswith(a.doc.escape):
            return None  # the file ends inside a continuation: a USER line would join that instruction
        if any(after.start_line <= p.range.end.line and p.range.start.line <= after.end_line for p in a.doc.problems):
            return None  # unfinished (an unterminated heredoc...): a USER line would become part of it
        if line < len(a.doc.lines):
            edit = Edit(Range.of(line, 0, line, 0), f"USER {who}\n")
        else:
            last = a.doc.lines[-1] if a.doc.lines else ""
            edit = Edit(Range.of(len(a.doc.lines) - 1, utf16_len(last), len(a.doc.lines) - 1, utf16_len(last)), f"\nUSER {who}")
        return Fix(f"Run as `{who}` (add `USER {who}`)", (edit,), safe=False)


