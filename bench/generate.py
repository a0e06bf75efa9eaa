"""Deterministic generator of realistic multi-stage Dockerfiles of a chosen length.

The same (lines, seed) always gives the same text, byte for byte, on every machine:
only ``random.Random(seed)`` decides. A file is a chain of builder stages in several
ecosystems (Debian/apt, Alpine/apk, Go, Node, Python, Java), each with ARG/ENV, a
manifest COPY, long ``RUN`` blocks with line continuations and inline comments, and a
final runtime stage that copies from the builders. Some pitfalls that real files have
(``COPY . .`` before an install, no apt cleanup, a build toolchain as final base) are
sprinkled in so a linter has real work and real findings.

Run ``python bench/generate.py --lines 500 --seed 1`` to print one.
"""

from __future__ import annotations

import argparse
import random

DEBIAN_PACKAGES = (
    "autoconf automake bison build-essential ca-certificates curl dirmngr dpkg-dev file flex g++ gcc "
    "git gnupg libbz2-dev libc6-dev libcurl4-openssl-dev libedit-dev libffi-dev libgdbm-dev liblzma-dev "
    "libncursesw5-dev libreadline-dev libsqlite3-dev libssl-dev libxml2-dev libyaml-dev make netbase "
    "patch pkg-config procps re2c tk-dev unzip uuid-dev wget xz-utils zlib1g-dev"
).split()
ALPINE_PACKAGES = (
    "bash bzip2-dev ca-certificates coreutils curl dpkg-dev expat-dev findutils gcc gdbm-dev git gnupg "
    "libc-dev libffi-dev libnsl-dev libtirpc-dev linux-headers make ncurses-dev openssl-dev pax-utils "
    "readline-dev sqlite-dev tar tcl-dev tk tk-dev util-linux-dev xz xz-dev zlib-dev"
).split()
CONFIGURE_FLAGS = (
    "--enable-loadable-sqlite-extensions --enable-optimizations --enable-option-checking=fatal "
    "--enable-shared --with-system-expat --with-system-ffi --without-ensurepip --with-lto "
    "--enable-ftp --enable-mbstring --enable-mysqlnd --with-curl --with-libedit --with-openssl "
    "--with-zlib --with-password-argon2 --with-sodium=shared --disable-cgi --with-pic"
).split()
WORDS = "app api core worker gateway auth billing search media index cache report notify queue".split()

ECOSYSTEMS = ("debian", "alpine", "go", "node", "python", "java")
BASES = {
    "debian": ("debian:bookworm-slim", "debian:bullseye", "buildpack-deps:bookworm", "ubuntu:22.04"),
    "alpine": ("alpine:3.19", "alpine:3.18"),
    "go": ("golang:1.22", "golang:1.21-alpine"),
    "node": ("node:20", "node:20-alpine", "node:18-bullseye"),
    "python": ("python:3.12", "python:3.11-slim"),
    "java": ("maven:3.9-eclipse-temurin-21", "gradle:8.5-jdk17"),
}
RUNTIMES = (
    "gcr.io/distroless/static-debian12",
    "gcr.io/distroless/base-debian12",
    "debian:bookworm-slim",
    "alpine:3.19",
    "node:20",  # a toolchain image as final base: a pitfall on purpose
)


class _Stage:
    """Lines of one stage, built up instruction by instruction."""

    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.index = index
        self.lines: list[str] = []

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)


def _continued(head: str, items: list[str], indent: str = "\t", tail: str | None = None) -> list[str]:
    """``head \\`` then one item per line, each ending in a continuation."""
    out = [head + " \\"]
    body = items + ([tail] if tail else [])
    for i, item in enumerate(body):
        out.append(indent + item + ("" if i == len(body) - 1 else " \\"))
    return out


def _apt_run(rng: random.Random, n: int, cleanup: bool) -> list[str]:
    """A Debian install RUN of exactly ``n`` lines (n >= 3)."""
    pkgs = sorted(rng.sample(DEBIAN_PACKAGES, min(len(DEBIAN_PACKAGES), max(1, n - 2))))
    while len(pkgs) < n - 2:
        pkgs.append(f"lib{rng.choice(WORDS)}{len(pkgs)}-dev")
    flags = " --no-install-recommends" if rng.random() < 0.7 else ""
    head = "RUN set -eux; apt-get update; apt-get install -y" + flags
    tail = "; rm -rf /var/lib/apt/lists/*" if cleanup else ";"
    return _continued(head, pkgs[: n - 2], tail=tail.strip())


def _apk_run(rng: random.Random, n: int) -> list[str]:
    pkgs = sorted(rng.sample(ALPINE_PACKAGES, min(len(ALPINE_PACKAGES), max(1, n - 1))))
    while len(pkgs) < n - 1:
        pkgs.append(f"{rng.choice(WORDS)}{len(pkgs)}-dev")
    return _continued("RUN apk add --no-cache --virtual .build-deps", pkgs[: n - 1])


def _build_script(rng: random.Random, tool: str) -> list[str]:
    """One fetch / configure / make / clean-up cycle, as the lines of a shell script."""
    flags = rng.sample(CONFIGURE_FLAGS, rng.randint(3, 12))
    word = rng.choice(WORDS)
    return [
        f'wget -O {word}.tar.xz "$SRC_URL";',
        f'echo "$SRC_SHA256 *{word}.tar.xz" | sha256sum -c -;',
        f"mkdir -p /usr/src/{word};",
        f"tar -xJC /usr/src/{word} --strip-components=1 -f {word}.tar.xz;",
        f"rm {word}.tar.xz;",
        f"# see https://example.org/{word}/issues/{rng.randint(1, 999)}",
        f"cd /usr/src/{word};",
        'gnuArch="$(dpkg-architecture --query DEB_BUILD_GNU_TYPE)";',
        "./configure",
        '\t--build="$gnuArch"',
        *("\t" + flag for flag in flags),
        ";",
        'make -j "$(nproc)";',
        "make install;",
        "find /usr/local -depth \\( -type d -a -name test \\) -exec rm -rf '{}' +;",
        "ldconfig;",
        f"rm -rf /usr/src/{word};",
        f"{tool} --version;",
    ]


def _build_run(rng: random.Random, n: int, tool: str) -> list[str]:
    """A long shell-script RUN of exactly ``n`` lines, with comments inside like real files."""
    steps: list[str] = []
    while len(steps) < n - 1:
        steps += _build_script(rng, tool)
    steps = steps[: n - 1]
    lines = ["RUN set -eux; \\"]
    for i, step in enumerate(steps):
        if step.startswith("#"):
            lines.append(step if i < len(steps) - 1 else "\ttrue")  # a comment cannot end the RUN
        else:
            lines.append("\t" + step + (" \\" if i < len(steps) - 1 else ""))
    return lines


def _builder(rng: random.Random, index: int, budget: int) -> list[str]:
    """One builder stage of exactly ``budget`` lines (budget >= 8)."""
    eco = ECOSYSTEMS[rng.randrange(len(ECOSYSTEMS))]
    name = f"{rng.choice(WORDS)}-{eco}-{index}"
    s = _Stage(rng, index)
    s.add(f"# ---- stage {index}: build {name} ----")
    base = rng.choice(BASES[eco])
    s.add(f"FROM {base} AS {name}")
    s.add(f"ARG VERSION_{index}=1.{rng.randint(0, 20)}.{rng.randint(0, 9)}")
    s.add(f"ENV APP_HOME=/opt/{name} PATH=/opt/{name}/bin:$PATH LANG=C.UTF-8")
    s.add(f"WORKDIR /src/{name}")
    pitfall = rng.random() < 0.3
    manifest = {
        "go": ("go.mod go.sum ./", "RUN go mod download", "RUN CGO_ENABLED=0 go build -o /out/app ./cmd/app"),
        "node": ("package.json package-lock.json ./", "RUN npm ci", "RUN npm run build"),
        "python": ("requirements.txt ./", "RUN pip install --no-cache-dir -r requirements.txt", "RUN python -m compileall ."),
        "java": ("pom.xml ./", "RUN mvn -B dependency:go-offline", "RUN mvn -B package -DskipTests"),
        "debian": ("configure.ac Makefile.am ./", "RUN ./autogen.sh", "RUN make -j4"),
        "alpine": ("Makefile ./", "RUN make deps", "RUN make -j4"),
    }[eco]
    tail: list[str] = []
    if pitfall:
        tail = ["COPY . .", manifest[1], manifest[2]]
    else:
        tail = [f"COPY {manifest[0]}", manifest[1], "COPY . .", manifest[2]]
    remaining = budget - len(s.lines) - len(tail)
    if remaining >= 3:
        first = max(3, remaining // 3)
        if "alpine" in base:
            s.add(*_apk_run(rng, first))
        else:
            s.add(*_apt_run(rng, first, cleanup=rng.random() < 0.6))
        remaining -= first
    s.add(*tail[:-1])
    if remaining >= 2:
        s.add(*_build_run(rng, remaining, {"go": "go", "node": "node", "python": "python3", "java": "java"}.get(eco, "gcc")))
    elif remaining == 1:
        s.add(f"RUN echo built {name}")
    s.add(tail[-1])
    return s.lines


def _runtime(rng: random.Random, names: list[str]) -> list[str]:
    base = rng.choice(RUNTIMES)
    out = ["# ---- final runtime stage ----", f"FROM {base} AS runtime"]
    for name in names[-3:]:
        out.append(f"COPY --from={name} /out/ /opt/{name}/")
    out += [
        "ENV NODE_ENV=production PORT=8080",
        "EXPOSE 8080",
        "USER 65532:65532",
        'HEALTHCHECK --interval=30s --timeout=3s CMD ["/opt/app/healthcheck"]',
        'ENTRYPOINT ["/opt/app/bin/server"]',
        'CMD ["--port", "8080"]',
    ]
    return out


def generate(lines: int, seed: int = 0) -> str:
    """A Dockerfile of exactly ``lines`` lines (at least 20), deterministic in ``seed``."""
    if lines < 20:
        raise ValueError("need at least 20 lines")
    rng = random.Random(f"slimstage-bench:{lines}:{seed}")
    header = ["# syntax=docker/dockerfile:1", f"# generated by bench/generate.py (lines={lines}, seed={seed})", ""]
    builders = max(2, min(60, round(lines / 90)))
    runtime_estimate = 8 + min(3, builders)
    body = lines - len(header) - runtime_estimate - builders  # one blank line after each builder
    per = body // builders
    extra = body - per * builders
    out = list(header)
    names: list[str] = []
    for i in range(builders):
        stage = _builder(rng, i, per + (1 if i < extra else 0))
        names.append(stage[1].split(" AS ")[1])
        out += stage + [""]
    out += _runtime(rng, names)
    if len(out) != lines:
        raise AssertionError(f"generator produced {len(out)} lines, wanted {lines}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(generate(args.lines, args.seed), end="")


if __name__ == "__main__":
    main()


def unformatted(text: str) -> str:
    """``text`` with the mess a formatter removes, deterministically: every third instruction
    keyword lower-cased, trailing blanks on every other line, continuation lines indented by
    two spaces and a tab. Used by the formatting benchmark (both servers get the same text)."""
    out = []
    continued = False
    for n, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if continued and stripped:
            line = "  \t" + stripped
        elif stripped and not stripped.startswith("#") and n % 3 == 0:
            word, _, rest = stripped.partition(" ")
            if word.isupper():
                line = word.lower() + "  " + rest if rest else word.lower()
        if line and n % 2 == 0:
            line += "   "
        continued = line.rstrip().endswith("\\")
        out.append(line)
    return "\n".join(out)
