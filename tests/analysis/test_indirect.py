"""Builds and installs behind make, scripts, package scripts and task runners (analysis/indirect.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from slimstage.analysis.context import UNKNOWN, read_context
from slimstage.analysis.indirect import delegated, delegated_steps, makefile_targets, package_scripts
from slimstage.analysis.shell import Command


def _cmd(*words: str) -> Command:
    return Command.synthetic(tuple(words))


def _ctx(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    return read_context(tmp_path / "Dockerfile")


def test_makefile_target_with_prerequisites_and_variables(tmp_path):
    ctx = _ctx(tmp_path, {"Makefile": "GO ?= go\nBIN := app\n.PHONY: build\nall: build\nbuild: deps\n\t@$(GO) build -o $(BIN) ./cmd/app\ndeps:\n\tgo mod download\n"})
    d = delegated(_cmd("make"), ctx)
    assert d is not None and d.source == "Makefile"
    assert [c.words for c in d.commands] == [("go", "mod", "download"), ("go", "build", "-o", "app", "./cmd/app")]


def test_package_json_script_and_hooks(tmp_path):
    scripts = {"prebuild": "rimraf dist", "build": "tsc -p . && vite build", "start": "react-scripts start"}
    ctx = _ctx(tmp_path, {"package.json": json.dumps({"scripts": scripts})})
    d = delegated(_cmd("npm", "run", "build"), ctx)
    assert d is not None
    assert [c.words[0] for c in d.commands] == ["rimraf", "tsc", "vite"]


def test_project_script_runs_npm_ci(tmp_path):
    ctx = _ctx(tmp_path, {"bin/installDeps.sh": "#!/bin/sh\ncd \"$(dirname \"$0\")/..\"\nnpm ci --omit=dev\n"})
    steps = delegated_steps([_cmd("bin/installDeps.sh")], ctx, None)
    assert [(s.tool, s.kind, s.via, s.via_source) for s in steps] == [("npm", "deps", "bin/installDeps.sh", "bin/installDeps.sh")]


def test_justfile_and_taskfile(tmp_path):
    ctx = _ctx(tmp_path, {"justfile": "build:\n    cargo build --release\n", "Taskfile.yml": "version: '3'\ntasks:\n  build:\n    cmds:\n      - go build -o bin/app .\n"})
    assert [c.words[:2] for c in delegated(_cmd("just", "build"), ctx).commands] == [("cargo", "build")]
    assert [c.words[:2] for c in delegated(_cmd("task", "build"), ctx).commands] == [("go", "build")]


def test_shapes_without_context():
    assert [c.words for c in delegated(_cmd("make", "build"), UNKNOWN, "go").commands] == [("go", "build")]
    assert [c.words[:2] for c in delegated(_cmd("./build.sh"), UNKNOWN, "rust").commands] == [("cargo", "build")]
    assert [c.words[:2] for c in delegated(_cmd("bin/installDeps.sh"), UNKNOWN, "node").commands] == [("npm", "install")]
    assert delegated(_cmd("make", "test"), UNKNOWN, "go") is None  # not a build target
    # task runners without their Taskfile/justfile: the same shapes as make
    assert [c.words for c in delegated(_cmd("task", "build"), UNKNOWN, "go").commands] == [("go", "build")]
    assert [c.words[:2] for c in delegated(_cmd("just"), UNKNOWN, "rust").commands] == [("cargo", "build")]
    assert delegated(_cmd("task", "-d", "sub", "build"), UNKNOWN, "go") is None  # runs elsewhere
    assert delegated(_cmd("just", "deploy"), UNKNOWN, "go") is None
    assert delegated(_cmd("make"), UNKNOWN, None) is None  # no ecosystem: nothing to recognise
    assert delegated(_cmd("npm", "run", "build"), UNKNOWN, "node") is None  # package scripts only from package.json


def test_recursion_is_bounded(tmp_path):
    ctx = _ctx(tmp_path, {"Makefile": "a: b\n\t$(MAKE) a\nb: a\n\tmake b\n", "package.json": json.dumps({"scripts": {"x": "npm run x"}})})
    assert delegated(_cmd("make", "a"), ctx) is not None
    assert delegated(_cmd("npm", "run", "x"), ctx) is not None


def test_side_files_stay_inside_the_context(tmp_path):
    outside = tmp_path / "outside.sh"
    outside.write_text("go build .\n")
    root = tmp_path / "ctx"
    root.mkdir()
    (root / "Dockerfile").write_text("FROM scratch\n")
    os.symlink(outside, root / "build.sh")
    ctx = read_context(root / "Dockerfile")
    assert ctx.read_text("build.sh") is None
    assert ctx.read_text("../outside.sh") is None
    assert delegated(_cmd("./build.sh"), ctx) is None


def test_readers_tolerate_garbage():
    assert package_scripts("not json") == {}
    assert package_scripts('{"scripts": [1]}') == {}
    recipes, _, _, default = makefile_targets("\t\n::\n=\nall:\n\techo hi\n" + "x" * 10000)
    assert default == "all" and recipes["all"] == ["echo hi"]


def _dev(text: str, ctx=UNKNOWN):
    from slimstage.analysis import Analysis
    from slimstage.analysis.runtime import dev_server
    from slimstage.dockerfile import parse

    return dev_server(Analysis(parse(text), context=ctx))


def test_dev_servers():
    assert _dev("FROM python:3.12\nCMD [\"flask\", \"run\", \"--debug\"]\n") == "flask run --debug"
    assert _dev("FROM python:3.12\nENV FLASK_DEBUG=1\nCMD flask run\n") == "flask run --debug"
    assert _dev("FROM python:3.12\nCMD [\"flask\", \"run\"]\n") is None
    assert _dev("FROM ruby:3\nCMD [\"bundle\", \"exec\", \"rails\", \"s\", \"-b\", \"0.0.0.0\"]\n") == "rails server"
    assert _dev("FROM ruby:3\nENV RAILS_ENV=production\nCMD [\"rails\", \"server\"]\n") is None
    assert _dev("FROM node:20\nCMD [\"npx\", \"nodemon\", \"index.js\"]\n") == "nodemon"
    assert _dev("FROM node:20\nCMD [\"npx\", \"vite\", \"build\"]\n") is None
    assert _dev("FROM node:20\nENV CHOKIDAR_USEPOLLING=true\nCMD [\"npm\", \"start\"]\n") == "npm start"
    assert _dev("FROM node:20\nCMD [\"npm\", \"start\"]\n") is None


def test_npm_start_of_create_react_app(tmp_path):
    ctx = _ctx(tmp_path, {"package.json": json.dumps({"scripts": {"start": "react-scripts start"}})})
    assert _dev("FROM node:20\nCMD [\"npm\", \"start\"]\n", ctx) == "npm start (`react-scripts start`)"
    ctx2 = _ctx(tmp_path / "b", {"package.json": json.dumps({"scripts": {"start": "node server.js"}})})
    assert _dev("FROM node:20\nCMD [\"npm\", \"start\"]\n", ctx2) is None


def test_pathological_makefiles_stay_linear(tmp_path):
    # A long line of spaces after a word (a backtracking rule pattern would be quadratic
    # here) and a Makefile whose every line calls make again.
    text = "a" + " " * 200_000 + "\n" + "all:\n" + "\t$(MAKE) all\n" * 500
    ctx = _ctx(tmp_path, {"Makefile": text})
    d = delegated(_cmd("make"), ctx)
    assert d is not None and len(d.commands) <= 200


def test_self_expanding_variables_are_bounded(tmp_path):
    ctx = _ctx(tmp_path, {"Makefile": "A = " + "x" * 5000 + "\nB = $(A)$(A)$(A)\nall:\n\techo " + "$(B)" * 400 + "\n"})
    d = delegated(_cmd("make"), ctx)
    assert d is not None and sum(len(c.text) for c in d.commands) < 10_000_000


def test_server_context_cache_sees_a_side_file_edited_in_place(tmp_path):
    # Editing the Makefile in place leaves the folder's mtime alone; the cache must still notice.
    from slimstage.lsp.convert import path_to_uri
    from slimstage.lsp.state import State

    (tmp_path / "Dockerfile").write_text("FROM golang:1.22\n", encoding="utf-8")
    (tmp_path / "Makefile").write_text("build:\n\tgo build -o app .\n", encoding="utf-8")
    state = State()
    uri = path_to_uri(tmp_path / "Dockerfile")
    first = state.context_for(uri)
    assert "go build" in (first.read_text("Makefile") or "")
    assert state.context_for(uri) is first
    folder = os.stat(tmp_path).st_mtime_ns
    (tmp_path / "Makefile").write_text("build:\n\tcargo build --release\n", encoding="utf-8")
    os.utime(tmp_path, ns=(folder, folder))
    again = state.context_for(uri)
    assert again is not first and "cargo build" in (again.read_text("Makefile") or "")
