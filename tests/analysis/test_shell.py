"""Splitting RUN instructions into simple commands: operators, quotes, prefixes, heredocs, offsets."""

from __future__ import annotations

from slimstage.analysis.shell import commands
from slimstage.dockerfile import parse


def cmds(text: str):
    doc = parse("FROM scratch\n" + text + "\n")
    return commands(doc.stages[0].instructions[1])


def words(text: str) -> list[tuple[str, ...]]:
    return [c.words for c in cmds(text)]


def test_operators_split_commands_but_quotes_do_not() -> None:
    assert words("RUN a && b || c; d | e & f") == [("a",), ("b",), ("c",), ("d",), ("e",), ("f",)]
    assert words("RUN echo 'x && y' \"a; b\" $(cat f | sort) `g; h`") == [("echo", "x && y", "a; b", "$(cat f | sort)", "`g;", "h`")]


def test_redirections_are_not_arguments() -> None:
    assert words("RUN npm ci > /dev/null 2>&1 && make >>log 2> err.txt") == [("npm", "ci"), ("make",)]


def test_prefixes_and_assignments() -> None:
    (cmd,) = cmds("RUN DEBIAN_FRONTEND=noninteractive sudo -u root -E apt-get install -y curl")
    assert cmd.words == ("apt-get", "install", "-y", "curl")
    assert cmd.env == (("DEBIAN_FRONTEND", "noninteractive"),)
    assert cmd.text.startswith("DEBIAN_FRONTEND=")
    (x,) = cmds("RUN xargs -r -a pkgs.txt apt-get install -y")
    assert x.via == "xargs" and x.words[0] == "apt-get"


def test_control_structures_and_comments() -> None:
    found = words("RUN if [ -f a ]; then npm ci; else yarn; fi; for p in a b; do echo $p; done")
    assert ("npm", "ci") in found and ("yarn",) in found and ("echo", "$p") in found
    assert words("RUN case $x in amd64|i386) apt-get update ;; *) true ;; esac") == [("apt-get", "update"), ("true",)]
    assert words("RUN npm ci # install deps") == [("npm", "ci")]
    assert words("RUN curl http://host/#frag") == [("curl", "http://host/#frag")]


def test_cd_moves_later_commands() -> None:
    found = cmds("RUN cd web && npm ci && (cd api && pip install -r r.txt) && make")
    assert [(c.words[0], c.cwd) for c in found] == [("cd", ""), ("npm", "web"), ("cd", "web"), ("pip", "web/api"), ("make", "web")]


def test_word_ranges_point_into_the_document() -> None:
    doc = parse("FROM scratch\nRUN apt-get update \\\n    && apt-get install -y curl\n")
    update, install = commands(doc.stages[0].instructions[1])
    assert (install.range.start.line, install.range.start.character) == (2, 7)
    r = install.word_range(0, 1)
    assert (r.start.line, r.start.character, r.end.character) == (2, 7, 22)
    after = install.after_word(1)
    assert after is not None and (after.start.line, after.start.character) == (2, 22)
    assert update.joiner == "&&" and install.joiner == ""


def test_heredoc_bodies_run_as_scripts_only_when_a_shell_reads_them() -> None:
    doc = parse("FROM scratch\nRUN <<EOF\nset -e\nnpm ci \\\n  --omit=dev\nEOF\nRUN cat <<EOF > /x\nnpm ci\nEOF\n")
    first, second = doc.stages[0].instructions[1:]
    found = commands(first)
    assert [c.words for c in found] == [("set", "-e"), ("npm", "ci", "--omit=dev")]
    assert found[1].heredoc == 0 and found[1].range.start.line == 3
    assert [c.words for c in commands(second)] == [("cat",)]


def test_exec_form_and_sh_c() -> None:
    assert words('RUN ["npm", "ci"]') == [("npm", "ci")]
    found = cmds('RUN ["sh", "-c", "apt-get update && apt-get install -y git"]')
    assert [c.words[:2] for c in found] == [("sh", "-c"), ("apt-get", "update"), ("apt-get", "install")]
    assert not found[1].editable and found[1].via == "sh -c"
