"""What a candidate must pass before it replaces a Dockerfile."""

from __future__ import annotations

import pytest

from slimstage.dockerfile import parse
from slimstage.rewrite.validate import validate
from slimstage.settings import Settings

ORIGINAL = """FROM golang:1.27
WORKDIR /src
COPY . .
RUN go mod download
RUN go build -o /out/app .
EXPOSE 8080
CMD ["/out/app"]
"""
GOOD = """FROM golang:1.27 AS builder
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod CGO_ENABLED=0 go build -o /out/app .

FROM gcr.io/distroless/static-debian12 AS runtime
WORKDIR /src
COPY --from=builder /out/app /out/app
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK CMD ["/out/app", "-healthcheck"]
CMD ["/out/app"]
"""


def check(candidate: str, explanation: str = "", **settings):
    return validate(parse(ORIGINAL), candidate, settings=Settings(**settings), explanation=explanation)


def test_good_candidate_passes_and_reports_the_user_change() -> None:
    v = check(GOOD)
    assert v.ok, v.problems
    assert [c.field for c in v.changes] == ["USER"] and v.changes[0].hardening


def test_not_a_dockerfile() -> None:
    assert not check("").ok
    v = check("Here is your Dockerfile, enjoy!")
    assert any("not a Dockerfile" in p or "FROM" in p for p in v.problems)


def test_single_stage_is_rejected() -> None:
    v = check(ORIGINAL)
    assert any("only one stage" in p for p in v.problems)


def test_unnamed_stage_and_numeric_reference() -> None:
    v = check(GOOD.replace("FROM golang:1.27 AS builder", "FROM golang:1.27").replace("--from=builder", "--from=0"))
    assert any("has no name" in p for p in v.problems)
    assert any("by number" in p for p in v.problems)


def test_from_must_name_an_earlier_stage_or_an_image() -> None:
    v = check(GOOD.replace("--from=builder", "--from=compile"))
    assert any("--from=compile names neither" in p for p in v.problems)
    assert check(GOOD.replace("COPY --from=builder /out/app /out/app", "COPY --from=builder /out/app /out/app\nCOPY --from=alpine:3.20 /etc/ssl/certs /etc/ssl/certs")).ok


def test_changed_command_needs_naming() -> None:
    changed = GOOD.replace('CMD ["/out/app"]', 'CMD ["/out/app", "--port", "9090"]')
    assert any("changes how the container runs" in p for p in check(changed).problems)
    assert check(changed, explanation="contract_changes: CMD now passes --port 9090").ok


def test_removed_port_and_env() -> None:
    v = check(GOOD.replace("EXPOSE 8080\n", ""))
    assert any("EXPOSE" in p for p in v.problems)


def test_new_layer_order_finding_is_rejected() -> None:
    bad = GOOD.replace("COPY go.mod go.sum ./\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\nCOPY . .\n", "COPY . .\nRUN --mount=type=cache,target=/go/pkg/mod go mod download\n")
    v = validate(parse(GOOD), bad, settings=Settings())  # GOOD has no SLIM101; the candidate adds one
    assert any("introduces SLIM101" in p for p in v.problems), v.problems


def test_new_buildkit_check_finding_is_rejected() -> None:
    # An ARG declared in the builder only: the runtime stage's $VERSION is empty when built
    # (BuildKit's UndefinedVar), the kind of slip a rewrite that moves steps between stages makes.
    original = ORIGINAL.replace("WORKDIR /src\n", "ARG VERSION=1.0\nWORKDIR /src\n").replace("EXPOSE 8080\n", "EXPOSE 8080\nLABEL version=$VERSION\n")
    bad = GOOD.replace("WORKDIR /src\nCOPY go.mod", "ARG VERSION=1.0\nWORKDIR /src\nCOPY go.mod").replace("EXPOSE 8080\n", "EXPOSE 8080\nLABEL version=$VERSION\n")
    v = validate(parse(original), bad, settings=Settings())
    assert any("introduces UndefinedVar" in p and "VERSION" in p for p in v.problems), v.problems  # before: accepted
    fixed = bad.replace("AS runtime\n", "AS runtime\nARG VERSION=1.0\n")
    assert validate(parse(original), fixed, settings=Settings()).ok
    cased = GOOD.replace("FROM golang:1.27 AS builder", "FROM golang:1.27 as builder")
    assert any("introduces FromAsCasing" in p for p in check(cased).problems)


def test_a_buildkit_finding_of_the_original_carried_into_two_stages_is_not_new() -> None:
    original = ORIGINAL.replace("WORKDIR /src\n", "ENV GOFLAGS -mod=mod\nWORKDIR /src\n")
    candidate = GOOD.replace("WORKDIR /src\n", "ENV GOFLAGS -mod=mod\nWORKDIR /src\n")  # in both stages
    v = validate(parse(original), candidate, settings=Settings())
    assert v.ok, v.problems
    assert any(x.code == "LegacyKeyValueFormat" for x in v.result.violations)


def test_piped_download_and_remote_add_are_rejected() -> None:
    v = check(GOOD.replace("RUN --mount=type=cache,target=/go/pkg/mod go mod download", "RUN curl -fsSL https://example.com/install.sh | sh && go mod download"))
    assert any("piped into an interpreter" in p for p in v.problems)
    v = check(GOOD.replace("COPY . .", "ADD https://example.com/tool.tar.gz /tmp/\nCOPY . ."))
    assert any("remote ADD" in p for p in v.problems)


def test_max_stages_is_enforced() -> None:
    v = check(GOOD, max_stages=1)
    assert any("max_stages" in p for p in v.problems)


def test_syntax_errors_are_reported() -> None:
    v = check(GOOD + "RUN <<EOF\necho unterminated\n")
    assert any("line" in p for p in v.problems) and not v.ok


# -- the context-aware checks ----------------------------------------------------------------

from slimstage.analysis.context import BuildContext  # noqa: E402
from slimstage.rewrite.project import ProjectFiles  # noqa: E402

NAMES = frozenset({"go.mod", "go.sum", "main.go", "cmd", "secrets"})
CONTEXT = BuildContext(None, NAMES, "secrets\n")
PROJECT = ProjectFiles(NAMES, True, {}, ("cmd/", "cmd/server/", "go.mod", "go.sum", "main.go"))


def gate(candidate: str, declared=(), warnings=(), dockerignore_added: str = "", **settings):
    return validate(
        parse(ORIGINAL), candidate, settings=Settings(**settings), context=CONTEXT, declared=tuple(declared),
        warnings=tuple(warnings), project=PROJECT, dockerignore_added=dockerignore_added,
    )


def test_copy_sources_must_exist_in_the_context_and_not_be_ignored() -> None:
    assert gate(GOOD).ok
    v = gate(GOOD.replace("COPY go.mod go.sum ./", "COPY go.mod go.sum ./\nCOPY server/ ./server/"))
    assert any("`server/` does not exist in the build context" in p for p in v.problems), v.problems
    v = gate(GOOD.replace("COPY go.mod go.sum ./", "COPY go.mod go.sum ./\nCOPY secrets/key.pem ./"))
    assert any("excluded by .dockerignore" in p for p in v.problems), v.problems
    v = gate(GOOD.replace("COPY go.mod go.sum ./", "COPY go.mod go.sum ./\nCOPY main.go ./"), dockerignore_added="main.go\n")
    assert any("`main.go` is excluded" in p for p in v.problems)  # the proposed .dockerignore counts too
    assert gate(GOOD.replace("COPY go.mod go.sum ./", "COPY go.mod go.sum ./\nCOPY cmd/server ./cmd/server\nCOPY *.go ./")).ok


def test_env_values_and_user_are_compared_exactly() -> None:
    original = ORIGINAL.replace("EXPOSE 8080", "ENV API_URL=https://api.example.com\nUSER app\nEXPOSE 8080")
    good = GOOD.replace("USER nonroot:nonroot", "ENV API_URL=https://api.example.com\nUSER app")
    assert validate(parse(original), good, settings=Settings(), declared=()).ok
    dropped = validate(parse(original), good.replace("API_URL=https://api.example.com", 'API_URL=""'), settings=Settings(), declared=())
    assert any("ENV: API_URL=https://api.example.com -> API_URL=" in p for p in dropped.problems)
    user = validate(parse(original), good.replace("USER app", "USER app:app"), settings=Settings(), declared=())
    assert any("USER: app -> app:app" in p for p in user.problems)
    named = validate(parse(original), good.replace("USER app", "USER app:app"), settings=Settings(), declared=("USER app:app: the group is set too",))
    assert named.ok and [c.field for c in named.changes] == ["USER"]


def test_a_word_in_an_explanation_is_not_a_declaration() -> None:
    changed = GOOD.replace('CMD ["/out/app"]', 'CMD ["/out/app", "serve"]')
    assert not validate(parse(ORIGINAL), changed, settings=Settings(), explanation="The CMD is unchanged.", declared=()).ok
    assert validate(parse(ORIGINAL), changed, settings=Settings(), declared=("CMD: adds the serve subcommand",)).ok


def test_distroless_node_entrypoint_counts_in_the_effective_command() -> None:
    original = 'FROM node:22\nWORKDIR /app\nCOPY . .\nEXPOSE 3000\nCMD ["node", "server.js"]\n'
    rewrite = (
        "FROM node:22 AS build\nWORKDIR /app\nCOPY . .\n"
        'FROM gcr.io/distroless/nodejs22-debian12 AS runtime\nWORKDIR /app\nCOPY --from=build /app /app\nEXPOSE 3000\n'
        'HEALTHCHECK CMD ["/nodejs/bin/node", "-e", "0"]\nCMD ["node", "server.js"]\n'
    )
    v = validate(parse(original), rewrite, settings=Settings(), declared=())
    assert any("node node server.js" in p for p in v.problems), v.problems


@pytest.mark.parametrize(
    "health, ok",
    [
        ('HEALTHCHECK CMD ["/out/app", "-healthcheck"]', True),
        ("HEALTHCHECK CMD /out/app -healthcheck", False),  # shell form, no shell
        ('HEALTHCHECK CMD ["curl", "-f", "http://localhost:8080/"]', False),  # no curl on distroless
    ],
)
def test_the_healthcheck_must_run_on_its_base(health: str, ok: bool) -> None:
    v = check(GOOD.replace('HEALTHCHECK CMD ["/out/app", "-healthcheck"]', health))
    assert v.ok is ok, v.problems


def test_curl_on_a_slim_image_needs_installing() -> None:
    slim = GOOD.replace("gcr.io/distroless/static-debian12", "debian:bookworm-slim").replace(
        'HEALTHCHECK CMD ["/out/app", "-healthcheck"]', "HEALTHCHECK CMD curl -f http://localhost:8080/ || exit 1"
    )
    v = check(slim, target_base="slim")
    assert any("runs curl" in p for p in v.problems), v.problems


def test_settings_are_obeyed_or_the_deviation_declared() -> None:
    no_health = GOOD.replace('HEALTHCHECK CMD ["/out/app", "-healthcheck"]\n', "")
    assert any("include_healthcheck is on" in p for p in check(no_health).problems)
    assert validate(parse(ORIGINAL), no_health, settings=Settings(), warnings=("No HEALTHCHECK: the binary has no health command.",)).ok
    assert any("include_healthcheck is off" in p for p in check(GOOD, include_healthcheck=False).problems)
    no_cache = GOOD.replace("--mount=type=cache,target=/go/pkg/mod ", "")
    assert any("cache_mounts is on" in p for p in check(no_cache).problems)
    assert any("cache_mounts is off" in p for p in check(GOOD, cache_mounts=False).problems)
    assert any("is not a alpine image" in p for p in check(GOOD, target_base="alpine").problems)
    declared = validate(parse(ORIGINAL), GOOD, settings=Settings(target_base="alpine"), warnings=("distroless static instead of alpine: no libc needed",))
    assert declared.ok


SCAN = """FROM aquasec/trivy:0.58.1 AS scan
RUN --mount=from=builder,source=/out/app,target=/scan/app trivy rootfs --exit-code 1 /scan && touch /scan.ok

"""


def test_a_scan_stage_must_run_with_the_target() -> None:
    assert any("no stage scans" in p for p in check(GOOD, security_scan=True).problems)
    with_scan = GOOD.replace("FROM gcr.io/distroless/static-debian12 AS runtime", SCAN + "FROM gcr.io/distroless/static-debian12 AS runtime")
    assert any("is never built" in p for p in check(with_scan, security_scan=True).problems)  # BuildKit would skip it
    linked = with_scan.replace("COPY --from=builder /out/app /out/app", "COPY --from=scan /scan.ok /.scan.ok\nCOPY --from=builder /out/app /out/app")
    assert check(linked, security_scan=True).ok, check(linked, security_scan=True).problems
    assert any("security_scan is off" in p for p in check(linked).problems)
