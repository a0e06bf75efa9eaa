"""Small inputs that hung the checker or blew up its memory, through ``slimstage check``.

Each CLI case runs with a CPU-time limit (``RLIMIT_CPU``, 30 s) and an address-space limit
(``RLIMIT_AS``, 1.5 GB): a run that needs more is killed, and the test fails. Before the
fixes: a 40-step ARG doubling chain needed terabytes, the ``.dockerignore`` patterns below
never finished, a 32,000-package install took about 160 s of CPU (quadratic), and a
million continuation lines about a minute (quadratic string building). Speed itself is
measured in bench/ and docs/reliability.md; these limits only catch what does not end.

The hypothesis properties use the generators in ``strategies.py`` for the same shapes.
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from slimstage.analysis.dockerignore import Dockerignore, IgnorePattern
from slimstage.analysis.images import MAX_EXPANDED, expand, global_arg_defaults
from slimstage.analysis.scope import walk
from slimstage.dockerfile import parse
from slimstage.lint import lint

from .fuzz import fuzz
from .strategies import doubling_chains, hostile_ignore_patterns, hostile_paths, long_package_lines, many_continuations
from .tally import tally

CPU_SECONDS = 30
MEMORY = 1536 * 1024 * 1024


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 5))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def check(folder: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1")
    env.pop("ANTHROPIC_API_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-m", "slimstage", "check", str(folder / "Dockerfile")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=_limits, timeout=600,
    )
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode in (0, 1), f"exit {proc.returncode} (killed by a limit when negative): {err[-2000:]}"
    assert "Traceback" not in err and "MemoryError" not in err, err[-2000:]
    return proc


def doubling(steps: int) -> str:
    lines = ["ARG A0=xy"] + [f"ARG A{i}=${{A{i - 1}}}${{A{i - 1}}}" for i in range(1, steps)]
    lines += [f"FROM alpine:$A{steps - 1}", "ENV B0=xy"] + [f"ENV B{i}=${{B{i - 1}}}${{B{i - 1}}}" for i in range(1, steps)]
    lines += [f"WORKDIR /$B{steps - 1}", f"USER $B{steps - 1}", "COPY . .", "RUN make"]
    return "\n".join(lines) + "\n"


def test_arg_and_env_doubling_chains_are_bounded(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text(doubling(40))
    check(tmp_path)


def test_dockerignore_patterns_that_backtrack(tmp_path: Path) -> None:
    deep = "/".join(["a"] * 30)
    (tmp_path / "Dockerfile").write_text(f"FROM alpine\nCOPY . .\nCOPY {'a' * 40}/x /x\nCOPY {deep}/y /y\n")
    (tmp_path / ".dockerignore").write_text("**/**/**/**/**/**/**/**/**/**/**/**/z\n" + "*a" * 25 + "c\n" + "!" + "*/" * 20 + "*a" * 12 + "b\n")
    check(tmp_path)


def test_sixteen_thousand_packages_and_more(tmp_path: Path) -> None:
    names = " ".join(f"pkg{i}" for i in range(32000))
    (tmp_path / "Dockerfile").write_text(f"FROM debian\nRUN apt-get update && apt-get install -y {names}\n")
    proc = check(tmp_path)
    assert b"SLIM107" in proc.stdout


def test_a_million_continuation_lines(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM debian\nRUN echo \\\n" + "  a \\\n" * 1_000_000 + "  end\n")
    check(tmp_path)


# -- the same shapes, generated ----------------------------------------------------------------------


@fuzz(40)
@given(doubling_chains())
def test_generated_doubling_chains_stay_bounded(text: str) -> None:
    tally("doubling chains")
    doc = parse(text)
    for value in global_arg_defaults(doc).values():
        assert value is None or len(value) <= MAX_EXPANDED
    for stage in doc.stages:
        for _ins, scope in walk(doc, stage):
            for name in scope.env:
                assert len(scope.env[name]) <= MAX_EXPANDED
    lint(doc)


def _reference(pattern: str) -> str:
    """The regex slimstage used before (Python's backtracking ``re``), for small inputs only."""
    out = ["^"]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "*":
            if i + 1 < n and pattern[i + 1] == "*":
                i += 2
                if i < n and pattern[i] == "/":
                    i += 1
                out.append(".*" if i >= n else "(.*/)?")
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(pattern[i]))
        elif ch == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                body = "!" + body[1:] if body.startswith("^") else body
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return "".join(out) + r"\Z"


_SMALL_PATTERN = st.lists(st.sampled_from(["*", "**", "**/", "?", "a", "b", "/", "[ab]", "[!a]", "[^b]", "\\*", ".", "\n"]), max_size=7).map("".join)
_SMALL_PATH = st.lists(st.sampled_from(["a", "b", "/", "*", ".", "\n", "c"]), max_size=9).map("".join)


@fuzz(300)
@given(_SMALL_PATTERN, _SMALL_PATH)
def test_linear_matcher_agrees_with_the_regex_it_replaces(pattern: str, path: str) -> None:
    tally("dockerignore differential")
    ip = IgnorePattern(pattern, False, 1)
    try:
        rx = re.compile(_reference(pattern))
    except re.error:
        assert ip.matcher is None
        return
    assert ip.matches(path) == bool(rx.match(path)), (pattern, path)
    parents = path.split("/")[:-1]
    expected = bool(rx.match(path)) or any(rx.match("/".join(parents[: i + 1])) for i in range(len(parents)))
    assert ip.matches_or_parent(path) == expected, (pattern, path)


@fuzz(60)
@given(st.lists(hostile_ignore_patterns(), min_size=1, max_size=4), hostile_paths())
def test_hostile_patterns_against_long_paths(patterns: list[str], path: str) -> None:
    tally("dockerignore hostile")
    di = Dockerignore.parse("\n".join(patterns) + "\n!" + patterns[0])
    di.excludes(path)
    di.decisive(path + "/x")


@fuzz(3, long_factor=5)
@given(long_package_lines())
def test_long_package_lines(text: str) -> None:
    tally("long package lines")
    lint(parse(text))


@fuzz(3, long_factor=5)
@given(many_continuations())
def test_many_continuation_lines(text: str) -> None:
    tally("continuation lines")
    doc = parse(text)
    assert doc.instructions[-1].keyword == "RUN"
    lint(doc)
