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

# runtime: only the compiled shortlink on scratch: no Go toolchain, module cache or
# sources.
FROM scratch AS runtime
WORKDIR /go/src/shortlink
COPY --from=builder /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/
COPY --from=builder /usr/local/bin/shortlink /usr/local/bin/shortlink
EXPOSE 8080
USER 65532:65532
CMD ["shortlink"]
