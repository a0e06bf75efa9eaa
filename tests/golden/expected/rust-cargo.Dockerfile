# syntax=docker/dockerfile:1

# builder: compiles the dependencies from Cargo.toml Cargo.lock first (reused until they
# change), then ferry; the toolchain, registry and target folder stay here.
FROM rust:1.98-bookworm AS builder
WORKDIR /usr/src/ferry
COPY Cargo.toml Cargo.lock ./
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry touch src/main.rs && cargo install --path .

# runtime: only the ferry binary on gcr.io/distroless/cc-debian12: no Rust toolchain or
# sources.
FROM gcr.io/distroless/cc-debian12 AS runtime
WORKDIR /usr/src/ferry
COPY --from=builder /usr/local/cargo/bin/ferry /usr/local/bin/ferry
EXPOSE 7000
USER nonroot:nonroot
CMD ["ferry"]
