# syntax=docker/dockerfile:1

# builder: downloads the modules from go.mod and go.sum first (reused until they
# change), then compiles notes; the toolchain and sources stay here.
FROM golang:1.26-bookworm AS builder
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update && apt-get install -y --no-install-recommends libsqlite3-dev
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=1 go build -o /out/notes ./cmd/notes

# runtime: only the compiled notes on gcr.io/distroless/base-debian12: no Go toolchain,
# module cache or sources.
FROM gcr.io/distroless/base-debian12 AS runtime
WORKDIR /src
COPY --from=builder /out/notes /out/notes
EXPOSE 9000
USER nonroot:nonroot
ENTRYPOINT ["/out/notes"]
CMD ["--listen", ":9000"]
