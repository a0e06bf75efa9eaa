"""Hypothesis strategies for Dockerfiles: plausible ones, and what a user or a network makes of them.

``dockerfiles()`` builds multi-stage files from the instructions the rules care about
(installs, broad copies, ``COPY --from=... /``, heredocs, continuations, exec forms,
mounts, ONBUILD), with either escape character, CRLF or LF, tabs, and non-ASCII and
astral characters in the words (so UTF-16 columns differ from code-point indexes).
``mutated()`` then damages them the way typing and transport do: truncation anywhere,
random characters, unbalanced quotes and brackets, unterminated heredocs, stray
continuations, ``# escape=`` switches, deleted and duplicated slices, NUL bytes and lone
surrogates.
"""

from __future__ import annotations

from hypothesis import strategies as st

IMAGES = ("node:22-slim", "python:3.12-slim", "golang:1.22", "alpine:3.20", "debian:bookworm", "scratch", "gcr.io/distroless/static-debian12", "ubuntu", "rust:1", "mcr.microsoft.com/dotnet/sdk:8.0")
NAMES = ("builder", "deps", "build", "runtime", "Test", "é-stage", "x", "base")
# Words with characters whose UTF-16 length differs from their code-point length.
ODD_WORDS = ("héllo", "😀", "𝔘𝔫𝔦", "日本語", "a\u0301", "\u200b", "𐐷x", "ß", "ǅ", "\U0010fffd")

BODY = (
    "WORKDIR /app",
    "WORKDIR src",
    "COPY . .",
    "COPY . /app",
    "ADD . /srv",
    "COPY * ./",
    "COPY --chown=node:node . .",
    "COPY package.json package-lock.json ./",
    "COPY requirements.txt .",
    "COPY go.mod go.sum ./",
    'COPY ["package.json", "./"]',
    "RUN npm ci",
    "RUN npm install --omit=dev",
    "RUN yarn install --frozen-lockfile",
    "RUN pnpm install",
    "RUN pip install -r requirements.txt",
    "RUN pip install --no-cache-dir .",
    "RUN poetry install --no-root",
    "RUN go mod download",
    "RUN CGO_ENABLED=0 go build -o /out/server .",
    "RUN go build -o bin/app ./cmd/app",
    "RUN mvn -B package",
    "RUN cargo build --release",
    "RUN dotnet publish -c Release -o /app/out",
    "RUN bundle install",
    "RUN composer install",
    "RUN npm run build",
    "RUN --mount=type=cache,target=/root/.npm npm ci",
    "RUN --mount=type=bind,from={prev},source=/out,target=/mnt true",
    'RUN ["npm", "ci"]',
    'RUN ["sh", "-c", "npm ci && npm run build"]',
    "RUN apt-get update && apt-get install -y --no-install-recommends curl {esc}\n    && rm -rf /var/lib/apt/lists/*",
    "RUN echo one {esc}\n# a comment inside a continuation\n    two {esc}\n\n    three",
    "RUN <<EOF\nnpm ci\nnpm run build\nEOF",
    "RUN <<-EOT bash\n\tset -e\n\tpip install -r requirements.txt\n\tEOT",
    "RUN <<EOF1 cat > /a && cat <<'EOF2' > /b\nx\nEOF1\ny $HOME\nEOF2",
    "COPY <<EOF /etc/config\nkey = {odd}\nEOF",
    "COPY --from={prev} / /",
    "COPY --from={prev} /out/server /server",
    "COPY --from={prev} /app/out ./",
    "COPY --from=alpine:3.20 / /",
    "COPY --link --from={prev} /. /",
    "ENV NODE_ENV=production GREETING={odd}",
    "ENV LEGACY value with spaces",
    "ARG VERSION=1.0",
    "ARG TOKEN",
    "LABEL org.opencontainers.image.title=\"{odd} app\"",
    "EXPOSE 8080",
    "EXPOSE 53/udp",
    "USER node",
    "USER 65532:65532",
    "VOLUME /data",
    'VOLUME ["/var/lib/x"]',
    "STOPSIGNAL SIGTERM",
    'SHELL ["/bin/bash", "-o", "pipefail", "-c"]',
    "HEALTHCHECK --interval=30s CMD curl -f http://localhost/ || exit 1",
    "HEALTHCHECK NONE",
    "ONBUILD RUN npm ci",
    "ONBUILD COPY . .",
    'CMD ["node", "server.js"]',
    "CMD python -m app",
    'ENTRYPOINT ["/server"]',
    "ENTRYPOINT exec /usr/bin/{odd}",
    "MAINTAINER someone@example.com",
    "# slimstage ignore=SLIM101",
    "# slimstage ignore-file=SLIM201",
    "# just a comment about {odd}",
    "",
    "run npm ci",
    "copy . .",
)

NASTY = (
    '"', "'", "[", "]", "{", "}", "\\", "\\\n", "`", "`\n", "<<EOF", "<<-EOF\n", "<<'EOF'\n", "EOF\n",
    "\r", "\r\n", "\t", "\x00", "\ufeff", "😀", "\ud800", "\udfff", "\u2028", "\x0b", "\x0c", "\x85",
    "${", "$", "--", "--from=", "--mount=", " AS ", "\n", "\n\n", "#", "# escape=`\n", "# escape=\\\n",
    "# syntax=docker/dockerfile:1\n", "FROM ", "RUN ", "COPY ", "ONBUILD ", "\\\n\\\n", "[\"", "\"]",
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\x7f", "\x1b[31m",
)


@st.composite
def instruction(draw, prev: str | None, esc: str) -> str:
    line = draw(st.sampled_from(BODY))
    if "{prev}" in line:
        line = line.replace("{prev}", prev or draw(st.sampled_from(("builder", "0", "missing", "alpine"))))
    line = line.replace("{esc}", esc).replace("{odd}", draw(st.sampled_from(ODD_WORDS)))
    if draw(st.integers(0, 9)) == 0:
        line = draw(st.sampled_from(("  ", "\t", " \t"))) + line
    return line


@st.composite
def dockerfiles(draw, max_stages: int = 4, max_body: int = 10) -> str:
    """A plausible (mostly valid) multi-stage Dockerfile."""
    esc = draw(st.sampled_from(("\\", "\\", "\\", "`")))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# syntax=docker/dockerfile:1")
    if esc == "`":
        lines.append("# escape=`")
    for _ in range(draw(st.integers(0, 2))):
        lines.append(draw(st.sampled_from(("ARG BASE=alpine", "ARG VERSION", "ARG NODE={odd}"))).replace("{odd}", draw(st.sampled_from(ODD_WORDS))))
    names: list[str] = []
    for i in range(draw(st.integers(1, max_stages))):
        image = draw(st.sampled_from(IMAGES + tuple(names) + ("${BASE}",)))
        platform = draw(st.sampled_from(("", "", "--platform=$BUILDPLATFORM ")))
        name = draw(st.one_of(st.none(), st.sampled_from(NAMES)))
        lines.append(f"FROM {platform}{image}" + (f" AS {name}" if name else ""))
        prev = names[-1] if names else None
        for _ in range(draw(st.integers(0, max_body))):
            lines.append(draw(instruction(prev, esc)))
        names.append(name or str(i))
    text = "\n".join(lines) + draw(st.sampled_from(("\n", "\n", "", "\n\n")))
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\n", "\r\n")
    return text


@st.composite
def mutated(draw, base=None) -> str:
    """A Dockerfile after 1-4 random edits: what an editor holds while you type."""
    text = draw(base if base is not None else dockerfiles())
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        at = draw(st.integers(0, n))
        kind = draw(st.sampled_from(("truncate", "insert", "nasty", "nasty", "delete", "duplicate", "swap-lines", "indent")))
        if kind == "truncate":
            text = text[:at]
        elif kind == "insert":
            text = text[:at] + draw(st.text(max_size=12)) + text[at:]
        elif kind == "nasty":
            text = text[:at] + draw(st.sampled_from(NASTY)) + text[at:]
        elif kind == "delete":
            end = draw(st.integers(at, min(n, at + 40)))
            text = text[:at] + text[end:]
        elif kind == "duplicate":
            end = draw(st.integers(at, min(n, at + 80)))
            text = text[:end] + text[at:end] + text[end:]
        elif kind == "swap-lines":
            lines = text.split("\n")
            if len(lines) > 1:
                i = draw(st.integers(0, len(lines) - 2))
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
            text = "\n".join(lines)
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines[i] = draw(st.sampled_from(("\t", "  ", "\t\t    "))) + lines[i]
            text = "\n".join(lines)
    return text


def any_dockerfile():
    """Valid, mutated, or plain random text."""
    return st.one_of(dockerfiles(), mutated(), mutated(), st.text(max_size=200))
