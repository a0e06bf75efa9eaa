"""Short reference text for Dockerfile instructions, their flags, mount options and directives.

Written for slimstage (one or two sentences and the syntax), shown on hover and in
completion so one language server is enough. ``markdown()`` and ``text()`` render the
same entry for clients with and without markdown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class RefDoc:
    title: str  # "RUN", "COPY --from", "--mount type=cache", "# syntax="
    summary: str
    syntax: tuple[str, ...] = ()

    def markdown(self) -> str:
        lines = [f"**{self.title}**: {self.summary}"]
        if self.syntax:
            lines += ["", "```dockerfile", *self.syntax, "```"]
        return "\n".join(lines)

    def text(self) -> str:
        lines = [f"{self.title}: {self.summary}"]
        lines += [f"  {s}" for s in self.syntax]
        return "\n".join(lines)


def _doc(title: str, summary: str, *syntax: str) -> RefDoc:
    return RefDoc(title, summary, tuple(syntax))


INSTRUCTIONS: dict[str, RefDoc] = {
    "FROM": _doc(
        "FROM",
        "Starts a new build stage on top of an image, or on top of an earlier stage when it names one. "
        "`AS name` lets later stages refer to this one.",
        "FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]",
    ),
    "RUN": _doc(
        "RUN",
        "Runs a command while the image is built and keeps what it changed as a new layer. "
        "Shell form goes through `/bin/sh -c`; the JSON form runs the program directly.",
        "RUN [--mount=...] [--network=...] <command>",
        'RUN ["executable", "arg", ...]',
    ),
    "CMD": _doc(
        "CMD",
        "The default command (or default arguments to ENTRYPOINT) of a container started from the image. "
        "Only the last CMD of the final stage counts.",
        'CMD ["executable", "arg", ...]',
        "CMD <command>",
    ),
    "LABEL": _doc("LABEL", "Adds key/value metadata to the image.", 'LABEL <key>=<value> ["<key>=<value>" ...]'),
    "MAINTAINER": _doc("MAINTAINER", "Deprecated author field; use `LABEL org.opencontainers.image.authors=...` instead.", "MAINTAINER <name>"),
    "EXPOSE": _doc(
        "EXPOSE",
        "Documents the ports the container listens on (tcp unless `/udp` is given). It publishes nothing by itself.",
        "EXPOSE <port>[/<protocol>] ...",
    ),
    "ENV": _doc(
        "ENV",
        "Sets environment variables for the rest of the stage, for stages built FROM it, and for containers "
        "run from the image.",
        "ENV <key>=<value> ...",
    ),
    "ADD": _doc(
        "ADD",
        "Copies files into the image like COPY, and can also fetch URLs and Git repositories and unpack "
        "local tar archives. Prefer COPY unless you need one of those.",
        "ADD [--chown=...] [--chmod=...] [--checksum=...] <src>... <dest>",
    ),
    "COPY": _doc(
        "COPY",
        "Copies files from the build context, from an earlier stage (`--from=<stage>`) or from an image "
        "(`--from=<image>`) into the image.",
        "COPY [--from=<stage|image>] [--chown=...] [--chmod=...] [--link] <src>... <dest>",
    ),
    "ENTRYPOINT": _doc(
        "ENTRYPOINT",
        "The program a container runs; CMD supplies its default arguments. The JSON form receives signals "
        "directly, the shell form runs under `/bin/sh -c`.",
        'ENTRYPOINT ["executable", "arg", ...]',
    ),
    "VOLUME": _doc(
        "VOLUME",
        "Marks paths as mount points for volumes; later build steps that change them are discarded.",
        'VOLUME ["/data"]',
    ),
    "USER": _doc(
        "USER",
        "The user (and optionally group) for the following RUN, CMD and ENTRYPOINT of this stage and for "
        "containers run from the image.",
        "USER <user>[:<group>]",
    ),
    "WORKDIR": _doc(
        "WORKDIR",
        "Sets (and creates) the working directory for the following instructions of this stage.",
        "WORKDIR /path",
    ),
    "ARG": _doc(
        "ARG",
        "Declares a build argument, optionally with a default, set with `docker build --build-arg`. "
        "Before the first FROM it is global (usable in FROM lines); a stage must declare `ARG <name>` "
        "again to use it.",
        "ARG <name>[=<default>]",
    ),
    "ONBUILD": _doc(
        "ONBUILD",
        "Stores an instruction that runs later, when another build uses this image as its base.",
        "ONBUILD <INSTRUCTION> ...",
    ),
    "STOPSIGNAL": _doc("STOPSIGNAL", "The signal sent to the container to stop it (default SIGTERM).", "STOPSIGNAL SIGINT"),
    "HEALTHCHECK": _doc(
        "HEALTHCHECK",
        "A command the runtime runs periodically to tell whether the container is healthy; `NONE` turns "
        "off a check inherited from the base image.",
        "HEALTHCHECK [--interval=30s] [--timeout=30s] [--start-period=0s] [--retries=3] CMD <command>",
        "HEALTHCHECK NONE",
    ),
    "SHELL": _doc(
        "SHELL",
        "Replaces the shell used by shell-form RUN, CMD and ENTRYPOINT for the rest of the stage.",
        'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    ),
}

# Flags per instruction: (keyword, flag name without dashes) -> doc.
FLAGS: dict[tuple[str, str], RefDoc] = {
    ("FROM", "platform"): _doc(
        "FROM --platform",
        "Pulls the image for this platform instead of the target platform, e.g. `$BUILDPLATFORM` for a "
        "builder stage that cross-compiles.",
        "FROM --platform=$BUILDPLATFORM golang:1.26 AS build",
    ),
    ("COPY", "from"): _doc(
        "COPY --from",
        "Copies from an earlier stage (by name or index) or from an image instead of the build context.",
        "COPY --from=build /app/dist /srv",
    ),
    ("COPY", "chown"): _doc("COPY --chown", "Owner (user[:group], names or ids) of the copied files.", "COPY --chown=app:app . ."),
    ("COPY", "chmod"): _doc("COPY --chmod", "Permission bits of the copied files.", "COPY --chmod=0755 entrypoint.sh /"),
    ("COPY", "link"): _doc(
        "COPY --link",
        "Copies into an independent layer that does not depend on the layers below, so it can be reused "
        "when the base changes.",
    ),
    ("COPY", "parents"): _doc("COPY --parents", "Keeps the source paths' parent folders under the destination."),
    ("COPY", "exclude"): _doc("COPY --exclude", "Leaves out the paths matching this pattern (may be repeated).", "COPY --exclude=*.md . ."),
    ("ADD", "chown"): _doc("ADD --chown", "Owner (user[:group]) of the added files."),
    ("ADD", "chmod"): _doc("ADD --chmod", "Permission bits of the added files."),
    ("ADD", "link"): _doc("ADD --link", "Adds into an independent layer that survives changes of the layers below."),
    ("ADD", "checksum"): _doc("ADD --checksum", "Expected digest of a remote source; the build fails when it differs.", "ADD --checksum=sha256:<hex> https://... /x"),
    ("ADD", "keep-git-dir"): _doc("ADD --keep-git-dir", "Keeps the `.git` folder when adding a Git repository."),
    ("ADD", "exclude"): _doc("ADD --exclude", "Leaves out the paths matching this pattern (may be repeated)."),
    ("ADD", "unpack"): _doc("ADD --unpack", "Whether a tar archive is unpacked (also for remote archives)."),
    ("RUN", "mount"): _doc(
        "RUN --mount",
        "Mounts something for this command only: a cache that survives builds, a folder of another stage, "
        "a secret or an SSH agent. Nothing mounted ends up in the layer.",
        "RUN --mount=type=cache,target=/root/.npm npm ci",
        "RUN --mount=type=bind,from=build,source=/out,target=/out ...",
    ),
    ("RUN", "network"): _doc("RUN --network", "Network for the command: `default`, `none` (offline) or `host`.", "RUN --network=none make test"),
    ("RUN", "security"): _doc("RUN --security", "`insecure` runs the command with extra privileges (needs the builder to allow it)."),
    ("RUN", "device"): _doc("RUN --device", "Makes a CDI device available to the command."),
    ("HEALTHCHECK", "interval"): _doc("HEALTHCHECK --interval", "Time between checks (default 30s)."),
    ("HEALTHCHECK", "timeout"): _doc("HEALTHCHECK --timeout", "How long one check may take before it counts as failed (default 30s)."),
    ("HEALTHCHECK", "start-period"): _doc("HEALTHCHECK --start-period", "Start-up time during which failures do not count (default 0s)."),
    ("HEALTHCHECK", "start-interval"): _doc("HEALTHCHECK --start-interval", "Time between checks during the start period (default 5s)."),
    ("HEALTHCHECK", "retries"): _doc("HEALTHCHECK --retries", "Consecutive failures before the container is unhealthy (default 3)."),
}

MOUNT_TYPES: dict[str, RefDoc] = {
    "bind": _doc("--mount type=bind", "Mounts files from the build context or from another stage (`from=`) read-only (the default type)."),
    "cache": _doc("--mount type=cache", "A folder kept between builds, for package-manager and compiler caches; not part of the image."),
    "tmpfs": _doc("--mount type=tmpfs", "An empty in-memory folder for this command."),
    "secret": _doc("--mount type=secret", "A secret passed with `docker build --secret`, as a file (or `env=`); never stored in a layer."),
    "ssh": _doc("--mount type=ssh", "Access to the SSH agent forwarded with `docker build --ssh`, e.g. for private Git repositories."),
}

MOUNT_OPTIONS: dict[str, RefDoc] = {
    "type": _doc("--mount type", "What to mount: bind (default), cache, tmpfs, secret or ssh."),
    "target": _doc("--mount target", "Where the mount appears inside the build container (also `dst`, `destination`)."),
    "source": _doc("--mount source", "Path inside the `from` stage or image (bind), or the secret's id."),
    "from": _doc("--mount from", "Stage or image to mount from (bind, cache); the build context when absent."),
    "id": _doc("--mount id", "Identifies a cache or secret; caches with the same id are shared."),
    "sharing": _doc("--mount sharing", "How concurrent builds use a cache: shared (default), private or locked."),
    "readonly": _doc("--mount readonly", "Mounts read-only (`ro`); bind mounts are read-only unless `rw`."),
    "rw": _doc("--mount rw", "Makes a bind mount writable; what is written is thrown away after the command."),
    "mode": _doc("--mount mode", "Permission bits of a cache, secret or ssh socket."),
    "uid": _doc("--mount uid", "Owner user id of the mount."),
    "gid": _doc("--mount gid", "Owner group id of the mount."),
    "required": _doc("--mount required", "Fail the build when the secret or SSH agent is missing."),
    "env": _doc("--mount env", "Exposes a secret as this environment variable instead of a file."),
    "size": _doc("--mount size", "Size limit of a tmpfs mount."),
}

DIRECTIVES: dict[str, RefDoc] = {
    "syntax": _doc("# syntax=", "Which Dockerfile frontend (parser) BuildKit uses, e.g. `docker/dockerfile:1`. Must be at the very top.", "# syntax=docker/dockerfile:1"),
    "escape": _doc("# escape=", "The escape and line-continuation character: `\\` (default) or a backtick (handy on Windows).", "# escape=`"),
    "check": _doc("# check=", "Configures BuildKit's own build checks: skip some, or fail the build on a warning.", "# check=skip=JSONArgsRecommended;error=true"),
}


def instruction_doc(keyword: str) -> Optional[RefDoc]:
    return INSTRUCTIONS.get(keyword.upper())


def flag_doc(keyword: str, flag: str) -> Optional[RefDoc]:
    return FLAGS.get((keyword.upper(), flag.lower().lstrip("-")))


def flags_of(keyword: str) -> list[tuple[str, RefDoc]]:
    """The flags an instruction takes, in reference order."""
    key = keyword.upper()
    return [(name, doc) for (kw, name), doc in FLAGS.items() if kw == key]


def mount_option_doc(option: str) -> Optional[RefDoc]:
    aliases = {"dst": "target", "destination": "target", "src": "source", "ro": "readonly"}
    return MOUNT_OPTIONS.get(aliases.get(option.lower(), option.lower()))


def directive_doc(name: str) -> Optional[RefDoc]:
    return DIRECTIVES.get(name.lower())
