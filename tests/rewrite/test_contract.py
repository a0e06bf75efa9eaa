"""The runtime contract: the command a container runs, its ports, user, workdir, environment."""

from __future__ import annotations

from slimstage.dockerfile import parse
from slimstage.rewrite.contract import contract_of, diff, is_named, normalize_argv


def c(text: str):
    contract = contract_of(parse(text))
    assert contract is not None
    return contract


def test_distroless_node_entrypoint_runs_the_same_command() -> None:
    before = c('FROM node:22\nCMD ["node", "dist/server.js"]\n')
    after = c('FROM node:22 AS b\nFROM gcr.io/distroless/nodejs22-debian12 AS r\nCMD ["dist/server.js"]\n')
    assert before.argv == ("node", "dist/server.js")
    assert after.argv == ("/nodejs/bin/node", "dist/server.js")
    assert diff(before, after) == []


def test_shell_form_without_shell_syntax_equals_exec_form() -> None:
    assert normalize_argv(("/bin/sh", "-c", "node dist/server.js")) == ("node", "dist/server.js")
    assert normalize_argv(("/bin/sh", "-c", "node a.js | tee log")) == ("sh", "-c", "node a.js | tee log")
    before = c("FROM node:22\nCMD node dist/server.js\n")
    after = c('FROM node:22-slim AS r\nCMD ["node", "dist/server.js"]\n')
    assert diff(before, after) == []


def test_entrypoint_resets_an_inherited_cmd() -> None:
    contract = c('FROM python:3.12\nENTRYPOINT ["python", "-m", "app"]\n')
    assert contract.argv == ("python", "-m", "app")


def test_changes_are_found_and_named() -> None:
    before = c('FROM node:22\nWORKDIR /app\nENV A=1 B=2\nEXPOSE 3000\nVOLUME /data\nLABEL team=x\nSTOPSIGNAL SIGINT\nCMD ["node", "a.js"]\n')
    after = c('FROM node:22-slim AS r\nWORKDIR /srv\nENV A=1\nEXPOSE 8080\nUSER node\nCMD ["node", "b.js"]\n')
    fields = sorted({ch.field for ch in diff(before, after)})
    assert fields == ["CMD/ENTRYPOINT", "ENV", "EXPOSE", "LABEL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"]
    user = next(ch for ch in diff(before, after) if ch.field == "USER")
    assert user.hardening
    port = next(ch for ch in diff(before, after) if ch.field == "EXPOSE" and ch.before == "3000")
    assert is_named(port, "The app now listens on 8080 instead of 3000.")
    assert not is_named(port, "Smaller image.")


def test_inherited_stage_chain_counts() -> None:
    contract = c('FROM node:22 AS base\nWORKDIR /app\nEXPOSE 3000\nFROM base AS runtime\nCMD ["node", "x.js"]\n')
    assert contract.workdir == "/app" and contract.ports == frozenset({"3000"})
