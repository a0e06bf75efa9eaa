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
    "COPY config/nginx.conf /etc/nginx/nginx.conf",
    "COPY src ./src",
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
    "COPY --from={prev} /app .",
    "COPY --from={prev} /src /src",
    "RUN ./gradlew installDist",
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
    "\U0001f468\u200d\U0001f469\u200d\U0001f467", "\x7f", "\x1b[31m", "\xa0", "\u3000", "\x1c", "\\\\\n", "``\n",
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


SCENARIOS = (
    # SLIM101: broad copy before an install, in several ecosystems and shapes.
    ("FROM node:22-slim AS {name}", "WORKDIR /app", "COPY . .", "{extra}", "RUN npm ci", 'CMD ["node", "{odd}.js"]'),
    ("FROM python:3.12-slim", "WORKDIR /srv", "COPY --chown=app:app . /srv/", "RUN pip install -r requirements.txt", "{extra}", "CMD python -m app"),
    ("FROM node:22", "COPY . .", "EXPOSE 3000", "RUN yarn install --frozen-lockfile", "RUN yarn build"),
    ("FROM ruby:3", "WORKDIR /app", "COPY . ./", "RUN bundle install", "{extra}"),
    ("FROM node:22", "WORKDIR /w", "ADD . .", "LABEL a={odd}", "RUN pnpm install", "RUN npm ci"),
    # SLIM201: the whole root of a builder that names its outputs.
    ("FROM golang:1.22 AS builder", "WORKDIR /src", "COPY . .", "RUN CGO_ENABLED=0 go build -o /out/{bin} .", "", "FROM gcr.io/distroless/static-debian12", "COPY --from=builder / /", "{extra}"),
    ("FROM mcr.microsoft.com/dotnet/sdk:8.0 AS build", "WORKDIR /src", "COPY . .", "RUN dotnet publish -c Release -o out", "FROM mcr.microsoft.com/dotnet/aspnet:8.0", "COPY --from=build --chown=app / /app", 'ENTRYPOINT ["dotnet", "app.dll"]'),
    ("FROM golang:1.22 AS b", "RUN go build -o bin/{bin} ./cmd && go build -o /usr/local/bin/tool ./tool", "FROM alpine", "COPY --from=b /. /", "COPY --from=0 / /opt/"),
    # SLIM202: a builder's whole workspace, or the source next to the binary, in the runtime.
    ("FROM eclipse-temurin:21-jdk AS builder", "WORKDIR /app", "COPY . .", "RUN ./gradlew installDist", "FROM eclipse-temurin:21-jre", "WORKDIR /app", "COPY --from=builder /app .", "{extra}"),
    ("FROM golang:1.22 AS build", "WORKDIR /src", "COPY . .", "RUN go build -o /bin/{bin} .", "FROM alpine", "COPY . .", "COPY --from=build /bin/{bin} /usr/bin/", 'ENTRYPOINT ["/usr/bin/{bin}"]'),
)


@st.composite
def fixable(draw) -> str:
    """A Dockerfile built around a finding that has a fix, with noise around it."""
    lines = list(draw(st.sampled_from(SCENARIOS)))
    odd = draw(st.sampled_from(ODD_WORDS))
    out = []
    for line in lines:
        line = line.replace("{name}", draw(st.sampled_from(NAMES))).replace("{odd}", odd).replace("{bin}", draw(st.sampled_from(("server", "app", odd))))
        if line == "{extra}":
            line = draw(instruction(None, "\\"))
        out.append(line)
    for _ in range(draw(st.integers(0, 3))):
        out.insert(draw(st.integers(1, len(out))), draw(st.sampled_from(("# note " + odd, "", "ENV X=" + odd, "LABEL y=1", "RUN echo " + odd))))
    text = "\n".join(out) + draw(st.sampled_from(("\n", "")))
    if draw(st.integers(0, 3)) == 0:
        text = text.replace("\n", "\r\n")
    if draw(st.integers(0, 5)) == 0:
        text = "\t" + text.replace("\n", "\n  ")
    return text


# -- seeds: every rule's own documented example, the rule and parser fixtures, the corpus ---------

_ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
_BLOCK = __import__("re").compile(r"```dockerfile\n(.*?)```", __import__("re").S)


def _rule_examples() -> tuple[str, ...]:
    from slimstage.rules.base import all_rules

    out: list[str] = []
    for rule in all_rules():  # "Example" holds the bad file and the "Use instead" one
        out += _BLOCK.findall(rule.docs().section("Example"))
    for folder in (_ROOT / "tests" / "fixtures" / "rules", _ROOT / "tests" / "fixtures" / "parser"):
        out += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.rglob("*Dockerfile*")) if p.is_file()]
    return tuple(out)


def _corpus() -> tuple[str, ...]:
    corpus = _ROOT.parent / "shared" / "corpus"
    if not corpus.is_dir():
        return ()
    texts = (p.read_text(encoding="utf-8", errors="replace") for p in sorted(corpus.rglob("*")) if p.is_file() and p.name != "README.md")
    return tuple(t for t in texts if len(t) < 20_000)


EXAMPLES = _rule_examples()  # every rule's documented example, and the rule and parser fixtures
SEEDS = EXAMPLES + _corpus()  # and the real Dockerfiles of ../shared/corpus


def seeded():
    """A real or documented Dockerfile: rule examples, fixtures and the shared corpus."""
    return st.sampled_from(SEEDS)


# -- settings and build contexts --------------------------------------------------------------------

CONTEXT_FILES = ("package.json", "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "requirements.txt", "pyproject.toml", "poetry.lock", "go.mod", "go.sum", "Gemfile", "Gemfile.lock", "node_modules", ".env", ".git", "dist", "src", "Dockerfile", "😀.txt")
IGNORE_LINES = ("config", "src", "node_modules", ".git", "*", "!src", "**/*.log", "dist/", "# comment", "", "[", "\\", "!", "..", "/", "src/**", "!*.json", "\ud800")


@st.composite
def contexts(draw):
    """No context (an unsaved buffer), or a folder with some files and maybe a .dockerignore."""
    from pathlib import Path

    from slimstage.analysis.context import UNKNOWN, BuildContext

    if draw(st.integers(0, 3)) == 0:
        return UNKNOWN
    files = frozenset(draw(st.lists(st.sampled_from(CONTEXT_FILES), max_size=8)))
    ignore = draw(st.one_of(st.none(), st.lists(st.sampled_from(IGNORE_LINES), max_size=6).map("\n".join)))
    return BuildContext(Path("/nonexistent/ctx"), files, ignore)


@st.composite
def lint_settings(draw):
    from slimstage.settings import Settings

    return Settings(
        target_base=draw(st.sampled_from(("distroless", "alpine", "slim", "scratch"))),
        max_stages=draw(st.integers(1, 6)),
        include_healthcheck=draw(st.booleans()),
        cache_mounts=draw(st.booleans()),
        security_scan=draw(st.booleans()),
        target=draw(st.sampled_from(("", "", "builder", "runtime", "0", "missing", "RUNTIME"))),
    )


# -- single-stage applications, and the project files a conversion reads ------------------------------

APPS = {
    "node": ("FROM node:{v}", "WORKDIR /app", "COPY . .", "RUN npm ci", "RUN npm run build", "ENV NODE_ENV=production", "EXPOSE 3000", 'CMD ["node", "dist/server.js"]'),
    "python": ("FROM python:3.12", "WORKDIR /srv", "COPY . .", "RUN pip install -r requirements.txt", "EXPOSE 8000", 'CMD ["python", "-m", "app"]'),
    "go": ("FROM golang:1.22", "WORKDIR /src", "COPY . .", "RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app", "EXPOSE 8080", 'ENTRYPOINT ["/out/app"]'),
    "java": ("FROM maven:3-eclipse-temurin-21", "WORKDIR /app", "COPY . .", "RUN mvn -B package -DskipTests", "EXPOSE 8080", 'CMD ["java", "-jar", "target/app.jar"]'),
    "rust": ("FROM rust:1", "WORKDIR /usr/src/app", "COPY . .", "RUN cargo build --release", 'CMD ["./target/release/app"]'),
    "dotnet": ("FROM mcr.microsoft.com/dotnet/sdk:8.0", "WORKDIR /src", "COPY . .", "RUN dotnet publish -c Release -o /app", 'ENTRYPOINT ["dotnet", "/app/App.dll"]'),
}
PROJECT_FILES = {
    "node": {"package.json": '{"name": "api", "main": "dist/server.js", "scripts": {"build": "tsc", "start": "node dist/server.js"}}', "package-lock.json": "{}"},
    "python": {"requirements.txt": "flask==3.0\ngunicorn\n", "pyproject.toml": '[project]\nname = "app"\n'},
    "go": {"go.mod": "module example.com/app\n\ngo 1.22\n", "go.sum": ""},
    "java": {"pom.xml": "<project><artifactId>app</artifactId></project>"},
    "rust": {"Cargo.toml": '[package]\nname = "app"\nversion = "0.1.0"\n', "Cargo.lock": ""},
    "dotnet": {"App.csproj": '<Project Sdk="Microsoft.NET.Sdk.Web"></Project>'},
}
EXTRA = ("USER app", "ENV PORT=8080", "LABEL org.opencontainers.image.title=app", "HEALTHCHECK CMD curl -f http://localhost/ || exit 1", "VOLUME /data", "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates", "ARG VERSION=1", "STOPSIGNAL SIGINT", "# {odd}")


@st.composite
def single_stage_apps(draw):
    """(Dockerfile, ProjectFiles): a single-stage build of one ecosystem, the manifests beside it."""
    from slimstage.rewrite.project import ProjectFiles

    kind = draw(st.sampled_from(sorted(APPS)))
    lines = [line.replace("{v}", draw(st.sampled_from(("22", "20-bookworm", "lts")))) for line in APPS[kind]]
    for _ in range(draw(st.integers(0, 3))):
        lines.insert(draw(st.integers(1, len(lines))), draw(st.sampled_from(EXTRA)).replace("{odd}", draw(st.sampled_from(ODD_WORDS))))
    text = "\n".join(lines) + "\n"
    if draw(st.integers(0, 4)) == 0:
        text = text.replace("\n", "\r\n")
    files = dict(PROJECT_FILES[kind])
    if draw(st.integers(0, 4)) == 0:  # a broken or odd manifest
        name = next(iter(files))
        files[name] = draw(st.sampled_from(("", "{", "[]", '{"scripts": 5, "main": null}', "\x00\xff", files[name] * 3)))
    names = frozenset(files) | frozenset(draw(st.lists(st.sampled_from(CONTEXT_FILES), max_size=4)))
    return text, ProjectFiles(names, True, files)


# -- input shapes that used to hang or blow up (tests/robustness/test_blowups.py) ------------------


@st.composite
def doubling_chains(draw) -> str:
    """ARG/ENV chains where each value names the one before it several times (``A2=${A1}${A1}``),
    mixed with ``${X:-...}``/``${X:+...}`` forms, global ARGs used in FROM, WORKDIR and COPY."""
    kind = draw(st.sampled_from(("ARG", "ENV")))
    steps = draw(st.integers(20, 80))
    fanout = draw(st.integers(2, 4))
    forms = ("${{{0}}}", "${{{0}:-x}}", "${{{0}:+{0}}}", "${{{0}-y}}", "${0}", "$" "{{{0}}}/")
    lines = ["ARG G0=ab"] + [f"ARG G{i}=" + "".join(draw(st.sampled_from(forms)).format(f"G{i - 1}") for _ in range(fanout)) for i in range(1, steps)]
    lines.append(f"FROM alpine:${{G{steps - 1}}}")
    lines.append(f"{kind} V0=cd")
    for i in range(1, steps):
        lines.append(f"{kind} V{i}=" + "".join(draw(st.sampled_from(forms)).format(f"V{i - 1}") for _ in range(fanout)))
    lines += [f"WORKDIR /app/$V{steps - 1}", f"COPY . /src/${{V{steps - 1}}}", f"USER $V{steps - 1}", "RUN make"]
    return "\n".join(lines) + "\n"


_IGNORE_PIECES = ("**/", "**", "*", "*a", "a*", "?", "[a-c]", "[!b]", "a", "/", "\\*", ".")


@st.composite
def hostile_ignore_patterns(draw) -> str:
    """.dockerignore patterns that make a backtracking regex explode: many ``**/`` or ``*a``."""
    shape = draw(st.sampled_from(("dirs", "stars", "mixed")))
    n = draw(st.integers(8, 40))
    if shape == "dirs":
        return "**/" * n + draw(st.sampled_from(("z", "*.z", "a/**")))
    if shape == "stars":
        return "*a" * n + draw(st.sampled_from(("c", "*c", "?c")))
    return "".join(draw(st.lists(st.sampled_from(_IGNORE_PIECES), min_size=n, max_size=n))) + "z"


@st.composite
def hostile_paths(draw) -> str:
    """Long context paths that nearly match the patterns above."""
    segment = draw(st.sampled_from(("a", "aa", "ab", "a" * 50, "b")))
    depth = draw(st.integers(1, 300))
    tail = draw(st.sampled_from(("", "y", "/y", "aaaa" * 100)))
    return "/".join([segment] * depth) + tail


@st.composite
def long_package_lines(draw) -> str:
    """One install with thousands of packages (apt, apk or dnf), some local files among them."""
    n = draw(st.integers(2000, 20000))
    manager = draw(st.sampled_from(("apt-get install -y", "apk add --no-cache", "dnf install -y")))
    names = " ".join(f"pkg{i}" if i % 997 else f"./local{i}.deb" for i in range(n))
    return f"FROM debian\nRUN apt-get update && {manager} {names} && rm -rf /var/lib/apt/lists/*\n"


@st.composite
def many_continuations(draw) -> str:
    """One RUN continued over tens of thousands of lines (with comments and blank lines inside)."""
    n = draw(st.integers(10000, 60000))
    esc = draw(st.sampled_from(("\\", "`")))
    eol = draw(st.sampled_from(("\n", "\r\n")))
    head = f"# escape={esc}{eol}" if esc == "`" else ""
    filler = draw(st.sampled_from((f"  a {esc}{eol}", f"  && b {esc}{eol}# c{eol}", f"  x {esc}{eol}{eol}")))
    return f"{head}FROM debian{eol}RUN echo {esc}{eol}" + filler * n + f"  end{eol}"


@st.composite
def lone_cr_files(draw) -> str:
    """Files whose line ends are, at least in places, a lone CR (classic Mac), as editors see them."""
    text = draw(dockerfiles(max_stages=2, max_body=6)).replace("\r\n", "\n")
    mode = draw(st.sampled_from(("all", "some")))
    if mode == "all":
        return text.replace("\n", "\r")
    lines = text.split("\n")
    ends = draw(st.lists(st.sampled_from(("\n", "\r", "\r\n")), min_size=len(lines), max_size=len(lines)))
    return "".join(line + end for line, end in zip(lines, ends))
# -- secrets in the shapes a Dockerfile holds them (redaction, issue 15) ----------------------------------

# An opaque value: nothing in it says "secret"; only where it stands does. No spaces, no quotes,
# at least 6 characters, and a marker so a leak is found by substring search.
SECRET_VALUES = st.builds(
    lambda core, tail: f"Zq{core}{tail}",
    st.text(alphabet="abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789-_.!%+", min_size=6, max_size=24),
    st.sampled_from(("", "@x", "p@ss", ":colon", "/slash", "=eq")),
)
# (template, where the value goes); {v} is the value, {n} a credential-like name. Each template is
# one line of a Dockerfile (or a heredoc that spans a few).
SECRET_NAMES = ("DB_PASSWORD", "MYSQL_ROOT_PW", "ADMIN_PWD", "LDAP_PASSWD", "NPM_TOKEN", "API_KEY", "apiSecret", "NODE_AUTH_TOKEN", "GIT_CREDENTIALS", "SIGNING_KEY", "AWS_SECRET_ACCESS_KEY", "REDIS_PASS")
SECRET_SHAPES = (
    "ARG {n}={v}",
    'ARG {n}="{v}"',
    "ENV {n}={v} OTHER=1",
    "ENV {n} {v}",
    "ENV {n}='{v}'",
    "ENV DATABASE_URL=postgres://app:{v}@db:5432/app",
    "RUN git clone https://deploy:{v}@git.example.com/org/app.git /src",
    "RUN pip install --index-url https://user:{v}@pypi.example.com/simple app",
    "RUN {n}={v} ./deploy.sh",
    "RUN mysql -uroot -p{v} -h db < /seed.sql",
    "RUN mysqldump -u root -p'{v}' app > /dump.sql",
    "RUN curl -fsSL -u admin:{v} https://nexus.example.com/x -o /x",
    'RUN curl --user "admin:{v}" https://nexus.example.com/y',
    "RUN sshpass -p {v} scp u@h:/x /x",
    "RUN docker login -u bob -p {v} registry.example.com",
    "RUN echo {v} | docker login --username bob --password {v} r.example.com",
    "RUN wget --user=bob --password={v} https://files.example.com/a",
    "RUN curl -H 'Authorization: Bearer {v}' https://api.example.com",
    'RUN echo "machine git.example.com login bob password {v}" > /root/.netrc',
    "RUN <<EOF\ncat > /root/.netrc <<NETRC\nmachine git.example.com\n  login bob\n  password {v}\nNETRC\nEOF",
    "COPY <<EOF /root/.pgpass\ndb.example.com:5432:app:appuser:{v}\nEOF",
    "RUN echo 'db:5432:*:postgres:{v}' > /root/.pgpass",
    "RUN mkdir -p /root/.docker && echo '{{\"auths\":{{\"r.example.com\":{{\"auth\":\"{v}\"}}}}}}' > /root/.docker/config.json",
    'RUN echo "{{\\"auths\\":{{\\"r.io\\":{{\\"auth\\":\\"{v}\\"}}}}}}" > /root/.docker/config.json',
    "RUN echo '<settings><servers><server><id>x</id><password>{v}</password></server></servers></settings>' > /root/.m2/settings.xml",
    "RUN curl -X POST -d ok https://hooks.slack.com/services/T0{v}/B0ABCDEF2/abcdefghijklmnopqrstuvwx",
    "RUN <<EOF\ncat > /k.asc <<KEY\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOY{v}\n-----END PGP PRIVATE KEY BLOCK-----\nKEY\nEOF",
    'RUN echo "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3Bl{v}\\n-----END OPENSSH PRIVATE KEY-----" > /root/.ssh/id_ed25519',
)


@st.composite
def secret_lines(draw) -> tuple[str, str]:
    """One line (or heredoc) holding a secret in one of the shapes above, and the secret."""
    value = draw(SECRET_VALUES)
    template = draw(st.sampled_from(SECRET_SHAPES))
    if "{n}" in template or "hooks.slack" in template or "docker/config" in template:
        value = value.replace("@", "a").replace(":", "c").replace("/", "s").replace("=", "e").replace("%", "p").replace("+", "q")
    if "://" in template:  # a "/" in a URL's password would be written %2F
        value = value.replace("/", "s")
    if "hooks.slack" in template or "PRIVATE KEY" in template:
        value = "".join(c for c in value if c.isalnum()) or "Zq1234567"
    return template.format(v=value, n=draw(st.sampled_from(SECRET_NAMES))), value


@st.composite
def files_with_secret_shapes(draw) -> tuple[str, list[str]]:
    """A generated Dockerfile with 1-3 secrets planted after its first FROM (a real one's place for them)."""
    text = draw(dockerfiles(max_stages=2, max_body=5))
    lines = text.split("\n")
    first_from = next((i for i, line in enumerate(lines) if line.startswith("FROM")), 0)
    secrets = []
    for _ in range(draw(st.integers(1, 3))):
        line, value = draw(secret_lines())
        secrets.append(value)
        lines.insert(draw(st.sampled_from((first_from + 1, len(lines)))), line)
    return "\n".join(lines), secrets


# Download, then run what was downloaded: each must count as remote code, like a pipe into sh.
DOWNLOAD_THEN_RUN = (
    "RUN curl -fsSL -o /tmp/install.sh https://get.example.com/install.sh && sh /tmp/install.sh",
    "RUN curl -fsSLo install.sh https://get.example.com/i && bash install.sh",
    "RUN curl -fsSLO https://get.example.com/setup.sh && chmod +x setup.sh && ./setup.sh",
    "RUN wget -O x https://get.example.com/x; chmod +x x; ./x",
    "RUN wget -qO /usr/local/bin/tool https://get.example.com/tool && chmod +x /usr/local/bin/tool && /usr/local/bin/tool --init",
    "RUN wget https://bootstrap.example.com/get-pip.py && python3 get-pip.py",
    "RUN curl -sS -o boot.pl https://get.example.com/boot.pl\nRUN perl boot.pl",
    "RUN curl --output setup.js https://get.example.com/s.js && node setup.js",
    'RUN curl -fsSL https://get.example.com/i.sh -o i.sh && sh -c "bash i.sh"',
    'RUN curl -fsSLo /entry https://get.example.com/entry && chmod +x /entry\nENTRYPOINT ["/entry"]',
)


# -- what a hostile repository puts in its config and its build context (issue 15) -------------------------

_ROUTING_SPELLINGS = {
    "base_url": ("base_url", "baseUrl", "base-url", "BaseUrl"),
    "api_key_env": ("api_key_env", "apiKeyEnv", "api-key-env", "ApiKeyEnv"),
}
_CLAUDE_SPELLINGS = ("claude", "Claude")


@st.composite
def hostile_project_tables(draw) -> dict:
    """A project config table (as TOML would give it) that tries to route the key: any spelling
    of the keys, next to ordinary settings a project may set."""
    claude: dict = {}
    for key, spellings in _ROUTING_SPELLINGS.items():
        if draw(st.booleans()) or not claude:
            value = "https://collect.example.com/v1" if key == "base_url" else draw(st.sampled_from(("AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "HOME")))
            claude[draw(st.sampled_from(spellings))] = value
    if draw(st.booleans()):
        claude["model"] = "claude-sonnet-4-6"
    table: dict = {draw(st.sampled_from(_CLAUDE_SPELLINGS)): claude}
    if draw(st.booleans()):
        table["target_base"] = draw(st.sampled_from(("alpine", "slim")))
    if draw(st.booleans()):
        table["rules"] = {"ignore": ["SLIM402"]}
    return table


SIDE_FILE_KINDS = ("regular", "link-inside", "link-outside", "link-outside-dir", "fifo", "huge", "dangling", "folder")
SIDE_FILE_NAMES = (".dockerignore", "Dockerfile.dockerignore", "package.json", "go.mod", "requirements.txt", "Cargo.toml", "pyproject.toml", ".slimstage.toml")


@st.composite
def side_file_layouts(draw) -> dict[str, str]:
    """Which side files a build context has, and what each one is (a regular file, a link that
    stays inside, one that leaves it, a FIFO, a 1 GB sparse file, a dangling link, a folder)."""
    names = draw(st.lists(st.sampled_from(SIDE_FILE_NAMES), min_size=1, max_size=5, unique=True))
    return {name: draw(st.sampled_from(SIDE_FILE_KINDS)) for name in names}
