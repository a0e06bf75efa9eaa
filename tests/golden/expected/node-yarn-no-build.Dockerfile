# syntax=docker/dockerfile:1

# deps: production dependencies only, installed from the manifests, so this layer is
# rebuilt only when package.json or the lockfile change (node:20-bookworm matches the
# runtime's libc).
FROM node:20-bookworm AS deps
WORKDIR /srv/app
COPY package.json yarn.lock ./
RUN --mount=type=cache,target=/usr/local/share/.cache/yarn yarn install --frozen-lockfile --production

# runtime: only what runs: gcr.io/distroless/nodejs20-debian12 with node_modules and the
# app; no compilers, package-manager caches or dev dependencies.
FROM gcr.io/distroless/nodejs20-debian12 AS runtime
WORKDIR /srv/app
COPY --from=deps /srv/app/node_modules ./node_modules
COPY . .
EXPOSE 8080
USER nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 CMD ["/nodejs/bin/node", "-e", "require('net').connect(8080, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))"]
CMD ["server.js"]
