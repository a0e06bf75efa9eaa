# syntax=docker/dockerfile:1

# builder: downloads the modules from go.mod and go.sum first (reused until they
# change), then compiles shortlink; the toolchain and sources stay here.
FROM golang:1.27 AS builder
WORKDIR /go/src/shortlink
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 go build -o /usr/local/bin/shortlink .

# runtime: only the compiled shortlink on gcr.io/distroless/static-debian12: no Go
# toolchain, module cache or sources.
FROM gcr.io/distroless/static-debian12 AS runtime
WORKDIR /go/src/shortlink
COPY --from=builder /usr/local/bin/shortlink /usr/local/bin/shortlink
EXPOSE 8080
USER nonroot:nonroot
CMD ["shortlink"]
