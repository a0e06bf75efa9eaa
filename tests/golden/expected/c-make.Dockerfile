# builder: the original build on debian:bookworm-slim: compilers, headers and the build
# as written.
FROM debian:bookworm-slim AS builder
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev make \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/src/greet
COPY . .
RUN make

# runtime: the same debian:bookworm-slim with only the program the container runs; no
# compilers, headers or sources.
FROM debian:bookworm-slim AS runtime
WORKDIR /usr/src/greet
COPY --from=builder /usr/src/greet/bin/greet /usr/src/greet/bin/greet
CMD ["./bin/greet"]
