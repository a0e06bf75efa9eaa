# syntax=docker/dockerfile:1

# deps: production dependencies only, installed from the manifests, so this layer is
# rebuilt only when package.json or the lockfile change (node:22-bookworm matches the
# runtime's libc).
FROM node:22-bookworm AS deps
RUN corepack enable
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN --mount=type=cache,target=/root/.local/share/pnpm/store pnpm install --frozen-lockfile --prod

# builder: every dependency, dev ones included, and the build; nothing here ships except
# the build output.
FROM node:22-bookworm AS builder
RUN corepack enable
WORKDIR /app
COPY package.json pnpm-lock.yaml ./
RUN --mount=type=cache,target=/root/.local/share/pnpm/store pnpm install --frozen-lockfile
COPY . .
RUN pnpm run build

# runtime: only what runs: gcr.io/distroless/nodejs22-debian12 with node_modules and the
# app; no compilers, package-manager caches or dev dependencies.
FROM gcr.io/distroless/nodejs22-debian12 AS runtime
WORKDIR /app
ENV PORT=4000
COPY --from=deps /app/node_modules ./node_modules
COPY --from=builder /app/package.json ./package.json
COPY --from=builder /app/build ./build
EXPOSE 4000
USER nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["/nodejs/bin/node", "-e", "require('net').connect(4000, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
CMD ["build/index.js"]
