"""What a candidate must pass before it replaces a Dockerfile."""

from __future__ import annotations

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
