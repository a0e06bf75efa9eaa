"""The command line: formats, exit codes, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from slimstage.cli import main

from .conftest import CORPUS, EXAMPLES, corpus_files

NODE_BAD = "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n"


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    p = tmp_path / "Dockerfile"
    p.write_text(NODE_BAD)
    return p


def test_text_format_and_exit_code(bad_file: Path, capsys) -> None:
    assert main(["check", str(bad_file)]) == 1
    out = capsys.readouterr().out
    assert f"{bad_file}:3:1: warning SLIM101 " in out


def test_json_format(bad_file: Path, capsys) -> None:
    assert main(["check", "--format", "json", str(bad_file)]) == 1
    data = json.loads(capsys.readouterr().out)
    item = next(d for d in data if d["code"] == "SLIM101")
    assert item["path"] == str(bad_file)
    assert (item["line"], item["column"], item["end_line"], item["end_column"]) == (3, 1, 3, 9)
    assert set(item) >= {"path", "code", "name", "severity", "message", "line", "column", "end_line", "end_column"}


def test_sarif_format(bad_file: Path, capsys) -> None:
    main(["check", "--format", "sarif", str(bad_file)])
    sarif = json.loads(capsys.readouterr().out)
    assert sarif["version"] == "2.1.0"
    run = sarif["runs"][0]
    assert run["tool"]["driver"]["name"] == "slimstage"
    result = next(r for r in run["results"] if r["ruleId"] == "SLIM101")
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 3
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "SLIM101"


def test_fail_level_and_clean_file(tmp_path: Path) -> None:
    p = tmp_path / "Dockerfile"
    p.write_text("FROM scratch\nCOPY app /app\nENTRYPOINT [\"/app\"]\n")
    assert main(["check", "--select", "SLIM101,SLIM201", str(p)]) == 0
    q = tmp_path / "b.Dockerfile"
    q.write_text(NODE_BAD)
    assert main(["check", "--fail-level", "error", "--select", "SLIM101", str(q)]) == 0


def test_select_and_ignore(bad_file: Path, capsys) -> None:
    assert main(["check", "--ignore", "SLIM1", "--select", "SLIM101", str(bad_file)]) == 0


def test_folder_discovery(tmp_path: Path, capsys) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "Dockerfile").write_text(NODE_BAD)
    (tmp_path / "api.Dockerfile").write_text(NODE_BAD)
    (tmp_path / "Dockerfile.dev").write_text(NODE_BAD)
    (tmp_path / "Containerfile").write_text(NODE_BAD)
    (tmp_path / "notes.txt").write_text("FROM x")
    main(["check", "--format", "json", "--select", "SLIM101", str(tmp_path)])
    paths = {Path(d["path"]).name for d in json.loads(capsys.readouterr().out)}
    assert paths == {"Dockerfile", "api.Dockerfile", "Dockerfile.dev", "Containerfile"}


@pytest.mark.parametrize(
    "make,expected",
    [
        (lambda d: d / "missing", "No such file"),
        (lambda d: d, "no Dockerfile found"),
    ],
)
def test_io_errors_are_one_line_and_exit_2(tmp_path: Path, capsys, make, expected) -> None:
    assert main(["check", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and expected in err[0] and "Traceback" not in err[0]


def test_fifo_is_refused_without_blocking(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "Dockerfile"
    os.mkfifo(fifo)
    assert main(["check", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err


def test_non_utf8_is_checked_and_reported(tmp_path: Path, capsys) -> None:
    p = tmp_path / "Dockerfile"
    p.write_bytes(b"FROM alpine\nRUN echo \xff\xfe\nCOPY --from=alpine / /\n")
    assert main(["check", str(p)]) == 2
    captured = capsys.readouterr()
    assert "not valid UTF-8" in captured.err
    assert "SLIM201" in captured.out


def test_rules_listing_and_docs(capsys) -> None:
    assert main(["rules"]) == 0
    listing = capsys.readouterr().out
    assert "SLIM101" in listing and "SLIM201" in listing
    assert main(["rules", "SLIM101"]) == 0
    page = capsys.readouterr().out
    for heading in ("## What it does", "## Why it matters", "## Example", "## Fix"):
        assert heading in page
    assert main(["rules", "SLIM999"]) == 2


def test_node_example_reports_layer_order_at_the_copy_line(capsys) -> None:
    path = EXAMPLES / "node-service" / "Dockerfile"
    main(["check", "--format", "json", str(path)])
    data = json.loads(capsys.readouterr().out)
    copy_line = next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith("COPY . ."))
    assert any(d["code"] == "SLIM101" and d["line"] == copy_line for d in data)


def test_whole_corpus_checks_without_error(in_ci: bool) -> None:
    files = corpus_files()
    if not files:
        if in_ci:
            pytest.fail("../shared/corpus is missing")
        pytest.skip("no corpus")
    proc = subprocess.run(
        [sys.executable, "-m", "slimstage", "check", "--format", "json", "--fail-level", "error", str(CORPUS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr and "failed" not in proc.stderr
    json.loads(proc.stdout)


def test_serve_exits_when_stdin_is_empty_or_devnull(tmp_path: Path) -> None:
    """stdin from /dev/null (not pollable) or an empty pipe: the server ends, it never hangs."""
    with open(os.devnull, "rb") as devnull:
        proc = subprocess.run([sys.executable, "-m", "slimstage", "serve"], stdin=devnull, capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    proc = subprocess.run([sys.executable, "-m", "slimstage", "serve"], input=b"", capture_output=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
