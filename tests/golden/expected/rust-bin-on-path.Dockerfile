# syntax=docker/dockerfile:1

# builder: compiles the dependencies from Cargo.toml Cargo.lock first (reused until they
# change), then blog; the toolchain, registry and target folder stay here.
FROM docker.io/rust:1-bookworm AS builder
WORKDIR /app
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src
COPY . /app
RUN --mount=type=cache,target=/usr/local/cargo/registry touch src/main.rs && cargo build --release
RUN --mount=type=cache,target=/usr/local/cargo/registry chmod -R +r static templates

# runtime: only the blog binary on gcr.io/distroless/cc-debian12: no Rust toolchain or
# sources.
FROM gcr.io/distroless/cc-debian12 AS runtime
COPY --from=builder /app/target/release/blog /usr/bin/blog
COPY --from=builder /app/static /app/static
COPY --from=builder /app/templates /app/templates
USER nonroot:nonroot
CMD ["blog"]
