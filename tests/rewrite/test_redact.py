"""Secrets are masked before a Dockerfile is sent, and come back only in the rewrite."""

from __future__ import annotations

from slimstage.dockerfile import parse
from slimstage.rewrite.redact import entropy, looks_like_secret_value, redact

TEXT = """FROM node:22
ARG NPM_TOKEN=npm_Zx81QpLmT42nVbC7sKdE9wRtYu3oA56hJg
ARG DB_PASSWORD=changeme-now
ENV AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ENV NODE_ENV=production PYTHONUNBUFFERED=1 AUTH_ENABLED=true
ENV SESSION_SECRET ${SESSION_SECRET}
ENV SIGNING=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U
RUN git clone https://deploy:s3cr3t-pa55@git.example.com/app.git /src
RUN curl -H "Authorization: token ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789" https://api.github.com/user
CMD ["node", "dist/server.js"]
"""
SECRETS = (
    "npm_Zx81QpLmT42nVbC7sKdE9wRtYu3oA56hJg",
    "changeme-now",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "deploy:s3cr3t-pa55",
    "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
)


def test_every_secret_is_masked() -> None:
    r = redact(parse(TEXT))
    for secret in SECRETS:
        assert secret not in r.text, secret
    assert not r.leaked(r.text)
    assert "ARG NPM_TOKEN=SLIMSTAGE_SECRET_" in r.text
    assert "https://SLIMSTAGE_SECRET_" in r.text and "@git.example.com" in r.text


def test_ordinary_values_stay() -> None:
    r = redact(parse(TEXT))
    for kept in ("NODE_ENV=production", "PYTHONUNBUFFERED=1", "AUTH_ENABLED=true", "${SESSION_SECRET}", 'CMD ["node", "dist/server.js"]'):
        assert kept in r.text, kept


def test_restore_gives_the_values_back() -> None:
    r = redact(parse(TEXT))
    assert r.restore(r.text) == TEXT


def test_the_values_never_show_in_repr() -> None:
    r = redact(parse(TEXT))
    assert not any(secret in repr(r) for secret in SECRETS)


def test_other_text_is_masked_the_same_way() -> None:
    r = redact(parse(TEXT))
    finding = "line 2: ARG NPM_TOKEN has a default npm_Zx81QpLmT42nVbC7sKdE9wRtYu3oA56hJg"
    assert "npm_Zx81" not in r.apply(finding)


def test_nothing_to_mask() -> None:
    text = "FROM python:3.12\nENV PYTHONUNBUFFERED=1\nCMD [\"python\", \"app.py\"]\n"
    r = redact(parse(text))
    assert r.text == text and r.pairs == () and r.masked == ()


def test_high_entropy_values() -> None:
    assert looks_like_secret_value("Zx81QpLmT42nVbC7sKdE9wRtYu3oA56h")
    assert not looks_like_secret_value("/usr/local/bin:/usr/bin")
    assert not looks_like_secret_value("production")
    assert entropy("aaaa") == 0.0
