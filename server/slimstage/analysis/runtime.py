"""The final image: the stages whose layers it holds, who it runs as, what it starts, and
whether it packages an application (rather than being a base image for others).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Iterator, Optional
from weakref import WeakKeyDictionary

from ..dockerfile.model import Instruction, Stage
from .artifacts import WHOLE_CONTEXT
from .stages import copy_sources

if TYPE_CHECKING:
    from . import Analysis

# Tools an entrypoint uses to start the service as another user.
_PRIVILEGE_DROP = re.compile(r"\b(gosu|su-exec|setpriv|runuser|s6-setuidgid|chpst|setuidgid|su-exec|chroot\s+--userspec)\b")


def final_chain(a: "Analysis") -> list[Stage]:
    """The stages whose layers make up the final image, base first."""
    return [a.doc.stages[i] for i in sorted(a.graph.ships)]


def final_instructions(a: "Analysis", *keywords: str) -> Iterator[Instruction]:
    for st in final_chain(a):
        for ins in st.instructions[1:]:
            if not keywords or ins.keyword in keywords:
                yield ins


def last_user(a: "Analysis") -> Optional[Instruction]:
    """The USER instruction the final image runs as, if any."""
    found = None
    for ins in final_instructions(a, "USER"):
        found = ins
    return found


def is_root_user(ins: Instruction) -> bool:
    user = ins.args[0].text if ins.args else ""
    name = user.split(":", 1)[0].strip()
    return name in ("root", "0")


def drops_privileges(a: "Analysis") -> bool:
    """True when the image starts its service through a tool that switches to another user."""
    for ins in final_instructions(a, "RUN", "ENTRYPOINT", "CMD"):
        if _PRIVILEGE_DROP.search(ins.text) or any(_PRIVILEGE_DROP.search(h.body) for h in ins.heredocs):
            return True
    return False


def copies_whole_context(a: "Analysis") -> Optional[Instruction]:
    """The first COPY/ADD of the whole build context into the final image."""
    for ins in final_instructions(a, "COPY", "ADD"):
        if ins.flag("from") is None and len(ins.args) >= 2 and any(s in WHOLE_CONTEXT for s in copy_sources(ins)):
            return ins
    return None


def packages_application(a: "Analysis") -> bool:
    """A build that ships an application: multi-stage, or the final image takes the whole context.

    Single-stage files that only install a runtime or a server (the official images) are
    base images for others: they stay root on purpose so that images built FROM them can
    install packages, and their entrypoints switch users themselves.
    """
    return a.graph.multi_stage or copies_whole_context(a) is not None


def start_command(a: "Analysis") -> Optional[Instruction]:
    """The last ENTRYPOINT or CMD of the final image."""
    found = None
    for ins in final_instructions(a, "ENTRYPOINT", "CMD"):
        found = ins
    return found


def starts_through_mix(a: "Analysis") -> Optional[str]:
    """The start command when the final image runs the project through Mix (``mix run``, ``mix phx.server``,
    ``iex -S mix``, ``elixir -S mix``): Mix then reads the sources, ``deps`` and ``_build`` at run time."""
    ins = start_command(a)
    if ins is None:
        return None
    words = [w.text for w in ins.args] if ins.is_json else ins.text.split()
    if len(words) >= 3 and words[1] == "-c" and words[0].rsplit("/", 1)[-1] in ("sh", "bash"):
        words = words[2].split()
    program = words[0].rsplit("/", 1)[-1] if words else ""
    if program == "mix" and len(words) > 1 and words[1] in ("run", "phx.server"):
        return " ".join(words[:2])
    if program in ("iex", "elixir") and words[1:3] == ["-S", "mix"]:
        return " ".join(words[:3])
    return None


# Programs that open a shell or a REPL: an image that starts one is a base or a tool image.
_INTERACTIVE = frozenset(
    "sh bash ash zsh dash fish python python2 python3 pypy pypy3 node irb jshell ghci iex erl julia R pwsh powershell cmd "
    "php lua perl swift scala groovysh".split()
)


def runs_service(a: "Analysis") -> bool:
    """True when the final image starts a program of its own, not a shell or an interpreter prompt."""
    ins = start_command(a)
    if ins is None:
        return False
    words = [w.text for w in ins.args] if ins.is_json else ins.text.split()
    if ins.keyword == "ENTRYPOINT" or not words:
        return bool(words)
    program = words[0].rsplit("/", 1)[-1]
    if program in _INTERACTIVE and (len(words) == 1 or words[1:] == ["-a"] or words[1] in ("-i", "-l")):
        return False
    return True


# -- development images ------------------------------------------------------------------------

# Programs (and program + subcommand) that start a development server: file watching, hot reload.
_DEV_PROGRAMS = frozenset(("nodemon", "ts-node-dev", "tsx watch", "watchexec", "air", "reflex", "webpack-dev-server", "cargo-watch"))
_DEV_SUBCOMMANDS = {
    "next": ("dev",), "nuxt": ("dev",), "nuxi": ("dev",), "vite": ("", "dev", "serve"), "react-scripts": ("start",),
    "ng": ("serve", "s"), "webpack": ("serve",), "vue-cli-service": ("serve",), "gatsby": ("develop",), "ember": ("serve", "s"),
    "astro": ("dev",), "remix": ("dev",), "svelte-kit": ("dev",), "parcel": ("", "serve", "watch"), "tsx": ("watch",),
    "cargo": ("watch",), "dotnet": ("watch",), "hugo": ("server", "serve"), "jekyll": ("serve", "s"),
}
_DEV_SCRIPTS = frozenset(("dev", "develop", "development", "serve", "watch", "start:dev", "dev:server", "start-dev", "start:watch"))
# ENV a create-react-app / webpack dev server is given so it notices file changes in a container.
_DEV_ENV = ("CHOKIDAR_USEPOLLING", "WATCHPACK_POLLING", "WDS_SOCKET_PORT", "FAST_REFRESH")


def _dev_words(words: tuple[str, ...], env: dict) -> Optional[str]:
    """The dev-server command in ``words`` (one simple command), if it is one."""
    if not words:
        return None
    tool = words[0].rsplit("/", 1)[-1]
    if tool in ("npx", "bunx", "pnpx") and len(words) > 1:
        return _dev_words(tuple(w for w in words[1:] if not w.startswith("-")), env)
    if tool in ("bundle", "pipenv", "poetry", "uv", "pdm") and len(words) > 2 and words[1] in ("exec", "run"):
        return _dev_words(words[2:], env)
    rest = [w for w in words[1:] if not w.startswith("-")]
    sub = rest[0] if rest else ""
    if tool in _DEV_PROGRAMS:
        return tool
    if tool in _DEV_SUBCOMMANDS and sub in _DEV_SUBCOMMANDS[tool]:
        return " ".join(words[:2]) if sub else tool
    if any(w in ("--reload", "--watch", "--hot", "--debug-reload") for w in words) and tool in ("uvicorn", "gunicorn", "hypercorn", "node", "bun", "deno", "tsx", "flask", "fastapi"):
        return " ".join(words[:2])
    if tool == "fastapi" and sub == "dev":
        return "fastapi dev"
    is_flask = tool == "flask" or (tool.startswith("python") and words[1:3] == ("-m", "flask"))
    if is_flask and "run" in words:
        debug = "--debug" in words or "--reload" in words or (env.get("FLASK_DEBUG") or "").lower() in ("1", "true") or env.get("FLASK_ENV") == "development"
        return "flask run --debug" if debug else None
    if tool.startswith("python") and len(words) > 2 and words[1].endswith("manage.py") and words[2] == "runserver":
        return "manage.py runserver"
    if tool in ("rails", "rail") and sub in ("s", "server"):
        envs = [words[i + 1] for i, w in enumerate(words[:-1]) if w in ("-e", "--environment")]
        mode = envs[-1] if envs else (env.get("RAILS_ENV") or env.get("RACK_ENV") or "development")
        return "rails server" if mode == "development" else None
    if tool in ("npm", "yarn", "pnpm", "bun") and sub in ("run", "run-script") and len(rest) > 1 and rest[1] in _DEV_SCRIPTS:
        return " ".join(words[:3])
    if tool in ("yarn", "pnpm", "bun") and sub in _DEV_SCRIPTS:
        return " ".join(words[:2])
    return None


_DEV: "WeakKeyDictionary[Analysis, Optional[str]]" = WeakKeyDictionary()


def dev_server(a: "Analysis") -> Optional[str]:
    """See ``_dev_server``; computed once per Analysis (several rules ask)."""
    if a not in _DEV:
        _DEV[a] = _dev_server(a)
    return _DEV[a]


def _dev_server(a: "Analysis") -> Optional[str]:
    """The development server the final image starts (``npm start`` of a create-react-app,
    ``flask run --debug``, ``rails s`` in development, nodemon, ``vite``), or None.

    A dev image is meant to hold the toolchain: the rules about toolchains, build tools and
    dev dependencies in the final image leave it alone. ``npm start`` and other package
    scripts are followed through the build context's package.json where it is known.
    """
    from .artifacts import stage_facts
    from .indirect import delegated
    from .shell import Command

    ins = start_command(a)
    if ins is None or a.graph.target is None:
        return None
    env = {k: v or "" for k, v in stage_facts(a, a.graph.target).env}
    if ins.is_json:
        words = tuple(w.text for w in ins.args)
    else:
        words = tuple(ins.text.split())
    if words and words[0].rsplit("/", 1)[-1] in ("sh", "bash") and len(words) > 2 and words[1] == "-c":
        words = tuple(" ".join(words[2:]).strip("'\"").split())
    found = _dev_words(words, env)
    if found:
        return found
    cmd = Command.synthetic(words)
    d = delegated(cmd, a.context)
    if d is not None:
        for inner in d.commands:
            found = _dev_words(inner.words, env)
            if found:
                return f"{' '.join(words[:3])} (`{found}`)"
    tool = words[0].rsplit("/", 1)[-1] if words else ""
    if tool in ("npm", "yarn", "pnpm") and "start" in words[1:3] and any(env.get(k) for k in _DEV_ENV):
        return " ".join(words[:2])
    return None
