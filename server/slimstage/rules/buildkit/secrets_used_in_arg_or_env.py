"""SecretsUsedInArgOrEnv: an ARG or ENV whose name says it holds a secret."""

from __future__ import annotations

import re
from typing import Iterator

from ...analysis import Analysis
from ..base import Violation
from ._common import BuildKitCheck, raw_words
from .undefined_var import env_pairs

_TOKENS = "apikey|auth|credential|credentials|key|password|pword|passwd|secret|token"
_DENY = re.compile(rf"(?:_|^)(?:{_TOKENS})(?:_|$)", re.I)
_ALLOW = re.compile(r"(?:_|^)(?:public|file|version)(?:_|$)", re.I)


def looks_secret(name: str) -> bool:
    """BuildKit's test: a word such as ``password``, ``token`` or ``key`` is one of the name's
    ``_``-separated parts, and no part is ``public``, ``file`` or ``version``."""
    return bool(_DENY.search(name)) and not _ALLOW.search(name)


class SecretsUsedInArgOrEnv(BuildKitCheck):
    """An `ARG` or `ENV` inside a stage is named like a secret.

    ## What it does
    Flags each `ARG` and `ENV` key, in a stage, one of whose `_`-separated parts is
    `apikey`, `auth`, `credential(s)`, `key`, `password`, `pword`, `passwd`, `secret` or
    `token`, in any case, unless a part is `public`, `file` or `version` (`GITHUB_TOKEN`,
    `DB_PASSWORD` and also `GPG_KEY` are reported, `PUBLIC_KEY` and `TOKEN_FILE` are not).
    The test is on the name only, as BuildKit's is: a public key fingerprint named
    `GPG_KEY` is reported too (suppress it there). ARGs before the first `FROM` are not
    checked, as in BuildKit.

    ## Why it matters
    `ENV` values are stored in the image's configuration and `ARG` values in its build
    history: anyone who can pull the image can read them. Secret mounts give a build a
    secret without leaving it anywhere.

    ## Example
    ```dockerfile
    FROM alpine
    ARG AWS_SECRET_ACCESS_KEY
    RUN aws s3 cp s3://my-bucket/file .
    ```
    Use instead:
    ```dockerfile
    FROM alpine
    RUN --mount=type=secret,id=aws_secret_key,env=AWS_SECRET_ACCESS_KEY \\
        aws s3 cp s3://my-bucket/file .
    ```

    ## Fix
    None automatic: move the value to a secret mount (`RUN --mount=type=secret`) and pass
    it with `docker build --secret`.
    """

    code = "SecretsUsedInArgOrEnv"
    summary = "An ARG or ENV is named like a secret: its value stays in the image."

    def check(self, a: Analysis) -> Iterator[Violation]:
        for st in a.doc.stages:
            for ins in st.instructions[1:]:
                if ins.keyword == "ARG":
                    keys = [raw.split("=", 1)[0] for raw, _, _ in raw_words(ins)]
                elif ins.keyword == "ENV":
                    keys = [k for k, _ in env_pairs(ins)]
                else:
                    continue
                for key in keys:
                    if key and looks_secret(key):
                        yield self.violation(
                            ins.range, f'Do not use ARG or ENV instructions for sensitive data ({ins.keyword} "{key}")', variable=key
                        )
