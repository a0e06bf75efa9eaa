"""``slimstage check --fix``: every fixable rule's fixtures and the whole corpus, on copies.

Each fixed file is re-checked: it has no finding the original did not have, BuildKit's
own parser (PyPI ``dockerfile``) still reads it with the same stages, and a second
``--fix`` finds nothing more to do. Line ends, BOM, mode and symlinks survive the write.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import dockerfile as buildkit
import pytest

from slimstage.cli import main
from slimstage.dockerfile import parse
from slimstage.lint import lint
from slimstage.rules.base import all_rules
from slimstage.settings import Settings, merge

from .conftest import CORPUS, corpus_files
from .test_rule_fixtures import _SETTINGS, fixture_cases

NODE_BAD = 'FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nUSER node\nCMD ["node", "index.js"]\n'
FIXABLE = {r.code for r in all_rules() if r.fixable}


def codes(path: Path, settings: Settings | None = None) -> Counter:
    from slimstage.cli import check_file

    return Counter(v.code for v in check_file(path, settings or Settings()).violations)


def buildkit_stages(text: str) -> list[tuple[str, ...]]:
    """The base of each stage as BuildKit's parser reads it (raises on a file it rejects);
    a fix may name a stage (SLIM304: `AS build`) but never changes what it is built on."""
    return [c.value[0] for c in buildkit.parse_string(text) if c.cmd.upper() == "FROM" and c.value]


def fixture_copies(tmp_path: Path) -> list[tuple[str, Path, dict]]:
    out = []
    for n, (code, path) in enumerate(fixture_cases()):
        if code not in FIXABLE:
            continue
        dest_dir = tmp_path / f"{n:03d}"
        if path.name == "Dockerfile":  # a folder fixture: its build context comes along
            shutil.copytree(path.parent, dest_dir)
            dest = dest_dir / "Dockerfile"
        else:
            dest_dir.mkdir()
            dest = dest_dir / path.name
            shutil.copy(path, dest)
        first = path.read_text(encoding="utf-8").split("\n", 1)[0]
        m = _SETTINGS.match(first)
        out.append((code, dest, json.loads(m.group(1)) if m else {}))
    return out


def test_fix_on_every_fixable_rules_fixtures(tmp_path: Path, capsys) -> None:
    cases = fixture_copies(tmp_path)
    assert {c for c, _, _ in cases} == FIXABLE
    fixed_any: set[str] = set()
    for code, path, raw in cases:
        settings, problems = merge(Settings(), raw)
        assert not problems
        before_text = path.read_text(encoding="utf-8")
        before = codes(path, settings)
        set_args = [f"--set={k}={json.dumps(v)}" for k, v in raw.items() if k != "rules"]
        rc = main(["check", "--fix", "--unsafe-fixes", "--format", "json", *set_args, str(path)])
        out = capsys.readouterr()
        assert rc in (0, 1), out.err
        after_text = path.read_text(encoding="utf-8")
        after = codes(path, settings)
        new = set(after) - set(before)
        assert not new, f"{path} ({code}): --fix added findings {new}:\n{after_text}"
        # A split install (SLIM101/SLIM103) repeats the original RUN's own finding, such as
        # its cache (SLIM106), on the new RUN: the same finding twice, never a new kind.
        grew = {c for c in after if after[c] > before[c]}
        assert grew <= {"SLIM106", "SLIM107"} and (not grew or code in ("SLIM101", "SLIM103")), (path, grew)
        assert buildkit_stages(after_text) == buildkit_stages(before_text)
        assert not [p for p in parse(after_text).problems if p.severity == "error"]
        # what --fix reports as remaining is what a plain check of the written file finds
        assert Counter(d["code"] for d in json.loads(out.out)) == after
        if after_text != before_text:
            fixed_any.update(c for c in before if after.get(c, 0) < before[c])
        # stable: a second run has nothing left to do
        main(["check", "--fix", "--unsafe-fixes", "--format", "json", *set_args, str(path)])
        assert "Fixed 0 findings" in capsys.readouterr().err
        assert path.read_text(encoding="utf-8") == after_text
    # every rule whose fixtures offer a fix that edits the Dockerfile itself (not only another
    # file, such as SLIM204's .dockerignore) was fixed somewhere
    from .test_rule_fixtures import check

    in_file = {c for c, p in fixture_cases() if c in FIXABLE and any(v.fix and v.fix.edits and not v.fix.files for v in check(c, p)[3])}
    assert "SLIM101" in in_file and "SLIM204" not in in_file
    assert fixed_any >= in_file, in_file - fixed_any


@pytest.mark.parametrize("extra", [[], ["--unsafe-fixes"]], ids=["safe", "unsafe"])
def test_fix_on_the_corpus(tmp_path: Path, in_ci: bool, capsys, extra: list[str]) -> None:
    files = corpus_files()
    if not files:
        if in_ci:
            pytest.fail("../shared/corpus is missing")
        pytest.skip("no corpus")
    copy = tmp_path / "corpus"
    shutil.copytree(CORPUS, copy, symlinks=True)
    from slimstage.cli import discover

    found_files = discover([str(copy)], [])
    assert len(found_files) > 100
    before = {p: (p.read_bytes(), codes(p)) for p in found_files}
    rc = main(["check", "--fix", *extra, "--format", "json", str(copy)])
    captured = capsys.readouterr()
    assert rc in (0, 1), captured.err
    remaining = Counter((Path(d["path"]), d["code"]) for d in json.loads(captured.out))
    changed = 0
    for path, (raw, found) in before.items():
        now = path.read_bytes()
        after = codes(path)
        assert set(after) <= set(found), f"{path}: new findings {set(after) - set(found)}"
        assert Counter({c: n for (p, c), n in remaining.items() if p == path}) == after
        if now == raw:
            continue
        changed += 1
        old_text, new_text = raw.decode("utf-8"), now.decode("utf-8")
        assert buildkit_stages(new_text) == buildkit_stages(old_text), path
        assert old_text.startswith("\ufeff") == new_text.startswith("\ufeff")
        assert ("\r\n" in old_text) == ("\r\n" in new_text)
        assert sum(after.values()) < sum(found.values())
    assert changed > 0
    assert f"in {changed} file" in captured.err


def test_line_ends_and_bom_are_kept(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_bytes(("\ufeff" + NODE_BAD.replace("\n", "\r\n")).encode("utf-8"))
    assert main(["check", "--fix", "--select", "SLIM101", str(p)]) == 0
    data = p.read_bytes()
    assert data.startswith("\ufeff".encode("utf-8"))
    assert data.count(b"\n") == data.count(b"\r\n") > 6
    assert b"COPY package.json package-lock.json ./\r\nRUN npm ci\r\nCOPY . .\r\n" in data


def test_diff_writes_nothing_and_exit_code_is_on_what_remains(tmp_path: Path, capsys) -> None:
    p = tmp_path / "Dockerfile"
    p.write_text(NODE_BAD)
    assert main(["check", "--fix", "--diff", "--select", "SLIM101", str(p)]) == 0  # nothing would remain
    out = capsys.readouterr()
    assert p.read_text() == NODE_BAD
    assert "+COPY package.json package-lock.json ./" in out.out and "-RUN npm ci" in out.out
    assert "would fix SLIM101" in out.err
    assert main(["check", "--fix", "--select", "SLIM101,SLIM204", str(p)]) == 1  # SLIM204 remains
    out = capsys.readouterr().out
    assert "fixed SLIM101" in out and "SLIM204" in out and "1 finding (0 fixable) in 1 file" in out


def test_unsafe_fixes_only_on_request(tmp_path: Path, capsys) -> None:
    p = tmp_path / "Dockerfile"
    p.write_text("FROM node:22\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"index.js\"]\n")
    assert main(["check", "--fix", "--select", "SLIM403", str(p)]) == 1
    assert "USER" not in p.read_text()
    assert "1 more with --unsafe-fixes" in capsys.readouterr().out
    assert main(["check", "--fix", "--unsafe-fixes", "--select", "SLIM403", str(p)]) == 0
    assert "USER node" in p.read_text()


def test_mode_and_symlink_survive(tmp_path: Path) -> None:
    real = tmp_path / "real.Dockerfile"
    real.write_text(NODE_BAD)
    os.chmod(real, 0o640)
    link = tmp_path / "Dockerfile"
    link.symlink_to(real.name)
    assert main(["check", "--fix", "--select", "SLIM101", str(link)]) == 0
    assert link.is_symlink() and "COPY package.json" in real.read_text()
    assert (real.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".slimstage")] == []


def test_non_utf8_file_is_not_rewritten(tmp_path: Path, capsys) -> None:
    p = tmp_path / "Dockerfile"
    raw = NODE_BAD.encode().replace(b"WORKDIR /app", b"WORKDIR /\xff")
    p.write_bytes(raw)
    assert main(["check", "--fix", str(p)]) == 2
    assert p.read_bytes() == raw
    assert "not fixed" in capsys.readouterr().err


def test_fix_result_matches_editor_fix_all(tmp_path: Path) -> None:
    """--fix is the editor's "fix all": same text for the same input."""
    from slimstage.analysis.context import read_context
    from slimstage.fixes import fix_all

    p = tmp_path / "Dockerfile"
    p.write_text(NODE_BAD)
    expected, applied = fix_all(NODE_BAD, Settings(), read_context(p, ""))
    assert applied
    main(["check", "--fix", str(p)])
    assert p.read_text() == expected
    assert lint(parse(expected), Settings()).violations is not None


def test_bad_inputs_are_one_line_errors_and_never_written(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    binary = tmp_path / "bin.Dockerfile"
    binary.write_bytes(b"FROM alpine\x00\x01\x02COPY . .\n")
    assert main(["check", "--fix", str(fifo), str(binary), str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert "not a regular file" in err and "binary" in err and "No such file" in err and "Traceback" not in err
    assert binary.read_bytes() == b"FROM alpine\x00\x01\x02COPY . .\n"


def test_many_fixes_repeat_until_stable_and_stay_bounded(tmp_path: Path, capsys, monkeypatch) -> None:
    """60 fixable findings: more than one fix_all pass (50 fixes each) fixes them all; with
    the number of passes cut to one, the fixing stops at 50 and the rest is reported."""
    import slimstage.fixfiles as fixfiles

    body = "FROM python:3.12-slim\nWORKDIR /app\n" + "".join(f"RUN pip install pkg{i}\n" for i in range(60)) + 'CMD ["python"]\n'
    p = tmp_path / "Dockerfile"
    p.write_text(body)
    assert main(["check", "--fix", "--select", "SLIM106", str(p)]) == 0
    assert "Fixed 60 findings in 1 file" in capsys.readouterr().out
    p.write_text(body)
    monkeypatch.setattr(fixfiles, "MAX_PASSES", 1)
    assert main(["check", "--fix", "--select", "SLIM106", str(p)]) == 1
    out = capsys.readouterr().out
    assert "Fixed 50 findings in 1 file" in out and "10 findings (10 fixable) in 1 file" in out


def test_diff_applies_with_git_apply_and_equals_the_fix(tmp_path: Path, monkeypatch, capsys) -> None:
    """--diff is a real patch: git apply turns the file into what --fix writes."""
    import subprocess

    text = NODE_BAD.replace("USER node\n", "") + "EXPOSE 3000"  # no newline at the end
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "Dockerfile").write_text(text)
    monkeypatch.chdir(tmp_path / "a")
    main(["check", "--fix", "--diff", "Dockerfile"])
    patch = capsys.readouterr().out
    assert patch.startswith("--- a/Dockerfile\n+++ b/Dockerfile\n")
    subprocess.run(["git", "apply", "-"], input=patch, text=True, check=True, cwd=tmp_path / "a")
    monkeypatch.chdir(tmp_path / "b")
    main(["check", "--fix", "Dockerfile"])
    assert (tmp_path / "a" / "Dockerfile").read_text() == (tmp_path / "b" / "Dockerfile").read_text() != text
